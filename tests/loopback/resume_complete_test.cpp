// A resume request answered with 416 (Range Not Satisfiable): the body is complete already, which
// curl treats as a success without delivering the answer's error page.
#include "support/drive.hpp"
#include "support/scripted_server.hpp"
#include "support/temp_dir.hpp"

#include <xfer/multi.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("A 416 to a resume succeeds without delivering its body", "[loopback][resume]") {
  xfer::test::scripted_server server;
  server.set_default_script({xfer::test::step::respond_forever(xfer::test::http_response(
      416, "<html>not satisfiable</html>", {{"Content-Range", "bytes */10"}}))});
  xfer::multi m;

  xfer::transfer collected{server.url("/file")};
  collected.set_resume_from(10).set_fail_on_error(true);
  CHECK_FALSE(xfer::test::run_one(m, collected));
  CHECK(collected.status() == 416);
  CHECK(collected.body().empty());
  CHECK(collected.info().bytes_downloaded == 0);

  xfer::test::temp_dir dir;
  const auto file = dir / "complete";
  { std::ofstream(file, std::ios::binary) << "0123456789"; }
  xfer::transfer to_file{server.url("/file")};
  to_file.set_resume_from(10).set_output_file(file);
  CHECK_FALSE(xfer::test::run_one(m, to_file));
  CHECK(read_file(file) == "0123456789");

  // Without a resume, a 416 is an error status like any other.
  xfer::transfer plain{server.url("/file")};
  plain.set_fail_on_error(true);
  CHECK(xfer::test::run_one(m, plain) == xfer::errc::http_returned_error);
  REQUIRE(server.requests().size() == 3);
  CHECK(server.requests()[0].find("\r\nRange: bytes=10-\r\n") != std::string::npos);
}
