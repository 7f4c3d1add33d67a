// xfer/detail/retry_budget.hpp - how many retries a multi may still make (a token bucket).
#pragma once

#include <algorithm>
#include <cstddef>

namespace xfer::detail {

/// The multi's retry budget: starts full at `reserve` tokens, each transfer
/// started adds `ratio` (never above the reserve), each retry takes one. So
/// over any stretch, retries <= reserve + ratio x transfers started.
class retry_budget {
public:
  /// A transfer started: it earns `ratio` of a retry.
  void deposit(double ratio, std::size_t reserve) noexcept {
    init(reserve);
    tokens_ = std::min(tokens_ + std::max(ratio, 0.0), static_cast<double>(reserve));
  }
  /// Takes one retry; false (and nothing taken) when the budget is spent.
  bool withdraw(std::size_t reserve) noexcept {
    init(reserve);
    if (tokens_ < 1.0 - 1e-9) // ten deposits of 0.1 make one retry despite rounding
      return false;
    tokens_ -= 1.0;
    return true;
  }
  /// Retries left now.
  double tokens(std::size_t reserve) noexcept {
    init(reserve);
    return tokens_;
  }

private:
  void init(std::size_t reserve) noexcept {
    if (!started_) {
      started_ = true;
      tokens_ = static_cast<double>(reserve);
    }
  }
  double tokens_ = 0;
  bool started_ = false;
};

} // namespace xfer::detail
