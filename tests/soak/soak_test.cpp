// tests/soak/soak_test.cpp - the bounded soak test: many requests through one multi, against
// nginx and a server that misbehaves at random, then checks for leaks and lost messages.
//
// XFER_SOAK_REQUESTS requests (default 1,000,000) go through one xfer::multi
// (max_host_connections 16) with `nginx_slots + hostile_slots` transfers in flight, each
// re-added with a new URL as soon as its message was read (remove, set_url, add, as bench/
// does). Slots are bound to one origin:
//   - nginx (a real nginx, static files of 0 B to 256 KiB): every transfer must succeed with
//     a byte-exact body (size and FNV-1a checksum);
//   - the hostile server (in this process, its own thread): per request it picks at random a
//     good response (Content-Length or chunked, sometimes with Connection: close), a reset (RST
//     anywhere in the response, also before it), a truncation (FIN anywhere in the response), a
//     close without a response, a broken response, or a stall (nothing or part of the response,
//     then silence until the client gives up: its 2 s timeout ends the transfer).
// Checks: every add gets exactly one message; results are success or one of the errors the
// faults explain (recv_error, partial_file, got_nothing, operation_timedout, weird_server_reply),
// never more non-timeout failures than faults injected; successful bodies byte-exact; no hang
// (no message for 30 s, or a transfer in flight for 60 s); the wall time under 15 minutes;
// afterwards (multi destroyed) the descriptor count as before the multi existed and the RSS
// within 8 MiB of it. One summary line ("soak: ...") on stdout.
//
// XFER_SOAK_SEED sets the random seed (default: fixed), to replay a run's choices on the
// client side; the server's choices also come from it, though timing makes runs differ anyway.

#include "support/nginx_server.hpp"

#include <catch2/catch.hpp>

#include <xfer.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <dirent.h>
#include <malloc.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// ---- parameters

constexpr std::size_t nginx_slots = 256;        ///< transfers in flight to nginx
constexpr std::size_t hostile_slots = 48;       ///< transfers in flight to the hostile server
constexpr std::size_t max_host_connections = 16;
constexpr auto hostile_timeout = 2s;            ///< ends stalls
constexpr auto nginx_timeout = 30s;             ///< nginx never stalls: a timeout is a failure
constexpr auto max_wall_time = 15min;
constexpr auto hang_after = 30s;                ///< no message at all for this long
constexpr auto lost_after = 60s;                ///< one transfer in flight for this long
constexpr std::size_t max_hostile_body = 16384;
constexpr long rss_tolerance_kib = 8 * 1024;

// ---- small tools

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0')
    return fallback;
  std::uint64_t value = 0;
  const std::string_view s(text);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size())
    throw std::runtime_error(std::string(name) + ": expected a number, got '" + text + "'");
  return value;
}

/// FNV-1a, 64 bits, fed in pieces.
struct fnv1a {
  static constexpr std::uint64_t offset = 0xcbf29ce484222325ULL;
  std::uint64_t value = offset;
  void update(std::string_view data) noexcept {
    std::uint64_t h = value;
    for (const char c : data) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    value = h;
  }
};

/// Deterministic bytes.
std::string pseudo_random_bytes(std::size_t size, std::uint64_t seed) {
  std::string out(size, '\0');
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

/// Open descriptors of this process (the directory's own one excluded).
std::size_t count_fds() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.')
        ++n;
    ::closedir(d);
    return n - 1;
  }
  return 0;
}

/// "fd -> target" of every open descriptor, to name leaked ones.
std::map<int, std::string> list_fds() {
  std::map<int, std::string> out;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    const int own = ::dirfd(d);
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.')
        continue;
      const int fd = std::atoi(e->d_name);
      if (fd == own)
        continue;
      char target[256] = {};
      const std::string link = std::string("/proc/self/fd/") + e->d_name;
      const auto n = ::readlink(link.c_str(), target, sizeof target - 1);
      out[fd] = n > 0 ? std::string(target, static_cast<std::size_t>(n)) : "?";
    }
    ::closedir(d);
  }
  return out;
}

/// VmRSS in KiB, -1 when unknown.
long read_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::atol(line.c_str() + 6);
  return -1;
}

/// VmRSS in KiB after giving freed memory back to the system (malloc_trim), -1 when unknown.
long rss_kib() {
  ::malloc_trim(0);
  return read_rss_kib();
}

// ---- the hostile server

/// What the hostile server does with one request.
enum class fault {
  good,             ///< 200 with Content-Length, keep-alive
  good_chunked,     ///< 200 chunked, keep-alive
  good_close,       ///< 200 with Connection: close, then FIN
  reset,            ///< part of the response (maybe none), then RST
  truncate,         ///< part of the response (at least one byte), then FIN
  nothing,          ///< FIN without a response
  garbage,          ///< a response that breaks HTTP/1.1, then FIN
  stall,            ///< nothing or part of the response, then silence
  count_
};
constexpr std::size_t fault_kinds = static_cast<std::size_t>(fault::count_);
constexpr std::array<const char*, fault_kinds> fault_names = {
    "good", "good_chunked", "good_close", "reset", "truncate", "nothing", "garbage", "stall"};
/// Weights (per 10,000 hostile requests).
constexpr std::array<unsigned, fault_kinds> fault_weights = {6000, 1500, 500, 700, 700, 300, 290, 10};

bool is_fault(fault f) { return f != fault::good && f != fault::good_chunked && f != fault::good_close; }

/// An HTTP/1.1 server on 127.0.0.1 that answers "GET /h/SIZE" with SIZE bytes of `pattern`,
/// or misbehaves, as fault_weights say. Runs its own io_context on its own thread; memory is
/// bounded (nothing is kept per request).
class hostile_server {
public:
  using tcp = asio::ip::tcp;

  hostile_server(const std::string& pattern, std::uint64_t seed)
      : pattern_(pattern), rng_(seed), acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
        port_(acceptor_.local_endpoint().port()) {
    for (unsigned w : fault_weights)
      weight_total_ += w;
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~hostile_server() {
    asio::post(io_, [this] {
      std::error_code ec;
      acceptor_.close(ec);
      for (auto& weak : connections_)
        if (auto c = weak.lock())
          c->close_now();
      io_.stop();
    });
    thread_.join();
  }

  hostile_server(const hostile_server&) = delete;
  hostile_server& operator=(const hostile_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::uint64_t done(fault f) const noexcept { return counts_[static_cast<std::size_t>(f)].load(); }
  std::uint64_t requests() const noexcept { return requests_.load(); }
  std::uint64_t accepted() const noexcept { return accepted_.load(); }
  std::size_t open_connections() const noexcept { return open_.load(); }

private:
  class connection : public std::enable_shared_from_this<connection> {
  public:
    connection(hostile_server& server, tcp::socket socket)
        : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()) {
      ++server_.open_;
    }
    ~connection() { --server_.open_; }

    void start() { read(); }

    void close_now() {
      std::error_code ec;
      timer_.cancel();
      socket_.close(ec);
    }

  private:
    void read() {
      const auto end = in_.find("\r\n\r\n");
      if (end != std::string::npos) {
        const std::string head = in_.substr(0, end + 4);
        in_.erase(0, end + 4);
        answer(head);
        return;
      }
      socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](
                                                         const std::error_code& ec, std::size_t n) {
        if (ec) {
          self->close_now();
          return;
        }
        self->in_.append(self->buffer_.data(), n);
        self->read();
      });
    }

    void answer(const std::string& head) {
      ++server_.requests_;
      std::size_t size = 0;
      const auto path = head.find(" /h/");
      if (path != std::string::npos) {
        const char* first = head.data() + path + 4;
        std::from_chars(first, head.data() + head.size(), size);
      }
      size = std::min(size, server_.pattern_.size());
      const fault f = server_.pick();
      ++server_.counts_[static_cast<std::size_t>(f)];
      auto& rng = server_.rng_;
      const std::string_view body(server_.pattern_.data(), size);
      switch (f) {
      case fault::good:
        out_ = content_length_response(body, false);
        write_then(next::read);
        break;
      case fault::good_chunked:
        out_ = chunked_response(body, rng);
        write_then(next::read);
        break;
      case fault::good_close:
        out_ = content_length_response(body, true);
        write_then(next::close);
        break;
      case fault::reset: {
        const std::string full =
            rng() % 2 ? content_length_response(body, false) : chunked_response(body, rng);
        out_ = full.substr(0, rng() % full.size()); // possibly nothing
        write_then(next::reset);
        break;
      }
      case fault::truncate: {
        const std::string full =
            rng() % 2 ? content_length_response(body, false) : chunked_response(body, rng);
        out_ = full.substr(0, 1 + rng() % (full.size() - 1)); // at least one byte, never all
        write_then(next::close);
        break;
      }
      case fault::nothing:
        out_.clear();
        write_then(next::close);
        break;
      case fault::garbage: {
        static constexpr std::array<std::string_view, 6> broken = {
            "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
            "HTTP/9.9 200 OK\r\nContent-Length: 0\r\n\r\n",
            "SSH-2.0-OpenSSH_9.0\r\n",
            "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        };
        out_ = broken[rng() % broken.size()];
        write_then(next::close);
        break;
      }
      case fault::stall: {
        const std::string full = content_length_response(body, false);
        out_ = full.substr(0, rng() % full.size());
        write_then(next::hold);
        break;
      }
      case fault::count_:
        break;
      }
    }

    static std::string content_length_response(std::string_view body, bool close) {
      std::string r = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
      if (close)
        r += "Connection: close\r\n";
      r += "\r\n";
      r += body;
      return r;
    }

    static std::string chunked_response(std::string_view body, std::mt19937_64& rng) {
      std::string r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
      while (!body.empty()) {
        const std::size_t n = std::min<std::size_t>(body.size(), 1 + rng() % 4096);
        char hex[20];
        const auto [end, ec] = std::to_chars(hex, hex + sizeof hex, n, 16);
        (void)ec;
        r.append(hex, end).append("\r\n").append(body.substr(0, n)).append("\r\n");
        body.remove_prefix(n);
      }
      r += "0\r\n\r\n";
      return r;
    }

    enum class next { read, close, reset, hold };

    void write_then(next then) {
      asio::async_write(socket_, asio::buffer(out_),
                        [self = shared_from_this(), then](const std::error_code& ec, std::size_t) {
                          if (ec) {
                            self->close_now();
                            return;
                          }
                          self->after_write(then);
                        });
    }

    void after_write(next then) {
      std::error_code ec;
      switch (then) {
      case next::read:
        read();
        break;
      case next::close: // FIN after what was written; the client sends nothing more
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        close_now();
        break;
      case next::reset: // let the bytes leave, then RST
        timer_.expires_after(1ms);
        timer_.async_wait([self = shared_from_this()](const std::error_code& wait_ec) {
          if (wait_ec)
            return;
          std::error_code ignored;
          self->socket_.set_option(asio::socket_base::linger(true, 0), ignored);
          self->close_now();
        });
        break;
      case next::hold:
        discard_until_closed();
        break;
      }
    }

    void discard_until_closed() {
      socket_.async_read_some(asio::buffer(buffer_),
                              [self = shared_from_this()](const std::error_code& ec, std::size_t) {
                                if (ec) {
                                  self->close_now();
                                  return;
                                }
                                self->discard_until_closed();
                              });
    }

    hostile_server& server_;
    tcp::socket socket_;
    asio::steady_timer timer_;
    std::string in_;
    std::string out_;
    std::array<char, 4096> buffer_{};
  };

  fault pick() {
    unsigned r = static_cast<unsigned>(rng_() % weight_total_);
    for (std::size_t i = 0; i < fault_kinds; ++i) {
      if (r < fault_weights[i])
        return static_cast<fault>(i);
      r -= fault_weights[i];
    }
    return fault::good;
  }

  void accept() {
    acceptor_.async_accept([this](const std::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted)
        return;
      if (!ec) {
        ++accepted_;
        std::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
        auto c = std::make_shared<connection>(*this, std::move(socket));
        connections_.push_back(c);
        c->start();
      }
      accept();
    });
  }

  // Before io_: connections still queued in its handlers are destroyed with it and count down.
  std::array<std::atomic<std::uint64_t>, fault_kinds> counts_{};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::size_t> open_{0};
  const std::string& pattern_;
  std::mt19937_64 rng_; // server thread only
  unsigned weight_total_ = 0;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  const std::uint16_t port_;
  std::vector<std::weak_ptr<connection>> connections_; // server thread only
  std::thread thread_;
};

// ---- the client side

struct nginx_file {
  std::string path;
  std::size_t size;
  unsigned weight;
  std::uint64_t checksum = 0;
};

/// One transfer handle, re-added again and again.
struct slot {
  xfer::transfer transfer;
  bool hostile = false;
  bool in_flight = false;
  clock_type::time_point added{};
  std::uint64_t expect_size = 0;
  std::uint64_t expect_sum = 0;
  std::uint64_t got_size = 0;
  fnv1a sum;
};

/// Results by kind, in the order the summary prints them.
struct tally {
  std::uint64_t ok = 0;
  std::uint64_t recv_error = 0, partial_file = 0, got_nothing = 0, operation_timedout = 0,
                weird_server_reply = 0;
  std::uint64_t unexpected = 0;      ///< any other result
  std::uint64_t bad_body = 0;        ///< success with a wrong size, checksum or status
  std::uint64_t nginx_failed = 0;    ///< nginx transfers that did not succeed
  std::uint64_t hostile_ok = 0, nginx_ok = 0;
  std::uint64_t duplicates = 0;      ///< a message for a transfer not in flight
  std::uint64_t strangers = 0;       ///< a message for a transfer that is not ours
  std::uint64_t mismatched_result = 0; ///< msg.result() != transfer.result()
  std::uint64_t size_mismatch = 0;   ///< multi.size() differed from the transfers in flight
  std::uint64_t bytes = 0;
  std::vector<std::string> notes;    ///< the first few problems, described

  void note(std::string text) {
    if (notes.size() < 20)
      notes.push_back(std::move(text));
  }
  std::uint64_t failures() const {
    return recv_error + partial_file + got_nothing + operation_timedout + weird_server_reply +
           unexpected;
  }
};

std::string describe(const xfer::transfer& t, std::error_code ec) {
  return t.url() + ": " + (ec ? ec.message() + " (" + std::to_string(ec.value()) + ")" : "success") +
         (t.error_detail().empty() ? "" : ": " + t.error_detail()) +
         ", status " + std::to_string(t.status()) + ", " + std::to_string(t.info().bytes_downloaded) +
         " bytes, reused " + (t.info().connection_reused ? "yes" : "no") + ", attempts " +
         std::to_string(t.info().attempts);
}

} // namespace

TEST_CASE("soak: requests against nginx and a hostile server through one multi", "[soak]") {
  if (!xfer::test::nginx_server::available())
    FAIL("nginx is not installed");
  const std::uint64_t total = env_number("XFER_SOAK_REQUESTS", 1'000'000);
  const std::uint64_t seed = env_number("XFER_SOAK_SEED", 20261123);
  REQUIRE(total > 0);

  // ---- fixtures
  const std::string pattern = pseudo_random_bytes(max_hostile_body, seed ^ 0x5eed);
  std::vector<std::uint64_t> pattern_sums(pattern.size() + 1); // FNV of every prefix
  {
    fnv1a h;
    pattern_sums[0] = h.value;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      h.update(std::string_view(pattern.data() + i, 1));
      pattern_sums[i + 1] = h.value;
    }
  }
  std::vector<nginx_file> files = {
      {"/n/empty", 0, 4},       {"/n/one", 1, 8},          {"/n/small", 13, 20},
      {"/n/512", 512, 16},      {"/n/mtu", 1500, 16},      {"/n/4k", 4096, 12},
      {"/n/8k-1", 8191, 10},    {"/n/16k", 16384, 8},      {"/n/64k+11", 65536 + 11, 4},
      {"/n/256k+3", 262144 + 3, 2},
  };
  xfer::test::nginx_server nginx;
  unsigned file_weights = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string content = pseudo_random_bytes(files[i].size, seed + i);
    nginx.write_file(files[i].path, content);
    fnv1a h;
    h.update(content);
    files[i].checksum = h.value;
    file_weights += files[i].weight;
  }
  hostile_server hostile(pattern, seed);
  const std::string nginx_base = "http://127.0.0.1:" + std::to_string(nginx.port());
  const std::string hostile_base = "http://127.0.0.1:" + std::to_string(hostile.port()) + "/h/";

  // ---- baseline: fixtures running, no multi yet
  const std::size_t fds_before = count_fds();
  const auto fd_list_before = list_fds();
  const long rss_before = rss_kib();

  tally r;
  std::mt19937_64 rng(seed);
  std::uint64_t adds = 0, messages = 0, hostile_adds = 0, nginx_adds = 0;
  std::size_t in_flight = 0;
  std::size_t peak_connections = 0;
  bool timed_out = false, hung = false;
  double seconds = 0;
  std::string hang_report;
  long rss_peak = 0;

  {
    xfer::multi_options mo;
    mo.max_host_connections = max_host_connections;
    auto multi = std::make_unique<xfer::multi>(mo);
    std::vector<std::unique_ptr<slot>> slots;
    std::unordered_map<const xfer::transfer*, slot*> slot_of;
    for (std::size_t i = 0; i < nginx_slots + hostile_slots; ++i) {
      auto s = std::make_unique<slot>();
      s->hostile = i >= nginx_slots;
      s->transfer.set_timeout(s->hostile ? hostile_timeout : nginx_timeout);
      s->transfer.set_write_callback([p = s.get()](std::string_view data) {
        p->got_size += data.size();
        p->sum.update(data);
        return xfer::write_action::proceed;
      });
      slot_of.emplace(&s->transfer, s.get());
      slots.push_back(std::move(s));
    }

    auto start_slot = [&](slot& s) {
      s.got_size = 0;
      s.sum = fnv1a{};
      if (s.hostile) {
        const std::size_t size = rng() % 4 == 0 ? rng() % (max_hostile_body + 1) : rng() % 1025;
        s.expect_size = size;
        s.expect_sum = pattern_sums[size];
        s.transfer.set_url(hostile_base + std::to_string(size) + "?n=" + std::to_string(adds));
        ++hostile_adds;
      } else {
        unsigned pick = static_cast<unsigned>(rng() % file_weights);
        std::size_t f = 0;
        while (pick >= files[f].weight)
          pick -= files[f++].weight;
        s.expect_size = files[f].size;
        s.expect_sum = files[f].checksum;
        s.transfer.set_url(nginx_base + files[f].path);
        ++nginx_adds;
      }
      s.in_flight = true;
      ++in_flight;
      s.added = clock_type::now();
      multi->add(s.transfer);
      ++adds;
    };

    auto finish_slot = [&](xfer::transfer& t, std::error_code ec) {
      ++messages;
      const auto found = slot_of.find(&t);
      if (found == slot_of.end()) {
        ++r.strangers;
        r.note("message for an unknown transfer " + t.url());
        return static_cast<slot*>(nullptr);
      }
      slot& s = *found->second;
      if (!s.in_flight) {
        ++r.duplicates;
        r.note("second message for " + describe(t, ec));
        return static_cast<slot*>(nullptr);
      }
      s.in_flight = false;
      --in_flight;
      if (ec != t.result()) {
        ++r.mismatched_result;
        r.note("message result differs from transfer result: " + describe(t, ec));
      }
      if (!ec) {
        if (t.status() != 200 || s.got_size != s.expect_size || s.sum.value != s.expect_sum) {
          ++r.bad_body;
          r.note("wrong body: expected " + std::to_string(s.expect_size) + " bytes, got " +
                 std::to_string(s.got_size) + (s.sum.value != s.expect_sum ? " (checksum differs)" : "") +
                 ": " + describe(t, ec));
        } else {
          ++r.ok;
          ++(s.hostile ? r.hostile_ok : r.nginx_ok);
        }
        r.bytes += s.got_size;
      } else if (ec == xfer::errc::recv_error) {
        ++r.recv_error;
      } else if (ec == xfer::errc::partial_file) {
        ++r.partial_file;
      } else if (ec == xfer::errc::got_nothing) {
        ++r.got_nothing;
      } else if (ec == xfer::errc::operation_timedout) {
        ++r.operation_timedout;
      } else if (ec == xfer::errc::weird_server_reply) {
        ++r.weird_server_reply;
      } else {
        ++r.unexpected;
        r.note("unexpected result: " + describe(t, ec));
      }
      if (ec && !s.hostile) {
        ++r.nginx_failed;
        r.note("nginx transfer failed: " + describe(t, ec));
      }
      return &s;
    };

    const auto started = clock_type::now();
    auto last_message = started;
    auto next_scan = started + 1s;
    for (auto& s : slots) {
      if (adds == total)
        break;
      start_slot(*s);
    }
    while (messages < adds || adds < total) {
      multi->perform();
      bool readded = false;
      while (auto msg = multi->info_read()) {
        xfer::transfer& t = msg->transfer();
        const std::error_code ec = msg->result();
        slot* s = finish_slot(t, ec);
        multi->remove(t);
        last_message = clock_type::now();
        if (s != nullptr && adds < total && !timed_out) {
          start_slot(*s);
          readded = true;
        }
      }
      peak_connections = std::max(peak_connections, multi->open_connections());
      // Every transfer we count as in flight is in the multi, and nothing else is.
      if (multi->size() != in_flight) {
        ++r.size_mismatch;
        r.note("multi holds " + std::to_string(multi->size()) + " transfers, " +
               std::to_string(in_flight) + " in flight");
      }
      const auto now = clock_type::now();
      if (now >= next_scan) {
        next_scan = now + 1s;
        rss_peak = std::max(rss_peak, read_rss_kib());
        if (now - started > max_wall_time) {
          timed_out = true;
          break;
        }
        const bool silent = in_flight > 0 && now - last_message > hang_after;
        const slot* stuck = nullptr;
        for (const auto& s : slots)
          if (s->in_flight && now - s->added > lost_after)
            stuck = s.get();
        if (silent || stuck) {
          hung = true;
          hang_report = std::string(silent ? "no message for 30 s" : "a transfer in flight for 60 s") +
                        "; in flight " + std::to_string(in_flight) + ", multi size " +
                        std::to_string(multi->size()) + ", running " +
                        std::to_string(multi->running()) + ", open connections " +
                        std::to_string(multi->open_connections()) + ", idle " +
                        std::to_string(multi->idle_connections());
          if (stuck)
            hang_report += "; stuck: " + stuck->transfer.url() + " in state " +
                           std::to_string(static_cast<int>(stuck->transfer.state())) + ", " +
                           std::to_string(stuck->transfer.info().bytes_downloaded) + " bytes";
          break;
        }
      }
      if (!readded && (messages < adds || adds < total))
        multi->poll(100ms);
    }
    seconds = std::chrono::duration<double>(clock_type::now() - started).count();
    for (auto& s : slots)
      if (s->in_flight)
        multi->remove(s->transfer); // only after a failure: the loop drains everything
    slots.clear();
    multi.reset();
  }

  // ---- after: the multi is gone; wait for the hostile server to see every close
  const auto close_deadline = clock_type::now() + 10s;
  while (hostile.open_connections() > 0 && clock_type::now() < close_deadline)
    std::this_thread::sleep_for(10ms);
  const std::size_t server_open = hostile.open_connections();
  const std::size_t fds_after = count_fds();
  const long rss_after = rss_kib();

  std::uint64_t faults = 0, non_timeout_faults = 0;
  std::string fault_text;
  for (std::size_t i = 0; i < fault_kinds; ++i) {
    const auto n = hostile.done(static_cast<fault>(i));
    if (is_fault(static_cast<fault>(i))) {
      faults += n;
      if (static_cast<fault>(i) != fault::stall)
        non_timeout_faults += n;
    }
    fault_text += std::string(i ? " " : "") + fault_names[i] + "=" + std::to_string(n);
  }
  const double rate = seconds > 0 ? static_cast<double>(messages) / seconds : 0;
  std::printf(
      "soak: requests=%llu (nginx %llu, hostile %llu) messages=%llu ok=%llu (nginx %llu, hostile "
      "%llu) errors: recv_error=%llu partial_file=%llu got_nothing=%llu operation_timedout=%llu "
      "weird_server_reply=%llu unexpected=%llu bad_body=%llu; faults injected=%llu (%s; server "
      "requests %llu, connections %llu); wall %.1f s, %.0f req/s, %.2f GB; fds %zu -> %zu; RSS "
      "%ld -> %ld KiB (peak %ld); peak connections %zu; seed %llu\n",
      static_cast<unsigned long long>(adds), static_cast<unsigned long long>(nginx_adds),
      static_cast<unsigned long long>(hostile_adds), static_cast<unsigned long long>(messages),
      static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.nginx_ok),
      static_cast<unsigned long long>(r.hostile_ok), static_cast<unsigned long long>(r.recv_error),
      static_cast<unsigned long long>(r.partial_file),
      static_cast<unsigned long long>(r.got_nothing),
      static_cast<unsigned long long>(r.operation_timedout),
      static_cast<unsigned long long>(r.weird_server_reply),
      static_cast<unsigned long long>(r.unexpected), static_cast<unsigned long long>(r.bad_body),
      static_cast<unsigned long long>(faults), fault_text.c_str(),
      static_cast<unsigned long long>(hostile.requests()),
      static_cast<unsigned long long>(hostile.accepted()), seconds, rate,
      static_cast<double>(r.bytes) / 1e9, fds_before, fds_after, rss_before, rss_after, rss_peak,
      peak_connections, static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  for (const auto& n : r.notes)
    std::printf("soak: note: %s\n", n.c_str());
  if (fds_after != fds_before) {
    const auto fd_list_after = list_fds();
    for (const auto& [fd, target] : fd_list_after)
      if (!fd_list_before.count(fd) || fd_list_before.at(fd) != target)
        std::printf("soak: fd %d -> %s (not open before)\n", fd, target.c_str());
    for (const auto& [fd, target] : fd_list_before)
      if (!fd_list_after.count(fd))
        std::printf("soak: fd %d -> %s (closed since)\n", fd, target.c_str());
  }
  std::fflush(stdout);

  if (hung)
    UNSCOPED_INFO(hang_report);
  CHECK_FALSE(hung);
  CHECK_FALSE(timed_out);
  CHECK(adds == total);
  CHECK(messages == adds); // every transfer accounted for exactly once
  CHECK(r.duplicates == 0);
  CHECK(r.strangers == 0);
  CHECK(r.mismatched_result == 0);
  CHECK(r.size_mismatch == 0);
  CHECK(r.unexpected == 0);
  CHECK(r.bad_body == 0);
  CHECK(r.nginx_failed == 0);
  CHECK(r.ok + r.failures() + r.bad_body == messages);
  // A fault spoils at most the one request it hits (a retry on a fresh connection can only
  // lower the count); timeouts also come from stalls that held a connection others waited for.
  CHECK(r.failures() - r.operation_timedout <= non_timeout_faults);
  CHECK(server_open == 0);
  CHECK(fds_after == fds_before);
#if defined(__SANITIZE_ADDRESS__)
  // ASan's quarantine holds freed memory: RSS says nothing here (LSan reports leaks at exit).
  std::printf("soak: RSS not checked under AddressSanitizer\n");
#else
  CHECK(rss_after - rss_before <= rss_tolerance_kib);
#endif
}
