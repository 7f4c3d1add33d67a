// xfer/detail/retry_decision.hpp - whether a failed attempt is retried, and after how long (no I/O).
#pragma once

#include <xfer/error.hpp>
#include <xfer/retry_policy.hpp>
#include <xfer/transfer_state.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

namespace xfer::detail {

/// Methods that may be sent twice with the effect of once (RFC 9110 9.2.2).
inline bool idempotent_method(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

/// Whether `policy` retries a response with `status`.
inline bool retryable_status(const retry_policy& policy, int status) noexcept {
  return status >= 100 && status < 600 && policy.statuses.test(static_cast<std::size_t>(status));
}

/// Whether `policy` retries the network error `ec` that ended an attempt in
/// `state`, when no byte of a response had arrived (`response_started` false).
inline bool retryable_error(const retry_policy& policy, std::error_code ec, transfer_state state,
                            bool response_started) noexcept {
  if (response_started || ec.category() != transfer_category())
    return false;
  switch (state) {
  case transfer_state::resolving:
  case transfer_state::connecting:
  case transfer_state::tls_handshake:
  case transfer_state::sending:
  case transfer_state::awaiting_headers: break;
  default: return false; // not an attempt's network phase (a queue wait, a body already streaming)
  }
  const bool connecting = state == transfer_state::resolving || state == transfer_state::connecting;
  switch (static_cast<errc>(ec.value())) {
  case errc::couldnt_connect: return true;
  case errc::operation_timedout: return connecting || policy.retry_all_errors;
  case errc::send_error:
  case errc::recv_error:
  case errc::got_nothing: return true; // the connection broke before a response byte
  case errc::couldnt_resolve_host:
  case errc::ssl_connect_error:
  case errc::partial_file:
  case errc::weird_server_reply: return policy.retry_all_errors;
  default: return false; // the user's doing (callbacks, files, options) or a verdict (TLS verification)
  }
}

/// The wait before retry number `n` (from 1) without Retry-After: exponential,
/// capped, with `u` in [0, 1) taking off up to policy.jitter of it.
inline std::chrono::milliseconds backoff_delay(const retry_policy& policy, std::uint32_t n, double u) noexcept {
  const double base = static_cast<double>(std::max<std::int64_t>(policy.initial_delay.count(), 0));
  const double cap = static_cast<double>(std::max<std::int64_t>(policy.max_delay.count(), 0));
  double delay = base;
  for (std::uint32_t i = 1; i < n && delay < cap; ++i)
    delay *= 2;
  delay = std::min(delay, cap);
  delay -= delay * std::clamp(policy.jitter, 0.0, 1.0) * std::clamp(u, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

/// What the policy says about one more attempt.
struct retry_verdict {
  bool retry = false;
  std::chrono::milliseconds delay{0};
  std::string_view refusal; ///< why not, when retry is false (for the debug trace)
};

/// Decides retry number `retries_done + 1` of a request with `method`, after
/// `elapsed` since the transfer started, with the failed response's
/// `retry_after` if any; `u` in [0, 1) is the jitter's random draw. The
/// failure itself was already found retryable; the multi's budget is checked by the caller.
inline retry_verdict decide_retry(const retry_policy& policy, std::string_view method, bool body_rewindable,
                                  std::uint32_t retries_done, std::chrono::milliseconds elapsed,
                                  std::optional<std::chrono::seconds> retry_after, double u) {
  retry_verdict v;
  if (retries_done >= policy.max_retries) {
    v.refusal = "no retries left";
    return v;
  }
  if (!policy.retry_non_idempotent && !idempotent_method(method)) {
    v.refusal = "the method is not idempotent";
    return v;
  }
  if (!body_rewindable) {
    v.refusal = "the request body cannot be sent again";
    return v;
  }
  v.delay = backoff_delay(policy, retries_done + 1, u);
  if (retry_after) {
    const auto asked = std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after);
    if (asked > policy.max_delay) {
      v.refusal = "Retry-After asks for a longer wait than max_delay";
      return v;
    }
    v.delay = std::max(v.delay, asked);
  }
  if (policy.max_time.count() > 0 && elapsed + v.delay > policy.max_time) {
    v.refusal = "the next attempt would start after max_time";
    return v;
  }
  v.retry = true;
  return v;
}

} // namespace xfer::detail
