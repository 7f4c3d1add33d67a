// xfer/multi_counters.hpp - how many transfers of a multi are in each stage (curl_multi_get_offt).
#pragma once

#include <cstddef>

namespace xfer {

/// A snapshot of a multi's transfers by stage, as curl's curl_multi_get_offt
/// (CURLMINFO_XFERS_*). `running` = pending + queued + retry_waiting +
/// connecting + transferring; `size` = running + done.
struct multi_counters {
  std::size_t size = 0;          ///< transfers in the multi (CURLMINFO_XFERS_CURRENT)
  std::size_t running = 0;       ///< added and not finished (CURLMINFO_XFERS_RUNNING; what perform() returns)
  std::size_t pending = 0;       ///< added; the next perform() starts them
  std::size_t queued = 0;        ///< waiting for a connection slot or the origin's rate limit (CURLMINFO_XFERS_PENDING)
  std::size_t retry_waiting = 0; ///< waiting out the delay before a retry
  std::size_t connecting = 0;    ///< resolving, connecting or in the TLS handshake
  std::size_t transferring = 0;  ///< sending the request or receiving the response
  std::size_t done = 0;          ///< finished, still in the multi
  std::size_t messages = 0;      ///< completion messages not read yet (CURLMINFO_XFERS_DONE)
};

} // namespace xfer
