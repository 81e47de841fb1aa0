#ifndef KVO_CCURL_SHIM_H
#define KVO_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo are variadic: one typed wrapper per
// argument kind, so Swift passes each option with the C type libcurl reads.
typedef size_t (*kvo_curl_data_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode kvo_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvo_easy_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvo_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvo_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvo_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvo_easy_setopt_callback(CURL *h, CURLoption o, kvo_curl_data_callback v) { return curl_easy_setopt(h, o, v); }

/// Sets a blob option (CURLOPT_CAINFO_BLOB, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB); libcurl copies the bytes.
static inline CURLcode kvo_easy_setopt_blob(CURL *h, CURLoption o, const void *data, size_t length) {
    struct curl_blob blob = { (void *)data, length, CURL_BLOB_COPY };
    return curl_easy_setopt(h, o, &blob);
}

static inline CURLcode kvo_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode kvo_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode kvo_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

// Swift does not import these macros (they are expressions over other macros).
static const long kvo_curl_http_version_2tls = CURL_HTTP_VERSION_2TLS;
static const size_t kvo_curl_writefunc_pause = CURL_WRITEFUNC_PAUSE;
static const int kvo_curlpause_cont = CURLPAUSE_CONT;
static const long kvo_curl_global_default = CURL_GLOBAL_DEFAULT;
#endif
