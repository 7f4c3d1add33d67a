// examples/coroutine.cpp - co_await transfers on your own io_context.
//
// Usage: coroutine URL...
// Fetches the URLs one after another from a coroutine, reusing the connection.
#include <xfer.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <iostream>
#include <string>
#include <vector>

asio::awaitable<void> fetch_all(xfer::multi& m, std::vector<std::string> urls) {
  for (const auto& url : urls) {
    xfer::transfer t{url};
    try {
      // Completes with (error_code, status); use_awaitable throws on error.
      int status = co_await m.async_perform(t, asio::use_awaitable);
      std::cout << url << ": " << status << ", " << t.body().size() << " bytes\n";
    } catch (const std::system_error& e) {
      std::cout << url << ": " << e.code().message() << " " << t.error_detail() << "\n";
    }
  }
}

int main(int argc, char** argv) {
  asio::io_context ctx;

  // The multi runs on the user's executor: no perform() loop, ctx.run() drives it.
  xfer::multi m{ctx.get_executor()};

  asio::co_spawn(ctx, fetch_all(m, {argv + 1, argv + argc}), asio::detached);
  ctx.run();
}
