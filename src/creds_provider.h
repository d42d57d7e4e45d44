/* The internal interface between the credential chain (creds_chain.c) and
 * its sources, one file each: creds_env.c, creds_web_identity.c,
 * creds_profile.c, creds_container.c, creds_imds.c.
 *
 * A source answers one of three ways (nginx's NGX_DECLINED idea):
 *   CREDS_FOUND     credentials in *out (out->source says which source);
 *   CREDS_DECLINED  not configured here: `why` says so in a few words
 *                   ("AWS_ACCESS_KEY_ID not set") and the chain moves on;
 *   CREDS_FAILED    configured but broken: err says what failed and what to
 *                   fix, and the chain stops there (no silent fall-through).
 * Sources never log and never put a key, secret or token in a message. */
#ifndef BUCKETLIST_CREDS_PROVIDER_H
#define BUCKETLIST_CREDS_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "credentials.h"
#include "error.h"
#include "http.h"
#include "profile.h"

typedef enum { CREDS_FOUND = 0, CREDS_DECLINED = 1, CREDS_FAILED = -1 } creds_status;

/* State shared by the sources during one resolution. */
typedef struct {
    http_client *http; /* NULL: network sources decline */
    time_t now;        /* clock-corrected time of this resolution */
    aws_profile profile;
    bool profile_loaded;
    int profile_rc;
    bl_error profile_err;
} creds_ctx;

void creds_ctx_init(creds_ctx *ctx, http_client *http, time_t now);
void creds_ctx_cleanup(creds_ctx *ctx);
/* The active profile, loaded on first use (so a broken config file only matters to the sources
 * that read it). NULL with err set when the files cannot be read or parsed. */
const aws_profile *creds_ctx_profile(creds_ctx *ctx, bl_error *err);

typedef creds_status (*creds_fetch_fn)(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len,
                                       bl_error *err);

typedef struct {
    const char *name; /* for messages: "environment", "web identity", ... */
    creds_fetch_fn fetch;
} creds_provider;

creds_status creds_env_fetch(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len, bl_error *err);
creds_status creds_web_identity_fetch(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len,
                                      bl_error *err);
creds_status creds_profile_fetch(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len, bl_error *err);
creds_status creds_container_fetch(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len,
                                   bl_error *err);
creds_status creds_imds_fetch(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len, bl_error *err);

/* Helpers shared by the sources (creds_util.c). */

#define CREDS_TOKEN_FILE_MAX (64u * 1024u)

/* Reads a small file (a token) into `out` (wiped on free). `what` names it in messages. */
int creds_read_file(const char *path, const char *what, buf_t *out, bl_error *err);

/* Parses the JSON credential document of the container and IMDS endpoints: AccessKeyId,
 * SecretAccessKey, Token (optional), Expiration (optional, ISO 8601). When `code_field` is set
 * (IMDS "Code"), its value must be "Success". BL_ERR_PROTOCOL on a malformed document. */
int creds_from_json(const char *body, size_t len, const char *code_field, const char *source, const char *what,
                    aws_credentials *out, bl_error *err);

/* The value of an environment variable when set and non-empty, else NULL. */
const char *creds_getenv(const char *name);

#endif
