#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;

int log_open(const char *path, char *msg, size_t msg_len)
{
    log_close();
    if (path == NULL || path[0] == '\0')
        return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(msg, msg_len, "cannot open log file '%s': %s; check that its directory exists and is writable",
                 path, strerror(errno));
        return -1;
    }
    log_fd = fd;
    return 0;
}

void log_close(void)
{
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

static void emit(const char *line, size_t n)
{
    if (log_fd >= 0)
        write_all(log_fd, line, n);
    write_all(STDERR_FILENO, line, n);
}

static void timestamp(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

void log_quote(char *out, size_t out_len, const char *s)
{
    size_t o = 0;
    if (out_len < 3) {
        if (out_len > 0)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (; s != NULL && *s != '\0' && o + 6 < out_len; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, out_len - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

void log_event(const char *level, const char *fmt, ...)
{
    char msg[1024], quoted[2200], line[2400], ts[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_quote(quoted, sizeof quoted, msg);
    timestamp(ts);
    int n = snprintf(line, sizeof line, "time=%s pid=%d level=%s msg=%s\n", ts, (int)getpid(), level, quoted);
    if (n > 0)
        emit(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void log_request(const log_request_line *r)
{
    char ts[32], method[48], path[600], err[160], line[1200];
    timestamp(ts);
    log_quote(method, sizeof method, r->method ? r->method : "-");
    log_quote(path, sizeof path, r->path ? r->path : "-");
    int n = snprintf(line, sizeof line,
                     "time=%s pid=%d level=info event=request method=%s path=%s status=%d bytes=%lu "
                     "duration_ms=%ld upstream_calls=%d",
                     ts, (int)getpid(), method, path, r->status, r->bytes, r->duration_ms, r->upstream_calls);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    size_t len = (size_t)n;
    if (r->buckets >= 0)
        len += (size_t)snprintf(line + len, sizeof line - len, " buckets=%ld", r->buckets);
    if (r->error_code != NULL && len < sizeof line) {
        log_quote(err, sizeof err, r->error_code);
        len += (size_t)snprintf(line + len, sizeof line - len, " error=%s", err);
    }
    if (len >= sizeof line - 1)
        len = sizeof line - 2;
    line[len++] = '\n';
    emit(line, len);
}
