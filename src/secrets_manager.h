/* Secrets Manager GetSecretValue (JSON 1.1 protocol) for the secret that
 * holds bucketlist's S3 credentials. One call, through the shared signed
 * client; the response body and every parsed copy of the value are wiped. */
#ifndef BUCKETLIST_SECRETS_MANAGER_H
#define BUCKETLIST_SECRETS_MANAGER_H

#include "credentials.h"
#include "error.h"
#include "http.h"
#include "secret.h"

#define SECRETS_MANAGER_ID_MAX 2048    /* the API's limit on SecretId */
#define SECRETS_MANAGER_STAGE_MAX 256  /* and on VersionStage */

/* Fetches secret_id (a name or an ARN) at version_stage (NULL: the service default, AWSCURRENT)
 * with the bootstrap credentials and parses it with secret_parse into out.
 *
 * Region: an ARN's own region wins over `region` (secrets are regional). endpoint_url: NULL for
 * https://secretsmanager.<region>.amazonaws.com (.com.cn for cn-*), or an override such as a local
 * emulator (scheme://host[:port], no query).
 *
 * Returns 0, or -1 with err set. err->code keeps the class http_call found, so callers can tell a
 * permanent failure (BL_ERR_NOT_FOUND, BL_ERR_DENIED, BL_ERR_DECRYPT, BL_ERR_AUTH, BL_ERR_CLIENT,
 * BL_ERR_SECRET_FORMAT, BL_ERR_PROTOCOL, BL_ERR_CONFIG) from a transient one (bl_error_is_transient);
 * the message names the secret and region and says what to fix. */
int secrets_manager_get_secret(http_client *http, const aws_credentials *bootstrap, const char *region,
                               const char *endpoint_url, const char *secret_id, const char *version_stage,
                               s3_secret *out, bl_error *err);

/* The request body, {"SecretId":...[,"VersionStage":...]}, JSON-escaped; heap string or NULL (no
 * memory). Exposed for unit tests. */
char *secrets_manager_request_body(const char *secret_id, const char *version_stage);

/* Parses a GetSecretValue response body: SecretString, else base64 SecretBinary, each through
 * secret_parse. Exposed for unit tests. */
int secrets_manager_parse_response(const char *body, size_t len, s3_secret *out, bl_error *err);

#endif
