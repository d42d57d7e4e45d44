#include "profile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file_read.h"

void aws_profile_init(aws_profile *p)
{
    memset(p, 0, sizeof *p);
}

void aws_profile_section_free(aws_profile_section *s)
{
    for (size_t i = 0; i < s->n; i++) {
        secure_free(s->items[i].key);
        secure_free(s->items[i].value);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

void aws_profile_free(aws_profile *p)
{
    aws_profile_section_free(&p->config);
    aws_profile_section_free(&p->credentials);
    memset(p, 0, sizeof *p);
}

const char *aws_profile_section_get(const aws_profile_section *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcasecmp(s->items[i].key, key) == 0)
            return s->items[i].value;
    return NULL;
}

const char *aws_profile_get(const aws_profile *p, const char *key)
{
    const char *v = aws_profile_section_get(&p->credentials, key);
    return v != NULL ? v : aws_profile_section_get(&p->config, key);
}

bool aws_profile_exists(const aws_profile *p)
{
    return p->config.found || p->credentials.found;
}

const char *aws_profile_name_from_env(bool *is_explicit)
{
    const char *names[] = {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (v != NULL && v[0] != '\0') {
            if (is_explicit)
                *is_explicit = true;
            return v;
        }
    }
    if (is_explicit)
        *is_explicit = false;
    return "default";
}

/* Sets key (already lower-case) to a copy of value[0..vlen), replacing an earlier value: last wins. */
static int section_set(aws_profile_section *s, const char *key, size_t klen, const char *value, size_t vlen,
                       bl_error *err)
{
    char *k = strndup(key, klen);
    char *v = strndup(value, vlen);
    if (k == NULL || v == NULL) {
        secure_free(k);
        secure_free(v);
        return bl_error_set(err, BL_ERR_NOMEM, "out of memory reading the AWS shared files");
    }
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->items[i].key, k) == 0) {
            secure_free(k);
            secure_free(s->items[i].value);
            s->items[i].value = v;
            return 0;
        }
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        aws_profile_kv *items = realloc(s->items, cap * sizeof *items);
        if (items == NULL) {
            secure_free(k);
            secure_free(v);
            return bl_error_set(err, BL_ERR_NOMEM, "out of memory reading the AWS shared files");
        }
        s->items = items;
        s->cap = cap;
    }
    s->items[s->n].key = k;
    s->items[s->n].value = v;
    s->n++;
    return 0;
}

static int section_merge(aws_profile_section *dst, const aws_profile_section *src, bl_error *err)
{
    if (src->found)
        dst->found = true;
    for (size_t i = 0; i < src->n; i++) {
        const aws_profile_kv *kv = &src->items[i];
        if (section_set(dst, kv->key, strlen(kv->key), kv->value, strlen(kv->value), err) != 0)
            return -1;
    }
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* Trims [*b, *e) in place. */
static void trim(const char **b, const char **e)
{
    while (*b < *e && is_space(**b))
        (*b)++;
    while (*e > *b && is_space((*e)[-1]))
        (*e)--;
}

static bool span_equals(const char *b, const char *e, const char *s)
{
    size_t n = (size_t)(e - b);
    return strlen(s) == n && memcmp(b, s, n) == 0;
}

/* Which target a header names: 1 primary ([profile NAME] in config, [NAME] in credentials),
 * 2 the config file's plain [default], 0 neither. */
static int header_target(const char *b, const char *e, aws_profile_file_kind kind, const char *name)
{
    trim(&b, &e);
    if (kind == AWS_PROFILE_FILE_CREDENTIALS)
        return span_equals(b, e, name) ? 1 : 0;
    static const char prefix[] = "profile";
    size_t plen = sizeof prefix - 1;
    if ((size_t)(e - b) > plen && memcmp(b, prefix, plen) == 0 && is_space(b[plen])) {
        const char *nb = b + plen;
        trim(&nb, &e);
        return span_equals(nb, e, name) ? 1 : 0;
    }
    if (strcmp(name, "default") == 0 && span_equals(b, e, "default"))
        return 2;
    return 0;
}

/* Cuts an inline comment: '#' or ';' preceded by whitespace. */
static const char *value_end(const char *b, const char *e)
{
    for (const char *p = b; p < e; p++)
        if ((*p == '#' || *p == ';') && p > b && is_space(p[-1]))
            return p;
    return e;
}

int aws_profile_parse(const char *text, size_t len, aws_profile_file_kind kind, const char *profile_name,
                      const char *origin, aws_profile_section *out, bl_error *err)
{
    aws_profile_section primary = {0}, plain_default = {0};
    aws_profile_section *current = NULL;
    bool in_section = false, in_property = false;
    int rc = -1;
    size_t lineno = 0;
    const char *end = text + len;

    for (const char *line = text; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        const char *next = eol ? eol + 1 : end;
        const char *le = eol ? eol : end;
        if (le > line && le[-1] == '\r')
            le--;
        lineno++;
        const char *b = line, *e = le;
        line = next;
        bool indented = b < e && is_space(*b);
        trim(&b, &e);
        if (b == e || *b == '#' || *b == ';')
            continue;
        if (indented && in_property)
            continue; /* a sub-setting (`s3 =` block, `services`) or a continuation: not used here */
        if (*b == '[') {
            const char *close = memchr(b, ']', (size_t)(e - b));
            if (close == NULL) {
                bl_error_set(err, BL_ERR_CONFIG, "%s, line %zu: section header has no closing ']'; fix the file",
                             origin, lineno);
                goto cleanup;
            }
            int target = header_target(b + 1, close, kind, profile_name);
            current = target == 1 ? &primary : target == 2 ? &plain_default : NULL;
            if (current != NULL)
                current->found = true;
            in_section = true;
            in_property = false;
            continue;
        }
        const char *eq = memchr(b, '=', (size_t)(e - b));
        if (!in_section || eq == NULL || eq == b) {
            bl_error_set(err, BL_ERR_CONFIG, "%s, line %zu: %s; fix the file", origin, lineno,
                         !in_section ? "setting before any [section] header" : "expected 'key = value'");
            goto cleanup;
        }
        in_property = true;
        if (current == NULL)
            continue;
        const char *kb = b, *ke = eq;
        trim(&kb, &ke);
        const char *vb = eq + 1, *ve = e;
        trim(&vb, &ve);
        ve = value_end(vb, ve);
        trim(&vb, &ve);
        char key[128];
        size_t klen = (size_t)(ke - kb);
        if (klen == 0 || klen >= sizeof key) {
            bl_error_set(err, BL_ERR_CONFIG, "%s, line %zu: key is empty or longer than %zu characters", origin,
                         lineno, sizeof key - 1);
            goto cleanup;
        }
        for (size_t i = 0; i < klen; i++)
            key[i] = (char)tolower((unsigned char)kb[i]);
        if (section_set(current, key, klen, vb, (size_t)(ve - vb), err) != 0)
            goto cleanup;
    }
    /* [profile default] and [default] both in config: the explicit form wins, as the SDKs do. */
    if (section_merge(out, primary.found ? &primary : &plain_default, err) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    aws_profile_section_free(&primary);
    aws_profile_section_free(&plain_default);
    return rc;
}

/* Env override, else ~/.aws/<file>; "~/" expands to $HOME. out = "" when HOME is needed but unset. */
static int resolve_path(const char *env_name, const char *default_path, char *out, size_t out_len, bl_error *err)
{
    const char *v = getenv(env_name);
    const char *path = (v != NULL && v[0] != '\0') ? v : default_path;
    int n;
    if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
        const char *home = getenv("HOME");
        if (home == NULL || home[0] == '\0') {
            out[0] = '\0';
            return 0;
        }
        n = snprintf(out, out_len, "%s%s", home, path + 1);
    } else {
        n = snprintf(out, out_len, "%s", path);
    }
    if (n < 0 || (size_t)n >= out_len)
        return bl_error_set(err, BL_ERR_CONFIG, "the path for %s is longer than %zu characters; use a shorter one",
                            env_name, out_len - 1);
    return 0;
}

/* Reads a whole file into `b` (capped). *missing is set when it does not exist. */
static int read_file(const char *path, const char *what, buf_t *b, bool *missing, bl_error *err)
{
    *missing = false;
    if (path[0] == '\0') {
        *missing = true;
        return 0;
    }
    char label[32];
    snprintf(label, sizeof label, "AWS %s file", what);
    if (file_read_all(path, label, b, missing, err) == 0)
        return 0;
    size_t len = strlen(err->message);
    snprintf(err->message + len, sizeof err->message - len, " (or unset %s)",
             strcmp(what, "config") == 0 ? "AWS_CONFIG_FILE" : "AWS_SHARED_CREDENTIALS_FILE");
    return -1;
}

static bool valid_profile_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= AWS_PROFILE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= ' ' || c == 0x7f || c == '[' || c == ']')
            return false;
    }
    return true;
}

static int load_one(const char *path, aws_profile_file_kind kind, const char *name, aws_profile_section *out,
                    bl_error *err)
{
    const char *what = kind == AWS_PROFILE_FILE_CONFIG ? "config" : "credentials";
    buf_t text;
    buf_init(&text, AWS_PROFILE_FILE_MAX);
    bool missing = false;
    int rc = read_file(path, what, &text, &missing, err);
    if (rc == 0 && !missing)
        rc = aws_profile_parse(buf_cstr(&text), text.len, kind, name, path, out, err);
    buf_free(&text);
    return rc;
}

int aws_profile_load(const char *profile_name, aws_profile *out, bl_error *err)
{
    aws_profile_init(out);
    bool is_explicit = profile_name != NULL && profile_name[0] != '\0';
    const char *name = is_explicit ? profile_name : aws_profile_name_from_env(&is_explicit);
    if (!valid_profile_name(name))
        return bl_error_set(err, BL_ERR_CONFIG,
                            "invalid AWS profile name (from AWS_PROFILE or AWS_DEFAULT_PROFILE): it must be 1-%d "
                            "characters without spaces or brackets",
                            AWS_PROFILE_NAME_MAX - 1);
    snprintf(out->name, sizeof out->name, "%s", name);
    out->name_explicit = is_explicit;
    if (resolve_path("AWS_CONFIG_FILE", "~/.aws/config", out->config_path, sizeof out->config_path, err) != 0 ||
        resolve_path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", out->credentials_path,
                     sizeof out->credentials_path, err) != 0 ||
        load_one(out->config_path, AWS_PROFILE_FILE_CONFIG, name, &out->config, err) != 0 ||
        load_one(out->credentials_path, AWS_PROFILE_FILE_CREDENTIALS, name, &out->credentials, err) != 0) {
        aws_profile_free(out);
        return -1;
    }
    return 0;
}
