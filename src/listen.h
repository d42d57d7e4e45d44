/* The FastCGI listening socket: either inherited on fd 0 (spawn-fcgi, the
 * FastCGI convention) or opened by us for `--socket PATH|HOST:PORT`. */
#ifndef BUCKETLIST_LISTEN_H
#define BUCKETLIST_LISTEN_H

#include "error.h"

/* True when fd 0 is a listening socket. */
int listen_fd0_is_socket(void);

/* Opens a listening socket. A spec with a '/' is a Unix socket path (an existing socket file is
 * replaced; mode 0660); otherwise HOST:PORT (IPv4/IPv6 literal or name; [v6]:port allowed).
 * Returns the fd or -1 with err set. */
int listen_open(const char *spec, int backlog, bl_error *err);

#endif
