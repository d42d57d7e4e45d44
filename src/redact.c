#include "redact.h"

#include <ctype.h>
#include <string.h>

/* Characters that end an ARN inside a sentence. */
static int ends_arn(char c)
{
    return c == '\0' || isspace((unsigned char)c) || strchr("\"'`,;()<>[]{}", c) != NULL;
}

void redact_for_public(char *msg)
{
    char *out = msg;
    const char *in = msg;
    while (*in != '\0') {
        int at_word_start = in == msg || !isalnum((unsigned char)in[-1]);
        if (at_word_start && strncmp(in, "arn:", 4) == 0) {
            while (!ends_arn(*in))
                in++;
            /* A sentence's final period is not part of the ARN. */
            if (in > msg && in[-1] == '.' && (ends_arn(*in)))
                in--;
            memcpy(out, "[ARN]", 5);
            out += 5;
            continue;
        }
        if (at_word_start && isdigit((unsigned char)*in)) {
            size_t n = strspn(in, "0123456789");
            if (n == 12 && !isalnum((unsigned char)in[n])) {
                memcpy(out, "[account]", 9);
                out += 9;
                in += n;
                continue;
            }
            memmove(out, in, n);
            out += n;
            in += n;
            continue;
        }
        *out++ = *in++;
    }
    *out = '\0';
}
