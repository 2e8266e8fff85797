#ifndef CCURL_H
#define CCURL_H
// Typed, non-variadic wrappers over the system libcurl. Each function maps 1-to-1 onto the libcurl
// call it is named after: curl_easy_setopt and curl_easy_getinfo are variadic and cannot be called
// from Swift. <curl/curl.h> is included only by ccurl.c so Swift never sees the variadic API.
#include <stddef.h>
#include <stdint.h>

typedef void ccurl_easy;
typedef void ccurl_multi;
typedef void ccurl_share;
typedef struct ccurl_slist ccurl_slist;

typedef size_t (*ccurl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
// curl_lock_function and curl_unlock_function, with the enums as ints.
typedef void (*ccurl_lock_cb)(ccurl_easy *easy, int data, int access, void *userdata);
typedef void (*ccurl_unlock_cb)(ccurl_easy *easy, int data, void *userdata);

int ccurl_global_init(void);

ccurl_easy *ccurl_easy_init(void);
void ccurl_easy_cleanup(ccurl_easy *easy);
int ccurl_easy_perform(ccurl_easy *easy);
const char *ccurl_easy_strerror(int code);
int ccurl_setopt_long(ccurl_easy *easy, int option, long value);
int ccurl_setopt_ptr(ccurl_easy *easy, int option, const void *value);
int ccurl_setopt_data_cb(ccurl_easy *easy, int option, ccurl_data_cb callback);
int ccurl_getinfo_long(ccurl_easy *easy, int info, long *out);
// curl_easy_getinfo for the *_T infos, which give a curl_off_t (times in microseconds).
int ccurl_getinfo_off(ccurl_easy *easy, int info, long long *out);
// curl_easy_pause: `bitmask` is CCURLPAUSE_CONT to let a paused transfer go on.
int ccurl_easy_pause(ccurl_easy *easy, int bitmask);

ccurl_slist *ccurl_slist_append(ccurl_slist *list, const char *value);
void ccurl_slist_free_all(ccurl_slist *list);

ccurl_multi *ccurl_multi_init(void);
int ccurl_multi_cleanup(ccurl_multi *multi);
int ccurl_multi_setopt_long(ccurl_multi *multi, int option, long value);
int ccurl_multi_add_handle(ccurl_multi *multi, ccurl_easy *easy);
int ccurl_multi_remove_handle(ccurl_multi *multi, ccurl_easy *easy);
int ccurl_multi_perform(ccurl_multi *multi, int *running);
int ccurl_multi_poll(ccurl_multi *multi, int timeout_ms, int *numfds);
// Ends a ccurl_multi_poll early; safe to call from another thread.
int ccurl_multi_wakeup(ccurl_multi *multi);
const char *ccurl_multi_strerror(int code);

ccurl_share *ccurl_share_init(void);
int ccurl_share_cleanup(ccurl_share *share);
int ccurl_share_setopt_long(ccurl_share *share, int option, long value);
int ccurl_share_setopt_ptr(ccurl_share *share, int option, void *value);
int ccurl_share_setopt_lock_cb(ccurl_share *share, ccurl_lock_cb callback);
int ccurl_share_setopt_unlock_cb(ccurl_share *share, ccurl_unlock_cb callback);
// curl_multi_info_read restricted to CURLMSG_DONE: returns 1 and fills easy and result for the
// next finished transfer, 0 when none is left.
int ccurl_multi_info_done(ccurl_multi *multi, ccurl_easy **easy, int *result);

// Option, info and result numbers from curl.h, so Swift can name them without including it.
extern const int CCURLOPT_URL, CCURLOPT_HTTPHEADER, CCURLOPT_WRITEFUNCTION, CCURLOPT_WRITEDATA,
    CCURLOPT_HEADERFUNCTION, CCURLOPT_HEADERDATA, CCURLOPT_POSTFIELDSIZE, CCURLOPT_COPYPOSTFIELDS, CCURLOPT_FOLLOWLOCATION, CCURLOPT_MAXREDIRS,
    CCURLOPT_PROTOCOLS_STR, CCURLOPT_REDIR_PROTOCOLS_STR, CCURLOPT_NOSIGNAL, CCURLOPT_CONNECTTIMEOUT_MS,
    CCURLOPT_TIMEOUT_MS, CCURLOPT_LOW_SPEED_LIMIT, CCURLOPT_LOW_SPEED_TIME, CCURLOPT_RANGE,
    CCURLOPT_ERRORBUFFER, CCURLOPT_SSL_VERIFYPEER, CCURLOPT_SSL_VERIFYHOST, CCURLOPT_USERAGENT,
    CCURLOPT_BUFFERSIZE, CCURLOPT_TCP_KEEPALIVE, CCURLOPT_UNRESTRICTED_AUTH, CCURLOPT_HTTP_VERSION;
// The CCURLOPT_HTTP_VERSION value that keeps a request on HTTP/1.1 (a connection of its own).
extern const long CCURL_HTTP_VERSION_1_1;
extern const int CCURLINFO_RESPONSE_CODE, CCURLINFO_NUM_CONNECTS, CCURLINFO_PRETRANSFER_TIME_T, CCURLINFO_STARTTRANSFER_TIME_T;
// The easy option that names a share handle, the share's options, and the data it can share.
extern const int CCURLOPT_SHARE, CCURLSHOPT_SHARE, CCURLSHOPT_USERDATA;
extern const int CCURL_LOCK_DATA_DNS, CCURL_LOCK_DATA_SSL_SESSION, CCURL_LOCK_DATA_CONNECT, CCURL_LOCK_DATA_LAST;
extern const int CCURLMOPT_MAX_HOST_CONNECTIONS, CCURLMOPT_MAX_TOTAL_CONNECTIONS, CCURLMOPT_MAXCONNECTS;
extern const int CCURLE_OK, CCURLE_UNSUPPORTED_PROTOCOL, CCURLE_URL_MALFORMAT, CCURLE_TOO_MANY_REDIRECTS,
    CCURLE_PEER_FAILED_VERIFICATION, CCURLE_SSL_CACERT_BADFILE, CCURLE_SSL_CERTPROBLEM, CCURLE_COULDNT_RESOLVE_HOST,
    CCURLE_COULDNT_CONNECT;
// What a write callback returns to pause its transfer, and the bitmask that ends the pause.
extern const size_t CCURL_WRITEFUNC_PAUSE;
extern const int CCURLPAUSE_CONT;
// CURL_ERROR_SIZE: how large the buffer behind CCURLOPT_ERRORBUFFER must be.
extern const int CCURL_ERROR_SIZE;

#endif
