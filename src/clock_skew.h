/* Clock-skew correction (aws-reference.md §6.3). A signature carries the
 * signer's time, and AWS refuses one more than 5 (S3: 15) minutes off. When
 * the service says so, its Date header tells how far off we are; the HTTP
 * client keeps that offset and signs with now + offset from then on. */
#ifndef BUCKETLIST_CLOCK_SKEW_H
#define BUCKETLIST_CLOCK_SKEW_H

#include <stdbool.h>
#include <time.h>

/* Below this gap between the server's Date and our corrected clock we do not correct: the
 * Date header has one-second resolution and AWS tolerates 5 minutes. */
#define CLOCK_SKEW_THRESHOLD_S 240
/* A server Date further off than this is not believed: no real clock is a day wrong and still
 * talks TLS, so such a Date comes from a broken or hostile endpoint. */
#define CLOCK_SKEW_MAX_S (24L * 3600L)

/* True for an error that can come from a skewed clock: RequestTimeTooSkewed, RequestExpired,
 * RequestInTheFuture always; InvalidSignatureException, SignatureDoesNotMatch and AuthFailure
 * only when their message speaks of time or expiry. */
bool clock_skew_is_candidate(const char *code, const char *message);

/* Parses an HTTP Date header (RFC 1123, also RFC 850 and asctime forms). */
bool clock_skew_parse_date(const char *date, time_t *out);

/* When `server` is more than the threshold away from `corrected_now`, sets *offset to
 * server - real_now (the new total offset) and returns true. */
bool clock_skew_new_offset(time_t server, time_t corrected_now, time_t real_now, long *offset);

#endif
