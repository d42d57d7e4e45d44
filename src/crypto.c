#include "crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

bool sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
    unsigned char md[SHA256_LEN];
    unsigned int md_len = 0;
    if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != SHA256_LEN)
        return false;
    hex_encode(md, SHA256_LEN, out);
    return true;
}

bool hmac_sha256(const void *key, size_t key_len, const void *data, size_t data_len,
                 unsigned char out[SHA256_LEN])
{
    unsigned int out_len = 0;
    if (HMAC(EVP_sha256(), key, (int)key_len, data, data_len, out, &out_len) == NULL)
        return false;
    return out_len == SHA256_LEN;
}
