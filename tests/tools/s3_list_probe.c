/* Lists S3 buckets once with s3_list_buckets, for the end-to-end tests.
 *
 *   s3_list_probe REGION [ENDPOINT_URL] [--page-size N] [--prefix P] [--stop-after PAGES]
 *
 * Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the optional
 * AWS_SESSION_TOKEN. Prints each bucket name on its own line, then "pages=N" and "buckets=N";
 * on failure "error=<code>", "aws_code=<code>", "http_status=<n>", "message=<message>" and exits 1.
 * Never prints a key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credentials.h"
#include "http.h"
#include "s3_list.h"

typedef struct {
    int pages;
    int stop_after;
} probe;

static int print_page(void *ctx, const s3_bucket *b, size_t n)
{
    probe *p = ctx;
    for (size_t i = 0; i < n; i++)
        printf("%s\n", b[i].name);
    p->pages++;
    return p->stop_after > 0 && p->pages >= p->stop_after;
}

static int usage(void)
{
    fprintf(stderr, "usage: s3_list_probe REGION [ENDPOINT_URL] [--page-size N] [--prefix P] [--stop-after PAGES]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *region = NULL, *endpoint = NULL, *prefix = NULL;
    int page_size = 0;
    probe p = {0, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--page-size") == 0 && i + 1 < argc)
            page_size = atoi(argv[++i]);
        else if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc)
            prefix = argv[++i];
        else if (strcmp(argv[i], "--stop-after") == 0 && i + 1 < argc)
            p.stop_after = atoi(argv[++i]);
        else if (region == NULL)
            region = argv[i];
        else if (endpoint == NULL)
            endpoint = argv[i];
        else
            return usage();
    }
    if (region == NULL)
        return usage();

    bl_error err;
    bl_error_clear(&err);
    aws_credentials creds = {0};
    http_client *http = NULL;
    s3_list_stats stats = {0, 0};
    int rc = -1;
    http_config cfg;
    if (http_config_from_env(&cfg, &err) != 0 || (http = http_client_new(&cfg, &err)) == NULL)
        goto done;
    if (aws_credentials_set(&creds, getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"),
                            getenv("AWS_SESSION_TOKEN"), 0, "environment", &err) != 0)
        goto done;
    rc = s3_list_buckets(http, &creds, region, endpoint, prefix, page_size, print_page, &p, &stats, &err);
done:
    if (rc < 0) {
        printf("error=%s\naws_code=%s\nhttp_status=%d\nmessage=%s\n", bl_errcode_name(err.code), err.aws_code,
               err.http_status, err.message);
    } else {
        printf("pages=%d\nbuckets=%ld\n", stats.pages, stats.buckets);
        if (rc == 1)
            printf("stopped=yes\n");
    }
    aws_credentials_clear(&creds);
    http_client_free(http);
    return rc < 0 ? 1 : 0;
}
