// A transfer for tests that keeps every body byte it is given, its result and its wall time.
#pragma once

#include "support/drive.hpp"

#include <xfer/multi.hpp>

#include <chrono>
#include <string>
#include <system_error>

namespace xfer::test {

/// A transfer with a timeout whose write callback appends every body byte it is given.
struct collected {
  xfer::transfer t;
  std::string received;
  std::error_code ec;
  std::chrono::steady_clock::duration wall{};

  explicit collected(const std::string& url,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : t(url) {
    t.set_timeout(timeout);
    t.set_connect_timeout(timeout);
    t.set_write_callback([this](std::string_view data) {
      received.append(data);
      return xfer::write_action::proceed;
    });
  }
  collected(const collected&) = delete;
  collected& operator=(const collected&) = delete;

  /// Runs the transfer alone in `m`; a run longer than `limit` fails the test (no hang).
  std::error_code run(xfer::multi& m, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    const auto start = std::chrono::steady_clock::now();
    ec = run_one(m, t, limit);
    wall = std::chrono::steady_clock::now() - start;
    return ec;
  }
  long long wall_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(wall).count();
  }
};

} // namespace xfer::test
