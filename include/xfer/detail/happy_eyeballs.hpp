// xfer/detail/happy_eyeballs.hpp - the order and the timing of connection attempts (RFC 8305).
#pragma once

#include <xfer/connect_options.hpp>

#include <xfer/detail/asio.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace xfer::detail {

/// Orders `addresses` for Happy Eyeballs (RFC 8305 section 4): IPv6 first
/// when there is one, then the families alternate, each keeping its own order.
/// Addresses of a family `version` excludes are dropped.
inline std::vector<asio::ip::address> interleave_families(const std::vector<asio::ip::address>& addresses,
                                                          ip_version version) {
  std::vector<asio::ip::address> v6, v4, ordered;
  for (const auto& a : addresses) {
    if (a.is_v6() && version != ip_version::v4)
      v6.push_back(a);
    else if (a.is_v4() && version != ip_version::v6)
      v4.push_back(a);
  }
  ordered.reserve(v6.size() + v4.size());
  for (std::size_t i = 0; i < std::max(v6.size(), v4.size()); ++i) {
    if (i < v6.size())
      ordered.push_back(v6[i]);
    if (i < v4.size())
      ordered.push_back(v4[i]);
  }
  return ordered;
}

/// The bookkeeping of racing connection attempts to a list of addresses:
/// the next attempt starts `delay` after the last one began, or at once
/// when every running attempt has failed; each attempt may have its own
/// deadline. The connection owns the sockets and starts the I/O; this says
/// when and to where.
template <class Socket>
class address_race {
public:
  using clock = std::chrono::steady_clock;

  struct attempt {
    Socket socket;
    asio::ip::address address;
    clock::time_point deadline;
    bool running = true;
  };

  /// Prepares a race over `ordered` addresses; the previous one's sockets are closed.
  void reset(std::vector<asio::ip::address> ordered, std::chrono::milliseconds delay,
             std::chrono::milliseconds attempt_timeout) {
    close_all();
    attempts_.clear();
    attempts_.reserve(ordered.size()); // sockets never move while their connect runs
    addresses_ = std::move(ordered);
    delay_ = delay;
    attempt_timeout_ = attempt_timeout;
    next_ = 0;
    running_ = 0;
    next_start_at_ = clock::time_point::min();
    last_error_.clear();
    timed_out_ = false;
  }

  bool has_next() const noexcept { return next_ < addresses_.size(); }
  std::size_t running() const noexcept { return running_; }
  /// Every address was tried and failed.
  bool lost() const noexcept { return running_ == 0 && !has_next(); }
  /// The last failure was an attempt timing out.
  bool timed_out() const noexcept { return timed_out_; }
  const std::string& last_error() const noexcept { return last_error_; }

  /// Whether the next attempt should start at `now`.
  bool next_due(clock::time_point now) const noexcept {
    return has_next() && (running_ == 0 || now >= next_start_at_);
  }

  /// Records a new attempt to the next address with a socket made by
  /// `make_socket`; returns its index.
  template <class MakeSocket>
  std::size_t start_next(clock::time_point now, MakeSocket make_socket) {
    const auto deadline = attempt_timeout_.count() > 0 ? now + attempt_timeout_ : clock::time_point::max();
    attempts_.push_back(attempt{make_socket(), addresses_[next_++], deadline, true});
    ++running_;
    next_start_at_ = now + delay_;
    return attempts_.size() - 1;
  }

  attempt& at(std::size_t index) noexcept { return attempts_[index]; }

  /// Attempt `index` failed with `reason` (or timed out); its socket is closed.
  void fail(std::size_t index, std::string reason, bool timed_out) {
    attempt& a = attempts_[index];
    if (!a.running)
      return;
    a.running = false;
    --running_;
    asio::error_code ignored;
    a.socket.close(ignored);
    last_error_ = std::move(reason);
    timed_out_ = timed_out;
  }

  /// Times out the running attempts whose deadline passed; true when one did.
  bool expire(clock::time_point now) {
    bool any = false;
    for (std::size_t i = 0; i < attempts_.size(); ++i) {
      if (attempts_[i].running && attempts_[i].deadline <= now) {
        fail(i, "Connection to " + attempts_[i].address.to_string() + " timed out", true);
        any = true;
      }
    }
    return any;
  }

  /// When something is due next: an attempt's deadline or the next attempt's start.
  clock::time_point next_deadline() const noexcept {
    auto when = clock::time_point::max();
    if (has_next() && running_ > 0)
      when = next_start_at_;
    for (const auto& a : attempts_)
      if (a.running)
        when = std::min(when, a.deadline);
    return when;
  }

  /// Attempt `index` connected: its socket is the result; the others are closed.
  Socket take_winner(std::size_t index) {
    Socket winner = std::move(attempts_[index].socket);
    attempts_[index].running = false;
    --running_;
    close_all();
    addresses_.clear();
    next_ = 0;
    return winner;
  }

  /// Closes every running attempt (their completions then find them not running).
  void close_all() noexcept {
    for (auto& a : attempts_) {
      if (a.running) {
        a.running = false;
        asio::error_code ignored;
        a.socket.close(ignored);
      }
    }
    running_ = 0;
  }

private:
  std::vector<attempt> attempts_;
  std::vector<asio::ip::address> addresses_;
  std::chrono::milliseconds delay_{0};
  std::chrono::milliseconds attempt_timeout_{0};
  std::size_t next_ = 0;
  std::size_t running_ = 0;
  clock::time_point next_start_at_{};
  std::string last_error_;
  bool timed_out_ = false;
};

} // namespace xfer::detail
