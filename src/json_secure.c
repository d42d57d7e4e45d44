#include "json_secure.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <json-c/printbuf.h>
#include <openssl/crypto.h>

#include "buf.h"

/* The tokener's scratch buffer (tok->pb) is json-c internals, marked
 * deprecated for outside use. We touch it only to pre-size and wipe it:
 * there is no public API for either, and leaving the secret behind in freed
 * heap is worse than depending on a field that has been stable since 0.9. */
static void wipe_tokener(json_tokener *tok)
{
    if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
        OPENSSL_cleanse(tok->pb->buf, (size_t)tok->pb->size);
}

static bool only_whitespace(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '\0')
            return false;
    }
    return true;
}

json_object *json_secure_parse(const char *s, size_t len, const char **why)
{
    *why = NULL;
    if (len >= INT_MAX - 64) {
        *why = "input too large";
        return NULL;
    }
    json_tokener *tok = json_tokener_new();
    if (tok == NULL) {
        *why = "out of memory";
        return NULL;
    }
    /* No string inside the input can be longer than the input: reserve that much now. */
    if (printbuf_memset(tok->pb, 0, 0, (int)len + 8) < 0) {
        json_tokener_free(tok);
        *why = "out of memory";
        return NULL;
    }
    printbuf_reset(tok->pb);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
                                    JSON_TOKENER_VALIDATE_UTF8);

    json_object *o = json_tokener_parse_ex(tok, s, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (o == NULL) {
        *why = jerr == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(jerr);
    } else if (!only_whitespace(s + json_tokener_get_parse_end(tok), len - json_tokener_get_parse_end(tok))) {
        json_secure_put(o);
        o = NULL;
        *why = "unexpected characters after the JSON value";
    }
    wipe_tokener(tok);
    json_tokener_free(tok);
    return o;
}

static void wipe_strings(json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_string: {
        const char *p = json_object_get_string(o);
        int n = json_object_get_string_len(o);
        /* The string's bytes belong to the object, which we are about to release. */
        if (p != NULL && n > 0)
            OPENSSL_cleanse((void *)(uintptr_t)p, (size_t)n);
        break;
    }
    case json_type_object: {
        struct json_object_iterator it = json_object_iter_begin(o);
        struct json_object_iterator end = json_object_iter_end(o);
        while (!json_object_iter_equal(&it, &end)) {
            wipe_strings(json_object_iter_peek_value(&it));
            json_object_iter_next(&it);
        }
        break;
    }
    case json_type_array: {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++)
            wipe_strings(json_object_array_get_idx(o, i));
        break;
    }
    default:
        break;
    }
}

void json_secure_put(json_object *o)
{
    if (o == NULL)
        return;
    wipe_strings(o);
    json_object_put(o);
}

char *json_plain_dup(json_object *o)
{
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    return s == NULL ? NULL : str_dup(s);
}
