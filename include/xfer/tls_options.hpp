// xfer/tls_options.hpp - how a transfer verifies and authenticates TLS connections.
#pragma once

#include <functional>
#include <memory>
#include <string>

struct ssl_ctx_st; // OpenSSL's SSL_CTX

namespace xfer {

/// TLS protocol versions xfer can be limited to.
enum class tls_version {
  default_version, ///< no explicit bound (for the maximum: the newest OpenSSL supports)
  v1_2,
  v1_3,
};

/// Receives the OpenSSL context before its first use, for settings xfer has no option for.
/// Two transfers share a context (and connections) only when they hold the same hook object.
using ssl_ctx_hook = std::function<void(ssl_ctx_st* ctx)>;

/// TLS settings of one transfer, as curl's CURLOPT_SSL* and CURLOPT_CA* options.
/// Verification of the peer's chain and host name is on by default, against
/// the system trust store; turning either off takes an option whose name says
/// it is insecure. Connections and TLS sessions are shared only between
/// transfers whose tls_options compare equal.
struct tls_options {
  // ---- trust
  /// PEM file of trusted CA certificates (CURLOPT_CAINFO); all three empty = the system store.
  std::string ca_file;
  /// Directory of hashed CA certificates (CURLOPT_CAPATH).
  std::string ca_path;
  /// Trusted CA certificates as PEM text in memory (CURLOPT_CAINFO_BLOB).
  std::string ca_pem;

  // ---- client certificate (mutual TLS)
  /// PEM file with the client certificate, optionally followed by its chain (CURLOPT_SSLCERT).
  std::string client_certificate_file;
  /// The client certificate (and chain) as PEM text (CURLOPT_SSLCERT_BLOB).
  std::string client_certificate_pem;
  /// PEM file with the client's private key (CURLOPT_SSLKEY); empty = in the certificate file.
  std::string client_key_file;
  /// The client's private key as PEM text (CURLOPT_SSLKEY_BLOB).
  std::string client_key_pem;
  /// Passphrase of an encrypted private key (CURLOPT_KEYPASSWD).
  std::string client_key_passphrase;

  // ---- protocol
  /// Lowest version accepted (CURLOPT_SSLVERSION); TLS 1.2 unless raised.
  tls_version min_version = tls_version::v1_2;
  /// Highest version offered; default = the newest.
  tls_version max_version = tls_version::default_version;
  /// OpenSSL cipher list for TLS 1.2 (CURLOPT_SSL_CIPHER_LIST); empty = OpenSSL's default.
  std::string ciphers;
  /// TLS 1.3 cipher suites (CURLOPT_TLS13_CIPHERS); empty = OpenSSL's default.
  std::string tls13_ciphers;
  /// Key-exchange groups, e.g. "X25519:P-256" (CURLOPT_SSL_EC_CURVES); empty = default.
  std::string curves;

  // ---- checks beyond the chain
  /// Public-key pins as curl's CURLOPT_PINNEDPUBLICKEY: "sha256//BASE64[;sha256//BASE64...]".
  /// A connection whose server key matches none fails with errc::ssl_pinnedpubkeynotmatch.
  std::string pinned_public_key;

  // ---- escape hatches
  /// Called with the SSL_CTX after xfer configured it, before its first use (CURLOPT_SSL_CTX_FUNCTION).
  std::shared_ptr<const ssl_ctx_hook> context_hook;
  /// Accept any certificate chain (CURLOPT_SSL_VERIFYPEER = 0). Insecure.
  bool insecure_skip_peer_verification = false;
  /// Accept a certificate issued for another host name (CURLOPT_SSL_VERIFYHOST = 0). Insecure.
  bool insecure_skip_hostname_verification = false;

  friend bool operator==(const tls_options&, const tls_options&) = default;
};

} // namespace xfer
