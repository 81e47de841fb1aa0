#ifndef KVO_COPENSSL_SHIM_H
#define KVO_COPENSSL_SHIM_H
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

// OpenSSL's macros, as functions Swift can call.

/// Call before any other OpenSSL use (only the first initialisation decides): OpenSSL then keeps its
/// global state until the process is gone instead of freeing it in an atexit handler, where a
/// thread still closing a TLS connection (libcurl's, the Redis client's) would crash on a freed lock.
static inline void kvo_openssl_keep_state_at_exit(void) {
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}

/// TLS 1.2 at least; partial writes, and a retried write may come from a moved buffer.
static inline int kvo_ssl_ctx_configure(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

/// The name sent in the TLS handshake (SNI).
static inline int kvo_ssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
#endif
