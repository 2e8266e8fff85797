#include "ccurl.h"
#include <curl/curl.h>

int ccurl_global_init(void) { return (int)curl_global_init(CURL_GLOBAL_DEFAULT); }

ccurl_easy *ccurl_easy_init(void) { return curl_easy_init(); }
void ccurl_easy_cleanup(ccurl_easy *easy) { curl_easy_cleanup(easy); }
int ccurl_easy_perform(ccurl_easy *easy) { return (int)curl_easy_perform(easy); }
const char *ccurl_easy_strerror(int code) { return curl_easy_strerror((CURLcode)code); }
int ccurl_setopt_long(ccurl_easy *easy, int option, long value) {
    return (int)curl_easy_setopt(easy, (CURLoption)option, value);
}
int ccurl_setopt_ptr(ccurl_easy *easy, int option, const void *value) {
    return (int)curl_easy_setopt(easy, (CURLoption)option, value);
}
int ccurl_setopt_data_cb(ccurl_easy *easy, int option, ccurl_data_cb callback) {
    return (int)curl_easy_setopt(easy, (CURLoption)option, callback);
}
int ccurl_easy_pause(ccurl_easy *easy, int bitmask) { return curl_easy_pause(easy, bitmask); }

int ccurl_getinfo_long(ccurl_easy *easy, int info, long *out) {
    return (int)curl_easy_getinfo(easy, (CURLINFO)info, out);
}
int ccurl_getinfo_off(ccurl_easy *easy, int info, long long *out) {
    curl_off_t value = 0;
    int code = (int)curl_easy_getinfo(easy, (CURLINFO)info, &value);
    *out = (long long)value;
    return code;
}

ccurl_slist *ccurl_slist_append(ccurl_slist *list, const char *value) {
    return (ccurl_slist *)curl_slist_append((struct curl_slist *)list, value);
}
void ccurl_slist_free_all(ccurl_slist *list) { curl_slist_free_all((struct curl_slist *)list); }

ccurl_multi *ccurl_multi_init(void) { return curl_multi_init(); }
int ccurl_multi_cleanup(ccurl_multi *multi) { return (int)curl_multi_cleanup(multi); }
int ccurl_multi_setopt_long(ccurl_multi *multi, int option, long value) {
    return (int)curl_multi_setopt(multi, (CURLMoption)option, value);
}
int ccurl_multi_add_handle(ccurl_multi *multi, ccurl_easy *easy) { return (int)curl_multi_add_handle(multi, easy); }
int ccurl_multi_remove_handle(ccurl_multi *multi, ccurl_easy *easy) { return (int)curl_multi_remove_handle(multi, easy); }
int ccurl_multi_perform(ccurl_multi *multi, int *running) { return (int)curl_multi_perform(multi, running); }
int ccurl_multi_poll(ccurl_multi *multi, int timeout_ms, int *numfds) {
    return (int)curl_multi_poll(multi, NULL, 0, timeout_ms, numfds);
}
int ccurl_multi_wakeup(ccurl_multi *multi) { return (int)curl_multi_wakeup(multi); }
const char *ccurl_multi_strerror(int code) { return curl_multi_strerror((CURLMcode)code); }
int ccurl_multi_info_done(ccurl_multi *multi, ccurl_easy **easy, int *result) {
    int queued = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(multi, &queued)) != NULL) {
        if (msg->msg == CURLMSG_DONE) {
            *easy = msg->easy_handle;
            *result = (int)msg->data.result;
            return 1;
        }
    }
    return 0;
}

ccurl_share *ccurl_share_init(void) { return curl_share_init(); }
int ccurl_share_cleanup(ccurl_share *share) { return (int)curl_share_cleanup(share); }
int ccurl_share_setopt_long(ccurl_share *share, int option, long value) {
    return (int)curl_share_setopt(share, (CURLSHoption)option, value);
}
int ccurl_share_setopt_ptr(ccurl_share *share, int option, void *value) {
    return (int)curl_share_setopt(share, (CURLSHoption)option, value);
}
int ccurl_share_setopt_lock_cb(ccurl_share *share, ccurl_lock_cb callback) {
    return (int)curl_share_setopt(share, CURLSHOPT_LOCKFUNC, (curl_lock_function)callback);
}
int ccurl_share_setopt_unlock_cb(ccurl_share *share, ccurl_unlock_cb callback) {
    return (int)curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, (curl_unlock_function)callback);
}

const int CCURLOPT_URL = CURLOPT_URL, CCURLOPT_HTTPHEADER = CURLOPT_HTTPHEADER,
    CCURLOPT_WRITEFUNCTION = CURLOPT_WRITEFUNCTION, CCURLOPT_WRITEDATA = CURLOPT_WRITEDATA,
    CCURLOPT_HEADERFUNCTION = CURLOPT_HEADERFUNCTION, CCURLOPT_HEADERDATA = CURLOPT_HEADERDATA,
    CCURLOPT_POSTFIELDSIZE = CURLOPT_POSTFIELDSIZE, CCURLOPT_COPYPOSTFIELDS = CURLOPT_COPYPOSTFIELDS,
    CCURLOPT_FOLLOWLOCATION = CURLOPT_FOLLOWLOCATION, CCURLOPT_MAXREDIRS = CURLOPT_MAXREDIRS,
    CCURLOPT_PROTOCOLS_STR = CURLOPT_PROTOCOLS_STR, CCURLOPT_REDIR_PROTOCOLS_STR = CURLOPT_REDIR_PROTOCOLS_STR,
    CCURLOPT_NOSIGNAL = CURLOPT_NOSIGNAL, CCURLOPT_CONNECTTIMEOUT_MS = CURLOPT_CONNECTTIMEOUT_MS,
    CCURLOPT_TIMEOUT_MS = CURLOPT_TIMEOUT_MS, CCURLOPT_LOW_SPEED_LIMIT = CURLOPT_LOW_SPEED_LIMIT,
    CCURLOPT_LOW_SPEED_TIME = CURLOPT_LOW_SPEED_TIME, CCURLOPT_RANGE = CURLOPT_RANGE,
    CCURLOPT_ERRORBUFFER = CURLOPT_ERRORBUFFER, CCURLOPT_SSL_VERIFYPEER = CURLOPT_SSL_VERIFYPEER,
    CCURLOPT_SSL_VERIFYHOST = CURLOPT_SSL_VERIFYHOST, CCURLOPT_USERAGENT = CURLOPT_USERAGENT,
    CCURLOPT_BUFFERSIZE = CURLOPT_BUFFERSIZE, CCURLOPT_TCP_KEEPALIVE = CURLOPT_TCP_KEEPALIVE,
    CCURLOPT_UNRESTRICTED_AUTH = CURLOPT_UNRESTRICTED_AUTH, CCURLOPT_HTTP_VERSION = CURLOPT_HTTP_VERSION;
const long CCURL_HTTP_VERSION_1_1 = CURL_HTTP_VERSION_1_1;
const int CCURLINFO_RESPONSE_CODE = CURLINFO_RESPONSE_CODE, CCURLINFO_NUM_CONNECTS = CURLINFO_NUM_CONNECTS,
    CCURLINFO_PRETRANSFER_TIME_T = CURLINFO_PRETRANSFER_TIME_T, CCURLINFO_STARTTRANSFER_TIME_T = CURLINFO_STARTTRANSFER_TIME_T;
const int CCURLOPT_SHARE = CURLOPT_SHARE, CCURLSHOPT_SHARE = CURLSHOPT_SHARE, CCURLSHOPT_USERDATA = CURLSHOPT_USERDATA;
const int CCURL_LOCK_DATA_DNS = CURL_LOCK_DATA_DNS, CCURL_LOCK_DATA_SSL_SESSION = CURL_LOCK_DATA_SSL_SESSION,
    CCURL_LOCK_DATA_CONNECT = CURL_LOCK_DATA_CONNECT, CCURL_LOCK_DATA_LAST = CURL_LOCK_DATA_LAST;
const int CCURLMOPT_MAX_HOST_CONNECTIONS = CURLMOPT_MAX_HOST_CONNECTIONS,
    CCURLMOPT_MAX_TOTAL_CONNECTIONS = CURLMOPT_MAX_TOTAL_CONNECTIONS, CCURLMOPT_MAXCONNECTS = CURLMOPT_MAXCONNECTS;
const int CCURLE_OK = CURLE_OK, CCURLE_UNSUPPORTED_PROTOCOL = CURLE_UNSUPPORTED_PROTOCOL,
    CCURLE_URL_MALFORMAT = CURLE_URL_MALFORMAT, CCURLE_TOO_MANY_REDIRECTS = CURLE_TOO_MANY_REDIRECTS,
    CCURLE_PEER_FAILED_VERIFICATION = CURLE_PEER_FAILED_VERIFICATION,
    CCURLE_SSL_CACERT_BADFILE = CURLE_SSL_CACERT_BADFILE, CCURLE_SSL_CERTPROBLEM = CURLE_SSL_CERTPROBLEM,
    CCURLE_COULDNT_RESOLVE_HOST = CURLE_COULDNT_RESOLVE_HOST, CCURLE_COULDNT_CONNECT = CURLE_COULDNT_CONNECT;
const int CCURL_ERROR_SIZE = CURL_ERROR_SIZE;

const size_t CCURL_WRITEFUNC_PAUSE = CURL_WRITEFUNC_PAUSE;
const int CCURLPAUSE_CONT = CURLPAUSE_CONT;
