#include "s3_xml.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

typedef struct {
    XML_Parser parser;
    int depth;
    bool in_buckets;    /* inside <Buckets> (depth 2) */
    bool in_bucket;     /* inside <Buckets><Bucket> (depth 3) */
    char *text;         /* field being collected, NULL when none */
    size_t text_len;
    size_t text_cap;    /* room including the NUL */
    int text_depth;     /* depth of the element whose text we collect */
    const char *what;   /* that element's name, for messages */
    s3_bucket current;
    s3_bucket *buckets;
    size_t n;
    size_t cap;
    char token[S3_TOKEN_MAX];
    const char *error;  /* our reason for stopping the parser (a static string) */
    bl_errcode error_code;
} page_state;

/* Matches by local name: "s3:Name" and "Name" are the same element. */
static const char *local_name(const char *name)
{
    const char *colon = strrchr(name, ':');
    return colon != NULL ? colon + 1 : name;
}

static void stop(page_state *st, bl_errcode code, const char *why)
{
    if (st->error == NULL) {
        st->error = why;
        st->error_code = code;
    }
    XML_StopParser(st->parser, XML_FALSE);
}

static void collect(page_state *st, char *dst, size_t cap, const char *what)
{
    st->text = dst;
    st->text_len = 0;
    st->text_cap = cap;
    st->text_depth = st->depth;
    st->what = what;
    dst[0] = '\0';
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    page_state *st = data;
    st->depth++;
    const char *ln = local_name(name);
    switch (st->depth) {
    case 1:
        if (strcmp(ln, "ListAllMyBucketsResult") != 0)
            stop(st, BL_ERR_PROTOCOL, "the root element is not ListAllMyBucketsResult");
        break;
    case 2:
        if (strcmp(ln, "Buckets") == 0)
            st->in_buckets = true;
        else if (strcmp(ln, "ContinuationToken") == 0)
            collect(st, st->token, sizeof st->token, "ContinuationToken");
        break;
    case 3:
        if (st->in_buckets && strcmp(ln, "Bucket") == 0) {
            st->in_bucket = true;
            memset(&st->current, 0, sizeof st->current);
        }
        break;
    case 4:
        if (!st->in_bucket)
            break;
        if (strcmp(ln, "Name") == 0)
            collect(st, st->current.name, sizeof st->current.name, "Name");
        else if (strcmp(ln, "CreationDate") == 0)
            collect(st, st->current.creation_date, sizeof st->current.creation_date, "CreationDate");
        else if (strcmp(ln, "BucketRegion") == 0)
            collect(st, st->current.region, sizeof st->current.region, "BucketRegion");
        break;
    default:
        break;
    }
}

static void add_bucket(page_state *st)
{
    if (st->current.name[0] == '\0') {
        stop(st, BL_ERR_PROTOCOL, "a Bucket element has no Name");
        return;
    }
    if (st->n == S3_PAGE_MAX_BUCKETS) {
        stop(st, BL_ERR_PROTOCOL, "the page holds more than 10000 buckets");
        return;
    }
    if (st->n == st->cap) {
        size_t cap = st->cap == 0 ? 16 : st->cap * 2;
        if (cap > S3_PAGE_MAX_BUCKETS)
            cap = S3_PAGE_MAX_BUCKETS;
        s3_bucket *grown = realloc(st->buckets, cap * sizeof *grown);
        if (grown == NULL) {
            stop(st, BL_ERR_NOMEM, "out of memory");
            return;
        }
        st->buckets = grown;
        st->cap = cap;
    }
    st->buckets[st->n++] = st->current;
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    page_state *st = data;
    if (st->text != NULL && st->depth == st->text_depth)
        st->text = NULL;
    if (st->depth == 3 && st->in_bucket) {
        st->in_bucket = false;
        add_bucket(st);
    } else if (st->depth == 2 && st->in_buckets && strcmp(local_name(name), "Buckets") == 0) {
        st->in_buckets = false;
    }
    st->depth--;
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
    page_state *st = data;
    /* Only the element's own text: a nested child's text is not part of the field. */
    if (st->text == NULL || st->depth != st->text_depth || len <= 0)
        return;
    if ((size_t)len >= st->text_cap - st->text_len) {
        stop(st, BL_ERR_PROTOCOL, "an element's text is longer than S3 allows");
        return;
    }
    memcpy(st->text + st->text_len, s, (size_t)len);
    st->text_len += (size_t)len;
    st->text[st->text_len] = '\0';
}

/* No DTDs: a ListBuckets answer never has one, and refusing them rules out entity expansion. */
static void XMLCALL on_doctype(void *data, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    stop(data, BL_ERR_PROTOCOL, "the document has a DOCTYPE");
}

int s3_parse_page(const char *xml, size_t len, s3_page_fn on_page, void *ctx, char *next_token, size_t token_len,
                  size_t *n_out, bl_error *err)
{
    if (next_token != NULL && token_len > 0)
        next_token[0] = '\0';
    if (n_out != NULL)
        *n_out = 0;
    if (next_token == NULL || token_len < S3_TOKEN_MAX)
        return bl_error_set(err, BL_ERR_INPUT, "s3_parse_page: the token buffer must hold %d bytes", S3_TOKEN_MAX);
    if (len > INT_MAX)
        return bl_error_set(err, BL_ERR_PROTOCOL, "the ListBuckets response is too large to parse");

    page_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return bl_error_set(err, BL_ERR_NOMEM, "out of memory parsing the ListBuckets response");
    int rc = -1;
    st->parser = XML_ParserCreate("UTF-8");
    if (st->parser == NULL) {
        bl_error_set(err, BL_ERR_NOMEM, "out of memory creating the XML parser");
        goto cleanup;
    }
    XML_SetUserData(st->parser, st);
    XML_SetElementHandler(st->parser, on_start, on_end);
    XML_SetCharacterDataHandler(st->parser, on_text);
    XML_SetStartDoctypeDeclHandler(st->parser, on_doctype);

    if (XML_Parse(st->parser, xml != NULL ? xml : "", (int)len, XML_TRUE) != XML_STATUS_OK) {
        if (st->error != NULL) {
            bl_error_set(err, st->error_code, "the S3 ListBuckets response is not usable: %s", st->error);
        } else {
            enum XML_Error code = XML_GetErrorCode(st->parser);
            bl_error_set(err, BL_ERR_PROTOCOL,
                         "the S3 ListBuckets response is not well-formed XML (%s at line %lu, column %lu): "
                         "check that the endpoint is S3 (AWS_ENDPOINT_URL_S3)",
                         XML_ErrorString(code), (unsigned long)XML_GetCurrentLineNumber(st->parser),
                         (unsigned long)XML_GetCurrentColumnNumber(st->parser));
        }
        goto cleanup;
    }
    memcpy(next_token, st->token, strlen(st->token) + 1);
    if (n_out != NULL)
        *n_out = st->n;
    rc = 0;
    if (on_page != NULL && on_page(ctx, st->buckets, st->n) != 0)
        rc = 1;

cleanup:
    if (st->parser != NULL)
        XML_ParserFree(st->parser);
    free(st->buckets);
    free(st);
    return rc;
}
