// Content decoding while the body streams: nginx's gzip and gzip_static, and the scripted server
// for bombs, corrupt data, chains, identity and pauses.
#include <xfer/transfer.hpp>

#include <xfer/multi.hpp>

#include "support/content.hpp"
#include "support/drive.hpp"
#include "support/nginx_server.hpp"
#include "support/recorded_request.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <string>

#if defined(XFER_HAS_ZLIB)
#include <zlib.h>
#endif

using namespace std::chrono_literals;
using xfer::test::http_response;
using xfer::test::recorded_request;
using xfer::test::scripted_server;
using xfer::test::step;

#if defined(XFER_HAS_ZLIB)

namespace {

/// zlib's deflate: window_bits 15 for zlib, 31 for gzip.
std::string compress(std::string_view in, int window_bits) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
std::string gzip(std::string_view in) { return compress(in, 16 + MAX_WBITS); }
std::string zlib_deflate(std::string_view in) { return compress(in, MAX_WBITS); }

/// Compressible text of `size` bytes.
std::string text(std::size_t size) {
  std::string s;
  for (int i = 0; s.size() < size; ++i)
    s += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog\n";
  s.resize(size);
  return s;
}

/// A gzip stream of `mib` MiB of zeros that never ends: one full-flush segment repeated (every
/// segment of 1 MiB of zeros compresses to the same bytes), about 1 KiB per MiB.
std::string zero_bomb(std::size_t mib) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string zeros(std::size_t{1} << 20, '\0');
  auto segment = [&] {
    std::string out(zeros.size(), '\0');
    z.next_in = reinterpret_cast<Bytef*>(zeros.data());
    z.avail_in = static_cast<uInt>(zeros.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FULL_FLUSH) == Z_OK);
    out.resize(out.size() - z.avail_out);
    return out;
  };
  std::string bomb = segment();
  const std::string repeated = segment();
  deflateEnd(&z);
  for (std::size_t i = 2; i < mib; ++i)
    bomb += repeated;
  return bomb;
}

/// A transfer whose write callback counts and drops the decoded bytes.
struct counting {
  xfer::transfer t;
  std::uint64_t delivered = 0;
  explicit counting(const std::string& url) : t(url) {
    t.set_write_callback([this](std::string_view d) {
      delivered += d.size();
      return xfer::write_action::proceed;
    });
  }
};

long long elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

} // namespace

TEST_CASE("nginx's gzip is asked for and decoded while it streams", "[loopback][decoding][nginx]") {
  xfer::test::nginx_options o;
  o.extra_http_config = "gzip on; gzip_min_length 0; gzip_types text/plain;";
  xfer::test::nginx_server nginx(o);
  const std::string content = text(500'000);
  nginx.write_file("big.txt", content);
  xfer::multi m;

  xfer::transfer t{nginx.url("/big.txt")};
  t.set_accept_encoding(true);
  std::string header_out;
  t.set_debug_callback([&](xfer::debug_kind kind, std::string_view d) {
    if (kind == xfer::debug_kind::header_out)
      header_out.append(d);
  });
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.response_headers().find("Content-Encoding") == std::optional<std::string_view>("gzip"));
  CHECK(t.body() == content);
  CHECK(t.info().bytes_downloaded == content.size());
  CHECK_THAT(header_out, Catch::Contains("Accept-Encoding: ") && Catch::Contains("gzip"));

  xfer::transfer plain{nginx.url("/big.txt")};
  REQUIRE_FALSE(xfer::test::run_one(m, plain));
  CHECK_FALSE(plain.response_headers().contains("Content-Encoding"));
  CHECK(plain.body() == content);

  // An explicit value is sent as given; decoding follows what the server chose.
  xfer::transfer only_deflate{nginx.url("/big.txt")};
  only_deflate.set_accept_encoding("deflate");
  REQUIRE_FALSE(xfer::test::run_one(m, only_deflate));
  CHECK(only_deflate.body() == content);
}

TEST_CASE("nginx's gzip_static file is decoded", "[loopback][decoding][nginx]") {
  xfer::test::nginx_options o;
  o.extra_http_config = "gzip_static on;";
  xfer::test::nginx_server nginx(o);
  const std::string content = text(100'000);
  nginx.write_file("page.txt", "the uncompressed copy differs");
  nginx.write_file("page.txt.gz", gzip(content));
  xfer::multi m;
  xfer::transfer t{nginx.url("/page.txt")};
  std::vector<xfer::progress> calls;
  t.set_accept_encoding(true).set_progress_callback([&](const xfer::progress& p) {
    calls.push_back(p);
    return true;
  });
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.response_headers().find("Content-Encoding") == std::optional<std::string_view>("gzip"));
  CHECK(t.body() == content);
  CHECK(t.info().bytes_downloaded == content.size());
  // Progress counts the bytes as sent, so that it compares with the announced length.
  const std::uint64_t coded_size = gzip(content).size();
  REQUIRE_FALSE(calls.empty());
  for (const auto& p : calls)
    CHECK(p.download_now <= p.download_total);
  CHECK(calls.back().download_total == coded_size);
  CHECK(calls.back().download_now == coded_size);

  // The same transfer run again without decoding gets the plain file as it is.
  t.set_accept_encoding(false).set_progress_callback(nullptr);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK_FALSE(t.response_headers().contains("Content-Encoding"));
  CHECK(t.body() == "the uncompressed copy differs");
}

TEST_CASE("a transfer run again without decoding does not decode with the last run's coding", "[loopback][decoding]") {
  scripted_server server;
  server.add_script({step::read_request(), step::send(http_response(200, gzip(text(1000)), {{"Content-Encoding", "gzip"}})),
                     step::read_request(), step::send(http_response(200, "plain", {{"Content-Encoding", "gzip"}}))});
  xfer::multi m;
  xfer::transfer t{server.url("/")};
  t.set_accept_encoding(true);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == text(1000));
  t.set_accept_encoding(false);
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(t.body() == "plain"); // delivered as received, as curl does without --compressed
}

TEST_CASE("a gzip bomb stops at the decoded size cap quickly", "[loopback][decoding][security]") {
  scripted_server server;
  const std::string bomb = zero_bomb(4096); // 4 GiB of zeros in about 4 MB
  server.set_default_script({step::read_request(),
                             step::send(http_response(200, bomb, {{"Content-Encoding", "gzip"}}))});
  xfer::multi m;
  SECTION("an explicit cap") {
    counting c{server.url("/")};
    c.t.set_accept_encoding(true).set_max_decoded_size(8 << 20);
    const auto start = std::chrono::steady_clock::now();
    CHECK(xfer::test::run_one(m, c.t) == xfer::errc::too_large);
    CHECK(elapsed_ms(start) < 10'000);
    CHECK(c.delivered <= (8u << 20));
    CHECK_FALSE(c.t.error_detail().empty());
  }
  SECTION("the default cap") {
    counting c{server.url("/")};
    c.t.set_accept_encoding(true);
    CHECK(xfer::test::run_one(m, c.t, 60s) == xfer::errc::too_large);
    CHECK(c.delivered <= (std::uint64_t{1} << 30));
    CHECK(c.delivered > (std::uint64_t{1} << 29));
  }
  SECTION("max_filesize counts decoded bytes") {
    counting c{server.url("/")};
    c.t.set_accept_encoding(true).set_max_filesize(1 << 20);
    CHECK(xfer::test::run_one(m, c.t) == xfer::errc::filesize_exceeded);
    CHECK(c.delivered <= (1u << 20));
  }
  SECTION("the total timeout is checked while decoding") {
    counting c{server.url("/")};
    c.t.set_accept_encoding(true).set_max_decoded_size(0).set_timeout(500ms);
    c.t.set_write_callback([](std::string_view) {
      std::this_thread::sleep_for(1ms);
      return xfer::write_action::proceed;
    });
    const auto start = std::chrono::steady_clock::now();
    CHECK(xfer::test::run_one(m, c.t) == xfer::errc::operation_timedout);
    CHECK(elapsed_ms(start) < 10'000);
  }
}

TEST_CASE("corrupt and unknown codings end in bad_content_encoding", "[loopback][decoding]") {
  std::string corrupt = gzip(text(10'000));
  corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x55);
  corrupt[corrupt.size() / 2 + 1] = static_cast<char>(corrupt[corrupt.size() / 2 + 1] ^ 0x55);
  const std::string truncated = gzip(text(10'000)).substr(0, 100);
  struct one {
    std::string name, body, coding;
    bool close_delimited;
  };
  const std::vector<one> cases{{"corrupt", corrupt, "gzip", false},
                               {"not gzip at all", "plain text, not gzip", "gzip", false},
                               {"truncated", truncated, "gzip", false},
                               {"truncated at the close", truncated, "gzip", true},
                               {"unknown coding", "data", "compress", false}};
  for (const auto& c : cases) {
    INFO(c.name);
    scripted_server server;
    if (c.close_delimited)
      server.add_script({step::read_request(),
                         step::send("HTTP/1.1 200 OK\r\nContent-Encoding: " + c.coding + "\r\nConnection: close\r\n\r\n" + c.body),
                         step::close()});
    else
      server.add_script({step::read_request(), step::send(http_response(200, c.body, {{"Content-Encoding", c.coding}}))});
    xfer::multi m;
    xfer::transfer t{server.url("/")};
    t.set_accept_encoding(true);
    CHECK(xfer::test::run_one(m, t) == xfer::errc::bad_content_encoding);
    CHECK(xfer::make_error_code(xfer::errc::bad_content_encoding).value() == 61);
    CHECK_FALSE(t.error_detail().empty());
  }
}

TEST_CASE("chained codings and identity decode in order", "[loopback][decoding]") {
  const std::string content = text(50'000);
  scripted_server server;
  server.add_script({step::read_request(),
                     step::send(http_response(200, gzip(zlib_deflate(content)), {{"Content-Encoding", "deflate, gzip"}})),
                     step::read_request(),
                     step::send(http_response(200, gzip(content), {{"Content-Encoding", "identity"}, {"Content-Encoding", "gzip"}})),
                     step::read_request(), step::send(http_response(200, content, {{"Content-Encoding", "identity"}})),
                     step::read_request(),
                     step::send(http_response(200, gzip(gzip(gzip(gzip(gzip(gzip(content)))))),
                                              {{"Content-Encoding", "gzip, gzip, gzip, gzip, gzip, gzip"}}))});
  xfer::multi m;
  for (int i = 0; i < 3; ++i) {
    INFO(i);
    xfer::transfer t{server.url("/")};
    t.set_accept_encoding(true);
    REQUIRE_FALSE(xfer::test::run_one(m, t));
    CHECK(t.body() == content);
  }
  xfer::transfer too_deep{server.url("/")};
  too_deep.set_accept_encoding(true);
  CHECK(xfer::test::run_one(m, too_deep) == xfer::errc::bad_content_encoding);
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("a paused write callback gets every decoded byte of a close-delimited body", "[loopback][decoding][pause]") {
  const std::string content = text(300'000);
  for (const bool close_delimited : {true, false}) {
    INFO(close_delimited);
    scripted_server server;
    if (close_delimited)
      server.add_script({step::read_request(),
                         step::send("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n" + gzip(content)),
                         step::close()});
    else
      server.add_script({step::read_request(), step::send(http_response(200, gzip(content), {{"Content-Encoding", "gzip"}}))});
    xfer::multi m;
    xfer::transfer t{server.url("/")};
    std::string received;
    std::size_t calls = 0;
    t.set_accept_encoding(true).set_timeout(20s);
    t.set_write_callback([&](std::string_view d) {
      // Every other call refuses its bytes: they come again after resume().
      if (++calls % 2 == 1)
        return xfer::write_action::pause;
      received.append(d);
      return xfer::write_action::proceed;
    });
    m.add(t);
    std::optional<std::error_code> result;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!result && std::chrono::steady_clock::now() < deadline) {
      m.perform();
      if (t.paused())
        t.resume();
      else
        m.poll(10ms);
      while (auto msg = m.info_read())
        result = msg->result();
    }
    m.remove(t);
    REQUIRE(result);
    CHECK_FALSE(*result);
    CHECK(received.size() == content.size());
    CHECK(received == content);
  }
}

#endif // XFER_HAS_ZLIB
