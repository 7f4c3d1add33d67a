// xfer/detail/rate_window.hpp - at most N request starts within any interval, for one origin.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace xfer::detail {

/// A sliding-window log of the last `limit` request starts: a request may
/// start when fewer than `limit` started within the last `interval`. Exact
/// (no burst at a window's edge) and allocation-free once sized.
class rate_window {
public:
  using clock = std::chrono::steady_clock;

  /// Whether a request may start at `now` under `limit` per `interval`; 0 = no limit.
  bool allows(std::size_t limit, std::chrono::milliseconds interval, clock::time_point now) const noexcept {
    if (limit == 0 || starts_.size() < limit)
      return true;
    return oldest(limit) + interval <= now;
  }

  /// When the next request may start (only meaningful when allows() is false).
  clock::time_point opens_at(std::size_t limit, std::chrono::milliseconds interval) const noexcept {
    return oldest(limit) + interval;
  }

  /// Records a request start at `now`.
  void record(std::size_t limit, clock::time_point now) {
    if (limit == 0)
      return;
    if (starts_.size() > limit || (starts_.size() < limit && next_ != 0)) {
      // The limit changed: keep the log oldest first, at most `limit` long.
      std::rotate(starts_.begin(), starts_.begin() + static_cast<std::ptrdiff_t>(next_), starts_.end());
      if (starts_.size() > limit)
        starts_.erase(starts_.begin(), starts_.end() - static_cast<std::ptrdiff_t>(limit));
      next_ = 0;
    }
    if (starts_.size() < limit) {
      starts_.push_back(now); // filling up: starts_[0] is the oldest, next_ stays 0
      return;
    }
    starts_[next_] = now;
    next_ = (next_ + 1) % limit;
  }

private:
  /// The oldest of the last `limit` starts (the log is full).
  clock::time_point oldest(std::size_t limit) const noexcept {
    return starts_.size() < limit ? clock::time_point::min() : starts_[next_];
  }

  std::vector<clock::time_point> starts_; ///< a ring once full; next_ is the oldest entry
  std::size_t next_ = 0;
};

} // namespace xfer::detail
