// Runs a multi's perform/poll/info_read loop until every transfer is done, for tests.
#pragma once

#include <xfer/multi.hpp>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace xfer::test {

/// One completion message, copied out of the multi.
struct completion_record {
  xfer::transfer* transfer;
  std::error_code result;
};

/// Loops perform() + poll() + info_read() as the curl man page does, until
/// perform() reports no running transfer, and returns the messages in order.
/// Throws when `limit` passes first, so a hang fails the test instead of CI.
inline std::vector<completion_record> drive(xfer::multi& m,
                                            std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  std::vector<completion_record> messages;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int running = 0;
  do {
    running = m.perform();
    if (running)
      m.poll(std::chrono::milliseconds(100));
    while (auto msg = m.info_read())
      messages.push_back({&msg->transfer(), msg->result()});
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("multi did not finish in time");
  } while (running);
  while (auto msg = m.info_read())
    messages.push_back({&msg->transfer(), msg->result()});
  return messages;
}

/// Runs one transfer alone in `m` and returns its result.
inline std::error_code run_one(xfer::multi& m, xfer::transfer& t,
                               std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  m.add(t);
  auto messages = drive(m, limit);
  m.remove(t);
  if (messages.size() != 1 || messages[0].transfer != &t)
    throw std::runtime_error("expected exactly one message for the transfer");
  return messages[0].result;
}

} // namespace xfer::test
