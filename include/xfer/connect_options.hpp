// xfer/connect_options.hpp - how a transfer reaches its server, how long each phase may take, how fast it may go.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace xfer {

/// Which address families a transfer connects over (curl's CURLOPT_IPRESOLVE).
enum class ip_version {
  any, ///< both; IPv6 and IPv4 raced by Happy Eyeballs
  v4,  ///< IPv4 only (curl's -4)
  v6,  ///< IPv6 only (curl's -6)
};

/// Limits on each phase of a transfer. Each one that elapses ends the
/// transfer with errc::operation_timedout and names its phase in the error
/// detail. Zero turns a limit off. None of them counts the time a transfer
/// waits in the multi's queue for a connection slot.
struct timeouts {
  /// Name resolution of the host (a cache hit or a resolve override takes no time).
  std::chrono::milliseconds dns{0};
  /// Resolving and connecting a new connection, every address tried included
  /// (curl's CURLOPT_CONNECTTIMEOUT, default 300 s).
  std::chrono::milliseconds connect{300'000};
  /// One connection attempt to one address; when it elapses the next address
  /// is tried (the overall `connect` limit still holds).
  std::chrono::milliseconds connect_attempt{0};
  /// The TLS handshake of a new https connection.
  std::chrono::milliseconds tls_handshake{0};
  /// From sending a request to the first byte of its response.
  std::chrono::milliseconds first_byte{0};
  /// No byte received or sent for this long, once the request is under way.
  std::chrono::milliseconds idle{0};
  /// The whole transfer, from leaving the queue to its end (curl's CURLOPT_TIMEOUT).
  std::chrono::milliseconds total{0};
  /// With low_speed_time: ends the transfer when fewer than this many bytes
  /// per second move for low_speed_time (curl's LOW_SPEED_LIMIT / LOW_SPEED_TIME).
  std::uint64_t low_speed_limit = 0;
  std::chrono::milliseconds low_speed_time{0};
};

/// How a transfer finds and opens its connection. Connections opened with
/// different settings are never shared.
struct connect_options {
  /// Addresses to use instead of asking DNS, each "HOST:PORT:ADDR[,ADDR...]"
  /// (curl's CURLOPT_RESOLVE; IPv6 addresses may be bracketed). An entry
  /// that does not parse fails the transfer with errc::bad_function_argument.
  std::vector<std::string> resolve;
  /// Connect somewhere else than the URL says, each "HOST1:PORT1:HOST2:PORT2"
  /// (curl's CURLOPT_CONNECT_TO): a request to HOST1:PORT1 connects to
  /// HOST2:PORT2 (an empty HOST1 or PORT1 matches any; an empty HOST2 or
  /// PORT2 keeps the URL's). The Host field and TLS name stay the URL's.
  std::vector<std::string> connect_to;
  ip_version ip = ip_version::any;
  /// How long the first address family has before the other one is tried
  /// too (RFC 8305's Connection Attempt Delay; curl's HAPPY_EYEBALLS_TIMEOUT_MS).
  std::chrono::milliseconds happy_eyeballs_delay{200};
  /// Connect to this Unix domain socket instead of TCP (curl's --unix-socket).
  std::string unix_socket_path;
  /// The local end: an interface name ("eth0", "if!eth0"), an address
  /// ("127.0.0.1", "host!NAME" resolves NAME). errc::interface_failed when it
  /// cannot be bound.
  std::string interface_name;
  /// Binds the local port to one in [local_port, local_port + local_port_range); 0 = any.
  std::uint16_t local_port = 0;
  std::uint16_t local_port_range = 1;
  /// TCP keep-alive probes (SO_KEEPALIVE) after `keepalive_idle` without
  /// traffic, then every `keepalive_interval`.
  bool tcp_keepalive = false;
  std::chrono::seconds keepalive_idle{60};
  std::chrono::seconds keepalive_interval{60};
  /// Opens a new connection even when an idle one could be reused (CURLOPT_FRESH_CONNECT).
  bool fresh_connect = false;
  /// Closes the connection after this transfer instead of keeping it (CURLOPT_FORBID_REUSE).
  bool forbid_reuse = false;
};

/// Which way a pause stops a transfer.
enum class pause_direction : unsigned {
  recv = 1, ///< no body byte is delivered and the socket is not read
  send = 2, ///< no more request body is sent
  both = 3,
};

/// Speed caps, in bytes per second; 0 = none (curl's MAX_RECV_SPEED_LARGE /
/// MAX_SEND_SPEED_LARGE). Enforced with a token bucket that lets only short
/// bursts through, so the rate holds over any second, not on average.
struct speed_limits {
  std::uint64_t max_recv_speed = 0;
  std::uint64_t max_send_speed = 0;
};

} // namespace xfer
