/* A scripted HTTP/1.1 server on 127.0.0.1 in a thread, for the tests of the
 * modules that call http_call (s3_list, secrets_manager). It answers each
 * request with the next canned response (Connection: close) and records what
 * arrived, so a test can check the request as it went on the wire: method,
 * target with its exact percent-encoding, headers, body. Header-only so each
 * test binary stays one file. Loopback only; nothing leaves the host. */
#ifndef BUCKETLIST_TEST_LOOPBACK_HTTP_H
#define BUCKETLIST_TEST_LOOPBACK_HTTP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"

#define LOOPBACK_MAX 16
#define LOOPBACK_REQ_MAX 65536

typedef struct {
    int status;
    const char *content_type;
    const char *body;
} loopback_response;

typedef struct {
    int listen_fd;
    int port;
    pthread_t thread;
    loopback_response script[LOOPBACK_MAX];
    int n_script;
    char *requests[LOOPBACK_MAX]; /* raw request text: head and body */
    int n_requests;
} loopback_server;

static inline void loopback_answer(int fd, const loopback_response *r)
{
    char head[512];
    size_t body_len = strlen(r->body);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\nx-amz-request-id: REQ1\r\n"
                     "Connection: close\r\n\r\n",
                     r->status, r->content_type, body_len);
    if (write(fd, head, (size_t)n) < 0 || (body_len > 0 && write(fd, r->body, body_len) < 0))
        return;
}

/* Reads one request: the head up to the blank line, then Content-Length bytes of body. */
static inline char *loopback_read_request(int fd)
{
    char *req = calloc(1, LOOPBACK_REQ_MAX + 1);
    size_t len = 0;
    size_t need = 0;
    while (len < LOOPBACK_REQ_MAX) {
        ssize_t got = read(fd, req + len, LOOPBACK_REQ_MAX - len);
        if (got <= 0)
            break;
        len += (size_t)got;
        req[len] = '\0';
        char *end = strstr(req, "\r\n\r\n");
        if (end == NULL)
            continue;
        if (need == 0) {
            const char *cl = strcasestr(req, "\r\nContent-Length:");
            need = (size_t)(end + 4 - req) + (cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
        }
        if (len >= need)
            break;
    }
    return req;
}

static inline void *loopback_main(void *arg)
{
    loopback_server *s = arg;
    while (s->n_requests < s->n_script) {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            break;
        s->requests[s->n_requests] = loopback_read_request(fd);
        loopback_answer(fd, &s->script[s->n_requests]);
        s->n_requests++;
        close(fd);
    }
    return NULL;
}

/* Starts serving the first n responses of script, one per request. Returns 0 or -1. */
static inline int loopback_start(loopback_server *s, const loopback_response *script, int n)
{
    memset(s, 0, sizeof *s);
    if (n > LOOPBACK_MAX)
        return -1;
    memcpy(s->script, script, (size_t)n * sizeof *script);
    s->n_script = n;
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listen_fd, 8) != 0 || getsockname(s->listen_fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    s->port = ntohs(a.sin_port);
    return pthread_create(&s->thread, NULL, loopback_main, s) == 0 ? 0 : -1;
}

/* Stops the server (unblocking accept) and waits for it; requests stay readable until free. */
static inline void loopback_stop(loopback_server *s)
{
    shutdown(s->listen_fd, SHUT_RDWR);
    close(s->listen_fd);
    pthread_join(s->thread, NULL);
}

static inline void loopback_free(loopback_server *s)
{
    for (int i = 0; i < s->n_requests; i++)
        free(s->requests[i]);
    s->n_requests = 0;
}

/* The request line of request i, e.g. "GET /?max-buckets=2 HTTP/1.1", into out. */
static inline const char *loopback_request_line(const loopback_server *s, int i, char *out, size_t n)
{
    const char *r = s->requests[i];
    const char *eol = strstr(r, "\r\n");
    size_t len = eol != NULL ? (size_t)(eol - r) : strlen(r);
    if (len >= n)
        len = n - 1;
    memcpy(out, r, len);
    out[len] = '\0';
    return out;
}

/* An HTTP client for talking to the loopback server: one attempt per call (the scripts count
 * requests), and no proxy from the environment in the way. NULL on failure. */
static inline http_client *loopback_client_new(void)
{
    http_config cfg;
    bl_error e;
    unsetenv("AWS_MAX_ATTEMPTS");
    setenv("NO_PROXY", "127.0.0.1", 1);
    if (http_config_from_env(&cfg, &e) != 0)
        return NULL;
    cfg.max_attempts = 1;
    return http_client_new(&cfg, &e);
}

#endif
