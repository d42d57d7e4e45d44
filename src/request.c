#include "request.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static void copy_path(char *out, size_t out_len, const char *uri)
{
    size_t n = strcspn(uri, "?");
    if (n >= out_len)
        n = out_len - 1;
    memcpy(out, uri, n);
    out[n] = '\0';
}

bool request_accepts_json(const char *accept)
{
    if (accept == NULL)
        return false;
    /* The original app's clients send exactly "application/json"; browsers send text/html first. */
    const char *json = strcasestr(accept, "application/json");
    if (json == NULL)
        return false;
    const char *html = strcasestr(accept, "text/html");
    return html == NULL || json < html;
}

void request_parse(request_info *r, const char *method, const char *document_uri, const char *request_uri,
                   const char *accept)
{
    memset(r, 0, sizeof *r);
    snprintf(r->method, sizeof r->method, "%s", method ? method : "");
    if (document_uri != NULL && document_uri[0] != '\0')
        copy_path(r->path, sizeof r->path, document_uri);
    else if (request_uri != NULL)
        copy_path(r->path, sizeof r->path, request_uri);
    r->want_json = request_accepts_json(accept);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decodes [s, s+n) into out; returns -1 on a bad escape, an embedded NUL or overflow. */
static int form_decode(const char *s, size_t n, char *out, size_t out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = hexval(s[i + 1]);
            int lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0 || o + 1 >= out_len)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

int request_parse_query(request_info *r, const char *query, bl_error *err)
{
    if (query == NULL)
        return 0;
    const char *p = query;
    while (*p != '\0') {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t name_len = eq ? (size_t)(eq - p) : len;
        if (name_len == 6 && memcmp(p, "prefix", 6) == 0) {
            if (r->has_prefix)
                return bl_error_set(err, BL_ERR_INPUT, "the prefix parameter is given twice: give it once, "
                                    "e.g. /buckets?prefix=logs-");
            const char *v = eq ? eq + 1 : p + len;
            size_t vlen = (size_t)(p + len - v);
            if (form_decode(v, vlen, r->prefix, sizeof r->prefix) != 0)
                return bl_error_set(err, BL_ERR_INPUT, "the prefix parameter is not valid URL encoding or is "
                                    "too long: use up to 63 characters of a-z, 0-9, '.' and '-'");
            r->has_prefix = true;
        }
        p += len;
        if (*p == '&')
            p++;
    }
    return 0;
}
