// The per-origin request-rate window without I/O.
#include <xfer/detail/rate_window.hpp>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using xfer::detail::rate_window;

TEST_CASE("rate window: at most N starts in any interval", "[unit][scheduling]") {
  rate_window w;
  const auto t0 = rate_window::clock::time_point{} + 10s;
  CHECK(w.allows(0, 1s, t0)); // no limit
  for (int i = 0; i < 3; ++i) {
    REQUIRE(w.allows(3, 1s, t0 + i * 10ms));
    w.record(3, t0 + i * 10ms);
  }
  CHECK_FALSE(w.allows(3, 1s, t0 + 500ms));
  CHECK(w.opens_at(3, 1s) == t0 + 1s);
  CHECK(w.allows(3, 1s, t0 + 1s));
  w.record(3, t0 + 1s);
  CHECK_FALSE(w.allows(3, 1s, t0 + 1005ms));
  CHECK(w.opens_at(3, 1s) == t0 + 1010ms);
  CHECK(w.allows(3, 1s, t0 + 1010ms));
}

TEST_CASE("rate window: a changed limit keeps the latest starts", "[unit][scheduling]") {
  rate_window w;
  const auto t0 = rate_window::clock::time_point{} + 10s;
  for (int i = 0; i < 5; ++i)
    w.record(3, t0 + i * 100ms); // keeps 200, 300, 400
  CHECK(w.opens_at(3, 1s) == t0 + 1200ms);
  w.record(2, t0 + 500ms); // keeps 400, 500
  CHECK(w.opens_at(2, 1s) == t0 + 1400ms);
  w.record(4, t0 + 600ms); // 400, 500, 600: not full yet
  CHECK(w.allows(4, 1s, t0 + 600ms));
  w.record(4, t0 + 700ms);
  CHECK(w.opens_at(4, 1s) == t0 + 1400ms);
}
