// xfer/detail/rate_limiter.hpp - a token bucket that caps a byte rate with bursts of a few tens of milliseconds.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace xfer::detail {

/// Caps bytes per second with a token bucket. The bucket holds 50 ms worth
/// of bytes (at least 4 KiB, or the whole rate when that is smaller), so the
/// rate holds over every short interval, not only on average over seconds.
/// Costs nothing when unlimited: callers test limited() first.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  /// Sets the rate (0 = unlimited) and fills the bucket.
  void set_rate(std::uint64_t bytes_per_second, clock::time_point now = clock::now()) noexcept {
    rate_ = static_cast<double>(bytes_per_second);
    const double min_burst = std::min(rate_, 4096.0);
    burst_ = std::max(rate_ / 20.0, min_burst);
    tokens_ = burst_;
    refilled_at_ = now;
  }
  bool limited() const noexcept { return rate_ > 0; }
  std::uint64_t rate() const noexcept { return static_cast<std::uint64_t>(rate_); }

  /// The smallest piece worth waiting for: half a bucket (tiny pieces would
  /// cost a system call each).
  std::size_t min_piece() const noexcept { return static_cast<std::size_t>(std::max(1.0, burst_ / 2)); }

  /// Bytes that may move at `now`, at most `want`.
  std::size_t allowance(clock::time_point now, std::size_t want) noexcept {
    refill(now);
    if (tokens_ < 1)
      return 0;
    return static_cast<std::size_t>(std::min(tokens_, static_cast<double>(want)));
  }

  /// `n` bytes moved.
  void consume(std::size_t n) noexcept { tokens_ -= static_cast<double>(n); }

  /// When `amount` bytes (at most a bucket) may move.
  clock::time_point available_at(clock::time_point now, std::size_t amount) noexcept {
    refill(now);
    const double need = std::min(static_cast<double>(amount), burst_) - tokens_;
    if (need <= 0)
      return now;
    return now + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(need / rate_)) +
           std::chrono::microseconds(100);
  }

private:
  void refill(clock::time_point now) noexcept {
    if (now <= refilled_at_)
      return;
    const double seconds = std::chrono::duration<double>(now - refilled_at_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * rate_);
    refilled_at_ = now;
  }

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  clock::time_point refilled_at_{};
};

} // namespace xfer::detail
