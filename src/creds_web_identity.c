/* Source 2: web identity (EKS IRSA and similar). A role ARN plus a file
 * holding an OIDC token, exchanged at STS by AssumeRoleWithWebIdentity.
 *
 * Settings come from AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 * (+ AWS_ROLE_SESSION_NAME), or from the profile's web_identity_token_file +
 * role_arn (+ role_session_name). The call is UNSIGNED (the API model says
 * authtype none): a form POST to the STS endpoint of the configured region,
 * or the global https://sts.amazonaws.com when no region is set. The token
 * file is read again on every refresh because it is rotated underneath us. */
#include "creds_provider.h"

#include <ctype.h>
#include <expat.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "endpoint.h"
#include "timeutil.h"

#define SESSION_NAME_MAX 64

typedef struct {
    const char *token_file;
    const char *role_arn;
    const char *session_name; /* NULL: generated */
    const char *origin;       /* "AWS_WEB_IDENTITY_TOKEN_FILE" or "profile 'x'" for messages */
} wi_settings;

/* ---- STS response (expat) ---- */

enum { F_AKID, F_SECRET, F_TOKEN, F_EXPIRATION, F_COUNT };

typedef struct {
    int depth;
    int credentials_depth; /* depth of the open <Credentials>, 0 if none */
    int field;             /* field whose text is being collected, -1 if none */
    buf_t text[F_COUNT];
    bool seen[F_COUNT];
    bool overflow;
} sts_parse;

static const char *local_name(const XML_Char *name)
{
    const char *colon = strrchr(name, ':');
    return colon ? colon + 1 : name;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    sts_parse *st = ud;
    st->depth++;
    const char *n = local_name(name);
    if (st->credentials_depth == 0 && strcmp(n, "Credentials") == 0) {
        st->credentials_depth = st->depth;
        return;
    }
    if (st->credentials_depth == 0 || st->depth != st->credentials_depth + 1)
        return;
    static const char *const names[F_COUNT] = {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"};
    for (int i = 0; i < F_COUNT; i++) {
        if (strcmp(n, names[i]) == 0) {
            st->field = i;
            st->seen[i] = true;
            buf_reset(&st->text[i]); /* a repeated element: the last one counts */
        }
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)name;
    sts_parse *st = ud;
    if (st->depth == st->credentials_depth)
        st->credentials_depth = -1; /* only the first <Credentials> block counts */
    st->field = -1;
    st->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    sts_parse *st = ud;
    if (st->field >= 0 && !buf_append(&st->text[st->field], s, (size_t)len))
        st->overflow = true;
}

static const char *trimmed(buf_t *b)
{
    char *s = b->data;
    if (s == NULL)
        return "";
    while (b->len > 0 && isspace((unsigned char)s[b->len - 1]))
        s[--b->len] = '\0';
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

static int parse_sts_response(const char *body, size_t len, aws_credentials *out, bl_error *err)
{
    sts_parse st;
    memset(&st, 0, sizeof st);
    st.field = -1;
    for (int i = 0; i < F_COUNT; i++)
        buf_init(&st.text[i], BUF_MAX_SMALL);
    int rc = -1;
    XML_Parser p = XML_ParserCreate("UTF-8");
    if (p == NULL) {
        bl_error_set(err, BL_ERR_NOMEM, "out of memory parsing the STS response");
        goto cleanup;
    }
    XML_SetUserData(p, &st);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    if (len > (size_t)INT_MAX || XML_Parse(p, body, (int)len, 1) != XML_STATUS_OK || st.overflow) {
        bl_error_set(err, BL_ERR_PROTOCOL, "STS AssumeRoleWithWebIdentity answered with malformed XML (%s)",
                     st.overflow ? "a field is too long" : XML_ErrorString(XML_GetErrorCode(p)));
        goto cleanup;
    }
    const char *akid = trimmed(&st.text[F_AKID]);
    const char *secret = trimmed(&st.text[F_SECRET]);
    if (!st.seen[F_AKID] || !st.seen[F_SECRET] || akid[0] == '\0' || secret[0] == '\0') {
        bl_error_set(err, BL_ERR_PROTOCOL,
                     "STS AssumeRoleWithWebIdentity answered without Credentials/AccessKeyId and SecretAccessKey");
        goto cleanup;
    }
    time_t expiration = 0;
    const char *exp = trimmed(&st.text[F_EXPIRATION]);
    if (st.seen[F_EXPIRATION] && exp[0] != '\0' && aws_parse_iso8601(exp, &expiration) != 0) {
        bl_error_set(err, BL_ERR_PROTOCOL, "STS AssumeRoleWithWebIdentity sent an Expiration that is not ISO 8601");
        goto cleanup;
    }
    rc = aws_credentials_set(out, akid, secret, trimmed(&st.text[F_TOKEN]), expiration, "web-identity", err);
cleanup:
    if (p != NULL)
        XML_ParserFree(p);
    for (int i = 0; i < F_COUNT; i++)
        buf_free(&st.text[i]);
    return rc;
}

/* ---- settings ---- */

static bool valid_session_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > SESSION_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '_' || strchr("+=,.@-", c) != NULL))
            return false;
    }
    return true;
}

/* Fills `s` from the environment, else the profile. CREDS_DECLINED when neither has a token file. */
static creds_status find_settings(creds_ctx *ctx, wi_settings *s, char *origin, size_t origin_len, char *why,
                                  size_t why_len, bl_error *err)
{
    memset(s, 0, sizeof *s);
    const char *file = creds_getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    if (file != NULL) {
        s->token_file = file;
        s->role_arn = creds_getenv("AWS_ROLE_ARN");
        s->session_name = creds_getenv("AWS_ROLE_SESSION_NAME");
        s->origin = "AWS_WEB_IDENTITY_TOKEN_FILE";
        if (s->role_arn == NULL) {
            bl_error_set(err, BL_ERR_CONFIG,
                         "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not; set the ARN of the role "
                         "to assume (on EKS: annotate the service account with eks.amazonaws.com/role-arn)");
            return CREDS_FAILED;
        }
        return CREDS_FOUND;
    }
    const aws_profile *p = creds_ctx_profile(ctx, err);
    if (p == NULL)
        return CREDS_FAILED;
    file = aws_profile_get(p, "web_identity_token_file");
    if (file == NULL || file[0] == '\0') {
        snprintf(why, why_len, "AWS_WEB_IDENTITY_TOKEN_FILE not set");
        return CREDS_DECLINED;
    }
    snprintf(origin, origin_len, "web_identity_token_file of AWS profile '%s'", p->name);
    s->token_file = file;
    s->role_arn = aws_profile_get(p, "role_arn");
    s->session_name = aws_profile_get(p, "role_session_name");
    s->origin = origin;
    if (s->role_arn == NULL || s->role_arn[0] == '\0') {
        bl_error_set(err, BL_ERR_CONFIG, "AWS profile '%s' sets web_identity_token_file but not role_arn; add it",
                     p->name);
        return CREDS_FAILED;
    }
    return CREDS_FOUND;
}

/* Reads the token file fresh; surrounding whitespace (a trailing newline) is not part of a JWT. */
static int read_token(const wi_settings *s, buf_t *token, const char **value, bl_error *err)
{
    if (creds_read_file(s->token_file, "web identity token file", token, err) != 0) {
        bl_error_prefix(err, "web identity (%s): ", s->origin);
        return -1;
    }
    *value = trimmed(token);
    if ((*value)[0] == '\0')
        return bl_error_set(err, BL_ERR_CONFIG, "the web identity token file %s is empty; check %s", s->token_file,
                            s->origin);
    return 0;
}

static int append_form(buf_t *body, const char *name, const char *value)
{
    if (!buf_appends(body, body->len ? "&" : "") || !buf_appends(body, name) || !buf_appendc(body, '=') ||
        !sigv4_uri_encode(body, value, strlen(value), false))
        return -1;
    return 0;
}

static void add_hint(bl_error *err, const wi_settings *s)
{
    const char *hint = NULL;
    if (strcmp(err->aws_code, "InvalidIdentityToken") == 0 || strcmp(err->aws_code, "ExpiredTokenException") == 0)
        hint = "check that the token file holds a current token from the identity provider";
    else if (err->code == BL_ERR_DENIED || strcmp(err->aws_code, "AccessDenied") == 0)
        hint = "check the role's trust policy allows this identity provider and subject";
    bl_error_prefix(err, "web identity (role %.200s, %s): ", s->role_arn, s->origin);
    if (hint != NULL) {
        size_t n = strlen(err->message);
        snprintf(err->message + n, sizeof err->message - n, "; %s", hint);
    }
}

creds_status creds_web_identity_fetch(creds_ctx *ctx, aws_credentials *out, char *why, size_t why_len,
                                      bl_error *err)
{
    wi_settings s;
    char origin[AWS_PROFILE_NAME_MAX + 64];
    creds_status st = find_settings(ctx, &s, origin, sizeof origin, why, why_len, err);
    if (st != CREDS_FOUND)
        return st;

    char session[SESSION_NAME_MAX + 1];
    if (s.session_name != NULL && s.session_name[0] != '\0') {
        if (!valid_session_name(s.session_name)) {
            bl_error_set(err, BL_ERR_CONFIG,
                         "the role session name from %s is invalid: use 2-64 characters of letters, digits and "
                         "+=,.@_-",
                         s.origin == origin ? "role_session_name" : "AWS_ROLE_SESSION_NAME");
            return CREDS_FAILED;
        }
        snprintf(session, sizeof session, "%s", s.session_name);
    } else {
        snprintf(session, sizeof session, "bucketlist-%lld", (long long)ctx->now);
    }
    if (ctx->http == NULL) {
        bl_error_set(err, BL_ERR_CONFIG, "web identity is configured but no HTTP client was given to the chain");
        return CREDS_FAILED;
    }

    char region[AWS_REGION_MAX];
    char url[AWS_ENDPOINT_URL_MAX + 2];
    if (aws_region_resolve(region, err) != 0 || aws_endpoint_url(AWS_SVC_STS, region, url, sizeof url - 1, err) != 0) {
        bl_error_prefix(err, "web identity: ");
        return CREDS_FAILED;
    }
    size_t url_len = strlen(url);
    url[url_len] = '/';
    url[url_len + 1] = '\0';

    st = CREDS_FAILED;
    buf_t token, body;
    buf_init(&token, 1);
    buf_init(&body, 4 * CREDS_TOKEN_FILE_MAX);
    const char *token_value = NULL;
    http_response resp;
    memset(&resp, 0, sizeof resp);
    buf_init(&resp.body, BUF_MAX_RESPONSE);
    if (read_token(&s, &token, &token_value, err) != 0)
        goto cleanup;
    if (append_form(&body, "Action", "AssumeRoleWithWebIdentity") != 0 ||
        append_form(&body, "Version", "2011-06-15") != 0 || append_form(&body, "RoleArn", s.role_arn) != 0 ||
        append_form(&body, "RoleSessionName", session) != 0 ||
        append_form(&body, "WebIdentityToken", token_value) != 0) {
        bl_error_set(err, BL_ERR_CONFIG, "the web identity request is too large; check %s", s.origin);
        goto cleanup;
    }
    http_header headers[] = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    http_request req = {
        .method = "POST",
        .url = url,
        .headers = headers,
        .n_headers = 1,
        .body = body.data,
        .body_len = body.len,
        .credentials = NULL, /* unsigned: the token is the authentication */
        .region = region[0] ? region : "us-east-1",
        .service = "sts",
        .errors = HTTP_ERRORS_XML,
        .what = "STS AssumeRoleWithWebIdentity",
    };
    if (http_call(ctx->http, &req, &resp, err) != 0) {
        add_hint(err, &s);
        goto cleanup;
    }
    if (parse_sts_response(resp.body.data ? resp.body.data : "", resp.body.len, out, err) != 0) {
        bl_error_prefix(err, "web identity: ");
        goto cleanup;
    }
    st = CREDS_FOUND;
cleanup:
    http_response_free(&resp);
    buf_free(&body);
    buf_free(&token);
    return st;
}
