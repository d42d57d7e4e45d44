/* The default credential provider chain, with caching.
 *
 * Order (one place, creds_chain.c): environment -> web identity -> shared
 * files -> container -> EC2 instance metadata (IMDSv2). The first source
 * that yields wins. A source that is configured but fails stops the chain
 * with its error (no silent fall-through to an unexpected identity). When no
 * source is configured: BL_ERR_NO_CREDENTIALS with a message listing every
 * source tried and why it gave nothing, and what to set.
 *
 * Caching: the resolved credentials are kept. Long-term keys never expire;
 * temporary ones are fetched again once less than CREDS_REFRESH_WINDOW
 * seconds remain before Expiration. If that refresh fails while the old
 * credentials are still valid, the old ones are kept and the error dropped
 * (the next call tries again). creds_chain_free wipes everything. */
#ifndef BUCKETLIST_CREDS_CHAIN_H
#define BUCKETLIST_CREDS_CHAIN_H

#include "credentials.h"
#include "error.h"
#include "http.h"

#define CREDS_REFRESH_WINDOW 300 /* seconds before Expiration */

typedef struct creds_chain creds_chain;

/* `http` is borrowed (must outlive the chain); it is used by the web identity, container and
 * IMDS sources. NULL on out of memory. */
creds_chain *creds_chain_new(http_client *http, bl_error *err);

/* Cached or freshly resolved credentials, valid until the next creds_chain_get or
 * creds_chain_free; NULL with err set when none could be obtained. */
const aws_credentials *creds_chain_get(creds_chain *c, bl_error *err);

/* Drops the cached credentials (e.g. after AWS rejected them) so the next get resolves again. */
void creds_chain_invalidate(creds_chain *c);

/* Which source gave the cached credentials ("environment", "web-identity", "shared-files",
 * "container", "imds"), or "none". */
const char *creds_chain_source(const creds_chain *c);

void creds_chain_free(creds_chain *c);

#endif
