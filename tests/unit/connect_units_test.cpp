// The pieces of connection control alone: route rules, DNS cache, Happy Eyeballs order, token bucket, progress watch, socket settings.
#include <xfer/connect_options.hpp>

#include <xfer/detail/connect_route.hpp>
#include <xfer/detail/connection_control.hpp>
#include <xfer/detail/dns_cache.hpp>
#include <xfer/detail/happy_eyeballs.hpp>
#include <xfer/detail/progress_watch.hpp>
#include <xfer/detail/rate_limiter.hpp>

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using xfer::detail::host_port;

TEST_CASE("connect_to rules pick the first match and keep what they leave empty", "[unit][connect]") {
  std::string error;
  host_port target{"example.org", 443};
  SECTION("host and port replaced") {
    REQUIRE(xfer::detail::apply_connect_to({"other.org:80:x:1", "example.org:443:127.0.0.1:8443"}, target, error));
    CHECK(target.host == "127.0.0.1");
    CHECK(target.port == 8443);
  }
  SECTION("empty source fields match anything, empty target fields keep the URL's") {
    REQUIRE(xfer::detail::apply_connect_to({"::backend:"}, target, error));
    CHECK(target.host == "backend");
    CHECK(target.port == 443);
  }
  SECTION("bracketed IPv6 addresses") {
    REQUIRE(xfer::detail::apply_connect_to({"EXAMPLE.org:443:[::1]:9000"}, target, error));
    CHECK(target.host == "::1");
    CHECK(target.port == 9000);
  }
  SECTION("no rule matches: nothing changes") {
    REQUIRE(xfer::detail::apply_connect_to({"example.org:80:elsewhere:81"}, target, error));
    CHECK(target.host == "example.org");
    CHECK(target.port == 443);
  }
  SECTION("malformed rules are errors") {
    for (const char* bad : {"example.org:443", "a:99999:b:1", "[::1:443:b:1", "a:x:b:1"}) {
      INFO(bad);
      host_port t = target;
      CHECK_FALSE(xfer::detail::apply_connect_to({bad}, t, error));
      CHECK(error.find("connect_to") != std::string::npos);
    }
  }
}

TEST_CASE("resolve overrides match host and port and list their addresses", "[unit][connect]") {
  std::string error;
  std::vector<std::string> addresses;
  bool found = false;
  const host_port target{"svc.test", 8080};
  REQUIRE(xfer::detail::find_resolve_override({"svc.test:80:10.0.0.1", "+SVC.test:8080:[::1],127.0.0.1"}, target,
                                              addresses, found, error));
  CHECK(found);
  CHECK(addresses == std::vector<std::string>{"::1", "127.0.0.1"});

  addresses.clear();
  REQUIRE(xfer::detail::find_resolve_override({"-svc.test:8080", "other:8080:127.0.0.1"}, target, addresses, found,
                                              error));
  CHECK_FALSE(found);
  CHECK(addresses.empty());

  for (const char* bad : {"svc.test:8080", "svc.test:8080:", "svc.test:8080:not-an-address", ":8080:127.0.0.1"}) {
    INFO(bad);
    CHECK_FALSE(xfer::detail::find_resolve_override({bad}, target, addresses, found, error));
    CHECK(error.find("resolve") != std::string::npos);
  }
}

TEST_CASE("the pool key's route part is empty for default options and differs otherwise", "[unit][connect]") {
  std::string plain = "http://a:80";
  xfer::detail::append_route_key({}, plain);
  CHECK(plain == "http://a:80");

  xfer::connect_options unix_socket;
  unix_socket.unix_socket_path = "/run/a.sock";
  std::string key1 = "http://a:80";
  xfer::detail::append_route_key(unix_socket, key1);
  xfer::connect_options v4;
  v4.ip = xfer::ip_version::v4;
  std::string key2 = "https://a:443#1";
  xfer::detail::append_route_key(v4, key2);
  CHECK(key1.substr(0, key1.find('#')) == "http://a:80"); // the origin part stays
  CHECK(key1 != "http://a:80");
  CHECK(key2.substr(0, key2.find('#')) == "https://a:443");
  CHECK(key2.find("ip4") != std::string::npos);
}

TEST_CASE("the DNS cache answers until the time to live ends", "[unit][connect]") {
  xfer::detail::dns_cache cache;
  const auto now = std::chrono::steady_clock::now();
  const std::vector<asio::ip::address> list{asio::ip::make_address("127.0.0.1")};
  CHECK(cache.find("h", 80, xfer::ip_version::any, now) == nullptr);
  cache.store("h", 80, xfer::ip_version::any, list, now, 1000ms);
  REQUIRE(cache.find("h", 80, xfer::ip_version::any, now + 999ms) != nullptr);
  CHECK(*cache.find("h", 80, xfer::ip_version::any, now) == list);
  CHECK(cache.find("h", 81, xfer::ip_version::any, now) == nullptr);
  CHECK(cache.find("h", 80, xfer::ip_version::v4, now) == nullptr); // a family selection is its own entry
  CHECK(cache.hits() == 2);
  CHECK(cache.find("h", 80, xfer::ip_version::any, now + 1000ms) == nullptr);
  CHECK(cache.size() == 0); // the expired entry is gone
  cache.store("h", 80, xfer::ip_version::any, list, now, 0ms);
  CHECK(cache.size() == 0); // a zero time to live caches nothing
}

TEST_CASE("Happy Eyeballs orders IPv6 first and alternates the families", "[unit][connect]") {
  const auto a = [](const char* text) { return asio::ip::make_address(text); };
  const std::vector<asio::ip::address> mixed{a("10.0.0.1"), a("10.0.0.2"), a("::1"), a("10.0.0.3"), a("::2")};
  CHECK(xfer::detail::interleave_families(mixed, xfer::ip_version::any) ==
        std::vector<asio::ip::address>{a("::1"), a("10.0.0.1"), a("::2"), a("10.0.0.2"), a("10.0.0.3")});
  CHECK(xfer::detail::interleave_families(mixed, xfer::ip_version::v4) ==
        std::vector<asio::ip::address>{a("10.0.0.1"), a("10.0.0.2"), a("10.0.0.3")});
  CHECK(xfer::detail::interleave_families(mixed, xfer::ip_version::v6) ==
        std::vector<asio::ip::address>{a("::1"), a("::2")});
}

namespace {
struct fake_socket {
  bool open = true;
  void close(asio::error_code&) { open = false; }
};
} // namespace

TEST_CASE("an address race starts the next attempt after the delay or at a failure", "[unit][connect]") {
  using clock = std::chrono::steady_clock;
  xfer::detail::address_race<fake_socket> race;
  const auto a = [](const char* text) { return asio::ip::make_address(text); };
  race.reset({a("::1"), a("127.0.0.1"), a("127.0.0.2")}, 200ms, 1000ms);
  const auto t0 = clock::now();
  REQUIRE(race.next_due(t0));
  const auto first = race.start_next(t0, [] { return fake_socket{}; });
  CHECK_FALSE(race.next_due(t0 + 199ms));
  CHECK(race.next_deadline() == t0 + 200ms);
  CHECK(race.next_due(t0 + 200ms));
  const auto second = race.start_next(t0 + 200ms, [] { return fake_socket{}; });
  race.fail(second, "refused", false);
  CHECK_FALSE(race.at(second).socket.open);
  CHECK(race.running() == 1);
  // The first attempt times out at its own deadline; the third starts at once then.
  CHECK(race.expire(t0 + 1000ms));
  CHECK(race.timed_out());
  CHECK(race.next_due(t0 + 1000ms));
  const auto third = race.start_next(t0 + 1000ms, [] { return fake_socket{}; });
  CHECK_FALSE(race.lost());
  fake_socket winner = race.take_winner(third);
  CHECK(winner.open);
  CHECK_FALSE(race.at(first).socket.open);
  CHECK(race.running() == 0);
}

TEST_CASE("the token bucket holds its rate with bursts of 50 ms", "[unit][flow]") {
  using clock = std::chrono::steady_clock;
  xfer::detail::rate_limiter bucket;
  CHECK_FALSE(bucket.limited());
  const auto t0 = clock::now();
  bucket.set_rate(100'000, t0); // 100 kB/s: a bucket of 5000 bytes
  CHECK(bucket.allowance(t0, 1'000'000) == 5000);
  bucket.consume(5000);
  CHECK(bucket.allowance(t0, 1'000'000) == 0);
  CHECK(bucket.allowance(t0 + 10ms, 1'000'000) == 1000);
  // Simulated greedy reader over one second: never more than the rate plus one bucket.
  std::size_t moved = 0;
  auto now = t0 + 10ms;
  while (now < t0 + 1010ms) {
    const auto n = bucket.allowance(now, 64 * 1024);
    if (n >= bucket.min_piece()) {
      bucket.consume(n);
      moved += n;
    } else {
      now = bucket.available_at(now, bucket.min_piece());
    }
  }
  CHECK(moved <= 100'000 + 5000 + 1000);
  CHECK(moved >= 95'000);
  CHECK(bucket.available_at(now, 1'000'000) <= now + 60ms); // waits for half a bucket at most
}

TEST_CASE("the progress watch tells idle from slow from fine", "[unit][connect]") {
  using clock = std::chrono::steady_clock;
  xfer::timeouts limits;
  const auto t0 = clock::now();
  xfer::detail::progress_watch watch;
  watch.start(limits, t0, 0);
  CHECK_FALSE(watch.active());
  CHECK(watch.next_check() == clock::time_point::max());

  limits.idle = 400ms;
  watch.start(limits, t0, 0);
  CHECK(watch.next_check() == t0 + 100ms);
  using verdict = xfer::detail::progress_watch::verdict;
  CHECK(watch.check(t0 + 100ms, 10, false) == verdict::ok);
  CHECK(watch.check(t0 + 300ms, 10, false) == verdict::ok);
  CHECK(watch.check(t0 + 500ms, 10, true) == verdict::ok);   // paused: the clock restarts
  CHECK(watch.check(t0 + 800ms, 10, false) == verdict::ok);
  CHECK(watch.check(t0 + 900ms, 10, false) == verdict::idle);

  xfer::timeouts slow;
  slow.low_speed_limit = 1000;
  slow.low_speed_time = 1000ms;
  watch.start(slow, t0, 0);
  CHECK(watch.check(t0 + 250ms, 500, false) == verdict::ok);  // 2000 B/s
  CHECK(watch.check(t0 + 500ms, 550, false) == verdict::ok);  // 200 B/s: slow from 250 ms on
  CHECK(watch.check(t0 + 750ms, 600, false) == verdict::ok);
  CHECK(watch.check(t0 + 1000ms, 650, false) == verdict::ok);
  CHECK(watch.check(t0 + 1250ms, 700, false) == verdict::low_speed);
  watch.start(slow, t0, 0);
  CHECK(watch.check(t0 + 500ms, 100, false) == verdict::ok);
  CHECK(watch.check(t0 + 1000ms, 2000, false) == verdict::ok); // fast again: the slow span ends
  CHECK(watch.check(t0 + 1500ms, 2100, false) == verdict::ok);
}

TEST_CASE("socket settings: keep-alive and the local end", "[unit][connect]") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  REQUIRE(xfer::detail::set_tcp_keepalive(fd, 7s, 3s));
  int value = 0;
  socklen_t size = sizeof value;
  ::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &value, &size);
  CHECK(value == 1);
  ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &value, &size);
  CHECK(value == 7);
  ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &value, &size);
  CHECK(value == 3);

  std::string error;
  xfer::connect_options options;
  options.interface_name = "lo";
  REQUIRE(xfer::detail::bind_local_end(fd, AF_INET, options, error));
  sockaddr_storage local{};
  socklen_t local_size = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size);
  std::string ip;
  std::uint16_t port = 0;
  REQUIRE(xfer::detail::socket_address_text(reinterpret_cast<sockaddr*>(&local), ip, port));
  CHECK(ip == "127.0.0.1");
  ::close(fd);

  const int other = ::socket(AF_INET, SOCK_STREAM, 0);
  options.interface_name = "no-such-interface0";
  CHECK_FALSE(xfer::detail::bind_local_end(other, AF_INET, options, error));
  CHECK(error.find("no-such-interface0") != std::string::npos);
  options.interface_name = "host!not-an-address";
  CHECK_FALSE(xfer::detail::bind_local_end(other, AF_INET, options, error));
  ::close(other);
}
