/* Source 3: static keys from the shared files (profile.h). Profiles that
 * get credentials some other way (assume role with source_profile or
 * credential_source, credential_process, SSO) are not supported: they are
 * reported as such rather than skipped, so nobody wonders why the chain
 * went on to IMDS. web_identity_token_file is handled by the web identity
 * source, which runs before this one. */
#include "creds_provider.h"

#include <stdio.h>

static const char *unsupported_key(const aws_profile *p)
{
    static const char *const keys[] = {"credential_process", "sso_session", "sso_start_url", "sso_account_id",
                                       "source_profile",     "credential_source", "role_arn"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (aws_profile_get(p, keys[i]) != NULL)
            return keys[i];
    return NULL;
}

static void describe_files(const aws_profile *p, char *out, size_t len)
{
    snprintf(out, len, "%s or %s", p->credentials_path[0] ? p->credentials_path : "~/.aws/credentials (HOME not set)",
             p->config_path[0] ? p->config_path : "~/.aws/config (HOME not set)");
}

creds_status creds_profile_fetch(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len, bl_error *err)
{
    const aws_profile *p = creds_ctx_profile(ctx, err);
    if (p == NULL)
        return CREDS_FAILED;
    char files[2 * AWS_PROFILE_PATH_MAX + 64];
    describe_files(p, files, sizeof files);
    if (!aws_profile_exists(p)) {
        if (p->name_explicit) {
            bl_error_set(err, BL_ERR_CONFIG,
                         "AWS profile '%s' (from AWS_PROFILE) is not in %s; fix AWS_PROFILE or add the profile",
                         p->name, files);
            return CREDS_FAILED;
        }
        snprintf(why, why_len, "no profile '%s' in %s", p->name, files);
        return CREDS_DECLINED;
    }
    /* A role to assume wins over static keys in the SDKs: using the keys would be the wrong identity. */
    const char *role = aws_profile_get(p, "role_arn") ? "role_arn"
                       : aws_profile_get(p, "credential_source") ? "credential_source"
                       : aws_profile_get(p, "source_profile")    ? "source_profile"
                                                                 : NULL;
    if (role != NULL) {
        bl_error_set(err, BL_ERR_CONFIG,
                     "AWS profile '%s' assumes a role ('%s'), which bucketlist does not support; give the "
                     "profile its own aws_access_key_id/aws_secret_access_key, or use environment variables, "
                     "web identity, a container or an instance role",
                     p->name, role);
        return CREDS_FAILED;
    }
    /* The key id, secret and token must come from one file, or a stale token in the other file
     * would be sent with keys it does not belong to. The credentials file wins, as in botocore. */
    const aws_profile_section *from = aws_profile_section_get(&p->credentials, "aws_access_key_id") != NULL ||
                                              aws_profile_section_get(&p->credentials, "aws_secret_access_key") != NULL
                                          ? &p->credentials
                                          : &p->config;
    const char *akid = aws_profile_section_get(from, "aws_access_key_id");
    const char *secret = aws_profile_section_get(from, "aws_secret_access_key");
    bool has_akid = akid != NULL && akid[0] != '\0';
    bool has_secret = secret != NULL && secret[0] != '\0';
    if (has_akid && has_secret) {
        char source[48];
        snprintf(source, sizeof source, "shared-files");
        if (aws_credentials_set(out, akid, secret, aws_profile_section_get(from, "aws_session_token"), 0, source,
                                err) != 0)
            return CREDS_FAILED;
        return CREDS_FOUND;
    }
    if (has_akid || has_secret) {
        bl_error_set(err, BL_ERR_CONFIG, "AWS profile '%s' sets %s but not %s (in %s); set both keys", p->name,
                     has_akid ? "aws_access_key_id" : "aws_secret_access_key",
                     has_akid ? "aws_secret_access_key" : "aws_access_key_id", files);
        return CREDS_FAILED;
    }
    const char *unsupported = unsupported_key(p);
    if (unsupported != NULL) {
        bl_error_set(err, BL_ERR_CONFIG,
                     "AWS profile '%s' gets its credentials through '%s', which bucketlist does not support; "
                     "give the profile aws_access_key_id/aws_secret_access_key, or use environment variables, "
                     "web identity, a container or an instance role",
                     p->name, unsupported);
        return CREDS_FAILED;
    }
    snprintf(why, why_len, "profile '%s' has no aws_access_key_id", p->name);
    return CREDS_DECLINED;
}
