// Flow control: pause and resume in both directions, and speed caps per transfer and per multi.
#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/nginx_server.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

/// Bytes that show any reordering or repetition: each 8-byte group holds its own offset.
std::string numbered_bytes(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t offset = i;
    std::memcpy(out.data() + i, &offset, std::min<std::size_t>(8, size - i));
  }
  return out;
}

/// Runs perform() and poll() once, collecting messages into `messages`.
void step_once(xfer::multi& m, std::vector<xfer::test::completion_record>& messages) {
  m.perform();
  m.poll(10ms);
  while (auto msg = m.info_read())
    messages.push_back({&msg->transfer(), msg->result()});
}

/// Runs perform()/poll() for `span`, collecting messages into `messages`.
void spin(xfer::multi& m, std::chrono::milliseconds span, std::vector<xfer::test::completion_record>& messages) {
  const auto until = std::chrono::steady_clock::now() + span;
  while (std::chrono::steady_clock::now() < until)
    step_once(m, messages);
}

bool skip_without_nginx() {
  if (xfer::test::nginx_server::available())
    return false;
  WARN("nginx not found: skipped");
  return true;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TEST_CASE("pause and resume from outside keep every byte in order", "[loopback][flow][nginx]") {
  if (skip_without_nginx())
    return;
  xfer::test::nginx_server nginx;
  const std::string content = numbered_bytes(16 << 20);
  nginx.write_file("big.bin", content);
  xfer::multi m;
  xfer::transfer t{nginx.url("/big.bin")};
  t.set_timeout(30s);
  // On loopback one perform() could take the whole body; a receive cap spreads it over ~0.5 s
  // so that the loop below can pause it from outside several times.
  t.set_max_recv_speed(32 << 20);
  std::string got;
  t.set_write_callback([&](std::string_view data) {
    got.append(data);
    return xfer::write_action::proceed;
  });
  m.add(t);
  std::vector<xfer::test::completion_record> messages;
  std::size_t next_pause_at = 1;
  int pauses = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (messages.empty() && std::chrono::steady_clock::now() < deadline) {
    step_once(m, messages);
    if (messages.empty() && got.size() >= next_pause_at && pauses < 3) {
      t.pause(xfer::pause_direction::recv);
      CHECK(t.paused());
      const std::size_t held = got.size();
      spin(m, 150ms, messages);
      CHECK(got.size() == held); // nothing delivered while paused
      CHECK(messages.empty());
      t.resume();
      CHECK_FALSE(t.is_paused());
      ++pauses;
      next_pause_at = got.size() + (1 << 20);
    }
  }
  REQUIRE(messages.size() == 1);
  INFO("paused " << pauses << " times; " << t.error_detail());
  CHECK_FALSE(messages[0].result);
  CHECK(pauses >= 2);
  CHECK(got.size() == content.size());
  CHECK(got == content);
}

TEST_CASE("a transfer paused from its own write callback resumes where it stopped", "[loopback][flow][nginx]") {
  if (skip_without_nginx())
    return;
  xfer::test::nginx_server nginx;
  const std::string content = numbered_bytes(3 << 20);
  nginx.write_file("mid.bin", content);
  xfer::multi m;
  xfer::transfer t{nginx.url("/mid.bin")};
  t.set_timeout(30s);
  std::string got;
  int calls = 0;
  t.set_write_callback([&](std::string_view data) {
    ++calls;
    if (calls % 7 == 0)
      return xfer::write_action::pause; // refused: offered again after resume()
    got.append(data);
    if (calls % 5 == 0)
      t.pause(); // taken, and nothing more until resume()
    return xfer::write_action::proceed;
  });
  m.add(t);
  std::vector<xfer::test::completion_record> messages;
  int resumes = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (messages.empty() && std::chrono::steady_clock::now() < deadline) {
    step_once(m, messages);
    if (t.is_paused()) {
      const std::size_t held = got.size();
      spin(m, 5ms, messages);
      CHECK(got.size() == held);
      t.resume();
      ++resumes;
    }
  }
  REQUIRE(messages.size() == 1);
  CHECK_FALSE(messages[0].result);
  CHECK(resumes > 2);
  CHECK(got == content);
}

TEST_CASE("pausing the send direction holds the request body until resume", "[loopback][flow]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(xfer::test::http_response(200, "stored"))});
  xfer::multi m;
  xfer::transfer t{server.url("/upload")};
  const std::string body = numbered_bytes(512 * 1024);
  std::size_t offset = 0;
  int reads_while_paused = 0;
  bool paused_once = false;
  t.set_method("PUT");
  t.set_body(
      [&](std::span<char> buffer) -> std::size_t {
        if (t.is_paused())
          ++reads_while_paused;
        const std::size_t n = std::min(buffer.size(), body.size() - offset);
        std::memcpy(buffer.data(), body.data() + offset, n);
        offset += n;
        if (offset >= body.size() / 4 && !paused_once) {
          paused_once = true;
          t.pause(xfer::pause_direction::send);
        }
        return n;
      },
      body.size());
  t.set_timeout(20s);
  m.add(t);
  std::vector<xfer::test::completion_record> messages;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!paused_once && std::chrono::steady_clock::now() < deadline)
    step_once(m, messages);
  REQUIRE(paused_once);
  const std::size_t held = offset;
  spin(m, 200ms, messages);
  CHECK(offset == held);
  CHECK(messages.empty());
  CHECK(t.is_paused());
  t.resume(xfer::pause_direction::send);
  const auto rest = xfer::test::drive(m, 10s);
  messages.insert(messages.end(), rest.begin(), rest.end());
  REQUIRE(messages.size() == 1);
  CHECK_FALSE(messages[0].result);
  CHECK(reads_while_paused == 0);
  CHECK(t.body() == "stored");
  REQUIRE(server.requests().size() == 1);
  const std::string request = server.requests()[0];
  REQUIRE(request.size() >= body.size());
  CHECK(request.compare(request.size() - body.size(), body.size(), body) == 0);
}

TEST_CASE("max_recv_speed holds within 10 percent over 5 s", "[loopback][flow][nginx][slow]") {
  if (skip_without_nginx())
    return;
  xfer::test::nginx_server nginx;
  constexpr std::size_t rate = 400'000;
  constexpr double limit = 400'000.0;
  const std::string content = numbered_bytes(5 * rate);
  nginx.write_file("rate.bin", content);
  xfer::multi m;
  xfer::transfer t{nginx.url("/rate.bin")};
  t.set_max_recv_speed(rate);
  std::string got;
  std::vector<std::pair<double, std::size_t>> arrivals;
  const auto start = std::chrono::steady_clock::now();
  t.set_write_callback([&](std::string_view data) {
    got.append(data);
    arrivals.emplace_back(seconds_since(start), got.size());
    return xfer::write_action::proceed;
  });
  REQUIRE_FALSE(xfer::test::run_one(m, t, 20s));
  const double elapsed = seconds_since(start);
  CHECK(got == content);
  const double measured = static_cast<double>(content.size()) / elapsed;
  INFO("measured " << measured << " bytes/s over " << elapsed << " s");
  CHECK(measured <= limit * 1.1);
  CHECK(measured >= limit * 0.9);
  // Smooth: no second holds more than 10 % over the rate (no second's worth in one burst).
  for (std::size_t i = 0, j = 0; i < arrivals.size(); ++i) {
    while (j < arrivals.size() && arrivals[j].first - arrivals[i].first <= 1.0)
      ++j;
    const std::size_t before = i == 0 ? 0 : arrivals[i - 1].second;
    CHECK(static_cast<double>(arrivals[j - 1].second - before) <= limit * 1.1);
  }
}

TEST_CASE("max_send_speed holds within 10 percent over 5 s", "[loopback][flow][slow]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(xfer::test::http_response(200, "got it"))});
  constexpr std::size_t rate = 400'000;
  constexpr double limit = 400'000.0;
  xfer::multi m;
  xfer::transfer t{server.url("/up")};
  t.set_method("POST").set_body(numbered_bytes(5 * rate));
  t.set_max_send_speed(rate);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE_FALSE(xfer::test::run_one(m, t, 20s));
  const double elapsed = seconds_since(start);
  const double measured = 5.0 * limit / elapsed;
  INFO("measured " << measured << " bytes/s over " << elapsed << " s");
  CHECK(measured <= limit * 1.1);
  CHECK(measured >= limit * 0.9);
  CHECK(t.body() == "got it");
  CHECK(t.info().bytes_uploaded == 5 * rate);
}

TEST_CASE("a multi's total receive cap holds over all its transfers", "[loopback][flow][nginx][slow]") {
  if (skip_without_nginx())
    return;
  xfer::test::nginx_server nginx;
  constexpr std::size_t rate = 400'000;
  constexpr double limit = 400'000.0;
  const std::string half = numbered_bytes(5 * rate / 2);
  nginx.write_file("a.bin", half);
  nginx.write_file("b.bin", half);
  xfer::multi_options options;
  options.max_total_recv_speed = rate;
  xfer::multi m{options};
  xfer::transfer a{nginx.url("/a.bin")};
  xfer::transfer b{nginx.url("/b.bin")};
  const auto start = std::chrono::steady_clock::now();
  m.add(a);
  m.add(b);
  const auto messages = xfer::test::drive(m, 20s);
  const double elapsed = seconds_since(start);
  REQUIRE(messages.size() == 2);
  CHECK_FALSE(messages[0].result);
  CHECK_FALSE(messages[1].result);
  CHECK(a.body() == half);
  CHECK(b.body() == half);
  const double measured = 5.0 * limit / elapsed;
  INFO("measured " << measured << " bytes/s over " << elapsed << " s");
  CHECK(measured <= limit * 1.1);
  CHECK(measured >= limit * 0.9);
}
