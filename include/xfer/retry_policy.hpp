// xfer/retry_policy.hpp - when and how a transfer tries its request again (opt-in, as curl's --retry).
#pragma once

#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace xfer {

/// A set of HTTP status codes (100 to 599), held without allocating.
using status_set = std::bitset<600>;

/// The set of `codes` (codes outside 100-599 are left out).
inline status_set make_status_set(std::initializer_list<int> codes) {
  status_set set;
  for (const int code : codes)
    if (code >= 100 && code < 600)
      set.set(static_cast<std::size_t>(code));
  return set;
}

/// Whether, when and how often a transfer sends its request again after a
/// transient failure. Off by default (max_retries = 0), as in curl.
///
/// A retry happens only when every one of these holds:
/// - the method is idempotent (GET, HEAD, OPTIONS, PUT, DELETE, TRACE), or
///   `retry_non_idempotent` is set (POST, PATCH and any other method);
/// - the attempt failed transiently: the connection could not be made (refused,
///   connect timeout), the connection broke before any byte of a response
///   arrived, or the response's status is one of `statuses` (408, 429, 500,
///   502, 503, 504 by default) — decided when its header ends, so that its body
///   is read and dropped and no body byte reaches the user before the final
///   attempt; with `retry_all_errors`, any network error before a response
///   byte counts too;
/// - the request body, if any, can be sent again (memory, file, form, or a
///   read callback with a rewind callback);
/// - fewer than `max_retries` retries were made, the wait fits in `max_time`
///   and the multi's retry budget (multi_options::retry_budget) has a retry left.
///
/// The wait before retry n is `initial_delay * 2^(n-1)`, at most `max_delay`,
/// of which a random share up to `jitter` is taken off (spreading clients that
/// failed together); a response's Retry-After (seconds or HTTP-date) is a
/// lower bound, and one longer than `max_delay` ends the retries (the response
/// is delivered as it is). Each retry is shown to the debug callback and
/// counted in transfer_info::retries.
struct retry_policy {
  /// Retries at most (curl's --retry); 0 turns retrying off.
  std::uint32_t max_retries = 0;
  /// The wait before the first retry; it doubles for each further one (curl's --retry-delay).
  std::chrono::milliseconds initial_delay{1000};
  /// The longest wait between two attempts (curl caps at 10 minutes).
  std::chrono::milliseconds max_delay{600'000};
  /// Share of each wait (0 to 1) that is random: a wait d becomes d - jitter * d * U[0,1).
  double jitter = 0.5;
  /// No retry starts later than this after the transfer started; 0 = no limit (curl's --retry-max-time).
  std::chrono::milliseconds max_time{0};
  /// Retry POST, PATCH and other non-idempotent methods too (the server may then act twice).
  bool retry_non_idempotent = false;
  /// Retry after any network error before a response byte arrived, not only
  /// connect failures and resets (curl's --retry-all-errors). Errors caused by
  /// the user (callbacks, files, options) are never retried.
  bool retry_all_errors = false;
  /// Response statuses that are retried (make_status_set builds one).
  status_set statuses = make_status_set({408, 429, 500, 502, 503, 504});
};

} // namespace xfer
