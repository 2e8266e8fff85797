#include "cdigest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>

struct cdigest_md5 {
    EVP_MD_CTX *context;
};

static EVP_MD *md5_algorithm;
static pthread_once_t md5_once = PTHREAD_ONCE_INIT;

// Fetched once: an implicit fetch on every init would search the providers per file. "-fips"
// asks for a non-FIPS implementation, since MD5 here checks integrity and is no security measure.
static void fetch_md5(void) { md5_algorithm = EVP_MD_fetch(NULL, "MD5", "-fips"); }

cdigest_md5 *cdigest_md5_new(void) {
    pthread_once(&md5_once, fetch_md5);
    if (md5_algorithm == NULL) return NULL;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (context == NULL) return NULL;
    if (EVP_DigestInit_ex(context, md5_algorithm, NULL) != 1) {
        EVP_MD_CTX_free(context);
        return NULL;
    }
    cdigest_md5 *md5 = OPENSSL_malloc(sizeof *md5);
    if (md5 == NULL) {
        EVP_MD_CTX_free(context);
        return NULL;
    }
    md5->context = context;
    return md5;
}

void cdigest_md5_update(cdigest_md5 *md5, const void *data, size_t length) {
    if (length > 0) EVP_DigestUpdate(md5->context, data, length);
}

int cdigest_md5_final(cdigest_md5 *md5, unsigned char out[16]) {
    unsigned int length = 0;
    return EVP_DigestFinal_ex(md5->context, out, &length) == 1 && length == 16;
}

void cdigest_md5_free(cdigest_md5 *md5) {
    if (md5 == NULL) return;
    EVP_MD_CTX_free(md5->context);
    OPENSSL_free(md5);
}

int cdigest_hmac_sha256(const void *key, size_t key_length, const void *data, size_t length, unsigned char out[32]) {
    unsigned int written = 0;
    return HMAC(EVP_sha256(), key, (int)key_length, data, length, out, &written) != NULL && written == 32;
}
