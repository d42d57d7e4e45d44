#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const code_names[BL_ERR__COUNT] = {
    [BL_OK] = "ok",
    [BL_ERR_CONFIG] = "config",
    [BL_ERR_NOMEM] = "nomem",
    [BL_ERR_NETWORK] = "network",
    [BL_ERR_TIMEOUT] = "timeout",
    [BL_ERR_TOO_LARGE] = "too-large",
    [BL_ERR_THROTTLED] = "throttled",
    [BL_ERR_SERVER] = "server",
    [BL_ERR_AUTH] = "auth",
    [BL_ERR_DENIED] = "denied",
    [BL_ERR_NOT_FOUND] = "not-found",
    [BL_ERR_CLIENT] = "client",
    [BL_ERR_PROTOCOL] = "protocol",
    [BL_ERR_NO_CREDENTIALS] = "no-credentials",
    [BL_ERR_SECRET_FORMAT] = "secret-format",
    [BL_ERR_DECRYPT] = "decrypt",
    [BL_ERR_INPUT] = "input",
};

int bl_error_set(bl_error *e, bl_errcode code, const char *fmt, ...)
{
    if (e == NULL)
        return -1;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

void bl_error_prefix(bl_error *e, const char *fmt, ...)
{
    if (e == NULL)
        return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char joined[BL_ERROR_MESSAGE_MAX];
    snprintf(joined, sizeof joined, "%s%s", prefix, e->message);
    memcpy(e->message, joined, sizeof joined);
}

void bl_error_clear(bl_error *e)
{
    if (e != NULL)
        memset(e, 0, sizeof *e);
}

bool bl_error_is_transient(const bl_error *e)
{
    switch (e->code) {
    case BL_ERR_NETWORK:
    case BL_ERR_TIMEOUT:
    case BL_ERR_THROTTLED:
    case BL_ERR_SERVER:
        return true;
    default:
        return false;
    }
}

const char *bl_errcode_name(bl_errcode code)
{
    if ((unsigned)code >= BL_ERR__COUNT || code_names[code] == NULL)
        return "unknown";
    return code_names[code];
}
