#include "listen.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int listen_fd0_is_socket(void)
{
    int accepting = 0;
    socklen_t len = sizeof accepting;
    if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0)
        return 0;
    return accepting != 0;
}

static int open_unix(const char *path, int backlog, bl_error *err)
{
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path)
        return bl_error_set(err, BL_ERR_CONFIG, "--socket path is longer than %zu bytes: use a shorter path",
                            sizeof addr.sun_path - 1);
    memcpy(addr.sun_path, path, strlen(path) + 1);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return bl_error_set(err, BL_ERR_CONFIG, "--socket %s exists and is not a socket: remove it or pick "
                                "another path", path);
        /* Replace a stale socket from an earlier run, never a live one (as spawn-fcgi does). */
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&addr, sizeof addr) == 0) {
            close(probe);
            return bl_error_set(err, BL_ERR_CONFIG, "--socket %s: another process is already accepting on it; "
                                "stop it or pick another path", path);
        }
        if (probe >= 0)
            close(probe);
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return bl_error_set(err, BL_ERR_CONFIG, "socket(): %s", strerror(errno));
    mode_t old = umask(007);
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    if (rc != 0 || listen(fd, backlog) != 0) {
        int e = errno;
        close(fd);
        return bl_error_set(err, BL_ERR_CONFIG, "cannot listen on %s: %s; check the directory exists and is "
                            "writable", path, strerror(e));
    }
    return fd;
}

static int open_tcp(const char *spec, int backlog, bl_error *err)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || colon[1] == '\0' || (size_t)(colon - spec) >= sizeof host)
        return bl_error_set(err, BL_ERR_CONFIG, "--socket '%s' is neither a path (with '/') nor HOST:PORT: use e.g. "
                            "--socket /run/bucketlist/fcgi.sock or --socket 127.0.0.1:9000", spec);
    size_t hlen = (size_t)(colon - spec);
    memcpy(host, spec, hlen);
    host[hlen] = '\0';
    if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
        memmove(host, host + 1, hlen - 2);
        host[hlen - 2] = '\0';
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int gai = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res);
    if (gai != 0)
        return bl_error_set(err, BL_ERR_CONFIG, "--socket %s: cannot resolve: %s", spec, gai_strerror(gai));
    int fd = -1, e = 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return bl_error_set(err, BL_ERR_CONFIG, "cannot listen on %s: %s; is another process using that port?", spec,
                            strerror(e));
    return fd;
}

int listen_open(const char *spec, int backlog, bl_error *err)
{
    if (spec == NULL || spec[0] == '\0')
        return bl_error_set(err, BL_ERR_CONFIG, "--socket needs a value: PATH or HOST:PORT");
    if (strchr(spec, '/') != NULL)
        return open_unix(spec, backlog, err);
    return open_tcp(spec, backlog, err);
}
