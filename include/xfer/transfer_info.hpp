// xfer/transfer_info.hpp - what a finished (or running) transfer reports, as curl's getinfo.
#pragma once

#include <xfer/headers.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xfer {

/// One response that led to another request in the same transfer: a
/// redirect followed, or an authentication challenge answered.
struct response_record {
  std::string url;  ///< the URL that was requested
  int status = 0;   ///< its status code
  headers fields;   ///< its header fields
};

/// When each phase of a transfer ended, measured from its start (curl's
/// CURLINFO_*_TIME_T, same meaning: each includes the ones before it). Zero
/// for a phase that did not happen (no name lookup for an IP address, no
/// connect on a reused connection, no TLS over http). With redirects they
/// describe the last request, `redirect` the time spent before it.
struct transfer_timing {
  std::chrono::microseconds queue{0};          ///< waiting for a connection slot
  std::chrono::microseconds name_lookup{0};    ///< host name resolved
  std::chrono::microseconds connect{0};        ///< TCP connected
  std::chrono::microseconds tls_handshake{0};  ///< TLS handshake done (CURLINFO_APPCONNECT_TIME)
  std::chrono::microseconds pre_transfer{0};   ///< about to send the request
  std::chrono::microseconds start_transfer{0}; ///< first response byte received
  std::chrono::microseconds redirect{0};       ///< all requests before the last one
  std::chrono::microseconds total{0};          ///< the whole transfer
};

/// Facts about one transfer, valid after it completes (and partly while it runs).
struct transfer_info {
  int response_code = 0;               ///< final HTTP status, 0 when none was received
  int http_version_minor = 1;          ///< 1 for HTTP/1.1, 0 for HTTP/1.0
  std::string effective_url;           ///< the URL last used
  std::uint64_t bytes_downloaded = 0;  ///< body bytes delivered (after de-chunking and content decoding)
  std::uint64_t bytes_uploaded = 0;    ///< request body bytes sent
  bool connection_reused = false;      ///< the request went over a kept-alive connection
  std::uint32_t attempts = 0;          ///< requests sent, counting a retry on a stale connection
  std::uint32_t retries = 0;           ///< retries made by the retry policy (each also counts in attempts)
  std::chrono::nanoseconds total_time{0}; ///< from start (leaving pending) to completion
  std::string tls_version;             ///< e.g. "TLSv1.3"; empty without TLS
  std::string tls_cipher;              ///< e.g. "TLS_AES_256_GCM_SHA384"; empty without TLS
  std::string alpn_protocol;           ///< protocol the server chose by ALPN, e.g. "http/1.1"
  bool tls_session_resumed = false;    ///< the handshake resumed a cached TLS session

  // ---- HTTP semantics
  int redirect_count = 0;              ///< redirects followed
  std::string redirect_url;            ///< a Location the transfer did not follow (CURLINFO_REDIRECT_URL)
  std::vector<response_record> chain;  ///< responses before the final one, oldest first
  std::string content_type;            ///< the final response's Content-Type, empty when absent
  /// The final response's Retry-After, in seconds from its arrival (delta-seconds or HTTP-date).
  std::optional<std::chrono::seconds> retry_after;

  // ---- timing and addresses
  transfer_timing timing;
  std::string primary_ip;              ///< the server's address of the last connection
  std::uint16_t primary_port = 0;
  std::string local_ip;                ///< this end's address of the last connection
  std::uint16_t local_port = 0;
  std::uint64_t connection_id = 0;     ///< the last connection's number within its multi (from 1)
  std::uint32_t new_connections = 0;   ///< connections opened for this transfer (CURLINFO_NUM_CONNECTS)
};

} // namespace xfer
