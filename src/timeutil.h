/* ISO 8601 timestamps as AWS sends them (STS, IMDS, container endpoints,
 * AWS_CREDENTIAL_EXPIRATION): "2026-01-01T00:00:11Z", with optional
 * fractional seconds ("…:11.640582Z") and a numeric offset ("+00:00"). */
#ifndef BUCKETLIST_TIMEUTIL_H
#define BUCKETLIST_TIMEUTIL_H

#include <time.h>

#define AWS_ISO8601_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" plus NUL */

/* Parses `s` into seconds since the epoch (fractions dropped). Accepts 'T', 't' or ' ' between
 * date and time, and 'Z', 'z', "+HH:MM", "-HH:MM", "+HHMM" as the zone; a missing zone is
 * rejected (local time would be a guess). Returns 0, or -1 if `s` is not such a timestamp. */
int aws_parse_iso8601(const char *s, time_t *out);

/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
void aws_format_iso8601(time_t t, char out[AWS_ISO8601_LEN]);

#endif
