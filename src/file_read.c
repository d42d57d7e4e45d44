#include "file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_all(const char *path, const char *what, buf_t *out, bool *missing, bl_error *err)
{
    if (missing != NULL)
        *missing = false;
    /* O_NONBLOCK: a FIFO at that path must not hang the worker before the regular-file check. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (missing != NULL && (errno == ENOENT || errno == ENOTDIR)) {
            *missing = true;
            return 0;
        }
        return bl_error_set(err, BL_ERR_CONFIG, "cannot read the %s %s: %s; check that the file exists and is "
                            "readable", what, path, strerror(errno));
    }
    int rc = -1;
    char chunk[4096];
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        bl_error_set(err, BL_ERR_CONFIG, "the %s %s is not a regular file", what, path);
        goto cleanup;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            bl_error_set(err, BL_ERR_CONFIG, "cannot read the %s %s: %s", what, path, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        if (!buf_append(out, chunk, (size_t)n)) {
            bl_error_set(err, BL_ERR_CONFIG, "the %s %s is larger than %zu KiB; it cannot be a valid %s", what,
                         path, out->max / 1024u, what);
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    OPENSSL_cleanse(chunk, sizeof chunk);
    close(fd);
    if (rc != 0)
        buf_free(out);
    return rc;
}
