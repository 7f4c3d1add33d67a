// Every asynchronous operation of core scenarios fails in turn: one message per transfer, bytes in order, pool sane.
#include <xfer/fault_injection.hpp>

#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/scripted_server.hpp"
#include "support/tls_fixtures.hpp"

#include <catch2/catch.hpp>

#include <asio/error.hpp>

#include <list>
#include <map>
#include <memory>
#include <set>

using namespace std::chrono_literals;
using xfer::test::scripted_server;
using xfer::test::step;

namespace {

/// How the chosen operation fails.
enum class fault_kind { reset, eof, short_read };

/// Fails the Nth operation (counting every kind) and records whether it did.
class fail_nth final : public xfer::fault_injector {
public:
  fail_nth(std::size_t n, fault_kind kind) : n_(n), kind_(kind) {}

  xfer::injected_fault next(xfer::io_operation op) override {
    if (++count_ != n_)
      return {};
    fired_ = true;
    xfer::injected_fault fault;
    if (op == xfer::io_operation::timer) {
      fault.expire_now = true;
      return fault;
    }
    switch (kind_) {
    case fault_kind::reset: fault.error = asio::error::connection_reset; break;
    case fault_kind::eof: fault.error = asio::error::eof; break;
    case fault_kind::short_read:
      if (op == xfer::io_operation::read)
        fault.max_read = 1;
      else
        fault.error = asio::error::connection_reset;
      break;
    }
    return fault;
  }

  bool fired() const noexcept { return fired_; }

private:
  std::size_t n_;
  fault_kind kind_;
  std::size_t count_ = 0;
  bool fired_ = false;
};

std::string body_for(int i) { return std::string(3000 + static_cast<std::size_t>(i) * 1111, static_cast<char>('a' + i)); }

/// One scenario run: transfers, their expected bodies and the bytes each callback saw.
struct scenario {
  std::list<xfer::transfer> transfers;
  std::map<const xfer::transfer*, std::string> expected;
  std::map<const xfer::transfer*, std::string> received;

  xfer::transfer& add(xfer::multi& m, const std::string& url, const std::string& body,
                      const xfer::tls_options& tls = {}) {
    transfers.emplace_back(url);
    auto& t = transfers.back();
    expected[&t] = body;
    t.set_timeout(10s);
    t.set_tls_options(tls);
    t.set_write_callback([this, &t](std::string_view data) {
      received[&t].append(data);
      return xfer::write_action::proceed;
    });
    m.add(t);
    return t;
  }

  /// Exactly one message per transfer; results are success or an xfer::errc;
  /// bytes arrived once and in order, and whole on success.
  void check(const std::vector<xfer::test::completion_record>& messages) {
    std::set<const xfer::transfer*> seen;
    for (const auto& msg : messages) {
      INFO("transfer " << msg.transfer->url() << " result " << msg.result.message());
      CHECK(seen.insert(msg.transfer).second);
      CHECK((!msg.result || msg.result.category() == xfer::transfer_category()));
      const std::string& got = received[msg.transfer];
      const std::string& want = expected[msg.transfer];
      CHECK(got.size() <= want.size());
      CHECK(want.compare(0, got.size(), got) == 0);
      if (!msg.result) {
        CHECK(msg.transfer->status() == 200);
        CHECK(got == want);
      }
    }
    CHECK(seen.size() == transfers.size());
  }
};

/// Runs the scenario once with `injector` and checks every invariant. Returns whether the fault fired.
bool run_once(const std::shared_ptr<fail_nth>& injector, scripted_server& server) {
  xfer::multi_options options;
  options.max_host_connections = 2;
  xfer::multi m{options};
  m.set_fault_injector(injector);
  scenario s;
  for (int i = 0; i < 3; ++i)
    s.add(m, server.url("/get/" + std::to_string(i)), body_for(i));
  auto& post = s.add(m, server.url("/post"), body_for(3));
  m.remove(post);
  post.set_method("POST").set_body(std::string(20000, 'p'));
  m.add(post);

  auto messages = xfer::test::drive(m, 30s);

  s.check(messages);
  CHECK(m.running() == 0);

  // The pool is consistent afterwards: the next transfer works.
  m.set_fault_injector(nullptr);
  for (auto& t : s.transfers)
    m.remove(t);
  xfer::transfer after{server.url("/get/0")};
  CHECK_FALSE(xfer::test::run_one(m, after));
  CHECK(after.body() == body_for(0));
  return injector->fired();
}

} // namespace

TEST_CASE("the Nth asynchronous operation fails, for every N", "[loopback][fault]") {
  scripted_server server;
  // The server answers by path, whatever the order requests arrive in.
  server.set_default_script({step::respond_by([](const std::string& request) {
    const auto path_start = request.find(' ') + 1;
    const auto path = request.substr(path_start, request.find(' ', path_start) - path_start);
    if (path == "/post")
      return xfer::test::http_response(200, body_for(3));
    const std::string body = body_for(path.back() - '0');
    return xfer::test::chunked_response(200, {body.substr(0, 1000), body.substr(1000)});
  })});

  std::size_t cases = 0;
  for (fault_kind kind : {fault_kind::reset, fault_kind::eof, fault_kind::short_read}) {
    for (std::size_t n = 1;; ++n) {
      INFO("kind " << static_cast<int>(kind) << ", failing operation " << n);
      auto injector = std::make_shared<fail_nth>(n, kind);
      ++cases;
      if (!run_once(injector, server))
        break; // the scenario has fewer than n operations: every one has failed once
      REQUIRE(n < 500);
    }
  }
  CHECK(cases > 30);
  WARN("fault-injection cases run: " << cases);
}

TEST_CASE("the Nth asynchronous operation of HTTPS transfers fails, for every N",
          "[loopback][fault][tls]") {
  xfer::test::nginx_server nginx(xfer::test::tls_nginx());
  for (int i = 0; i < 3; ++i)
    nginx.write_file("f" + std::to_string(i), body_for(i));
  const xfer::tls_options tls = xfer::test::trust_root();

  std::size_t cases = 0;
  for (fault_kind kind : {fault_kind::reset, fault_kind::eof, fault_kind::short_read}) {
    for (std::size_t n = 1;; ++n) {
      INFO("kind " << static_cast<int>(kind) << ", failing operation " << n);
      auto injector = std::make_shared<fail_nth>(n, kind);
      ++cases;
      xfer::multi_options limits;
      limits.max_host_connections = 2;
      xfer::multi m{limits};
      m.set_fault_injector(injector);
      scenario s;
      for (int i = 0; i < 3; ++i)
        s.add(m, nginx.url_for_host("localhost", "/f" + std::to_string(i)), body_for(i), tls);
      s.check(xfer::test::drive(m, 30s));
      m.set_fault_injector(nullptr);
      for (auto& t : s.transfers)
        m.remove(t);
      xfer::transfer after{nginx.url_for_host("localhost", "/f1")};
      after.set_tls_options(tls);
      CHECK_FALSE(xfer::test::run_one(m, after));
      CHECK(after.body() == body_for(1));
      if (!injector->fired())
        break;
      REQUIRE(n < 500);
    }
  }
  CHECK(cases > 30);
  WARN("HTTPS fault-injection cases run: " << cases);
}
