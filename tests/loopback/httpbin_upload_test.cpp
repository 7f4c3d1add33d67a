// Form bodies against httpbin /post, which parses them and echoes `form` and `files`: urlencoded
// forms, and a multipart form with a 5 MB file streamed through a read callback.
#include "support/httpbin_server.hpp"

#include "support/drive.hpp"
#include "support/json.hpp"
#include "support/temp_dir.hpp"

#include <xfer/detail/base64.hpp>
#include <xfer/form.hpp>
#include <xfer/multi.hpp>
#include <xfer/multipart.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <string>

using xfer::test::httpbin;
using xfer::test::json;

namespace {

/// Printable content (httpbin echoes valid UTF-8 file parts as text), different per seed.
std::string printable_content(std::size_t size, unsigned seed) {
  std::string s(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>('!' + (x >> 24) % 94);
  }
  return s;
}

/// A read callback over a shared reader that also records the largest piece it produced.
struct reader_body {
  std::shared_ptr<xfer::multipart_reader> reader;
  std::size_t largest_piece = 0;
  std::size_t calls = 0;

  xfer::read_callback callback() {
    return [this](std::span<char> buffer) {
      ++calls;
      const std::size_t n = reader->read(buffer);
      if (n != xfer::read_abort)
        largest_piece = std::max(largest_piece, n);
      return n;
    };
  }
};

} // namespace

TEST_CASE("an urlencoded form arrives as httpbin's form", "[loopback][httpbin][form]") {
  xfer::url_encoded_form form;
  form.add("name", "J\xC3\xA4s\xC3\xB8n Doe").add("q", "C++ & Asio = 100%").add("tilde~star*", "a+b").add("empty", "");
  xfer::multi m;
  xfer::transfer t{httpbin().url("/post")};
  t.set_method("POST").add_header("Content-Type", form.content_type()).set_body(form.str());
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  REQUIRE(t.status() == 200);
  const json echoed = json::parse(t.body())["form"];
  CHECK(echoed.obj().size() == 4);
  CHECK(echoed["name"].str() == "J\xC3\xA4s\xC3\xB8n Doe");
  CHECK(echoed["q"].str() == "C++ & Asio = 100%");
  CHECK(echoed["tilde~star*"].str() == "a+b");
  CHECK(echoed["empty"].str().empty());
}

TEST_CASE("a multipart form with a 5 MB file streams to httpbin and comes back intact", "[loopback][httpbin][multipart]") {
  xfer::test::temp_dir dir;
  const std::string big = printable_content(5 * 1024 * 1024 + 123, 5);
  {
    std::ofstream out(dir / "big.txt", std::ios::binary);
    out.write(big.data(), static_cast<std::streamsize>(big.size()));
  }
  const std::string binary("\x00\x01\xFE\xFF\x80 binary", 11);

  xfer::multipart_form form;
  form.add_field("title", "holiday \xE2\x98\x80")
      .add_field("note", "two\r\nlines", "text/plain; charset=utf-8")
      .add_file("big", dir / "big.txt")
      .add_data("blob", binary, "blob.bin");

  reader_body body{std::make_shared<xfer::multipart_reader>(form.make_reader())};
  const std::uint64_t size = body.reader->size();
  CHECK(size > big.size());

  xfer::multi m;
  xfer::transfer t{httpbin().url("/post")};
  t.set_method("POST").add_header("Content-Type", form.content_type()).set_body(body.callback(), size);
  t.set_timeout(std::chrono::seconds(60));

  for (int round = 1; round <= 2; ++round) { // the second round sends the rewound body again
    INFO("round " << round);
    REQUIRE_FALSE(xfer::test::run_one(m, t, std::chrono::seconds(90)));
    REQUIRE(t.status() == 200);
    CHECK(body.reader->done());
    CHECK(body.largest_piece <= 64 * 1024); // never more than the connection's upload buffer
    const json echo = json::parse(t.body());
    CHECK(echo["headers"]["Content-Length"].str() == std::to_string(size));
    CHECK(echo["headers"]["Content-Type"].str() == form.content_type());
    CHECK(echo["form"].obj().size() == 2);
    CHECK(echo["form"]["title"].str() == "holiday \xE2\x98\x80");
    CHECK(echo["form"]["note"].str() == "two\r\nlines");
    CHECK(echo["files"].obj().size() == 2);
    CHECK(echo["files"]["big"].str().size() == big.size());
    CHECK(echo["files"]["big"].str() == big);
    // Binary parts come back as a data URL with the part's content type.
    const std::string& blob = echo["files"]["blob"].str();
    const std::string prefix = "data:application/octet-stream;base64,";
    REQUIRE(blob.rfind(prefix, 0) == 0);
    std::string decoded;
    CHECK(xfer::detail::base64_decode(std::string_view(blob).substr(prefix.size()), decoded));
    CHECK(decoded == binary);
    REQUIRE(body.reader->rewind());
  }
}

TEST_CASE("a form file that grows during the upload fails the transfer with read_error", "[loopback][httpbin][multipart]") {
  xfer::test::temp_dir dir;
  const auto path = dir / "growing.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << printable_content(1024 * 1024, 9);
  }
  xfer::multipart_form form;
  form.add_file("f", path);
  auto reader = std::make_shared<xfer::multipart_reader>(form.make_reader());
  bool appended = false;
  xfer::multi m;
  xfer::transfer t{httpbin().url("/post")};
  t.set_method("POST").add_header("Content-Type", form.content_type());
  t.set_body(
      [&, reader](std::span<char> buffer) {
        const std::size_t n = reader->read(buffer);
        if (!appended) {
          std::ofstream(path, std::ios::binary | std::ios::app) << "more";
          appended = true;
        }
        return n;
      },
      reader->size());
  CHECK(xfer::test::run_one(m, t) == xfer::errc::read_error);
  CHECK_THAT(reader->error_detail(), Catch::Contains("changed size while being sent"));
  CHECK(reader->position() < reader->size());
}
