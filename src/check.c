#include "check.h"

#include <stdio.h>

#include "worker.h"

static int count_page(void *ctx, const s3_bucket *buckets, size_t n)
{
    (void)buckets;
    *(size_t *)ctx += n;
    return 0;
}

void check_report_config_error(const bl_error *err)
{
    printf("result:          FAILED (%s)\n%s\n", bl_errcode_name(err->code), err->message);
}

int check_run(const worker_config *cfg)
{
    bl_error err;
    bl_error_clear(&err);
    worker *w = NULL;
    worker_config one_shot = *cfg;
    one_shot.one_shot = true;
    cfg = &one_shot;
    printf("secret:          %s (stage %s)\n", cfg->secret_id, cfg->version_stage);
    worker_start_result started = worker_start(cfg, &w, &err);
    if (started != WORKER_START_OK) {
        printf("result:          FAILED (%s%s)\n%s\n", bl_errcode_name(err.code),
               started == WORKER_START_PENDING ? ", transient: a running worker would keep retrying" : "",
               err.message);
        worker_free(w);
        return 1;
    }
    printf("secret region:   %s\nbootstrap from:  %s\nS3 region:       %s\n", worker_secret_region(w),
           worker_bootstrap_source(w), worker_s3_region(w));
    size_t count = 0;
    s3_list_stats stats;
    worker_begin_request(w);
    int rc = worker_list_buckets(w, NULL, count_page, &count, &stats, &err);
    if (rc != 0) {
        printf("result:          FAILED listing buckets (%s)\n%s\n", bl_errcode_name(err.code), err.message);
        worker_free(w);
        return 1;
    }
    printf("buckets:         %zu (%d page%s)\nresult:          OK\n", count, stats.pages,
           stats.pages == 1 ? "" : "s");
    worker_free(w);
    return 0;
}
