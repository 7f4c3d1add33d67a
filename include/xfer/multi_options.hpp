// xfer/multi_options.hpp - limits and policies of a multi's connection pool.
#pragma once

#include <chrono>
#include <cstddef>

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
};

} // namespace xfer
