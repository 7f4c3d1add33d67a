// xfer/transfer_info.hpp - what a finished (or running) transfer reports, as curl's getinfo.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace xfer {

/// Facts about one transfer, valid after it completes (and partly while it runs).
struct transfer_info {
  int response_code = 0;               ///< final HTTP status, 0 when none was received
  int http_version_minor = 1;          ///< 1 for HTTP/1.1, 0 for HTTP/1.0
  std::string effective_url;           ///< the URL last used
  std::uint64_t bytes_downloaded = 0;  ///< body bytes received (after de-chunking)
  std::uint64_t bytes_uploaded = 0;    ///< request body bytes sent
  bool connection_reused = false;      ///< the request went over a kept-alive connection
  std::uint32_t attempts = 0;          ///< requests sent, counting a retry on a stale connection
  std::chrono::nanoseconds total_time{0}; ///< from start (leaving pending) to completion
  std::string tls_version;             ///< e.g. "TLSv1.3"; empty without TLS
  std::string tls_cipher;              ///< e.g. "TLS_AES_256_GCM_SHA384"; empty without TLS
  std::string alpn_protocol;           ///< protocol the server chose by ALPN, e.g. "http/1.1"
  bool tls_session_resumed = false;    ///< the handshake resumed a cached TLS session
};

} // namespace xfer
