#include "timeutil.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Reads exactly n digits; false if any is missing. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool expect(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

/* Zone suffix -> offset east of UTC in seconds. */
static bool parse_zone(const char *p, long *offset)
{
    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
        *offset = 0;
        return true;
    }
    if (p[0] != '+' && p[0] != '-')
        return false;
    int sign = p[0] == '-' ? -1 : 1;
    p++;
    int hh = 0, mm = 0;
    if (!digits(&p, 2, &hh))
        return false;
    if (*p == ':')
        p++;
    if (!digits(&p, 2, &mm) || *p != '\0' || hh > 23 || mm > 59)
        return false;
    *offset = sign * (hh * 3600L + mm * 60L);
    return true;
}

int aws_parse_iso8601(const char *s, time_t *out)
{
    if (s == NULL)
        return -1;
    const char *p = s;
    int year, mon, day, hour, min, sec;
    if (!digits(&p, 4, &year) || !expect(&p, '-') || !digits(&p, 2, &mon) || !expect(&p, '-') ||
        !digits(&p, 2, &day))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (!digits(&p, 2, &hour) || !expect(&p, ':') || !digits(&p, 2, &min) || !expect(&p, ':') ||
        !digits(&p, 2, &sec))
        return -1;
    if (*p == '.' || *p == ',') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    long offset = 0;
    if (!parse_zone(p, &offset))
        return -1;
    /* 60 allows a leap second; timegm folds it into the next minute. */
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    /* timegm normalizes 31 February into March: reject dates that moved. */
    if (sec < 60 && (tm.tm_mday != day || tm.tm_mon != mon - 1))
        return -1;
    *out = t - offset;
    return 0;
}

void aws_format_iso8601(time_t t, char out[AWS_ISO8601_LEN])
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(out, AWS_ISO8601_LEN, "invalid-time");
        return;
    }
    strftime(out, AWS_ISO8601_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
