#include "aws_error.h"

#include <expat.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "retry.h"

/* Copies a service message keeping printable ASCII only (a message goes into logs and pages),
 * squeezing whitespace, and marking a cut with "...". */
static void copy_message(char *out, size_t out_size, const char *in, size_t len)
{
    size_t o = 0;
    bool truncated = false;
    bool last_space = true; /* drops leading blanks */
    for (size_t i = 0; i < len && in[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)in[i];
        bool space = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
        if (space && last_space)
            continue;
        if (o + 1 >= out_size) {
            truncated = true;
            break;
        }
        out[o++] = space ? ' ' : (ch >= 0x20 && ch < 0x7f ? (char)ch : '?');
        last_space = space;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    if (truncated && out_size >= 4) {
        size_t keep = o < out_size - 4 ? o : out_size - 4;
        memcpy(out + keep, "...", 4);
    }
}

static void info_init(aws_error_info *info)
{
    memset(info, 0, sizeof *info);
}

void aws_error_normalize_code(const char *raw, char *out, size_t out_size)
{
    if (out_size == 0)
        return;
    out[0] = '\0';
    if (raw == NULL)
        return;
    size_t end = strcspn(raw, ":");
    size_t start = 0;
    for (size_t i = 0; i < end; i++) {
        if (raw[i] == '#')
            start = i + 1;
    }
    /* Trim blanks a header value may carry. */
    while (start < end && (raw[start] == ' ' || raw[start] == '\t'))
        start++;
    while (end > start && (raw[end - 1] == ' ' || raw[end - 1] == '\t' || raw[end - 1] == '\r' ||
                           raw[end - 1] == '\n'))
        end--;
    size_t n = end - start;
    if (n >= out_size)
        n = out_size - 1;
    /* Codes are identifiers; anything else is not worth keeping. */
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)raw[start + i];
        if (ch > 0x20 && ch < 0x7f)
            out[o++] = (char)ch;
    }
    out[o] = '\0';
}

/* ---- XML: S3 <Error> and query-protocol <ErrorResponse><Error> ---- */

#define XML_TEXT_MAX 1024

typedef struct {
    XML_Parser parser;
    int depth;
    int error_depth;  /* depth of the <Error> element we are inside, 0 if none */
    char *target;     /* field being collected, NULL if none */
    size_t target_size;
    size_t target_len;
    char code_raw[BL_AWS_CODE_MAX];
    char message_raw[XML_TEXT_MAX];
    bool have_code;
    bool have_message;
} xml_state;

static void XMLCALL xml_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    xml_state *s = ud;
    s->depth++;
    if (strcmp(name, "Error") == 0 && s->error_depth == 0) {
        s->error_depth = s->depth;
        return;
    }
    if (s->error_depth == 0 || s->depth != s->error_depth + 1)
        return;
    if (strcmp(name, "Code") == 0 && !s->have_code) {
        s->target = s->code_raw;
        s->target_size = sizeof s->code_raw;
    } else if (strcmp(name, "Message") == 0 && !s->have_message) {
        s->target = s->message_raw;
        s->target_size = sizeof s->message_raw;
    }
    if (s->target != NULL) {
        s->target_len = 0;
        s->target[0] = '\0';
    }
}

static void XMLCALL xml_end(void *ud, const XML_Char *name)
{
    xml_state *s = ud;
    if (s->target != NULL) {
        if (s->target == s->code_raw)
            s->have_code = true;
        else
            s->have_message = true;
        s->target = NULL;
    }
    if (s->error_depth == s->depth && strcmp(name, "Error") == 0)
        s->error_depth = 0;
    s->depth--;
}

static void XMLCALL xml_text(void *ud, const XML_Char *text, int len)
{
    xml_state *s = ud;
    if (s->target == NULL || len <= 0)
        return;
    size_t room = s->target_size - 1 - s->target_len;
    size_t n = (size_t)len < room ? (size_t)len : room;
    memcpy(s->target + s->target_len, text, n);
    s->target_len += n;
    s->target[s->target_len] = '\0';
}

/* Error bodies never need a DTD; refusing one shuts out entity tricks. */
static void XMLCALL xml_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                                const XML_Char *pubid, int has_internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    xml_state *s = ud;
    XML_StopParser(s->parser, XML_FALSE);
}

bool aws_error_parse_xml(const char *body, size_t len, aws_error_info *info)
{
    info_init(info);
    if (body == NULL || len == 0 || len > (size_t)0x7fffffff)
        return false;
    XML_Parser p = XML_ParserCreate(NULL);
    if (p == NULL)
        return false;
    xml_state s;
    memset(&s, 0, sizeof s);
    s.parser = p;
    XML_SetUserData(p, &s);
    XML_SetElementHandler(p, xml_start, xml_end);
    XML_SetCharacterDataHandler(p, xml_text);
    XML_SetStartDoctypeDeclHandler(p, xml_doctype);
    /* A truncated or malformed body may still have given us the code before the fault. */
    (void)XML_Parse(p, body, (int)len, XML_TRUE);
    XML_ParserFree(p);
    if (s.have_code)
        aws_error_normalize_code(s.code_raw, info->code, sizeof info->code);
    if (s.have_message)
        copy_message(info->message, sizeof info->message, s.message_raw, strlen(s.message_raw));
    return info->code[0] != '\0';
}

/* ---- JSON 1.1 ---- */

static const char *json_string_field(json_object *obj, const char *const *names)
{
    for (size_t i = 0; names[i] != NULL; i++) {
        json_object *v = NULL;
        if (json_object_object_get_ex(obj, names[i], &v) && json_object_is_type(v, json_type_string))
            return json_object_get_string(v);
    }
    return NULL;
}

bool aws_error_parse_json(const char *body, size_t len, const char *header_type, aws_error_info *info)
{
    info_init(info);
    json_object *root = NULL;
    if (body != NULL && len > 0 && len <= (size_t)0x7fffffff) {
        json_tokener *tok = json_tokener_new();
        if (tok != NULL) {
            root = json_tokener_parse_ex(tok, body, (int)len);
            json_tokener_free(tok);
        }
        if (root != NULL && !json_object_is_type(root, json_type_object)) {
            json_object_put(root);
            root = NULL;
        }
    }
    static const char *const type_names[] = {"__type", "code", "Code", NULL};
    static const char *const message_names[] = {"message", "Message", "errorMessage", NULL};
    const char *type = root != NULL ? json_string_field(root, type_names) : NULL;
    if (type == NULL || type[0] == '\0')
        type = header_type;
    aws_error_normalize_code(type, info->code, sizeof info->code);
    const char *msg = root != NULL ? json_string_field(root, message_names) : NULL;
    if (msg != NULL)
        copy_message(info->message, sizeof info->message, msg, strlen(msg));
    if (root != NULL)
        json_object_put(root);
    return info->code[0] != '\0';
}

/* ---- classification ---- */

typedef struct {
    const char *code;
    bl_errcode cls;
} code_class;

static const code_class known_codes[] = {
    /* The credentials themselves were rejected. Skew codes land here too once correction failed. */
    {"InvalidAccessKeyId", BL_ERR_AUTH},
    {"SignatureDoesNotMatch", BL_ERR_AUTH},
    {"ExpiredToken", BL_ERR_AUTH},
    {"ExpiredTokenException", BL_ERR_AUTH},
    {"TokenRefreshRequired", BL_ERR_AUTH},
    {"UnrecognizedClientException", BL_ERR_AUTH},
    {"InvalidClientTokenId", BL_ERR_AUTH},
    {"InvalidSignatureException", BL_ERR_AUTH},
    {"IncompleteSignature", BL_ERR_AUTH},
    {"IncompleteSignatureException", BL_ERR_AUTH},
    {"InvalidToken", BL_ERR_AUTH},
    {"MissingAuthenticationToken", BL_ERR_AUTH},
    {"MissingAuthenticationTokenException", BL_ERR_AUTH},
    {"AuthFailure", BL_ERR_AUTH},
    {"RequestTimeTooSkewed", BL_ERR_AUTH},
    {"RequestExpired", BL_ERR_AUTH},
    {"RequestInTheFuture", BL_ERR_AUTH},
    /* The identity is known but lacks a permission. */
    {"AccessDenied", BL_ERR_DENIED},
    {"AccessDeniedException", BL_ERR_DENIED},
    {"UnauthorizedOperation", BL_ERR_DENIED},
    {"AllAccessDisabled", BL_ERR_DENIED},
    {"ResourceNotFoundException", BL_ERR_NOT_FOUND},
    {"NoSuchKey", BL_ERR_NOT_FOUND},
    {"NoSuchBucket", BL_ERR_NOT_FOUND},
    {"NoSuchEntity", BL_ERR_NOT_FOUND},
    {"NotFound", BL_ERR_NOT_FOUND},
    {"DecryptionFailure", BL_ERR_DECRYPT},
    {"InternalError", BL_ERR_SERVER},
    {"InternalFailure", BL_ERR_SERVER},
    {"InternalServiceError", BL_ERR_SERVER},
    {"InternalServerError", BL_ERR_SERVER},
    {"ServiceUnavailable", BL_ERR_SERVER},
    {"ServiceUnavailableException", BL_ERR_SERVER},
    {"RequestTimeout", BL_ERR_TIMEOUT},
    {"RequestTimeoutException", BL_ERR_TIMEOUT},
};

/* BL_OK when the code is not one we know. */
static bl_errcode code_class_of(const char *code)
{
    if (code == NULL || code[0] == '\0')
        return BL_OK;
    if (retry_code_is_throttling(code))
        return BL_ERR_THROTTLED;
    for (size_t i = 0; i < sizeof known_codes / sizeof known_codes[0]; i++) {
        if (strcmp(code, known_codes[i].code) == 0)
            return known_codes[i].cls;
    }
    return BL_OK;
}

bl_errcode aws_error_classify(const char *code, long status)
{
    bl_errcode cls = code_class_of(code);
    if (cls != BL_OK)
        return cls;
    if (status >= 500)
        return BL_ERR_SERVER;
    if (status == 429)
        return BL_ERR_THROTTLED;
    if (status == 401)
        return BL_ERR_AUTH;
    if (status == 403)
        return BL_ERR_DENIED;
    if (status == 404)
        return BL_ERR_NOT_FOUND;
    return BL_ERR_CLIENT;
}

bool aws_error_code_is_fatal(const char *code)
{
    switch (code_class_of(code)) {
    case BL_ERR_AUTH:
    case BL_ERR_DENIED:
    case BL_ERR_NOT_FOUND:
    case BL_ERR_DECRYPT:
        return true;
    default:
        return false;
    }
}

const char *aws_error_hint(bl_errcode code)
{
    switch (code) {
    case BL_ERR_AUTH:
        return "The credentials were rejected: check the access key id, secret key and session token in use "
               "(expired or rotated?), and that the system clock is right";
    case BL_ERR_DENIED:
        return "The identity lacks a permission: grant the action in its IAM policy (and check SCPs, "
               "permission boundaries and resource policies)";
    case BL_ERR_NOT_FOUND:
        return "Check the resource name or ARN and the region";
    case BL_ERR_DECRYPT:
        return "KMS could not decrypt: check the key is enabled and the identity has kms:Decrypt on it";
    case BL_ERR_THROTTLED:
        return "The service is throttling requests: try again later or lower the request rate";
    case BL_ERR_SERVER:
        return "The service had a fault: try again later";
    case BL_ERR_TIMEOUT:
        return "The service timed the request out: try again later";
    default:
        return "The service rejected the request as invalid: check the request parameters and endpoint";
    }
}

void aws_error_set(bl_error *err, const char *what, long status, const aws_error_info *info)
{
    if (err == NULL)
        return;
    const char *code = info != NULL ? info->code : "";
    const char *msg = info != NULL ? info->message : "";
    bl_errcode cls = aws_error_classify(code, status);
    err->http_status = (int)status;
    snprintf(err->aws_code, sizeof err->aws_code, "%s", code);
    size_t mlen = strlen(msg);
    const char *stop = mlen > 0 && msg[mlen - 1] != '.' ? "." : "";
    const char *label = what != NULL && what[0] != '\0' ? what : "AWS request";
    if (code[0] != '\0' && mlen > 0)
        bl_error_set(err, cls, "%s failed: %s (HTTP %ld): %s%s %s.", label, code, status, msg, stop,
                     aws_error_hint(cls));
    else if (code[0] != '\0')
        bl_error_set(err, cls, "%s failed: %s (HTTP %ld). %s.", label, code, status, aws_error_hint(cls));
    else
        bl_error_set(err, cls, "%s failed: HTTP %ld. %s.", label, status, aws_error_hint(cls));
}
