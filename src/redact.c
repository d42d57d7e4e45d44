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
            const char *end = in;
            int colons = 0;
            while (!ends_arn(*end))
                colons += *end++ == ':';
            /* A sentence's final period is not part of the ARN. */
            if (end[-1] == '.')
                end--;
            /* Only a real ARN (arn:partition:service:region:account:resource, five colons) is replaced;
             * it is always longer than "[ARN]", so the text only shrinks. */
            if (colons >= 5) {
                memcpy(out, "[ARN]", 5);
                out += 5;
                in = end;
                continue;
            }
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
