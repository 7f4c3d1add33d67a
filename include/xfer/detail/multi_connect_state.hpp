// xfer/detail/multi_connect_state.hpp - what a multi's connections share: the DNS cache and the global speed caps.
#pragma once

#include <xfer/detail/dns_cache.hpp>
#include <xfer/detail/rate_limiter.hpp>
#include <xfer/multi_options.hpp>

namespace xfer::detail {

/// The connecting and flow-control state one multi shares among its connections.
struct multi_connect_state {
  dns_cache dns;
  rate_limiter recv; ///< multi_options::max_total_recv_speed over every transfer
  rate_limiter send; ///< multi_options::max_total_send_speed over every transfer

  /// Applies the multi's options (a changed cap starts with a full bucket).
  void configure(const multi_options& options) {
    if (options.max_total_recv_speed != recv.rate())
      recv.set_rate(options.max_total_recv_speed);
    if (options.max_total_send_speed != send.rate())
      send.set_rate(options.max_total_send_speed);
    if (options.dns_cache_timeout.count() <= 0)
      dns.clear();
  }
};

} // namespace xfer::detail
