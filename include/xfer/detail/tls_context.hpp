// xfer/detail/tls_context.hpp - an OpenSSL client context built from tls_options, shared by equal options.
#pragma once

#include <xfer/detail/tls_session_cache.hpp>
#include <xfer/error.hpp>
#include <xfer/tls_options.hpp>

#include <xfer/detail/asio.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace xfer::detail {

/// A configured SSL_CTX plus the identity of its configuration. Connections
/// and TLS sessions are shared only within one tls_context.
class tls_context {
public:
  /// Index of the SSL ex_data slot holding the connection's session-cache key.
  static int session_key_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }
  /// Index of the SSL_CTX ex_data slot pointing back to the tls_context
  /// (asio::ssl::context keeps SSL_CTX's app data for itself).
  static int context_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }

  /// Builds the context; on failure sets ec (an errc) and detail, and the context is unusable.
  tls_context(const tls_options& options, std::string id, tls_session_cache& sessions,
              std::error_code& ec, std::string& detail)
      : context_(asio::ssl::context::tls_client), id_(std::move(id)), sessions_(&sessions),
        hook_(options.context_hook) {
    SSL_CTX* ctx = context_.native_handle();
    if (!set_versions(ctx, options, ec, detail) || !set_trust(ctx, options, ec, detail) ||
        !set_ciphers(ctx, options, ec, detail) || !set_client_certificate(ctx, options, ec, detail))
      return;
    SSL_CTX_set_verify(ctx, options.insecure_skip_peer_verification ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                       nullptr);
    static constexpr unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
    // Sessions are kept by xfer (per host, port and configuration), not by OpenSSL's internal cache.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_set_ex_data(ctx, context_index(), this);
    SSL_CTX_sess_set_new_cb(ctx, &tls_context::on_new_session);
    if (options.context_hook && *options.context_hook)
      (*options.context_hook)(ctx);
    ok_ = true;
  }

  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;
  ~tls_context() { SSL_CTX_set_ex_data(context_.native_handle(), context_index(), nullptr); }

  bool ok() const noexcept { return ok_; }
  asio::ssl::context& context() noexcept { return context_; }
  /// Names the configuration in pool and session keys.
  const std::string& id() const noexcept { return id_; }
  tls_session_cache* sessions() const noexcept { return sessions_; }
  /// The engine is gone: stop storing sessions.
  void detach_sessions() noexcept { sessions_ = nullptr; }

private:
  static bool fail(std::error_code& ec, std::string& detail, errc code, std::string what) {
    ec = code;
    detail = std::move(what);
    const unsigned long e = ERR_peek_last_error();
    if (e != 0) {
      char reason[256];
      ERR_error_string_n(e, reason, sizeof reason);
      detail += ": ";
      detail += reason;
    }
    ERR_clear_error();
    return false;
  }

  static int to_openssl(tls_version v) noexcept {
    switch (v) {
    case tls_version::v1_2: return TLS1_2_VERSION;
    case tls_version::v1_3: return TLS1_3_VERSION;
    case tls_version::default_version: break;
    }
    return 0;
  }

  static bool set_versions(SSL_CTX* ctx, const tls_options& o, std::error_code& ec,
                           std::string& detail) {
    const int min = o.min_version == tls_version::default_version ? TLS1_2_VERSION
                                                                  : to_openssl(o.min_version);
    const int max = to_openssl(o.max_version);
    if ((max != 0 && max < min) || !SSL_CTX_set_min_proto_version(ctx, min) ||
        !SSL_CTX_set_max_proto_version(ctx, max))
      return fail(ec, detail, errc::ssl_connect_error, "TLS version range is not usable");
    return true;
  }

  static bool set_trust(SSL_CTX* ctx, const tls_options& o, std::error_code& ec,
                        std::string& detail) {
    if (o.ca_file.empty() && o.ca_path.empty() && o.ca_pem.empty()) {
      if (!o.insecure_skip_peer_verification) // nothing to verify against otherwise
        load_system_store(ctx);
      return true;
    }
    if (!o.ca_file.empty() && !SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr))
      return fail(ec, detail, errc::ssl_cacert_badfile,
                  "error setting certificate file: " + o.ca_file);
    if (!o.ca_path.empty() && !SSL_CTX_load_verify_locations(ctx, nullptr, o.ca_path.c_str()))
      return fail(ec, detail, errc::ssl_cacert_badfile,
                  "error setting certificate path: " + o.ca_path);
    if (!o.ca_pem.empty()) {
      std::unique_ptr<BIO, decltype(&BIO_free)> bio(
          BIO_new_mem_buf(o.ca_pem.data(), static_cast<int>(o.ca_pem.size())), &BIO_free);
      X509_STORE* store = SSL_CTX_get_cert_store(ctx);
      int added = 0;
      while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        added += X509_STORE_add_cert(store, cert) == 1;
        X509_free(cert);
      }
      ERR_clear_error(); // the loop ends on "no start line"
      if (added == 0)
        return fail(ec, detail, errc::ssl_cacert_badfile, "no CA certificate in the in-memory PEM");
    }
    return true;
  }

  /// OpenSSL's default locations, or Debian's bundle when those do not exist.
  static void load_system_store(SSL_CTX* ctx) {
    std::error_code ignored;
    const bool default_file = std::filesystem::exists(X509_get_default_cert_file(), ignored);
    const bool default_dir = std::filesystem::exists(X509_get_default_cert_dir(), ignored);
    if (default_file || default_dir) {
      SSL_CTX_set_default_verify_paths(ctx);
    } else {
      static constexpr const char* bundles[] = {"/etc/ssl/certs/ca-certificates.crt",
                                                "/etc/pki/tls/certs/ca-bundle.crt",
                                                "/etc/ssl/cert.pem"};
      for (const char* bundle : bundles) {
        if (std::filesystem::exists(bundle, ignored) &&
            SSL_CTX_load_verify_locations(ctx, bundle, nullptr))
          break;
      }
    }
    ERR_clear_error();
  }

  static bool set_ciphers(SSL_CTX* ctx, const tls_options& o, std::error_code& ec,
                          std::string& detail) {
    if (!o.ciphers.empty() && !SSL_CTX_set_cipher_list(ctx, o.ciphers.c_str()))
      return fail(ec, detail, errc::ssl_cipher, "failed setting cipher list: " + o.ciphers);
    if (!o.tls13_ciphers.empty() && !SSL_CTX_set_ciphersuites(ctx, o.tls13_ciphers.c_str()))
      return fail(ec, detail, errc::ssl_cipher,
                  "failed setting TLS 1.3 cipher suites: " + o.tls13_ciphers);
    if (!o.curves.empty() && !SSL_CTX_set1_groups_list(ctx, o.curves.c_str()))
      return fail(ec, detail, errc::ssl_cipher, "failed setting curves list: " + o.curves);
    return true;
  }

  static int passphrase_callback(char* buffer, int size, int, void* user) {
    const auto* passphrase = static_cast<const std::string*>(user);
    const int n = static_cast<int>(std::min<std::size_t>(passphrase->size(), static_cast<std::size_t>(size)));
    std::copy_n(passphrase->data(), n, buffer);
    return n;
  }

  static bool set_client_certificate(SSL_CTX* ctx, const tls_options& o, std::error_code& ec,
                                     std::string& detail) {
    const bool has_cert = !o.client_certificate_file.empty() || !o.client_certificate_pem.empty();
    const bool has_key = !o.client_key_file.empty() || !o.client_key_pem.empty();
    if (!has_cert) {
      if (has_key)
        return fail(ec, detail, errc::ssl_certproblem, "a client key was given without a certificate");
      return true;
    }
    if (!o.client_certificate_file.empty()) {
      if (!SSL_CTX_use_certificate_chain_file(ctx, o.client_certificate_file.c_str()))
        return fail(ec, detail, errc::ssl_certproblem,
                    "could not load client certificate " + o.client_certificate_file);
    } else if (!use_certificate_pem(ctx, o.client_certificate_pem)) {
      return fail(ec, detail, errc::ssl_certproblem, "could not load the in-memory client certificate");
    }
    std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(nullptr, &BIO_free);
    if (!o.client_key_pem.empty())
      key_bio.reset(BIO_new_mem_buf(o.client_key_pem.data(), static_cast<int>(o.client_key_pem.size())));
    else
      key_bio.reset(BIO_new_file(
          (o.client_key_file.empty() ? o.client_certificate_file : o.client_key_file).c_str(), "r"));
    EVP_PKEY* key = key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, &passphrase_callback,
                                                      const_cast<std::string*>(&o.client_key_passphrase))
                            : nullptr;
    if (!key)
      return fail(ec, detail, errc::ssl_certproblem,
                  "unable to load the client private key (wrong passphrase?)");
    const int used = SSL_CTX_use_PrivateKey(ctx, key);
    EVP_PKEY_free(key);
    if (!used || !SSL_CTX_check_private_key(ctx))
      return fail(ec, detail, errc::ssl_certproblem,
                  "the client private key does not match the certificate");
    return true;
  }

  static bool use_certificate_pem(SSL_CTX* ctx, const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    X509* leaf = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!leaf)
      return false;
    const int used = SSL_CTX_use_certificate(ctx, leaf);
    X509_free(leaf);
    if (!used)
      return false;
    SSL_CTX_clear_chain_certs(ctx);
    while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      if (!SSL_CTX_add0_chain_cert(ctx, extra)) {
        X509_free(extra);
        return false;
      }
    }
    ERR_clear_error();
    return true;
  }

  /// OpenSSL hands over a new resumable session (after the handshake in TLS
  /// 1.2, with a post-handshake ticket in TLS 1.3).
  static int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* self = static_cast<tls_context*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), context_index()));
    auto* key = static_cast<const std::string*>(SSL_get_ex_data(ssl, session_key_index()));
    if (!self || !self->sessions_ || !key || !SSL_SESSION_is_resumable(session))
      return 0;
    // A copy: OpenSSL marks the original unresumable when its connection is
    // freed without a close_notify, which is how idle connections end.
    if (SSL_SESSION* copy = SSL_SESSION_dup(session))
      self->sessions_->store(*key, copy);
    return 0;
  }

  asio::ssl::context context_;
  std::string id_;
  tls_session_cache* sessions_;
  std::shared_ptr<const ssl_ctx_hook> hook_; ///< kept alive: its address is part of id_
  bool ok_ = false;
};

/// A text that is equal for equal tls_options and differs otherwise.
inline std::string tls_fingerprint(const tls_options& o) {
  std::string key;
  auto field = [&](const std::string& value) {
    key += std::to_string(value.size());
    key += ':';
    key += value;
  };
  field(o.ca_file);
  field(o.ca_path);
  field(o.ca_pem);
  field(o.client_certificate_file);
  field(o.client_certificate_pem);
  field(o.client_key_file);
  field(o.client_key_pem);
  field(o.client_key_passphrase);
  field(o.ciphers);
  field(o.tls13_ciphers);
  field(o.curves);
  field(o.pinned_public_key);
  key += static_cast<char>('0' + static_cast<int>(o.min_version));
  key += static_cast<char>('0' + static_cast<int>(o.max_version));
  key += o.insecure_skip_peer_verification ? 'P' : 'p';
  key += o.insecure_skip_hostname_verification ? 'H' : 'h';
  key += std::to_string(reinterpret_cast<std::uintptr_t>(o.context_hook.get()));
  return key;
}

} // namespace xfer::detail
