/* Reading a small whole file (profiles, token files) into a bounded buffer.
 * The read chunks are wiped, since such files hold keys and tokens. */
#ifndef BUCKETLIST_FILE_READ_H
#define BUCKETLIST_FILE_READ_H

#include <stdbool.h>

#include "buf.h"
#include "error.h"

/* Reads the regular file `path` into `out`, which must be initialised with its cap. `what` names the
 * file in messages ("web identity token file"). When `missing` is not NULL, a file that does not
 * exist is not an error: *missing is set and 0 returned. On error (BL_ERR_CONFIG) `out` is wiped. */
int file_read_all(const char *path, const char *what, buf_t *out, bool *missing, bl_error *err);

#endif
