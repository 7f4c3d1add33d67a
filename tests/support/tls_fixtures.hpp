// TLS test fixtures built on the generated PKI: nginx serving a named certificate, trust in its root.
#pragma once

#include "support/nginx_server.hpp"
#include "support/pki.hpp"

#include <xfer/tls_options.hpp>

#include <string>
#include <string_view>

namespace xfer::test {

/// nginx options serving the named server certificate (chain + key) over TLS.
inline nginx_server::options tls_nginx(std::string_view cert = "good", std::string extra_server = {}) {
  const auto creds = test_pki().server(cert);
  nginx_server::options o;
  o.tls = true;
  o.certificate_file = creds.cert_chain_path;
  o.key_file = creds.key_path;
  o.extra_server_config = std::move(extra_server);
  return o;
}

/// Trust the generated root (alone) from a file.
inline xfer::tls_options trust_root() {
  xfer::tls_options o;
  o.ca_file = test_pki().ca_file();
  return o;
}

} // namespace xfer::test
