// xfer/detail/progress_watch.hpp - the idle and low-speed limits, checked by sampling a byte counter at ticks.
#pragma once

#include <xfer/connect_options.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace xfer::detail {

/// Watches the bytes a connection moves for the idle and low-speed limits
/// without touching the clock per byte or per read: the connection only adds
/// to a counter, and this samples it at ticks (a quarter of the shortest
/// limit, between 10 ms and 1 s), so a limit fires at most one tick late.
class progress_watch {
public:
  using clock = std::chrono::steady_clock;
  enum class verdict { ok, idle, low_speed };

  /// Starts watching with `limits` from `now`; inactive when neither limit is set.
  void start(const timeouts& limits, clock::time_point now, std::uint64_t counter) noexcept {
    idle_ = limits.idle;
    low_speed_limit_ = limits.low_speed_limit;
    low_speed_time_ = limits.low_speed_limit != 0 ? limits.low_speed_time : std::chrono::milliseconds(0);
    active_ = idle_.count() > 0 || low_speed_time_.count() > 0;
    if (!active_)
      return;
    auto shortest = std::chrono::milliseconds::max();
    if (idle_.count() > 0)
      shortest = idle_;
    if (low_speed_time_.count() > 0)
      shortest = std::min(shortest, low_speed_time_);
    tick_ = std::clamp<clock::duration>(shortest / 4, std::chrono::milliseconds(10), std::chrono::seconds(1));
    restart(now, counter);
  }

  void stop() noexcept { active_ = false; }
  bool active() const noexcept { return active_; }

  /// When check() wants to run next; max() when inactive.
  clock::time_point next_check() const noexcept { return active_ ? last_check_ + tick_ : clock::time_point::max(); }

  /// Samples `counter` (bytes moved so far, both ways). While `paused` the
  /// limits do not run (a paused transfer moves nothing on purpose).
  verdict check(clock::time_point now, std::uint64_t counter, bool paused) noexcept {
    if (!active_)
      return verdict::ok;
    if (paused) {
      restart(now, counter);
      return verdict::ok;
    }
    const std::uint64_t moved = counter - last_counter_;
    const auto interval = now - last_check_;
    last_counter_ = counter;
    const auto previous_check = last_check_;
    last_check_ = now;
    if (moved > 0)
      last_activity_ = now;
    if (idle_.count() > 0 && now - last_activity_ >= idle_)
      return verdict::idle;
    if (low_speed_time_.count() > 0 && interval.count() > 0) {
      const double seconds = std::chrono::duration<double>(interval).count();
      if (static_cast<double>(moved) < static_cast<double>(low_speed_limit_) * seconds) {
        if (!below_)
          below_since_ = previous_check;
        below_ = true;
        if (now - below_since_ >= low_speed_time_)
          return verdict::low_speed;
      } else {
        below_ = false;
      }
    }
    return verdict::ok;
  }

  std::chrono::milliseconds idle_limit() const noexcept { return idle_; }
  std::uint64_t low_speed_limit() const noexcept { return low_speed_limit_; }
  std::chrono::milliseconds low_speed_time() const noexcept { return low_speed_time_; }

private:
  void restart(clock::time_point now, std::uint64_t counter) noexcept {
    last_check_ = now;
    last_activity_ = now;
    last_counter_ = counter;
    below_ = false;
  }

  std::chrono::milliseconds idle_{0};
  std::uint64_t low_speed_limit_ = 0;
  std::chrono::milliseconds low_speed_time_{0};
  clock::duration tick_{};
  clock::time_point last_check_{};
  clock::time_point last_activity_{};
  clock::time_point below_since_{};
  std::uint64_t last_counter_ = 0;
  bool below_ = false;
  bool active_ = false;
};

} // namespace xfer::detail
