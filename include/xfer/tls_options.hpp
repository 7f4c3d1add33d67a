// xfer/tls_options.hpp - how a transfer verifies and authenticates TLS connections.
#pragma once

#include <string>

namespace xfer {

/// TLS settings of one transfer, as curl's CURLOPT_SSL* and CURLOPT_CA* options.
/// Verification of the peer's chain and host name is on by default; turning
/// either off takes an option whose name says it is insecure.
struct tls_options {
  /// PEM file of trusted CA certificates (CURLOPT_CAINFO); empty = the system store.
  std::string ca_file;
  /// Directory of hashed CA certificates (CURLOPT_CAPATH).
  std::string ca_path;
  /// Trusted CA certificates as PEM text in memory (CURLOPT_CAINFO_BLOB).
  std::string ca_pem;
  /// Accept any certificate chain (CURLOPT_SSL_VERIFYPEER = 0). Insecure.
  bool insecure_skip_peer_verification = false;
  /// Accept a certificate issued for another host name (CURLOPT_SSL_VERIFYHOST = 0). Insecure.
  bool insecure_skip_hostname_verification = false;

  friend bool operator==(const tls_options&, const tls_options&) = default;
};

} // namespace xfer
