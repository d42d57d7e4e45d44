/* Test seam for the chain: the same runner and cache over a caller's list
 * of sources (unit tests use fakes to check order and refresh rules). */
#ifndef BUCKETLIST_CREDS_CHAIN_INTERNAL_H
#define BUCKETLIST_CREDS_CHAIN_INTERNAL_H

#include "creds_chain.h"
#include "creds_provider.h"

/* `providers` is borrowed and must outlive the chain. */
creds_chain *creds_chain_new_with(http_client *http, const creds_provider *providers, size_t n, bl_error *err);

#endif
