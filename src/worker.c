#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "creds_chain.h"
#include "endpoint.h"
#include "log.h"
#include "secret.h"
#include "secrets_manager.h"

/* The original app's region when neither the secret nor the configuration names one. */
#define DEFAULT_S3_REGION "us-east-2"

struct worker {
    worker_config cfg;
    http_client *http;
    char secret_region[64];
    char sm_endpoint[512];
    s3_secret secret;        /* the S3 credentials; valid when loaded */
    bool loaded;
    char s3_region[64];
    char s3_endpoint[512];
    char bootstrap_source[48];
    int fetches;             /* successful GetSecretValue fetches */
    time_t last_refetch;     /* when a rotation re-fetch was last tried (0: never) */
    bool last_refetch_ok;    /* and whether it got the secret */
    int failures;            /* consecutive failed start-up fetches */
    time_t next_try;         /* earliest time of the next start-up fetch */
    bl_error last_error;     /* why the credentials are not loaded */
};

static time_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* Sets the S3 region (secret, then configuration, then the default) and its endpoint. */
static int choose_s3_target(worker *w, bl_error *err)
{
    char configured[64] = "";
    if (w->secret.region[0] != '\0') {
        snprintf(w->s3_region, sizeof w->s3_region, "%s", w->secret.region);
    } else {
        if (aws_region_resolve(configured, err) != 0)
            return -1;
        snprintf(w->s3_region, sizeof w->s3_region, "%s", configured[0] ? configured : DEFAULT_S3_REGION);
    }
    return aws_endpoint_url(AWS_SVC_S3, w->s3_region, w->s3_endpoint, sizeof w->s3_endpoint, err);
}

/* One GetSecretValue with freshly resolved bootstrap credentials, which are wiped on return. */
static int fetch_secret(worker *w, bl_error *err)
{
    creds_chain *chain = creds_chain_new(w->http, err);
    if (chain == NULL)
        return -1;
    const aws_credentials *bootstrap = creds_chain_get(chain, err);
    if (bootstrap == NULL) {
        creds_chain_free(chain);
        bl_error_prefix(err, "cannot read the secret: no bootstrap credentials for Secrets Manager: ");
        return -1;
    }
    snprintf(w->bootstrap_source, sizeof w->bootstrap_source, "%s", creds_chain_source(chain));
    s3_secret fresh;
    memset(&fresh, 0, sizeof fresh);
    int rc = secrets_manager_get_secret(w->http, bootstrap, w->secret_region, w->sm_endpoint, w->cfg.secret_id,
                                        w->cfg.version_stage, &fresh, err);
    creds_chain_free(chain);
    if (rc != 0) {
        s3_secret_clear(&fresh);
        return -1;
    }
    s3_secret_clear(&w->secret);
    w->secret = fresh; /* ownership moves; `fresh` is not cleared */
    if (choose_s3_target(w, err) != 0) {
        s3_secret_clear(&w->secret);
        w->loaded = false;
        return -1;
    }
    w->loaded = true;
    w->fetches++;
    return 0;
}

static void schedule_retry(worker *w, const bl_error *why)
{
    w->last_error = *why;
    w->failures++;
    long wait = w->cfg.retry_min_s;
    for (int i = 1; i < w->failures && wait < w->cfg.retry_max_s; i++)
        wait *= 2;
    if (wait > w->cfg.retry_max_s)
        wait = w->cfg.retry_max_s;
    w->next_try = now_s() + wait;
    log_event("warn", "S3 credentials not loaded (%s): %s; next try in %ld s", bl_errcode_name(why->code),
              why->message, wait);
}

worker_start_result worker_start(const worker_config *cfg, worker **out, bl_error *err)
{
    *out = NULL;
    worker *w = calloc(1, sizeof *w);
    if (w == NULL) {
        bl_error_set(err, BL_ERR_NOMEM, "out of memory");
        return WORKER_START_FATAL;
    }
    w->cfg = *cfg;
    http_config hc;
    if (http_config_from_env(&hc, err) != 0 || (w->http = http_client_new(&hc, err)) == NULL) {
        worker_free(w);
        return WORKER_START_FATAL;
    }
    /* An ARN's region wins: secrets are regional and the ARN says where this one lives. */
    bool is_arn = strncmp(cfg->secret_id, "arn:", 4) == 0;
    if (is_arn && !secret_id_region(cfg->secret_id, w->secret_region)) {
        bl_error_set(err, BL_ERR_CONFIG,
                     "BUCKETLIST_SECRET_ID starts with 'arn:' but is not a Secrets Manager secret ARN "
                     "(arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME): copy the ARN from `aws "
                     "secretsmanager describe-secret --secret-id NAME`, or give the secret's name");
        worker_free(w);
        return WORKER_START_FATAL;
    }
    if (!is_arn) {
        if (aws_region_resolve(w->secret_region, err) != 0) {
            worker_free(w);
            return WORKER_START_FATAL;
        }
        if (w->secret_region[0] == '\0') {
            bl_error_set(err, BL_ERR_CONFIG,
                         "no AWS region for Secrets Manager: set AWS_REGION (or AWS_DEFAULT_REGION, or `region` in "
                         "the active ~/.aws/config profile), or set BUCKETLIST_SECRET_ID to the secret's full ARN");
            worker_free(w);
            return WORKER_START_FATAL;
        }
    }
    if (aws_endpoint_url(AWS_SVC_SECRETS_MANAGER, w->secret_region, w->sm_endpoint, sizeof w->sm_endpoint, err) !=
        0) {
        worker_free(w);
        return WORKER_START_FATAL;
    }
    *out = w;
    http_client_start_deadline(w->http, 0);
    if (fetch_secret(w, err) == 0)
        return WORKER_START_OK;
    if (bl_error_is_transient(err)) {
        if (!cfg->one_shot)
            schedule_retry(w, err);
        return WORKER_START_PENDING;
    }
    return WORKER_START_FATAL;
}

void worker_free(worker *w)
{
    if (w == NULL)
        return;
    s3_secret_clear(&w->secret);
    http_client_free(w->http);
    free(w);
}

bool worker_ready(const worker *w)
{
    return w->loaded;
}

int worker_ensure_ready(worker *w, bl_error *err)
{
    if (w->loaded)
        return 0;
    time_t now = now_s();
    if (now >= w->next_try) {
        bl_error e;
        bl_error_clear(&e);
        if (fetch_secret(w, &e) == 0) {
            log_event("info", "S3 credentials loaded from Secrets Manager after %d failed tries", w->failures);
            w->failures = 0;
            return 0;
        }
        schedule_retry(w, &e);
    }
    *err = w->last_error;
    long wait = (long)(w->next_try - now_s());
    bl_error_set(err, w->last_error.code,
                 "The S3 credentials are not available yet: %s. The worker tries again in %ld s.",
                 w->last_error.message, wait > 0 ? wait : 0);
    return -1;
}

/* The codes by which S3 says the key in the secret is no longer good: the secret was probably
 * rotated. Other auth errors (clock skew, a malformed token) are not cured by fetching it again. */
static bool rejected_credentials(const bl_error *e)
{
    static const char *const codes[] = {"InvalidAccessKeyId", "ExpiredToken", "SignatureDoesNotMatch",
                                        "TokenRefreshRequired"};
    if (e->code != BL_ERR_AUTH)
        return false;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(e->aws_code, codes[i]) == 0)
            return true;
    return false;
}

int worker_list_buckets(worker *w, const char *prefix, s3_page_fn on_page, void *ctx, s3_list_stats *stats,
                        bl_error *err)
{
    memset(stats, 0, sizeof *stats);
    int rc = s3_list_buckets(w->http, &w->secret.creds, w->s3_region, w->s3_endpoint, prefix, w->cfg.page_size,
                             on_page, ctx, stats, err);
    if (rc == 0 || !rejected_credentials(err) || stats->pages > 0)
        return rc;

    /* S3 no longer accepts the key: the secret was probably rotated. Fetch it once more. */
    time_t now = now_s();
    if (w->last_refetch != 0 && now - w->last_refetch < w->cfg.refetch_interval_s) {
        bl_error_prefix(err, "S3 rejected the credentials from the secret; %s %ld s ago, and re-fetches are at "
                             "most one per %d s (BUCKETLIST_REFETCH_INTERVAL): ",
                        w->last_refetch_ok ? "the secret was re-fetched" : "a re-fetch of the secret failed",
                        (long)(now - w->last_refetch), w->cfg.refetch_interval_s);
        return -1;
    }
    w->last_refetch = now;
    char code[BL_AWS_CODE_MAX];
    snprintf(code, sizeof code, "%s", err->aws_code);
    log_event("info", "S3 rejected the credentials (%s); fetching the secret again", code[0] ? code : "auth");
    bl_error fetch_err;
    bl_error_clear(&fetch_err);
    w->last_refetch_ok = fetch_secret(w, &fetch_err) == 0;
    if (!w->last_refetch_ok) {
        *err = fetch_err;
        bl_error_prefix(err, "S3 rejected the credentials (%s) and fetching the secret again failed: ",
                        code[0] ? code : "auth");
        return -1;
    }
    memset(stats, 0, sizeof *stats);
    rc = s3_list_buckets(w->http, &w->secret.creds, w->s3_region, w->s3_endpoint, prefix, w->cfg.page_size,
                         on_page, ctx, stats, err);
    if (rc != 0 && rejected_credentials(err))
        bl_error_prefix(err, "S3 rejected the credentials even after the secret was fetched again; check that "
                             "the key in the secret is active: ");
    return rc;
}

void worker_begin_request(worker *w)
{
    http_client_start_deadline(w->http, 0);
}

int worker_take_upstream_calls(worker *w)
{
    return http_client_take_call_count(w->http);
}

const worker_config *worker_get_config(const worker *w)
{
    return &w->cfg;
}

const char *worker_s3_region(const worker *w)
{
    return w->s3_region;
}

const char *worker_secret_region(const worker *w)
{
    return w->secret_region;
}

const char *worker_bootstrap_source(const worker *w)
{
    return w->bootstrap_source;
}

int worker_secret_fetches(const worker *w)
{
    return w->fetches;
}
