#include "request.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
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

/* The q-value the Accept header gives `type` (e.g. "application/json"): from the most specific
 * matching range (exact, then "application/\*", then "\*\/\*"), -1 when nothing matches. *pos gets the
 * index of the exact entry, or INT_MAX. */
static double accept_q(const char *accept, const char *type, int *pos)
{
    size_t major_len = strcspn(type, "/");
    double q_by_rank[3] = {-1, -1, -1}; /* exact, type/\*, \*\/\* */
    *pos = INT_MAX;
    int index = 0;
    for (const char *p = accept; *p != '\0'; index++) {
        size_t len = strcspn(p, ",");
        const char *end = p + len;
        while (p < end && isspace((unsigned char)*p))
            p++;
        size_t range_len = strcspn(p, ";,");
        if (p + range_len > end)
            range_len = (size_t)(end - p);
        while (range_len > 0 && isspace((unsigned char)p[range_len - 1]))
            range_len--;
        double q = 1.0;
        for (const char *param = memchr(p, ';', (size_t)(end - p)); param != NULL && param < end;
             param = memchr(param + 1, ';', (size_t)(end - param - 1))) {
            const char *v = param + 1;
            while (v < end && isspace((unsigned char)*v))
                v++;
            if (v + 1 < end && (v[0] == 'q' || v[0] == 'Q') && v[1] == '=')
                q = strtod(v + 2, NULL);
        }
        int rank = -1;
        if (range_len == strlen(type) && strncasecmp(p, type, range_len) == 0)
            rank = 0;
        else if (range_len == major_len + 2 && strncasecmp(p, type, major_len + 1) == 0 && p[major_len + 1] == '*')
            rank = 1;
        else if (range_len == 3 && strncmp(p, "*/*", 3) == 0)
            rank = 2;
        if (rank == 0 && *pos == INT_MAX)
            *pos = index;
        if (rank >= 0 && q_by_rank[rank] < 0)
            q_by_rank[rank] = q;
        p = *end == ',' ? end + 1 : end;
    }
    for (int rank = 0; rank < 3; rank++)
        if (q_by_rank[rank] >= 0)
            return q_by_rank[rank];
    return -1;
}

bool request_accepts_json(const char *accept)
{
    if (accept == NULL)
        return false;
    /* The original app's clients send exactly "application/json"; browsers list text/html first. */
    int json_pos, html_pos;
    double json = accept_q(accept, "application/json", &json_pos);
    double html = accept_q(accept, "text/html", &html_pos);
    if (json <= 0 || json_pos == INT_MAX)
        return false; /* JSON only when asked for by name */
    if (json != html)
        return json > html;
    return json_pos < html_pos;
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
