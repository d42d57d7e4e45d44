#include "buf.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static bool grow(buf_t *b, size_t need)
{
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    /* realloc would leave a copy of possible secrets behind: allocate, copy, wipe. */
    char *p = malloc(cap);
    if (p == NULL)
        return false;
    if (b->data != NULL) {
        memcpy(p, b->data, b->len + 1);
        OPENSSL_cleanse(b->data, b->cap);
        free(b->data);
    }
    b->data = p;
    b->cap = cap;
    return true;
}

bool buf_append(buf_t *b, const void *data, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return false;
    if (!grow(b, b->len + n + 1))
        return false;
    if (n > 0)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool buf_appends(buf_t *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

bool buf_appendc(buf_t *b, char c)
{
    return buf_append(b, &c, 1);
}

bool buf_appendf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return false;
    size_t need = (size_t)n;
    if (need > b->max || b->len > b->max - need)
        return false;
    if (!grow(b, b->len + need + 1))
        return false;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, need + 1, fmt, ap);
    va_end(ap);
    b->len += need;
    return true;
}

const char *buf_cstr(const buf_t *b)
{
    return b->data ? b->data : "";
}

void buf_reset(buf_t *b)
{
    if (b->data != NULL) {
        OPENSSL_cleanse(b->data, b->cap);
        b->data[0] = '\0';
    }
    b->len = 0;
}

void buf_free(buf_t *b)
{
    if (b->data != NULL) {
        OPENSSL_cleanse(b->data, b->cap);
        free(b->data);
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

char *buf_take(buf_t *b)
{
    char *p = b->data;
    if (p == NULL)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

char *str_dup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

void secure_free(char *s)
{
    if (s == NULL)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}
