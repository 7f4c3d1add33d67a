// xfer/multi_options.hpp - limits and policies of a multi's connection pool.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace xfer {

/// Settings of a multi, as libcurl's CURLMOPT_* values. Zero means "no limit"
/// where the comment says so.
struct multi_options {
  /// Open connections at most, over all hosts (CURLMOPT_MAX_TOTAL_CONNECTIONS); 0 = no limit.
  std::size_t max_total_connections = 0;
  /// Open connections at most to one origin (CURLMOPT_MAX_HOST_CONNECTIONS); 0 = no limit.
  std::size_t max_host_connections = 0;
  /// Idle connections kept for reuse (CURLMOPT_MAXCONNECTS); 0 = four per transfer in the multi.
  std::size_t max_connects = 0;
  /// An idle connection older than this is closed rather than reused (CURLOPT_MAXAGE_CONN).
  std::chrono::seconds max_idle_time{118};
  /// Requests started at most per origin (scheme, host, port) within any
  /// `rate_interval` (a sliding window); transfers over the limit wait in the
  /// queue, in their order. 0 = no limit. Redirects and retries count too.
  std::size_t max_requests_per_interval = 0;
  std::chrono::milliseconds rate_interval{1000};
  /// Retries all transfers of the multi may make (see retry_policy): a
  /// reserve of `retry_budget_reserve`, refilled by `retry_budget_ratio` for
  /// every transfer started and never above the reserve. So a sick server sees
  /// at most reserve + ratio x requests retries, never a storm.
  double retry_budget_ratio = 0.1;
  std::size_t retry_budget_reserve = 10;

  // ---- connecting and flow control
  /// How long resolved addresses are kept in the multi's DNS cache
  /// (CURLOPT_DNS_CACHE_TIMEOUT, 60 s); 0 = no caching.
  std::chrono::milliseconds dns_cache_timeout{60'000};
  /// A connection older than this (since it was opened) is not reused
  /// (CURLOPT_MAXLIFETIME_CONN); 0 = no limit.
  std::chrono::seconds max_connection_lifetime{0};
  /// Caps on the bytes per second received and sent by all transfers of the
  /// multi together (each transfer's own caps apply as well); 0 = none.
  std::uint64_t max_total_recv_speed = 0;
  std::uint64_t max_total_send_speed = 0;
};

} // namespace xfer
