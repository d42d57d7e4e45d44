/* The chain's order, precedence and caching: fake sources through the
 * creds_chain_new_with seam, then the real default chain driven by the
 * environment, temporary files and closed loopback ports (no network). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "creds_chain.h"
#include "creds_chain_internal.h"
#include "http.h"

/* ---- fake sources ---- */

static int calls[3];
static creds_status fake_status[3];
static time_t fake_expiration[3];

static creds_status fake(int i, aws_credentials *out, char *why, size_t why_len, bl_error *err)
{
    calls[i]++;
    if (fake_status[i] == CREDS_DECLINED) {
        snprintf(why, why_len, "fake %d not configured", i);
        return CREDS_DECLINED;
    }
    if (fake_status[i] == CREDS_FAILED) {
        bl_error_set(err, BL_ERR_NETWORK, "fake %d broke", i);
        return CREDS_FAILED;
    }
    char id[16], src[16];
    snprintf(id, sizeof id, "AKIDFAKE%d%d", i, calls[i]);
    snprintf(src, sizeof src, "fake%d", i);
    return aws_credentials_set(out, id, "fake-secret", NULL, fake_expiration[i], src, err) == 0 ? CREDS_FOUND
                                                                                                 : CREDS_FAILED;
}

static creds_status fake0(creds_ctx *c, aws_credentials *o, char *w, size_t n, bl_error *e)
{
    (void)c;
    return fake(0, o, w, n, e);
}
static creds_status fake1(creds_ctx *c, aws_credentials *o, char *w, size_t n, bl_error *e)
{
    (void)c;
    return fake(1, o, w, n, e);
}
static creds_status fake2(creds_ctx *c, aws_credentials *o, char *w, size_t n, bl_error *e)
{
    (void)c;
    return fake(2, o, w, n, e);
}

static const creds_provider fakes[] = {{"first", fake0}, {"second", fake1}, {"third", fake2}};

static void reset_fakes(creds_status a, creds_status b, creds_status c)
{
    memset(calls, 0, sizeof calls);
    memset(fake_expiration, 0, sizeof fake_expiration);
    fake_status[0] = a;
    fake_status[1] = b;
    fake_status[2] = c;
}

static void test_creds_chain_first_found_wins(void **state)
{
    (void)state;
    reset_fakes(CREDS_DECLINED, CREDS_FOUND, CREDS_FOUND);
    bl_error err;
    bl_error_clear(&err);
    creds_chain *c = creds_chain_new_with(NULL, fakes, 3, &err);
    assert_non_null(c);
    assert_string_equal(creds_chain_source(c), "none");
    const aws_credentials *cr = creds_chain_get(c, &err);
    assert_non_null(cr);
    assert_string_equal(cr->source, "fake1");
    assert_string_equal(creds_chain_source(c), "fake1");
    assert_int_equal(calls[0], 1);
    assert_int_equal(calls[1], 1);
    assert_int_equal(calls[2], 0);
    /* Long-term credentials are cached: no second resolution. */
    assert_ptr_equal(creds_chain_get(c, &err), cr);
    assert_int_equal(calls[1], 1);
    creds_chain_invalidate(c);
    assert_non_null(creds_chain_get(c, &err));
    assert_int_equal(calls[1], 2);
    creds_chain_free(c);
}

static void test_creds_chain_configured_failure_stops(void **state)
{
    (void)state;
    reset_fakes(CREDS_DECLINED, CREDS_FAILED, CREDS_FOUND);
    bl_error err;
    bl_error_clear(&err);
    creds_chain *c = creds_chain_new_with(NULL, fakes, 3, &err);
    assert_null(creds_chain_get(c, &err));
    assert_int_equal(err.code, BL_ERR_NETWORK);
    assert_string_equal(err.message, "credentials from second: fake 1 broke");
    assert_int_equal(calls[2], 0); /* no fall-through */
    creds_chain_free(c);
}

static void test_creds_chain_expired_credentials_are_refused(void **state)
{
    (void)state;
    reset_fakes(CREDS_FOUND, CREDS_FOUND, CREDS_FOUND);
    fake_expiration[0] = time(NULL) - 60;
    bl_error err;
    bl_error_clear(&err);
    creds_chain *c = creds_chain_new_with(NULL, fakes, 3, &err);
    assert_null(creds_chain_get(c, &err));
    assert_true(bl_error_is_transient(&err));
    assert_non_null(strstr(err.message, "already expired"));
    assert_int_equal(calls[1], 0); /* the source that answered decides; no fall-through */
    creds_chain_free(c);
}

static void test_creds_chain_none_lists_every_source(void **state)
{
    (void)state;
    reset_fakes(CREDS_DECLINED, CREDS_DECLINED, CREDS_DECLINED);
    bl_error err;
    bl_error_clear(&err);
    creds_chain *c = creds_chain_new_with(NULL, fakes, 3, &err);
    assert_null(creds_chain_get(c, &err));
    assert_int_equal(err.code, BL_ERR_NO_CREDENTIALS);
    assert_non_null(strstr(err.message, "first: fake 0 not configured; second: fake 1 not configured; "
                                        "third: fake 2 not configured"));
    assert_non_null(strstr(err.message, "AWS_ACCESS_KEY_ID"));
    creds_chain_free(c);
}

static void test_creds_chain_refresh_window(void **state)
{
    (void)state;
    reset_fakes(CREDS_FOUND, CREDS_DECLINED, CREDS_DECLINED);
    bl_error err;
    bl_error_clear(&err);
    creds_chain *c = creds_chain_new_with(NULL, fakes, 3, &err);

    fake_expiration[0] = time(NULL) + 3600; /* well outside the window: cached */
    assert_non_null(creds_chain_get(c, &err));
    assert_non_null(creds_chain_get(c, &err));
    assert_int_equal(calls[0], 1);
    creds_chain_invalidate(c);

    fake_expiration[0] = time(NULL) + CREDS_REFRESH_WINDOW - 60; /* inside the window: refreshed each time */
    const aws_credentials *cr = creds_chain_get(c, &err);
    assert_string_equal(cr->access_key_id, "AKIDFAKE02");
    cr = creds_chain_get(c, &err);
    assert_string_equal(cr->access_key_id, "AKIDFAKE03");
    assert_int_equal(calls[0], 3);

    /* The refresh fails but the old ones are still valid: keep them, no error. */
    fake_status[0] = CREDS_FAILED;
    bl_error_set(&err, BL_ERR_INPUT, "stale");
    cr = creds_chain_get(c, &err);
    assert_non_null(cr);
    assert_string_equal(cr->access_key_id, "AKIDFAKE03");
    assert_int_equal(err.code, BL_OK);
    assert_int_equal(calls[0], 4);
    creds_chain_free(c);

    /* Expired by now and the refresh fails: an error. */
    reset_fakes(CREDS_FOUND, CREDS_DECLINED, CREDS_DECLINED);
    c = creds_chain_new_with(NULL, fakes, 3, &err);
    fake_expiration[0] = time(NULL) + 1;
    assert_non_null(creds_chain_get(c, &err));
    sleep(2);
    fake_status[0] = CREDS_FAILED;
    assert_null(creds_chain_get(c, &err));
    assert_int_equal(err.code, BL_ERR_NETWORK);
    assert_string_equal(creds_chain_source(c), "none");
    creds_chain_free(c);
}

/* ---- the real default chain ---- */

static char dir[64], cred_path[128], cfg_path[128], token_path[128];
static http_client *http;
static int closed_port;

static const char *const aws_vars[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS", "AWS_MAX_ATTEMPTS", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int find_closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(s, (struct sockaddr *)&a, &len) != 0)
        return -1;
    close(s); /* nothing listens there now: connections are refused at once */
    return ntohs(a.sin_port);
}

static int group_setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof aws_vars / sizeof aws_vars[0]; i++)
        unsetenv(aws_vars[i]);
    snprintf(dir, sizeof dir, "/tmp/bl-test-chain-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(cred_path, sizeof cred_path, "%s/credentials", dir);
    snprintf(cfg_path, sizeof cfg_path, "%s/config", dir);
    snprintf(token_path, sizeof token_path, "%s/token", dir);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
    setenv("AWS_CONFIG_FILE", cfg_path, 1);
    setenv("NO_PROXY", "*", 1);
    closed_port = find_closed_port();
    bl_error err;
    http_config cfg;
    if (closed_port < 0 || http_config_from_env(&cfg, &err) != 0)
        return -1;
    http = http_client_new(&cfg, &err);
    return http ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    http_client_free(http);
    unlink(cred_path);
    unlink(cfg_path);
    unlink(token_path);
    rmdir(dir);
    return 0;
}

static int each(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof aws_vars / sizeof aws_vars[0]; i++)
        unsetenv(aws_vars[i]);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unlink(cred_path);
    unlink(cfg_path);
    unlink(token_path);
    return 0;
}

/* Resolves with a fresh chain; returns 0 and fills key id/source, or -1 with err. */
static int resolve(char *akid, size_t akid_len, char *source, size_t source_len, bl_error *err)
{
    bl_error_clear(err);
    creds_chain *c = creds_chain_new(http, err);
    assert_non_null(c);
    const aws_credentials *cr = creds_chain_get(c, err);
    int rc = -1;
    if (cr != NULL) {
        snprintf(akid, akid_len, "%s", cr->access_key_id);
        snprintf(source, source_len, "%s", creds_chain_source(c));
        rc = 0;
    }
    creds_chain_free(c);
    return rc;
}

#define RESOLVE_OK(akid_want, source_want)                                                                       \
    do {                                                                                                        \
        char akid_[64], src_[48];                                                                               \
        bl_error e_;                                                                                            \
        int rc_ = resolve(akid_, sizeof akid_, src_, sizeof src_, &e_);                                         \
        if (rc_ != 0)                                                                                           \
            fail_msg("chain failed: %s", e_.message);                                                           \
        assert_string_equal(akid_, akid_want);                                                                  \
        assert_string_equal(src_, source_want);                                                                 \
    } while (0)

static bl_error resolve_fails(bl_errcode want)
{
    char akid[64], src[48];
    bl_error e;
    assert_int_equal(resolve(akid, sizeof akid, src, sizeof src, &e), -1);
    if (e.code != want)
        fail_msg("expected %s, got %s: %s", bl_errcode_name(want), bl_errcode_name(e.code), e.message);
    return e;
}

static void test_creds_chain_env_beats_files(void **state)
{
    (void)state;
    write_file(cred_path, "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n");
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    RESOLVE_OK("AKIDENV", "environment");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    RESOLVE_OK("AKIDFILE", "shared-files");
}

static void test_creds_chain_env_session_and_expiration(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "ASIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_SESSION_TOKEN", "env-token", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2999-01-01T00:00:00.5Z", 1);
    bl_error err;
    creds_chain *c = creds_chain_new(http, &err);
    const aws_credentials *cr = creds_chain_get(c, &err);
    assert_non_null(cr);
    assert_string_equal(cr->session_token, "env-token");
    assert_true(cr->expiration > time(NULL));
    creds_chain_free(c);

    setenv("AWS_CREDENTIAL_EXPIRATION", "tomorrow", 1);
    bl_error e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "AWS_CREDENTIAL_EXPIRATION"));
}

static void test_creds_chain_broken_env_is_an_error(void **state)
{
    (void)state;
    write_file(cred_path, "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n");
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    bl_error e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "environment"));
    assert_non_null(strstr(e.message, "AWS_SECRET_ACCESS_KEY"));
    unsetenv("AWS_ACCESS_KEY_ID");
    setenv("AWS_SECRET_ACCESS_KEY", "only-the-secret-value", 1);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_null(strstr(e.message, "only-the-secret-value"));
}

static void test_creds_chain_profile_selection_and_errors(void **state)
{
    (void)state;
    write_file(cred_path, "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n"
                          "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s2\n"
                          "[half]\naws_access_key_id = AKIDHALF\n"
                          "[role]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s4\n"
                          "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n"
                          "[mixed]\naws_access_key_id = AKIDMIXED\naws_secret_access_key = s5\n");
    write_file(cfg_path, "[profile proc]\ncredential_process = /bin/echo\n[profile sso]\nsso_session = x\n"
                         "[profile mixed]\naws_session_token = stale-token-from-config\n"
                         "[profile regiononly]\nregion = eu-west-1\n[profile cfgkeys]\n"
                         "aws_access_key_id = AKIDCFG\naws_secret_access_key = s3\n");
    RESOLVE_OK("AKIDDEFAULT", "shared-files");
    setenv("AWS_PROFILE", "dev", 1);
    RESOLVE_OK("AKIDDEV", "shared-files");
    setenv("AWS_PROFILE", "cfgkeys", 1);
    RESOLVE_OK("AKIDCFG", "shared-files");

    /* Keys, secret and token come from one file: a token in the other file is not mixed in. */
    setenv("AWS_PROFILE", "mixed", 1);
    bl_error mixed_err;
    creds_chain *mixed = creds_chain_new(http, &mixed_err);
    assert_non_null(mixed);
    const aws_credentials *mc = creds_chain_get(mixed, &mixed_err);
    assert_non_null(mc);
    assert_string_equal(mc->access_key_id, "AKIDMIXED");
    assert_null(mc->session_token);
    creds_chain_free(mixed);

    /* A role to assume wins over the profile's static keys in the SDKs: refuse, don't use the keys. */
    setenv("AWS_PROFILE", "role", 1);
    bl_error e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "role_arn"));

    setenv("AWS_PROFILE", "half", 1);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "aws_secret_access_key"));
    setenv("AWS_PROFILE", "proc", 1);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "credential_process"));
    assert_non_null(strstr(e.message, "not support"));
    setenv("AWS_PROFILE", "sso", 1);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "sso_session"));
    setenv("AWS_PROFILE", "missing", 1);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "'missing'"));
    /* A profile without keys declines: the chain goes on (and here finds nothing). */
    setenv("AWS_PROFILE", "regiononly", 1);
    e = resolve_fails(BL_ERR_NO_CREDENTIALS);
    assert_non_null(strstr(e.message, "profile 'regiononly' has no aws_access_key_id"));
}

static void test_creds_chain_nothing_configured(void **state)
{
    (void)state;
    bl_error e = resolve_fails(BL_ERR_NO_CREDENTIALS);
    static const char *const parts[] = {"environment: AWS_ACCESS_KEY_ID not set",
                                        "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set",
                                        "shared files: no profile 'default' in ", "container: AWS_CONTAINER_",
                                        "IMDS: disabled by AWS_EC2_METADATA_DISABLED"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (strstr(e.message, parts[i]) == NULL)
            fail_msg("'%s' missing from: %s", parts[i], e.message);
}

static void test_creds_chain_imds_disabled_and_unreachable(void **state)
{
    (void)state;
    char ep[64];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", closed_port);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
    /* Disabled wins over the endpoint variable. */
    bl_error e = resolve_fails(BL_ERR_NO_CREDENTIALS);
    assert_non_null(strstr(e.message, "IMDS: disabled by AWS_EC2_METADATA_DISABLED"));
    unsetenv("AWS_EC2_METADATA_DISABLED");
    time_t t0 = time(NULL);
    e = resolve_fails(BL_ERR_NO_CREDENTIALS);
    assert_true(time(NULL) - t0 <= 3);
    assert_non_null(strstr(e.message, "IMDS: no instance metadata service at http://127.0.0.1:"));
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "not a url", 1);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "AWS_EC2_METADATA_SERVICE_ENDPOINT"));
}

static void test_creds_chain_container_configured_failures(void **state)
{
    (void)state;
    char url[96];
    /* Configured but unreachable: an error, not a fall-through to IMDS. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/credentials", closed_port);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    unsetenv("AWS_EC2_METADATA_DISABLED");
    bl_error e = resolve_fails(BL_ERR_NETWORK);
    assert_non_null(strstr(e.message, "container"));
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);

    /* Plain http to a host that is not allowed: refused before connecting. */
    static const char *const disallowed[] = {"http://10.0.0.1/creds", "http://169.254.169.254/creds",
                                             "http://[fd00:ec2::24]/creds", "http://192.168.1.1:80/"};
    for (size_t i = 0; i < sizeof disallowed / sizeof disallowed[0]; i++) {
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", disallowed[i], 1);
        e = resolve_fails(BL_ERR_CONFIG);
        assert_non_null(strstr(e.message, "not allowed"));
    }
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "ftp://127.0.0.1/", 1);
    e = resolve_fails(BL_ERR_CONFIG);

    /* A token with a line break never reaches a header. */
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Injected: 1", 1);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "line break"));
    assert_null(strstr(e.message, "X-Injected"));
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    write_file(token_path, "first\nsecond\n");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_path, 1);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
    unlink(token_path);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, token_path));

    /* The relative URI must be a path. */
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/credentials", 1);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
}

static void test_creds_chain_web_identity_configured_failures(void **state)
{
    (void)state;
    write_file(cred_path, "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n");
    write_file(token_path, "header.payload.signature\n");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token_path, 1);
    bl_error e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "AWS_ROLE_ARN"));
    setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r", 1);
    setenv("AWS_ROLE_SESSION_NAME", "bad name!", 1);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "AWS_ROLE_SESSION_NAME"));
    unsetenv("AWS_ROLE_SESSION_NAME");
    /* STS unreachable: a network error (after retries), not the file's keys. */
    char ep[64];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", closed_port);
    setenv("AWS_ENDPOINT_URL_STS", ep, 1);
    setenv("AWS_MAX_ATTEMPTS", "1", 1);
    e = resolve_fails(BL_ERR_NETWORK);
    assert_non_null(strstr(e.message, "web identity"));
    assert_null(strstr(e.message, "header.payload.signature"));
    unlink(token_path);
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, token_path));
    /* The profile form: web_identity_token_file without role_arn. */
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");
    write_file(cfg_path, "[default]\nweb_identity_token_file = /nonexistent/token\n");
    e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, "role_arn"));
}

static void test_creds_chain_broken_config_file(void **state)
{
    (void)state;
    write_file(cfg_path, "[default\nregion = x\n");
    bl_error e = resolve_fails(BL_ERR_CONFIG);
    assert_non_null(strstr(e.message, cfg_path));
    /* Environment keys still win: the files are not read then. */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    RESOLVE_OK("AKIDENV", "environment");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_creds_chain_first_found_wins),
        cmocka_unit_test(test_creds_chain_configured_failure_stops),
        cmocka_unit_test(test_creds_chain_expired_credentials_are_refused),
        cmocka_unit_test(test_creds_chain_none_lists_every_source),
        cmocka_unit_test(test_creds_chain_refresh_window),
        cmocka_unit_test_setup(test_creds_chain_env_beats_files, each),
        cmocka_unit_test_setup(test_creds_chain_env_session_and_expiration, each),
        cmocka_unit_test_setup(test_creds_chain_broken_env_is_an_error, each),
        cmocka_unit_test_setup(test_creds_chain_profile_selection_and_errors, each),
        cmocka_unit_test_setup(test_creds_chain_nothing_configured, each),
        cmocka_unit_test_setup(test_creds_chain_imds_disabled_and_unreachable, each),
        cmocka_unit_test_setup(test_creds_chain_container_configured_failures, each),
        cmocka_unit_test_setup(test_creds_chain_web_identity_configured_failures, each),
        cmocka_unit_test_setup(test_creds_chain_broken_config_file, each),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
