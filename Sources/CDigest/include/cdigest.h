#ifndef CDIGEST_H
#define CDIGEST_H

#include <stddef.h>

// MD5 and HMAC-SHA256 from the system's OpenSSL (libcrypto, which libcurl already loads), behind
// plain functions so Swift never sees OpenSSL's headers, and an MD5 of many messages at once.

typedef struct cdigest_md5 cdigest_md5;

// A fresh MD5 stream; NULL if this OpenSSL offers no MD5.
cdigest_md5 *cdigest_md5_new(void);
void cdigest_md5_update(cdigest_md5 *md5, const void *data, size_t length);
// Writes the 16-byte digest and ends the stream; returns 1 on success.
int cdigest_md5_final(cdigest_md5 *md5, unsigned char out[16]);
void cdigest_md5_free(cdigest_md5 *md5);

// Writes the 16-byte MD5 of each of `count` messages to `out` (16 * count bytes), eight at a time
// where the CPU has AVX2 (md5_many.c) and one by one with OpenSSL elsewhere; returns 1 on success.
int cdigest_md5_many(size_t count, const unsigned char *const *data, const size_t *lengths, unsigned char *out);

// Writes the 32-byte HMAC-SHA256 of data under key; returns 1 on success.
int cdigest_hmac_sha256(const void *key, size_t key_length, const void *data, size_t length, unsigned char out[32]);

#endif
