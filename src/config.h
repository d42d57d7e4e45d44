/* The worker's own settings, read once at start-up from the environment.
 * AWS settings (credentials, region, endpoints) are read by their modules
 * the way the AWS CLI reads them; these are the BUCKETLIST_* ones. */
#ifndef BUCKETLIST_CONFIG_H
#define BUCKETLIST_CONFIG_H

#include <stdbool.h>

#include "error.h"

typedef struct {
    const char *secret_id;     /* BUCKETLIST_SECRET_ID: name or ARN (required) */
    const char *version_stage; /* BUCKETLIST_SECRET_VERSION_STAGE, default AWSCURRENT */
    int page_size;             /* BUCKETLIST_S3_PAGE_SIZE: max-buckets per page, 1..10000, default 1000 */
    int refetch_interval_s;    /* BUCKETLIST_REFETCH_INTERVAL: min seconds between secret re-fetches, default 30 */
    int retry_min_s;           /* BUCKETLIST_RETRY_MIN: first wait after a transient start-up failure, default 5 */
    int retry_max_s;           /* BUCKETLIST_RETRY_MAX: longest wait between start-up retries, default 60 */
    long json_max_bytes;       /* BUCKETLIST_JSON_MAX_BYTES: largest JSON answer, default 32 MiB */
    bool one_shot;             /* --check: report a transient failure instead of scheduling a retry */
} worker_config;

#define SECRET_ID_MAX 2048

/* Fills cfg from the environment. Missing or malformed values give BL_ERR_CONFIG with the variable
 * named and what to set. Strings point into the environment. */
int worker_config_from_env(worker_config *cfg, bl_error *err);

/* Parses a decimal integer in [min, max] from env var `name`; absent/empty gives `fallback`. */
int config_env_int(const char *name, int min, int max, int fallback, int *out, bl_error *err);

#endif
