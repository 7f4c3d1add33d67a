// xfer/detail/tls_verification.hpp - per-connection TLS checks: SNI, host name, public-key pins.
#pragma once

#include <xfer/tls_options.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

namespace xfer::detail {

/// Prepares `ssl` for a handshake with `host`: SNI for names (never for IP
/// literals), and OpenSSL's own host-name or IP check as part of chain
/// verification, unless the options turned that check off.
inline bool prepare_tls_connection(SSL* ssl, const std::string& host, bool host_is_ip,
                                   const tls_options& options) {
  if (!host_is_ip && !SSL_set_tlsext_host_name(ssl, host.c_str()))
    return false;
  if (options.insecure_skip_hostname_verification)
    return true;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (host_is_ip)
    return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  return SSL_set1_host(ssl, host.c_str()) == 1;
}

/// Why chain verification failed, in curl's words; empty when it did not.
inline std::string verification_failure(SSL* ssl) {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK)
    return {};
  return std::string("SSL certificate problem: ") + X509_verify_cert_error_string(result);
}

/// With peer verification off, the host name is still checked when asked
/// (curl's VERIFYPEER=0, VERIFYHOST=2): OpenSSL's X509_check_host/ip on the leaf.
inline bool host_matches_without_chain(SSL* ssl, const std::string& host, bool host_is_ip) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
  if (!cert)
    return false;
  if (host_is_ip)
    return X509_check_ip_asc(cert.get(), host.c_str(), 0) == 1;
  return X509_check_host(cert.get(), host.data(), host.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                         nullptr) == 1;
}

/// The server key's "sha256//BASE64" pin (curl's CURLOPT_PINNEDPUBLICKEY form).
inline std::string public_key_pin(SSL* ssl) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
  if (!cert)
    return {};
  unsigned char* der = nullptr;
  const int der_size = i2d_PUBKEY(X509_get0_pubkey(cert.get()), &der);
  if (der_size <= 0)
    return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  const bool hashed =
      EVP_Digest(der, static_cast<std::size_t>(der_size), digest, &digest_size, EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  if (!hashed)
    return {};
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int encoded_size = EVP_EncodeBlock(encoded, digest, static_cast<int>(digest_size));
  return "sha256//" + std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(encoded_size));
}

/// Whether the server's key matches one of the ';'-separated pins.
inline bool pin_matches(SSL* ssl, std::string_view pins) {
  const std::string actual = public_key_pin(ssl);
  if (actual.empty())
    return false;
  while (!pins.empty()) {
    const auto end = pins.find(';');
    std::string_view pin = pins.substr(0, end);
    while (!pin.empty() && pin.front() == ' ')
      pin.remove_prefix(1);
    while (!pin.empty() && pin.back() == ' ')
      pin.remove_suffix(1);
    if (pin == actual)
      return true;
    if (end == std::string_view::npos)
      break;
    pins.remove_prefix(end + 1);
  }
  return false;
}

} // namespace xfer::detail
