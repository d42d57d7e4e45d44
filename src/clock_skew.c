#include "clock_skew.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

static bool mentions_time(const char *message)
{
    if (message == NULL)
        return false;
    /* "Signature expired: ... is now earlier than ...", "Signature not yet current: ... is still later
     * than ...", "The difference between the request time and the current time is too large." */
    static const char *const words[] = {"expired", "time", "skew", "future", "not yet current", "earlier than",
                                        "later than", NULL};
    for (size_t i = 0; words[i] != NULL; i++) {
        if (strcasestr(message, words[i]) != NULL)
            return true;
    }
    return false;
}

bool clock_skew_is_candidate(const char *code, const char *message)
{
    if (code == NULL)
        return false;
    if (strcmp(code, "RequestTimeTooSkewed") == 0 || strcmp(code, "RequestExpired") == 0 ||
        strcmp(code, "RequestInTheFuture") == 0)
        return true;
    if (strcmp(code, "InvalidSignatureException") == 0 || strcmp(code, "SignatureDoesNotMatch") == 0 ||
        strcmp(code, "AuthFailure") == 0)
        return mentions_time(message);
    return false;
}

bool clock_skew_parse_date(const char *date, time_t *out)
{
    if (date == NULL || date[0] == '\0')
        return false;
    time_t t = curl_getdate(date, NULL);
    if (t == (time_t)-1 || t <= 0)
        return false;
    *out = t;
    return true;
}

bool clock_skew_new_offset(time_t server, time_t corrected_now, time_t real_now, long *offset)
{
    double gap = difftime(server, corrected_now);
    if (gap <= CLOCK_SKEW_THRESHOLD_S && gap >= -CLOCK_SKEW_THRESHOLD_S)
        return false;
    double offset_s = difftime(server, real_now);
    if (offset_s > CLOCK_SKEW_MAX_S || offset_s < -CLOCK_SKEW_MAX_S)
        return false;
    *offset = (long)offset_s;
    return true;
}
