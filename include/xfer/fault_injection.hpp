// xfer/fault_injection.hpp - a test hook that makes chosen asynchronous operations fail.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>
#include <system_error>

namespace xfer {

/// The kinds of asynchronous operation a multi starts for its transfers.
enum class io_operation { resolve, connect, handshake, read, write, timer };

constexpr std::string_view to_string(io_operation op) noexcept {
  switch (op) {
  case io_operation::resolve: return "resolve";
  case io_operation::connect: return "connect";
  case io_operation::handshake: return "handshake";
  case io_operation::read: return "read";
  case io_operation::write: return "write";
  case io_operation::timer: return "timer";
  }
  return "unknown";
}

/// What happens to one operation instead of its real outcome.
struct injected_fault {
  /// Completes the operation with this error without performing it (reset, EOF, ...).
  std::error_code error;
  /// For reads: read at most this many bytes (a short read); 0 = no limit.
  std::size_t max_read = 0;
  /// For timers: fire at once, as if the deadline had passed.
  bool expire_now = false;
  /// For name resolution: start it only after this delay (a slow DNS server).
  std::chrono::milliseconds delay{0};
};

/// Decides, before each asynchronous operation of a multi, whether it fails.
/// For tests: loop "fail the Nth operation" over every N of a scenario, so
/// every error path runs (the idea of Beast's fail_count). Called on the
/// multi's thread; never on the hot path when no injector is set.
class fault_injector {
public:
  virtual ~fault_injector() = default;
  /// The fault for the next operation of kind `op`; a default value means none.
  virtual injected_fault next(io_operation op) = 0;
};

} // namespace xfer
