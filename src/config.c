#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int config_env_int(const char *name, int min, int max, int fallback, int *out, bl_error *err)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        *out = fallback;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
        return bl_error_set(err, BL_ERR_CONFIG, "%s must be a whole number from %d to %d (got '%.32s')", name,
                            min, max, v);
    *out = (int)n;
    return 0;
}

int worker_config_from_env(worker_config *cfg, bl_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->secret_id = getenv("BUCKETLIST_SECRET_ID");
    if (cfg->secret_id == NULL || cfg->secret_id[0] == '\0')
        return bl_error_set(err, BL_ERR_CONFIG,
                            "BUCKETLIST_SECRET_ID is not set: set it to the name or ARN of the Secrets Manager "
                            "secret that holds the S3 credentials (e.g. BUCKETLIST_SECRET_ID=bucketlist/s3-credentials)");
    if (strlen(cfg->secret_id) > SECRET_ID_MAX)
        return bl_error_set(err, BL_ERR_CONFIG, "BUCKETLIST_SECRET_ID is longer than %d characters: use the "
                            "secret's name or ARN", SECRET_ID_MAX);
    cfg->version_stage = getenv("BUCKETLIST_SECRET_VERSION_STAGE");
    if (cfg->version_stage == NULL || cfg->version_stage[0] == '\0')
        cfg->version_stage = "AWSCURRENT";
    if (strlen(cfg->version_stage) > 256)
        return bl_error_set(err, BL_ERR_CONFIG, "BUCKETLIST_SECRET_VERSION_STAGE is longer than 256 characters: "
                            "use a stage label such as AWSCURRENT or AWSPENDING");
    if (config_env_int("BUCKETLIST_S3_PAGE_SIZE", 1, 10000, 1000, &cfg->page_size, err) != 0 ||
        config_env_int("BUCKETLIST_REFETCH_INTERVAL", 0, 86400, 30, &cfg->refetch_interval_s, err) != 0 ||
        config_env_int("BUCKETLIST_RETRY_MIN", 1, 3600, 5, &cfg->retry_min_s, err) != 0 ||
        config_env_int("BUCKETLIST_RETRY_MAX", 1, 86400, 60, &cfg->retry_max_s, err) != 0)
        return -1;
    int json_max = 0;
    if (config_env_int("BUCKETLIST_JSON_MAX_BYTES", 1024, 1024 * 1024 * 1024, 32 * 1024 * 1024, &json_max, err) != 0)
        return -1;
    cfg->json_max_bytes = json_max;
    if (cfg->retry_max_s < cfg->retry_min_s)
        cfg->retry_max_s = cfg->retry_min_s;
    return 0;
}
