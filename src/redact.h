/* Error messages shown to anonymous page visitors keep what to fix but drop
 * what only helps an attacker map the account: ARNs (which name users, roles
 * and secrets) and 12-digit account ids. The worker log keeps the full text. */
#ifndef BUCKETLIST_REDACT_H
#define BUCKETLIST_REDACT_H

#include <stddef.h>

/* Rewrites msg in place (it only gets shorter): every "arn:..." token becomes "[ARN]" and every
 * standalone run of exactly 12 digits becomes "[account]". */
void redact_for_public(char *msg);

#endif
