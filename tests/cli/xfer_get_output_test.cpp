// xfer-get's outputs: -o, -O, --output-dir, -C, --max-filesize, -f, -I, -D, against nginx and the
// scripted server.
#include "cli/xfer_get_run.hpp"
#include "support/nginx_server.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

namespace {

using xfer::test::contains;
using xfer::test::read_text;
using xfer::test::xfer_get;
using xfer::test::xfer_get_all;

/// 1000 bytes whose every offset is recognisable.
std::string numbered_body() {
  std::string body;
  for (int i = 0; body.size() < 1000; ++i)
    body += std::to_string(i % 10);
  return body;
}

} // namespace

TEST_CASE("xfer-get: the body goes to stdout, -o FILE, or -O under --output-dir", "[cli]") {
  xfer::test::nginx_server server;
  xfer::test::temp_dir dir;
  server.write_file("/files/a.txt", "alpha\n");
  server.write_file("/files/b.txt", "bravo\n");

  const auto r = xfer_get_all({
      {"-s", server.url("/files/a.txt")},
      {"-s", "-o", (dir / "out.txt").string(), server.url("/files/a.txt")},
      {"-s", "-O", "--output-dir", (dir / "saved").string(), server.url("/files/b.txt")},
      {"-s", "-o", (dir / "one").string(), "-o", (dir / "two").string(), server.url("/files/a.txt"),
       server.url("/files/b.txt")},
      {"-s", "-S", "-O", server.url("/")},
  });
  CHECK(r[0].exit_code == 0);
  CHECK(r[0].out == "alpha\n");
  CHECK(r[0].err.empty());

  CHECK(r[1].exit_code == 0);
  CHECK(r[1].out.empty());
  CHECK(read_text(dir / "out.txt") == "alpha\n");

  CHECK(r[2].exit_code == 0);
  CHECK(read_text(dir / "saved" / "b.txt") == "bravo\n");

  // -o pairs with the URLs in order.
  CHECK(r[3].exit_code == 0);
  CHECK(read_text(dir / "one") == "alpha\n");
  CHECK(read_text(dir / "two") == "bravo\n");

  // -O needs a file name in the URL (curl's 23).
  CHECK(r[4].exit_code == 23);
  CHECK(contains(r[4].err, "Remote file name has no length"));
}

TEST_CASE("xfer-get: -C - resumes a partial file, and a complete one is left as it is", "[cli]") {
  xfer::test::nginx_server server;
  xfer::test::temp_dir dir;
  const std::string body = numbered_body();
  server.write_file("/big.bin", body);
  const auto partial = dir / "partial.bin";
  const auto complete = dir / "complete.bin";
  const auto complete_f = dir / "complete-f.bin";
  xfer::test::write_text(partial, body.substr(0, 300));
  xfer::test::write_text(complete, body);
  xfer::test::write_text(complete_f, body);

  const auto r = xfer_get_all({
      {"-sS", "-C", "-", "-o", partial.string(), server.url("/big.bin")},
      // 416 to a resume: the file is complete already; curl calls that a success, even with -f.
      {"-sS", "-C", "-", "-o", complete.string(), server.url("/big.bin")},
      {"-sS", "-f", "-C", "-", "-o", complete_f.string(), server.url("/big.bin")},
      // To stdout: an offset asks for the rest; "-C -" has no file to measure and gets it all.
      {"-sS", "-C", "990", server.url("/big.bin")},
      {"-sS", "-C", "-", server.url("/big.bin")},
      {"-sS", "-C", "-", "-o", (dir / "fresh.bin").string(), server.url("/big.bin")},
  });
  CHECK(r[0].exit_code == 0);
  CHECK(r[0].err.empty());
  CHECK(read_text(partial) == body);

  CHECK(r[1].exit_code == 0);
  CHECK(r[1].err.empty());
  CHECK(read_text(complete) == body);
  CHECK(r[2].exit_code == 0);
  CHECK(read_text(complete_f) == body);

  CHECK(r[3].exit_code == 0);
  CHECK(r[3].out == body.substr(990));
  CHECK(r[4].exit_code == 0);
  CHECK(r[4].out == body);
  CHECK(r[5].exit_code == 0);
  CHECK(read_text(dir / "fresh.bin") == body);
}

TEST_CASE("xfer-get: -C fails with 33 when the server ignores the range", "[cli]") {
  xfer::test::scripted_server server;
  server.set_default_script({xfer::test::step::respond_forever(xfer::test::http_response(200, "whole body"))});
  xfer::test::temp_dir dir;
  const auto file = dir / "part";
  xfer::test::write_text(file, "whole");

  const auto r = xfer_get({"-sS", "-C", "-", "-o", file.string(), server.url("/x")});
  CHECK(r.exit_code == 33);
  CHECK(contains(r.err, "(33)"));
  CHECK(read_text(file) == "whole"); // nothing appended
  REQUIRE(server.requests().size() == 1);
  CHECK(contains(server.requests()[0], "\r\nRange: bytes=5-\r\n"));
}

TEST_CASE("xfer-get: --max-filesize stops a larger body with 63", "[cli]") {
  xfer::test::nginx_server server;
  server.write_file("/big.bin", numbered_body());
  xfer::test::scripted_server chunked;
  chunked.set_default_script(
      {xfer::test::step::respond_forever(xfer::test::chunked_response(200, {std::string(600, 'a'), std::string(600, 'b')}))});
  xfer::test::temp_dir dir;

  const auto r = xfer_get_all({
      {"-sS", "--max-filesize", "999", "-o", (dir / "announced").string(), server.url("/big.bin")},
      {"-sS", "--max-filesize", "1k", server.url("/big.bin")},
      {"-sS", "--max-filesize", "1000", chunked.url("/")},
  });
  // Content-Length says too much: nothing is written, no file is made.
  CHECK(r[0].exit_code == 63);
  CHECK(contains(r[0].err, "(63)"));
  CHECK_FALSE(std::filesystem::exists(dir / "announced"));
  CHECK(r[1].exit_code == 0);
  CHECK(r[1].out.size() == 1000);
  // No length announced: stopped when the bytes pass the limit.
  CHECK(r[2].exit_code == 63);
  CHECK(r[2].out.size() <= 1000);
}

TEST_CASE("xfer-get: -f turns a status of 400 or more into 22 without writing the body", "[cli]") {
  xfer::test::nginx_server server; // /status/404 answers 404 "nope"
  const auto r = xfer_get_all({
      {"-sS", server.url("/status/404")},
      {"-sS", "-f", server.url("/status/404")},
      {"-s", "-f", server.url("/status/404")},
      {"-s", "-f", "-I", server.url("/status/404")},
  });
  CHECK(r[0].exit_code == 0);
  CHECK(r[0].out == "nope");
  CHECK(r[1].exit_code == 22);
  CHECK(r[1].out.empty());
  CHECK(contains(r[1].err, "xfer-get: (22) "));
  CHECK(contains(r[1].err, "404"));
  CHECK(r[2].exit_code == 22);
  CHECK(r[2].err.empty());
  // With -I the head is the output, and curl writes it before failing.
  CHECK(r[3].exit_code == 22);
  CHECK(r[3].out.starts_with("HTTP/1.1 404 Not Found\r\n"));
}

TEST_CASE("xfer-get: -I writes the response head as the output and -D dumps it beside the body", "[cli]") {
  xfer::test::nginx_server server;
  server.write_file("/page.txt", "the body\n");
  xfer::test::temp_dir dir;
  const auto r = xfer_get_all({
      {"-sS", "-I", server.url("/page.txt")},
      {"-sS", "-D", (dir / "head").string(), "-o", (dir / "body").string(), server.url("/page.txt")},
      {"-sS", "-D", "-", server.url("/page.txt")},
  });
  CHECK(r[0].exit_code == 0);
  CHECK(r[0].out.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(contains(r[0].out, "\r\nContent-Length: 9\r\n"));
  CHECK(r[0].out.ends_with("\r\n\r\n"));
  CHECK_FALSE(contains(r[0].out, "the body"));

  CHECK(r[1].exit_code == 0);
  const std::string head = read_text(dir / "head");
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(contains(head, "\r\nContent-Type: text/plain\r\n"));
  CHECK(head.ends_with("\r\n\r\n"));
  CHECK(read_text(dir / "body") == "the body\n");

  CHECK(r[2].exit_code == 0);
  CHECK(r[2].out.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(r[2].out.ends_with("\r\n\r\nthe body\n"));
}
