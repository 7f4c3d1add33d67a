// Tests of the test fixtures themselves: scripted_server and nginx_server, driven by plain
// blocking Asio sockets (not by xfer).
#include "support/nginx_server.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using xfer::test::step;
using clock_type = std::chrono::steady_clock;

/// A blocking client socket to 127.0.0.1. Reads wait with poll() first, so that a broken server
/// makes a test fail (timed_out) instead of hanging it.
class client {
 public:
  explicit client(std::uint16_t port) {
    socket_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  }

  void write(std::string_view data) { asio::write(socket_, asio::buffer(data)); }

  /// Whether something (data, EOF or an error) can be read within `timeout`.
  bool readable(std::chrono::milliseconds timeout) {
    if (!pending_.empty()) {
      return true;
    }
    pollfd p{socket_.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
  }

  /// One read_some (or the buffered bytes); empty with ec set on EOF, error or timeout.
  std::string read_some(std::error_code& ec, std::chrono::milliseconds timeout = 5s) {
    ec.clear();
    if (!pending_.empty()) {
      return std::exchange(pending_, {});
    }
    if (!readable(timeout)) {
      ec = asio::error::timed_out;
      return {};
    }
    std::array<char, 65536> buf{};
    const std::size_t n = socket_.read_some(asio::buffer(buf), ec);
    ++reads_;
    return std::string(buf.data(), n);
  }

  /// Everything until the peer closes; `ec` tells how it ended (eof, connection_reset,
  /// timed_out...).
  std::string read_to_end(std::error_code& ec, std::chrono::milliseconds timeout = 5s) {
    std::string out;
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
      const std::string got = read_some(ec, std::max(left, 0ms));
      out += got;
      if (ec) {
        return out;
      }
    }
  }

  /// Exactly n bytes; throws when they do not arrive within `timeout`.
  std::string read_exactly(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = clock_type::now() + timeout;
    while (pending_.size() < n) {
      std::error_code ec;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
      std::string got = read_raw(ec, std::max(left, 0ms));
      if (ec) {
        throw std::system_error(ec, "read_exactly(" + std::to_string(n) + ") after \"" + pending_ +
                                        "\"");
      }
      pending_ += got;
    }
    std::string out = pending_.substr(0, n);
    pending_.erase(0, n);
    return out;
  }

  /// Up to and including `delimiter`; throws when it does not arrive within `timeout`.
  std::string read_until(std::string_view delimiter, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
      const std::size_t at = pending_.find(delimiter);
      if (at != std::string::npos) {
        return read_exactly(at + delimiter.size());
      }
      std::error_code ec;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
      std::string got = read_raw(ec, std::max(left, 0ms));
      if (ec) {
        throw std::system_error(ec, "read_until after \"" + pending_ + "\"");
      }
      pending_ += got;
    }
  }

  std::size_t reads() const { return reads_; }
  void close() { socket_.close(); }

 private:
  std::string read_raw(std::error_code& ec, std::chrono::milliseconds timeout) {
    std::string saved = std::exchange(pending_, {});
    std::string got = read_some(ec, timeout);
    pending_ = std::move(saved);
    return got;
  }

  asio::io_context io_;
  tcp::socket socket_{io_};
  std::string pending_;
  std::size_t reads_ = 0;
};

/// A parsed HTTP/1.1 response read by Content-Length.
struct response {
  int status = 0;
  std::string head;
  std::string body;
};

response read_response(client& c) {
  response r;
  r.head = c.read_until("\r\n\r\n");
  REQUIRE(r.head.rfind("HTTP/1.1 ", 0) == 0);
  r.status = std::stoi(r.head.substr(9, 3));
  const std::string key = "\r\ncontent-length:";
  std::string lower = r.head;
  for (auto& ch : lower) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  const std::size_t at = lower.find(key);
  REQUIRE(at != std::string::npos);
  const std::size_t length = std::stoul(r.head.substr(at + key.size()));
  r.body = c.read_exactly(length);
  return r;
}

std::string get_request(std::string_view path, bool close = false) {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         (close ? "Connection: close\r\n" : "") + "\r\n";
}

long elapsed_ms(clock_type::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - since).count());
}

} // namespace

// ---------------------------------------------------------------------------------------------
// scripted_server

TEST_CASE("scripted_server plays exact bytes and records the request",
          "[loopback][support][scripted]") {
  xfer::test::scripted_server server;
  REQUIRE(server.port() != 0);
  CHECK(server.url("/x?y") == "http://127.0.0.1:" + std::to_string(server.port()) + "/x?y");

  const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
  server.add_script({step::read_request(), step::send(reply), step::close()});

  const std::string request =
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world";
  client c(server.port());
  c.write(request);
  std::error_code ec;
  CHECK(c.read_to_end(ec) == reply);
  CHECK(ec == asio::error::eof);

  REQUIRE(server.wait_for_requests(1, 2s));
  CHECK(server.requests() == std::vector<std::string>{request});
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("scripted_server uses scripts in order, then the default script",
          "[loopback][support][scripted]") {
  xfer::test::scripted_server server;
  server.add_script({step::read_request(), step::send("one"), step::close()});
  server.add_script({step::read_request(), step::send("two")}); // ends: closed gracefully

  std::error_code ec;
  {
    client c(server.port());
    c.write(get_request("/1"));
    CHECK(c.read_to_end(ec) == "one");
    CHECK(ec == asio::error::eof);
  }
  {
    client c(server.port());
    c.write(get_request("/2"));
    CHECK(c.read_to_end(ec) == "two");
    CHECK(ec == asio::error::eof);
  }
  {
    // No script left: the default one reads the request and closes.
    client c(server.port());
    c.write(get_request("/3"));
    CHECK(c.read_to_end(ec).empty());
    CHECK(ec == asio::error::eof);
  }
  {
    server.set_default_script({step::read_request(), step::send("default")});
    client c(server.port());
    c.write(get_request("/4"));
    CHECK(c.read_to_end(ec) == "default");
  }
  REQUIRE(server.wait_for_requests(4, 2s));
  CHECK(server.requests() == std::vector<std::string>{get_request("/1"), get_request("/2"),
                                                      get_request("/3"), get_request("/4")});
  CHECK(server.connections_accepted() == 4);
}

TEST_CASE("scripted_server reset() makes the client see a connection reset",
          "[loopback][support][scripted]") {
  xfer::test::scripted_server server;
  server.add_script({step::read_request(), step::reset()});
  server.add_script({step::read_request(), step::close()});

  std::error_code ec;
  {
    client c(server.port());
    c.write(get_request("/"));
    CHECK(c.read_to_end(ec).empty());
    CHECK(ec == asio::error::connection_reset);
  }
  {
    // For contrast: close() is a clean EOF.
    client c(server.port());
    c.write(get_request("/"));
    CHECK(c.read_to_end(ec).empty());
    CHECK(ec == asio::error::eof);
  }
}

TEST_CASE("scripted_server delay() and send_slowly() take their time",
          "[loopback][support][scripted]") {
  xfer::test::scripted_server server;
  std::error_code ec;

  SECTION("delay") {
    server.add_script({step::read_request(), step::send("first"), step::delay(300ms),
                       step::send("second"), step::close()});
    client c(server.port());
    const auto start = clock_type::now();
    c.write(get_request("/"));
    CHECK(c.read_exactly(5) == "first");
    CHECK_FALSE(c.readable(0ms)); // "second" is still being held back
    CHECK(c.read_to_end(ec) == "second");
    CHECK(ec == asio::error::eof);
    const long ms = elapsed_ms(start);
    CHECK(ms >= 300);
    CHECK(ms < 3000);
  }

  SECTION("send_slowly") {
    server.add_script({step::send_slowly("abcdef", 40ms), step::close()});
    client c(server.port());
    const auto start = clock_type::now();
    CHECK(c.read_to_end(ec) == "abcdef");
    CHECK(ec == asio::error::eof);
    const long ms = elapsed_ms(start);
    CHECK(ms >= 200); // five gaps of 40 ms
    CHECK(ms < 3000);
    CHECK(c.reads() >= 3); // the bytes did not arrive together
  }
}

TEST_CASE("scripted_server respond_forever serves requests on one connection",
          "[loopback][support][scripted]") {
  xfer::test::scripted_server server;
  const std::string reply = xfer::test::http_response(200, "ok");
  server.add_script({step::respond_forever(reply)});

  client c(server.port());
  for (int i = 0; i < 3; ++i) {
    c.write(get_request("/r" + std::to_string(i)));
    CHECK(c.read_exactly(reply.size()) == reply);
  }
  // Two pipelined requests in one write, one of them with a chunked body (and a trailer).
  const std::string chunked = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n";
  c.write(chunked + get_request("/after"));
  CHECK(c.read_exactly(2 * reply.size()) == reply + reply);
  c.close();

  REQUIRE(server.wait_for_requests(5, 2s));
  const auto requests = server.requests();
  REQUIRE(requests.size() == 5);
  CHECK(requests[0] == get_request("/r0"));
  CHECK(requests[2] == get_request("/r2"));
  CHECK(requests[3] == chunked);
  CHECK(requests[4] == get_request("/after"));
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("scripted_server shutdown_send() half-closes and keeps reading",
          "[loopback][support][scripted]") {
  xfer::test::scripted_server server;
  server.add_script({step::send("x"), step::shutdown_send(), step::read_request()});
  client c(server.port());
  std::error_code ec;
  CHECK(c.read_to_end(ec) == "x");
  CHECK(ec == asio::error::eof);
  c.write(get_request("/late")); // the server still reads
  REQUIRE(server.wait_for_requests(1, 2s));
  CHECK(server.requests().front() == get_request("/late"));
}

TEST_CASE("scripted_server serves connections concurrently", "[loopback][support][scripted]") {
  xfer::test::scripted_server server;
  server.add_script({step::hold()});
  server.add_script({step::read_request(), step::send("second"), step::close()});

  client first(server.port());
  REQUIRE(server.wait_for_connections(1, 2s));
  first.write("held");
  client second(server.port()); // served although the first connection never ends
  second.write(get_request("/"));
  std::error_code ec;
  CHECK(second.read_to_end(ec) == "second");
  CHECK(ec == asio::error::eof);
  CHECK_FALSE(first.readable(0ms));
  CHECK(server.connections_accepted() == 2);
}

TEST_CASE("scripted_server stops promptly with a connection on hold",
          "[loopback][support][scripted]") {
  auto server = std::make_unique<xfer::test::scripted_server>();
  server->add_script({step::hold()});
  client c(server->port());
  c.write("some bytes that are discarded");
  REQUIRE(server->wait_for_connections(1, 2s));
  CHECK_FALSE(c.readable(100ms)); // on hold: nothing comes back, the connection stays open

  const auto start = clock_type::now();
  server.reset();
  CHECK(elapsed_ms(start) < 2000);

  std::error_code ec;
  CHECK(c.read_to_end(ec, 2s).empty());
  CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
}

TEST_CASE("scripted_server wait_for_requests times out", "[loopback][support][scripted]") {
  xfer::test::scripted_server server;
  const auto start = clock_type::now();
  CHECK_FALSE(server.wait_for_requests(1, 50ms));
  CHECK(elapsed_ms(start) >= 50);
  CHECK(server.connections_accepted() == 0);
  CHECK(server.requests().empty());
}

TEST_CASE("http_response and chunked_response build exact bytes", "[loopback][support][scripted]") {
  CHECK(xfer::test::http_response(200, "hello", {{"X-A", "b"}}) ==
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello");
  CHECK(xfer::test::http_response(404, "") ==
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  // A caller's Content-Length replaces the computed one (to lie about the length).
  CHECK(xfer::test::http_response(200, "ab", {{"content-length", "10"}}) ==
        "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab");
  CHECK(xfer::test::chunked_response(200, {"ab", "", std::string(17, 'x')}) ==
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n11\r\n" +
            std::string(17, 'x') + "\r\n0\r\n\r\n");
  CHECK(xfer::test::chunked_response(201, {"a"}, {{"X-H", "1"}}, {{"X-T", "2"}}) ==
        "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-H: 1\r\n\r\n"
        "1\r\na\r\n0\r\nX-T: 2\r\n\r\n");
}

// ---------------------------------------------------------------------------------------------
// temp_dir

TEST_CASE("temp_dir creates and removes a directory", "[loopback][support]") {
  std::filesystem::path kept;
  {
    xfer::test::temp_dir dir;
    kept = dir.path();
    REQUIRE(std::filesystem::is_directory(kept));
    std::filesystem::create_directories(dir / "a/b");
    std::ofstream(dir / "a/b/file") << "x";
    xfer::test::temp_dir moved = std::move(dir);
    CHECK(dir.path().empty());
    CHECK(moved.path() == kept);
  }
  CHECK_FALSE(std::filesystem::exists(kept));
}

// ---------------------------------------------------------------------------------------------
// nginx_server

namespace {

/// Pids of the processes whose parent is `parent` (from /proc).
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const std::size_t paren = line.rfind(')');
    if (paren == std::string::npos) {
      continue;
    }
    std::istringstream rest(line.substr(paren + 2));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) {
      out.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return out;
}

bool process_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

} // namespace

TEST_CASE("nginx_server serves files written to its root", "[loopback][support][nginx]") {
  if (!xfer::test::nginx_server::available()) {
    WARN("nginx is not available: test skipped");
    return;
  }
  xfer::test::nginx_server nginx;
  REQUIRE(nginx.port() != 0);
  CHECK(nginx.url("/a") == "http://127.0.0.1:" + std::to_string(nginx.port()) + "/a");
  CHECK(std::filesystem::exists(nginx.prefix() / "conf/nginx.conf"));

  std::string binary(1 << 20, '\0');
  std::mt19937 rng(42);
  for (auto& ch : binary) {
    ch = static_cast<char>(rng() & 0xff);
  }
  nginx.write_file("hello.txt", "hello, nginx\n");
  nginx.write_file("/deep/dir/data.bin", binary);
  CHECK(std::filesystem::exists(nginx.root() / "deep/dir/data.bin"));

  client c(nginx.port());
  c.write(get_request("/hello.txt"));
  response r = read_response(c);
  CHECK(r.status == 200);
  CHECK(r.body == "hello, nginx\n");

  // Same connection (keep-alive): a 1 MiB binary file, then a missing one.
  c.write(get_request("/deep/dir/data.bin"));
  r = read_response(c);
  CHECK(r.status == 200);
  CHECK(r.body.size() == binary.size());
  CHECK(r.body == binary);

  c.write(get_request("/missing"));
  r = read_response(c);
  CHECK(r.status == 404);

  c.write(get_request("/status/404", true));
  r = read_response(c);
  CHECK(r.status == 404);
  CHECK(r.body == "nope");
  std::error_code ec;
  CHECK(c.read_to_end(ec).empty()); // Connection: close honoured
  CHECK(ec == asio::error::eof);
}

TEST_CASE("nginx_server takes extra configuration", "[loopback][support][nginx]") {
  if (!xfer::test::nginx_server::available()) {
    WARN("nginx is not available: test skipped");
    return;
  }
  xfer::test::nginx_server nginx(
      {"  server_tokens off;\n", "    location = /custom { return 200 \"custom\"; }\n"});
  client c(nginx.port());
  c.write(get_request("/custom"));
  const response r = read_response(c);
  CHECK(r.status == 200);
  CHECK(r.body == "custom");
  CHECK(r.head.find("\r\nServer: nginx\r\n") != std::string::npos); // no version
}

TEST_CASE("two nginx_servers run at once on different ports", "[loopback][support][nginx]") {
  if (!xfer::test::nginx_server::available()) {
    WARN("nginx is not available: test skipped");
    return;
  }
  xfer::test::nginx_server a;
  xfer::test::nginx_server b;
  CHECK(a.port() != b.port());
  CHECK(a.pid() != b.pid());
  CHECK(a.root() != b.root());
  a.write_file("who", "a");
  b.write_file("who", "b");
  client ca(a.port());
  client cb(b.port());
  ca.write(get_request("/who"));
  cb.write(get_request("/who"));
  CHECK(read_response(ca).body == "a");
  CHECK(read_response(cb).body == "b");
}

TEST_CASE("nginx_server's destructor leaves no nginx process behind",
          "[loopback][support][nginx]") {
  if (!xfer::test::nginx_server::available()) {
    WARN("nginx is not available: test skipped");
    return;
  }
  std::optional<xfer::test::nginx_server> nginx;
  nginx.emplace();
  const pid_t master = nginx->pid();
  const std::filesystem::path prefix = nginx->prefix();
  REQUIRE(master > 0);
  CHECK(process_exists(master));

  // The worker is forked right after the master is ready: wait for it.
  std::vector<pid_t> workers;
  const auto deadline = clock_type::now() + 5s;
  while ((workers = children_of(master)).empty() && clock_type::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(workers.size() == 1);

  // An open keep-alive connection must not delay the shutdown.
  client c(nginx->port());
  c.write(get_request("/missing"));
  CHECK(read_response(c).status == 404);

  const auto start = clock_type::now();
  nginx.reset();
  CHECK(elapsed_ms(start) < 4000);
  CHECK_FALSE(process_exists(master));
  for (const pid_t w : workers) {
    CHECK_FALSE(process_exists(w));
  }
  CHECK_FALSE(std::filesystem::exists(prefix));
  std::error_code ec;
  c.read_to_end(ec, 2s);
  CHECK(ec != asio::error::timed_out);
}

TEST_CASE("nginx_server reports a configuration error with nginx's log",
          "[loopback][support][nginx]") {
  if (!xfer::test::nginx_server::available()) {
    WARN("nginx is not available: test skipped");
    return;
  }
  const auto start = clock_type::now();
  try {
    xfer::test::nginx_server nginx({"  no_such_directive on;\n", ""});
    FAIL("nginx started with an invalid configuration");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK(what.find("no_such_directive") != std::string::npos);
  }
  CHECK(elapsed_ms(start) < 4000); // a configuration error is not retried
}
