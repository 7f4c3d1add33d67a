// examples/multi_perform_loop.cpp - curl's perform/poll/info_read loop, in xfer.
//
// Usage: multi_perform_loop URL...
// Downloads every URL at once through one multi and prints one line per transfer.
#include <xfer.hpp>

#include <chrono>
#include <iostream>
#include <list>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " URL...\n";
    return 2;
  }

  // One multi drives every transfer; it owns its io_context, no thread needed.
  xfer::multi m;

  // Transfers are RAII handles: they must outlive their time in the multi.
  std::list<xfer::transfer> transfers;
  for (int i = 1; i < argc; ++i) {
    transfers.emplace_back(argv[i]);
    m.add(transfers.back()); // starts nothing yet
  }

  int running = 0;
  int exit_code = 0;
  do {
    // Do every read and write possible right now; never blocks.
    running = m.perform();

    // Sleep until a socket is ready, a timer fires, or one second passes.
    if (running)
      m.poll(std::chrono::milliseconds(1000));

    // Completion messages, oldest first; one per transfer.
    while (auto msg = m.info_read()) {
      auto& t = msg->transfer();
      if (msg->result()) {
        std::cout << t.url() << ": error " << msg->result().value() << " ("
                  << msg->result().message() << ") " << t.error_detail() << "\n";
        if (exit_code == 0)
          exit_code = msg->result().value();
      } else {
        std::cout << t.url() << ": " << t.status() << ", " << t.body().size() << " bytes"
                  << (t.info().connection_reused ? " (connection reused)" : "") << "\n";
      }
    }
  } while (running);

  return exit_code;
}
