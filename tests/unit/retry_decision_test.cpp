// The retry decision without I/O: which failures, which methods, how long to wait; the budget.
#include <xfer/detail/retry_decision.hpp>
#include <xfer/detail/retry_budget.hpp>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using xfer::detail::backoff_delay;
using xfer::detail::decide_retry;
using xfer::detail::retryable_error;
using xfer::transfer_state;

namespace {

xfer::retry_policy policy_with(std::uint32_t retries) {
  xfer::retry_policy p;
  p.max_retries = retries;
  p.initial_delay = 100ms;
  p.max_delay = 1000ms;
  p.jitter = 0;
  return p;
}

} // namespace

TEST_CASE("retry: idempotent methods only unless asked", "[unit][retry]") {
  const auto p = policy_with(3);
  for (const char* m : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
    CHECK(decide_retry(p, m, true, 0, 0ms, std::nullopt, 0).retry);
  for (const char* m : {"POST", "PATCH", "CONNECT", "PURGE"}) {
    const auto v = decide_retry(p, m, true, 0, 0ms, std::nullopt, 0);
    CHECK_FALSE(v.retry);
    CHECK(v.refusal == "the method is not idempotent");
  }
  auto any = p;
  any.retry_non_idempotent = true;
  CHECK(decide_retry(any, "POST", true, 0, 0ms, std::nullopt, 0).retry);
  CHECK_FALSE(decide_retry(p, "PUT", false, 0, 0ms, std::nullopt, 0).retry); // body cannot rewind
}

TEST_CASE("retry: exponential backoff, capped, with jitter taking off at most its share", "[unit][retry]") {
  auto p = policy_with(10);
  CHECK(backoff_delay(p, 1, 0) == 100ms);
  CHECK(backoff_delay(p, 2, 0) == 200ms);
  CHECK(backoff_delay(p, 3, 0) == 400ms);
  CHECK(backoff_delay(p, 4, 0) == 800ms);
  CHECK(backoff_delay(p, 5, 0) == 1000ms);
  CHECK(backoff_delay(p, 60, 0) == 1000ms); // no overflow for large counts
  p.jitter = 0.5;
  CHECK(backoff_delay(p, 2, 0.0) == 200ms);
  CHECK(backoff_delay(p, 2, 0.5) == 150ms);
  CHECK(backoff_delay(p, 2, 0.999) >= 100ms);
  p.jitter = 7; // clamped to 1
  CHECK(backoff_delay(p, 2, 0.5) == 100ms);
}

TEST_CASE("retry: attempts, Retry-After and max_time", "[unit][retry]") {
  auto p = policy_with(2);
  CHECK(decide_retry(p, "GET", true, 1, 0ms, std::nullopt, 0).retry);
  CHECK(decide_retry(p, "GET", true, 2, 0ms, std::nullopt, 0).refusal == "no retries left");
  // Retry-After is a lower bound on the wait.
  CHECK(decide_retry(p, "GET", true, 0, 0ms, std::chrono::seconds(1), 0).delay == 1000ms);
  CHECK(decide_retry(p, "GET", true, 1, 0ms, std::chrono::seconds(0), 0).delay == 200ms);
  const auto too_long = decide_retry(p, "GET", true, 0, 0ms, std::chrono::seconds(2), 0);
  CHECK_FALSE(too_long.retry);
  p.max_time = 500ms;
  CHECK(decide_retry(p, "GET", true, 0, 350ms, std::nullopt, 0).retry);
  CHECK_FALSE(decide_retry(p, "GET", true, 0, 450ms, std::nullopt, 0).retry);
}

TEST_CASE("retry: which statuses", "[unit][retry]") {
  auto p = policy_with(1);
  for (int s : {408, 429, 500, 502, 503, 504})
    CHECK(xfer::detail::retryable_status(p, s));
  for (int s : {0, 200, 301, 400, 401, 404, 501, 505, 700, -1})
    CHECK_FALSE(xfer::detail::retryable_status(p, s));
  p.statuses = xfer::make_status_set({418, 9999});
  CHECK(xfer::detail::retryable_status(p, 418));
  CHECK_FALSE(xfer::detail::retryable_status(p, 503));
}

TEST_CASE("retry: which network errors, in which phase", "[unit][retry]") {
  const auto p = policy_with(1);
  auto all = p;
  all.retry_all_errors = true;
  using xfer::errc;
  CHECK(retryable_error(p, errc::couldnt_connect, transfer_state::connecting, false));
  CHECK(retryable_error(p, errc::operation_timedout, transfer_state::connecting, false));
  CHECK_FALSE(retryable_error(p, errc::operation_timedout, transfer_state::awaiting_headers, false));
  CHECK(retryable_error(all, errc::operation_timedout, transfer_state::awaiting_headers, false));
  CHECK(retryable_error(p, errc::recv_error, transfer_state::awaiting_headers, false));
  CHECK(retryable_error(p, errc::got_nothing, transfer_state::awaiting_headers, false));
  CHECK(retryable_error(p, errc::send_error, transfer_state::sending, false));
  // Never once a response started, never outside an attempt's network phases.
  CHECK_FALSE(retryable_error(all, errc::recv_error, transfer_state::awaiting_headers, true));
  CHECK_FALSE(retryable_error(all, errc::recv_error, transfer_state::receiving_body, false));
  CHECK_FALSE(retryable_error(all, errc::operation_timedout, transfer_state::queued, false));
  // Verdicts and the user's doing are not transient.
  CHECK_FALSE(retryable_error(all, errc::peer_failed_verification, transfer_state::tls_handshake, false));
  CHECK_FALSE(retryable_error(all, errc::write_error, transfer_state::sending, false));
  CHECK_FALSE(retryable_error(all, errc::aborted_by_callback, transfer_state::sending, false));
  CHECK_FALSE(retryable_error(p, errc::couldnt_resolve_host, transfer_state::resolving, false));
  CHECK(retryable_error(all, errc::couldnt_resolve_host, transfer_state::resolving, false));
  CHECK_FALSE(retryable_error(all, std::make_error_code(std::errc::connection_reset), transfer_state::sending, false));
}

TEST_CASE("retry budget: a reserve refilled by a share of the transfers started", "[unit][retry]") {
  xfer::detail::retry_budget b;
  CHECK(b.withdraw(2));
  CHECK(b.withdraw(2));
  CHECK_FALSE(b.withdraw(2));
  for (int i = 0; i < 9; ++i)
    b.deposit(0.1, 2);
  CHECK_FALSE(b.withdraw(2)); // 0.9 of a retry
  b.deposit(0.1, 2);
  CHECK(b.withdraw(2));
  for (int i = 0; i < 1000; ++i)
    b.deposit(0.5, 2);
  CHECK(b.tokens(2) == Approx(2.0)); // never above the reserve
}
