/* http_probe: drives http_call from the command line, for the integration tests.
 *
 *   http_probe [--method M] [--header 'Name: value']... [--data BODY] [--sign SERVICE REGION] [--s3]
 *              [--errors xml|json|none] [--deadline-ms N] [--repeat N] [--what TEXT] URL
 *
 * The client's configuration comes from the environment as in the worker (BUCKETLIST_*_MS,
 * AWS_MAX_ATTEMPTS, ...). Signing credentials come straight from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. For each call it prints key=value lines:
 * call, status, attempts, error, aws_code, http_status, elapsed_ms, clock_offset, message, body
 * (body last, with \n, \r, \\ and other control bytes escaped). It never prints credentials.
 * Exit status: 0 when every call succeeded, 1 when one failed, 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "credentials.h"
#include "http.h"

#define MAX_HEADERS 32

static void usage(void)
{
    fprintf(stderr, "usage: http_probe [--method M] [--header 'N: v']... [--data BODY] [--sign SERVICE REGION] "
                    "[--s3] [--errors xml|json|none] [--deadline-ms N] [--repeat N] [--what TEXT] URL\n");
}

static void print_escaped(const char *key, const char *s, size_t len)
{
    printf("%s=", key);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n')
            fputs("\\n", stdout);
        else if (ch == '\r')
            fputs("\\r", stdout);
        else if (ch == '\\')
            fputs("\\\\", stdout);
        else if (ch < 0x20 || ch == 0x7f)
            printf("\\x%02x", ch);
        else
            putchar(ch);
    }
    putchar('\n');
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000L;
}

/* Splits "Name: value" in place. */
static int split_header(char *line, http_header *h)
{
    char *colon = strchr(line, ':');
    if (colon == NULL || colon == line)
        return -1;
    *colon = '\0';
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    h->name = line;
    h->value = v;
    return 0;
}

static int parse_errors(const char *s, http_error_format *out)
{
    if (strcmp(s, "xml") == 0)
        *out = HTTP_ERRORS_XML;
    else if (strcmp(s, "json") == 0)
        *out = HTTP_ERRORS_JSON;
    else if (strcmp(s, "none") == 0)
        *out = HTTP_ERRORS_NONE;
    else
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    http_header headers[MAX_HEADERS];
    size_t n_headers = 0;
    http_request req;
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.errors = HTTP_ERRORS_XML;
    const char *data = NULL;
    long deadline_ms = 0;
    int repeat = 1;
    bool sign = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has1 = i + 1 < argc;
        if (strcmp(a, "--method") == 0 && has1) {
            req.method = argv[++i];
        } else if (strcmp(a, "--header") == 0 && has1) {
            if (n_headers == MAX_HEADERS || split_header(argv[++i], &headers[n_headers]) != 0) {
                usage();
                return 2;
            }
            n_headers++;
        } else if (strcmp(a, "--data") == 0 && has1) {
            data = argv[++i];
        } else if (strcmp(a, "--sign") == 0 && i + 2 < argc) {
            sign = true;
            req.service = argv[++i];
            req.region = argv[++i];
        } else if (strcmp(a, "--s3") == 0) {
            req.s3 = true;
        } else if (strcmp(a, "--errors") == 0 && has1) {
            if (parse_errors(argv[++i], &req.errors) != 0) {
                usage();
                return 2;
            }
        } else if (strcmp(a, "--deadline-ms") == 0 && has1) {
            deadline_ms = strtol(argv[++i], NULL, 10);
        } else if (strcmp(a, "--repeat") == 0 && has1) {
            repeat = atoi(argv[++i]);
        } else if (strcmp(a, "--what") == 0 && has1) {
            req.what = argv[++i];
        } else if (a[0] != '-' && req.url == NULL) {
            req.url = a;
        } else {
            usage();
            return 2;
        }
    }
    if (req.url == NULL || repeat < 1) {
        usage();
        return 2;
    }
    req.headers = headers;
    req.n_headers = n_headers;
    if (data != NULL) {
        req.body = data;
        req.body_len = strlen(data);
    }

    bl_error err;
    bl_error_clear(&err);
    aws_credentials creds;
    memset(&creds, 0, sizeof creds);
    if (sign) {
        if (aws_credentials_set(&creds, getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"),
                                getenv("AWS_SESSION_TOKEN"), 0, "environment", &err) != 0) {
            printf("error=%s\n", bl_errcode_name(err.code));
            print_escaped("message", err.message, strlen(err.message));
            return 1;
        }
        req.credentials = &creds;
    }

    http_config cfg;
    if (http_config_from_env(&cfg, &err) != 0) {
        printf("error=%s\n", bl_errcode_name(err.code));
        print_escaped("message", err.message, strlen(err.message));
        aws_credentials_clear(&creds);
        return 1;
    }
    http_client *c = http_client_new(&cfg, &err);
    if (c == NULL) {
        printf("error=%s\n", bl_errcode_name(err.code));
        aws_credentials_clear(&creds);
        return 1;
    }

    int exit_code = 0;
    for (int call = 1; call <= repeat; call++) {
        if (deadline_ms != 0)
            http_client_start_deadline(c, deadline_ms);
        http_response resp;
        bl_error_clear(&err);
        long long t0 = now_ms();
        int rc = http_call(c, &req, &resp, &err);
        long long elapsed = now_ms() - t0;
        printf("call=%d\n", call);
        printf("status=%ld\n", resp.status);
        printf("attempts=%d\n", resp.attempts);
        printf("error=%s\n", rc == 0 ? "ok" : bl_errcode_name(err.code));
        printf("aws_code=%s\n", rc == 0 ? "" : err.aws_code);
        printf("http_status=%d\n", rc == 0 ? 0 : err.http_status);
        printf("elapsed_ms=%lld\n", elapsed);
        printf("clock_offset=%ld\n", http_client_clock_offset(c));
        printf("call_count=%d\n", http_client_take_call_count(c));
        print_escaped("request_id", resp.request_id, strlen(resp.request_id));
        print_escaped("message", rc == 0 ? "" : err.message, rc == 0 ? 0 : strlen(err.message));
        print_escaped("body", buf_cstr(&resp.body), resp.body.len);
        fflush(stdout);
        if (rc != 0)
            exit_code = 1;
        http_response_free(&resp);
    }
    http_client_free(c);
    aws_credentials_clear(&creds);
    return exit_code;
}
