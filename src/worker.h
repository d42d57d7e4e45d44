/* The worker's AWS state and its one rule: the S3 credentials come from
 * Secrets Manager once per process lifetime.
 *
 * worker_start fetches the secret before the first request is accepted. The
 * bootstrap credentials (from the standard chain) exist only while a fetch
 * runs and are wiped right after it; the S3 credentials stay in memory, are
 * never written anywhere, and are wiped by worker_free.
 *
 * - A permanent start-up failure (configuration, not found, denied,
 *   malformed secret) is returned to main, which exits non-zero.
 * - A transient one (network, throttling, 5xx, timeout) leaves the worker
 *   pending: requests get 503 with the reason, and a new fetch is tried when
 *   a request arrives and the backoff (retry_min_s doubling to retry_max_s)
 *   has passed.
 * - When S3 rejects the credentials (the secret was rotated), the secret is
 *   fetched again once and the listing retried; such re-fetches are at least
 *   refetch_interval_s apart so a bad secret cannot cause a storm. */
#ifndef BUCKETLIST_WORKER_H
#define BUCKETLIST_WORKER_H

#include <stdbool.h>

#include "config.h"
#include "error.h"
#include "http.h"
#include "s3_list.h"

typedef struct worker worker;

typedef enum {
    WORKER_START_OK = 0,
    WORKER_START_PENDING, /* transient failure: keep serving 503 and retry later */
    WORKER_START_FATAL,   /* permanent failure: exit */
} worker_start_result;

/* Creates the worker (HTTP client, regions, endpoints) and fetches the secret. On anything but
 * WORKER_START_OK, err says why. *out is set unless the result is fatal before creation. */
worker_start_result worker_start(const worker_config *cfg, worker **out, bl_error *err);
void worker_free(worker *w);

bool worker_ready(const worker *w);

/* For a request: if the credentials are not loaded yet, tries again when the backoff allows.
 * Returns 0 when ready; else -1 with err explaining why and when the next try is. */
int worker_ensure_ready(worker *w, bl_error *err);

/* Lists the buckets (every page) with the S3 credentials, re-fetching the secret once if S3 rejects
 * them. on_page is called for each page as it arrives. */
int worker_list_buckets(worker *w, const char *prefix, s3_page_fn on_page, void *ctx, s3_list_stats *stats,
                        bl_error *err);

/* Starts the per-request deadline and returns the HTTP attempts made since the last call. */
void worker_begin_request(worker *w);
int worker_take_upstream_calls(worker *w);

const worker_config *worker_get_config(const worker *w);

/* For --check and logs: never values. */
const char *worker_s3_region(const worker *w);
const char *worker_secret_region(const worker *w);
const char *worker_bootstrap_source(const worker *w);
int worker_secret_fetches(const worker *w);

#endif
