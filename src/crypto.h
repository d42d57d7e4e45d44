/* SHA-256 and HMAC-SHA256 on OpenSSL, with hex output as SigV4 wants it. */
#ifndef BUCKETLIST_CRYPTO_H
#define BUCKETLIST_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

/* out gets 64 lower-case hex digits and a NUL. Returns false only if OpenSSL fails. */
bool sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
bool hmac_sha256(const void *key, size_t key_len, const void *data, size_t data_len,
                 unsigned char out[SHA256_LEN]);
/* Lower-case hex of n bytes; out must hold 2n+1. */
void hex_encode(const unsigned char *in, size_t n, char *out);

#endif
