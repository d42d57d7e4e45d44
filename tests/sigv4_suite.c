/* sigv4-suite: runs SigV4 header-signing cases laid out like the AWS signing
 * test suite (aws-c-auth tests/aws-signing-test-suite/v4; see
 * tests/data/sigv4/NOTICE.md). For each case folder it parses request.txt,
 * signs it with context.json through sigv4_sign, and compares the canonical
 * request, string to sign, signature and signed request byte for byte with
 * the header-*.txt files.
 *
 * Usage: sigv4-suite CASE_DIR...
 * Prints "PASS name" or "FAIL name: ..." per case, then "N passed, N failed".
 * Exit status: 0 all passed, 1 a case failed or none ran, 2 usage error. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "credentials.h"
#include "error.h"
#include "sigv4.h"

#define MAX_CASE_FILE (1024u * 1024u)
#define MAX_HEADERS 256
#define MAX_DIFF_SHOW 160

/* ------------------------------------------------------------------ files */

/* Reads a whole file into b. Returns 0, -1 if it does not exist, -2 on another error. */
static int read_file(const char *dir, const char *name, buf_t *b)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return -2;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? -1 : -2;
    buf_init(b, MAX_CASE_FILE);
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (!buf_append(b, chunk, n)) {
            rc = -2;
            break;
        }
    }
    if (ferror(f))
        rc = -2;
    fclose(f);
    if (rc != 0)
        buf_free(b);
    return rc;
}

/* ------------------------------------------------------------------ context.json */

typedef struct {
    aws_credentials creds;
    char region[128];
    char service[128];
    time_t now;
    bool normalize;
    bool sign_body;
    bool omit_session_token;
} case_context;

static const char *json_string_at(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (obj == NULL || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static bool json_bool_at(json_object *obj, const char *key, bool dflt)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
        return dflt;
    return json_object_get_boolean(v);
}

/* ISO 8601 with a 'Z' or +hh:mm / -hh:mm zone, optional fractional seconds, e.g. 2015-08-30T12:36:00Z. */
static bool parse_timestamp(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int consumed = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec, &consumed) != 6)
        return false;
    const char *p = s + consumed;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh = 0, mm = 0, n = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2)
            return false;
        offset = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
        p += 1 + n;
    } else {
        return false;
    }
    if (*p != '\0')
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *out = t - offset;
    return true;
}

static int load_context(const char *json_text, case_context *ctx, char *why, size_t why_len)
{
    memset(ctx, 0, sizeof *ctx);
    json_object *root = json_tokener_parse(json_text);
    if (root == NULL || !json_object_is_type(root, json_type_object)) {
        snprintf(why, why_len, "context.json is not a JSON object");
        json_object_put(root);
        return -1;
    }
    json_object *cred = NULL;
    json_object_object_get_ex(root, "credentials", &cred);
    const char *akid = json_string_at(cred, "access_key_id");
    const char *secret = json_string_at(cred, "secret_access_key");
    const char *token = json_string_at(cred, "token");
    const char *region = json_string_at(root, "region");
    const char *service = json_string_at(root, "service");
    const char *timestamp = json_string_at(root, "timestamp");
    int rc = -1;
    bl_error err;
    bl_error_clear(&err);
    if (akid == NULL || secret == NULL) {
        snprintf(why, why_len, "context.json lacks credentials.access_key_id or credentials.secret_access_key");
    } else if (region == NULL || service == NULL || timestamp == NULL) {
        snprintf(why, why_len, "context.json lacks region, service or timestamp");
    } else if (strlen(region) >= sizeof ctx->region || strlen(service) >= sizeof ctx->service) {
        snprintf(why, why_len, "context.json region or service is too long");
    } else if (!parse_timestamp(timestamp, &ctx->now)) {
        snprintf(why, why_len, "context.json timestamp \"%.64s\" is not ISO 8601 (2015-08-30T12:36:00Z)", timestamp);
    } else if (aws_credentials_set(&ctx->creds, akid, secret, token, 0, "test-case", &err) != 0) {
        snprintf(why, why_len, "context.json credentials: %s", err.message);
    } else {
        snprintf(ctx->region, sizeof ctx->region, "%s", region);
        snprintf(ctx->service, sizeof ctx->service, "%s", service);
        ctx->normalize = json_bool_at(root, "normalize", true);
        ctx->sign_body = json_bool_at(root, "sign_body", false);
        ctx->omit_session_token = json_bool_at(root, "omit_session_token", false);
        rc = 0;
    }
    json_object_put(root);
    return rc;
}

/* ------------------------------------------------------------------ request.txt */

typedef struct {
    char *text;        /* our copy of request.txt, cut into NUL-terminated pieces */
    char *method;
    char *path;
    char *query;       /* NULL without '?' */
    http_header headers[MAX_HEADERS];
    size_t n_headers;
    const char *head;  /* request line and header lines exactly as in the file */
    size_t head_len;
    const char *body;
    size_t body_len;
} parsed_request;

/* Splits the file into lines (LF or CRLF). Header lines are "Name:value"; a line starting with a space
 * or tab continues the previous header. Each continuation line becomes one more value of that header:
 * aws-c-auth, whose expected files we match, signs a folded value as its non-empty lines joined with
 * ',' - exactly how repeated headers are joined. */
static int parse_request(const char *raw, size_t raw_len, parsed_request *req, char *why, size_t why_len)
{
    memset(req, 0, sizeof *req);
    req->text = malloc(raw_len + 1);
    if (req->text == NULL) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    memcpy(req->text, raw, raw_len);
    req->text[raw_len] = '\0';
    req->head = raw;

    char *p = req->text;
    char *end = req->text + raw_len;
    int line_no = 0;
    const char *last_name = NULL;
    bool blank_seen = false;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line_end = nl ? nl : end;
        size_t head_len = (size_t)(line_end - req->text); /* offset of this line's end */
        if (line_end > p && line_end[-1] == '\r')
            line_end[-1] = '\0';
        *line_end = '\0';
        char *line = p;
        p = nl ? nl + 1 : end;
        line_no++;

        if (line_no == 1) {
            char *sp1 = strchr(line, ' ');
            char *sp2 = strrchr(line, ' ');
            if (sp1 == NULL || sp2 == sp1 || strncmp(sp2 + 1, "HTTP/", 5) != 0) {
                snprintf(why, why_len, "request.txt line 1 is not \"METHOD PATH[?QUERY] HTTP/1.1\"");
                return -1;
            }
            *sp1 = '\0';
            *sp2 = '\0';
            req->method = line;
            req->path = sp1 + 1;
            char *q = strchr(req->path, '?');
            if (q != NULL) {
                *q = '\0';
                req->query = q + 1;
            }
            req->head_len = head_len;
            continue;
        }
        if (line[0] == '\0') {
            blank_seen = true;
            break;
        }
        req->head_len = head_len;
        if (line[0] == ' ' || line[0] == '\t') {
            if (last_name == NULL) {
                snprintf(why, why_len, "request.txt line %d continues a header but no header precedes it", line_no);
                return -1;
            }
            if (strspn(line, " \t") == strlen(line))
                continue; /* a blank continuation adds nothing */
            if (req->n_headers == MAX_HEADERS) {
                snprintf(why, why_len, "request.txt has more than %d header lines", MAX_HEADERS);
                return -1;
            }
            req->headers[req->n_headers++] = (http_header){last_name, line};
            continue;
        }
        char *colon = strchr(line, ':');
        if (colon == NULL || colon == line) {
            snprintf(why, why_len, "request.txt line %d is not a \"Name:value\" header", line_no);
            return -1;
        }
        if (req->n_headers == MAX_HEADERS) {
            snprintf(why, why_len, "request.txt has more than %d header lines", MAX_HEADERS);
            return -1;
        }
        *colon = '\0';
        req->headers[req->n_headers++] = (http_header){line, colon + 1};
        last_name = line;
    }
    if (req->method == NULL) {
        snprintf(why, why_len, "request.txt is empty");
        return -1;
    }
    if (blank_seen) {
        req->body = raw + (p - req->text);
        req->body_len = raw_len - (size_t)(p - req->text);
    } else {
        req->body = raw + raw_len;
        req->body_len = 0;
    }
    return 0;
}

/* ------------------------------------------------------------------ comparing */

static void show(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n && i < MAX_DIFF_SHOW; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
    if (n > MAX_DIFF_SHOW)
        fputs("...", f);
}

/* Prints the first line where expected and got differ. */
static void print_first_difference(const char *stage, const char *exp, size_t exp_len, const char *got,
                                   size_t got_len)
{
    size_t line = 1, i = 0, line_start = 0;
    while (i < exp_len && i < got_len && exp[i] == got[i]) {
        if (exp[i] == '\n') {
            line++;
            line_start = i + 1;
        }
        i++;
    }
    const char *e = exp + line_start;
    const char *g = got + line_start;
    size_t e_len = exp_len - line_start, g_len = got_len - line_start;
    const char *e_nl = memchr(e, '\n', e_len);
    const char *g_nl = memchr(g, '\n', g_len);
    if (e_nl)
        e_len = (size_t)(e_nl - e);
    if (g_nl)
        g_len = (size_t)(g_nl - g);
    printf("    %s, line %zu:\n      expected ", stage, line);
    if (line_start >= exp_len && i >= exp_len)
        fputs("(end of file)", stdout);
    else
        show(stdout, e, e_len);
    fputs("\n      got      ", stdout);
    if (line_start >= got_len && i >= got_len)
        fputs("(end of output)", stdout);
    else
        show(stdout, g, g_len);
    fputc('\n', stdout);
}

/* The stage files hold one value without a line break; tolerate a single trailing newline an editor may add. */
static size_t strip_one_newline(const buf_t *b)
{
    size_t n = b->len;
    if (n > 0 && b->data[n - 1] == '\n')
        n--;
    if (n > 0 && b->data[n - 1] == '\r')
        n--;
    return n;
}

/* ------------------------------------------------------------------ one case */

static const char *const case_files[] = {
    "context.json",
    "request.txt",
    "header-canonical-request.txt",
    "header-string-to-sign.txt",
    "header-signature.txt",
    "header-signed-request.txt",
};
#define N_CASE_FILES (sizeof case_files / sizeof case_files[0])

static bool append_header(buf_t *b, const char *name, const char *value)
{
    return buf_appends(b, name) && buf_appendc(b, ':') && buf_appends(b, value) && buf_appendc(b, '\n');
}

/* The request as aws-c-auth writes header-signed-request.txt: the original request line and headers,
 * then the headers signing adds, in the order that library adds them, a blank line, the body. */
static bool build_signed_request(const parsed_request *req, const case_context *ctx, const sigv4_result *r,
                                 buf_t *out)
{
    bool ok = buf_append(out, req->head, req->head_len) && buf_appendc(out, '\n');
    const char *token = ctx->creds.session_token;
    if (ok && token != NULL && !ctx->omit_session_token)
        ok = append_header(out, "X-Amz-Security-Token", token);
    ok = ok && append_header(out, "X-Amz-Date", r->amz_date);
    if (ok && ctx->sign_body)
        ok = append_header(out, "x-amz-content-sha256", r->payload_hash);
    ok = ok && append_header(out, "Authorization", r->authorization);
    if (ok && token != NULL && ctx->omit_session_token)
        ok = append_header(out, "X-Amz-Security-Token", token);
    return ok && buf_appendc(out, '\n') && buf_append(out, req->body, req->body_len);
}

static const char *case_name(const char *dir, char *name, size_t name_len)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    const char *start = dir;
    for (size_t i = 0; i < n; i++)
        if (dir[i] == '/' && i + 1 < n)
            start = dir + i + 1;
    size_t len = n - (size_t)(start - dir);
    snprintf(name, name_len, "%.*s", (int)len, start);
    return name;
}

static bool run_case(const char *dir)
{
    char name[256];
    case_name(dir, name, sizeof name);
    char why[BL_ERROR_MESSAGE_MAX + 128] = "";

    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("FAIL %s: %s is not a directory\n", name, dir);
        return false;
    }
    buf_t files[N_CASE_FILES];
    for (size_t i = 0; i < N_CASE_FILES; i++)
        buf_init(&files[i], MAX_CASE_FILE);
    bool passed = false;
    case_context ctx;
    memset(&ctx, 0, sizeof ctx);
    parsed_request req;
    memset(&req, 0, sizeof req);
    sigv4_result res;
    memset(&res, 0, sizeof res);
    buf_t signed_req;
    buf_init(&signed_req, MAX_CASE_FILE * 2);

    for (size_t i = 0; i < N_CASE_FILES; i++) {
        int rc = read_file(dir, case_files[i], &files[i]);
        if (rc != 0) {
            printf("FAIL %s: error: %s %s\n", name, case_files[i],
                   rc == -1 ? "is missing (not a header-signing case folder?)" : "cannot be read or is too large");
            goto done;
        }
    }
    if (load_context(buf_cstr(&files[0]), &ctx, why, sizeof why) != 0 ||
        parse_request(files[1].data ? files[1].data : "", files[1].len, &req, why, sizeof why) != 0) {
        printf("FAIL %s: error: %s\n", name, why);
        goto done;
    }

    /* omit_session_token: the token travels on the request but is not signed, so sign without it. */
    aws_credentials signing_creds = ctx.creds;
    if (ctx.omit_session_token)
        signing_creds.session_token = NULL;
    sigv4_params params = {
        .credentials = &signing_creds,
        .region = ctx.region,
        .service = ctx.service,
        .now = ctx.now,
        .normalize_path = ctx.normalize,
        .add_content_sha256 = ctx.sign_body,
        .payload_hash = NULL,
    };
    bl_error err;
    bl_error_clear(&err);
    if (sigv4_sign(&params, req.method, req.path, req.query, req.headers, req.n_headers, req.body, req.body_len,
                   &res, &err) != 0) {
        printf("FAIL %s: error: sigv4_sign failed: %s\n", name, err.message);
        goto done;
    }
    if (!build_signed_request(&req, &ctx, &res, &signed_req)) {
        printf("FAIL %s: error: signed request too large\n", name);
        goto done;
    }

    struct {
        const char *stage;
        const buf_t *expected;
        size_t expected_len;
        const char *got;
        size_t got_len;
    } stages[] = {
        {"canonical request", &files[2], strip_one_newline(&files[2]), res.canonical_request,
         strlen(res.canonical_request)},
        {"string to sign", &files[3], strip_one_newline(&files[3]), res.string_to_sign, strlen(res.string_to_sign)},
        {"signature", &files[4], strip_one_newline(&files[4]), res.signature, strlen(res.signature)},
        {"signed request", &files[5], files[5].len, buf_cstr(&signed_req), signed_req.len},
    };
    size_t n_stages = sizeof stages / sizeof stages[0];
    int first_bad = -1;
    char bad_list[128] = "";
    for (size_t i = 0; i < n_stages; i++) {
        const char *exp = buf_cstr(stages[i].expected);
        if (stages[i].expected_len != stages[i].got_len || memcmp(exp, stages[i].got, stages[i].got_len) != 0) {
            if (first_bad < 0)
                first_bad = (int)i;
            size_t used = strlen(bad_list);
            snprintf(bad_list + used, sizeof bad_list - used, "%s%s", used ? ", " : "", stages[i].stage);
        }
    }
    if (first_bad < 0) {
        printf("PASS %s\n", name);
        passed = true;
    } else {
        printf("FAIL %s: %s differ%s\n", name, bad_list, strchr(bad_list, ',') ? "" : "s");
        print_first_difference(stages[first_bad].stage, buf_cstr(stages[first_bad].expected),
                               stages[first_bad].expected_len, stages[first_bad].got, stages[first_bad].got_len);
    }

done:
    sigv4_result_free(&res);
    buf_free(&signed_req);
    free(req.text);
    aws_credentials_clear(&ctx.creds);
    for (size_t i = 0; i < N_CASE_FILES; i++)
        buf_free(&files[i]);
    return passed;
}

static void usage(FILE *f)
{
    fputs("usage: sigv4-suite CASE_DIR...\n"
          "Signs each case folder (context.json, request.txt, header-*.txt as in the AWS signing test suite)\n"
          "and compares canonical request, string to sign, signature and signed request byte for byte.\n"
          "Exit status: 0 all passed, 1 a case failed or none ran, 2 usage error.\n",
          f);
}

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--") == 0)
        first = 2;
    else if (argc > 1 && argv[1][0] == '-') {
        fprintf(stderr, "sigv4-suite: unknown option %s\n", argv[1]);
        usage(stderr);
        return 2;
    }
    if (first >= argc) {
        usage(stderr);
        return 2;
    }
    int passed = 0, failed = 0;
    for (int i = first; i < argc; i++) {
        if (run_case(argv[i]))
            passed++;
        else
            failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return (failed > 0 || passed == 0) ? 1 : 0;
}
