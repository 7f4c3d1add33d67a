// multipart/form-data bodies: exact bytes, escaping, content types, boundaries, and a reader that
// streams files without holding them, fails on files that change size, and rewinds.
#include <xfer/multipart.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

void write_file(const std::filesystem::path& p, std::string_view content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

/// Reads the whole body with buffers of `piece` bytes; fails the test on a read error.
std::string read_all(xfer::multipart_reader& r, std::size_t piece) {
  std::string out;
  std::vector<char> buffer(piece);
  for (;;) {
    const std::size_t n = r.read(buffer);
    INFO(r.error_detail());
    REQUIRE(n != xfer::read_abort);
    REQUIRE(n <= piece);
    if (n == 0)
      break;
    if (n < piece && r.position() != r.size())
      FAIL("a short read before the end");
    out.append(buffer.data(), n);
  }
  return out;
}

/// The size of the process's resident set, from /proc/self/status (kB).
long resident_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

} // namespace

TEST_CASE("a small form, byte for byte", "[unit][multipart]") {
  xfer::test::temp_dir dir;
  write_file(dir / "beach.png", "PNGDATA");
  xfer::multipart_form form{"XferBoundary"};
  form.add_field("title", "holiday")
      .add_field("note", "line1\r\nline2", "text/plain; charset=utf-8")
      .add_data("blob", std::string("\0\1\2", 3), "a.bin")
      .add_file("photo", dir / "beach.png");
  CHECK(form.size() == 4);
  CHECK(form.content_type() == "multipart/form-data; boundary=XferBoundary");
  const std::string expected = std::string(
      "--XferBoundary\r\n"
      "Content-Disposition: form-data; name=\"title\"\r\n"
      "\r\n"
      "holiday\r\n"
      "--XferBoundary\r\n"
      "Content-Disposition: form-data; name=\"note\"\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "line1\r\nline2\r\n"
      "--XferBoundary\r\n"
      "Content-Disposition: form-data; name=\"blob\"; filename=\"a.bin\"\r\n"
      "Content-Type: application/octet-stream\r\n"
      "\r\n") + std::string("\0\1\2", 3) + "\r\n"
      "--XferBoundary\r\n"
      "Content-Disposition: form-data; name=\"photo\"; filename=\"beach.png\"\r\n"
      "Content-Type: image/png\r\n"
      "\r\n"
      "PNGDATA\r\n"
      "--XferBoundary--\r\n";
  CHECK(form.str() == expected);
  CHECK(form.content_length() == expected.size());
  for (const std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{64 * 1024}}) {
    auto r = form.make_reader();
    CHECK(r.size() == expected.size());
    CHECK(read_all(r, piece) == expected);
    CHECK(r.done());
    CHECK(r.position() == r.size());
    char more[4];
    CHECK(r.read(more) == 0); // stays at the end
  }
}

TEST_CASE("names and file names escape quote, CR and LF as browsers and curl do", "[unit][multipart]") {
  xfer::multipart_form form{"b"};
  form.add_data("a\"b\r\nc\\d", "x", "x\"y\r\nz.txt");
  const std::string body = form.str();
  CHECK(body.find("name=\"a%22b%0D%0Ac\\d\"; filename=\"x%22y%0D%0Az.txt\"\r\nContent-Type: text/plain\r\n") !=
        std::string::npos);
  CHECK(body.find("\r\nz.txt") == std::string::npos);
  CHECK_THROWS_AS(form.add_field(std::string("nul\0name", 8), "v"), std::invalid_argument);
  CHECK_THROWS_AS(form.add_data("n", "v", std::string("f\0", 2)), std::invalid_argument);
  CHECK_THROWS_AS(form.add_field("n", "v", "text/plain\r\nX-Injected: 1"), std::invalid_argument);
  CHECK(form.size() == 1);
}

TEST_CASE("file parts get a content type from a small extension table", "[unit][multipart]") {
  const std::pair<const char*, const char*> cases[] = {
      {"a.gif", "image/gif"},   {"a.JPG", "image/jpeg"},       {"a.jpeg", "image/jpeg"}, {"a.png", "image/png"},
      {"a.svg", "image/svg+xml"}, {"a.txt", "text/plain"},     {"a.htm", "text/html"},   {"a.HTML", "text/html"},
      {"a.pdf", "application/pdf"}, {"a.xml", "application/xml"}, {"a.tar.gz", "application/octet-stream"},
      {"txt", "application/octet-stream"}, {"", "application/octet-stream"},
  };
  for (const auto& [filename, type] : cases) {
    xfer::multipart_form form{"b"};
    form.add_data("f", "", filename);
    INFO(filename);
    CHECK(form.str().find(std::string("Content-Type: ") + type + "\r\n") != std::string::npos);
  }
  xfer::multipart_form form{"b"};
  form.add_data("f", "", "a.png", "application/x-custom");
  CHECK(form.str().find("Content-Type: application/x-custom\r\n") != std::string::npos);
}

TEST_CASE("add_file sends the path's last component unless told otherwise", "[unit][multipart]") {
  xfer::test::temp_dir dir;
  write_file(dir / "report.pdf", "%PDF");
  xfer::multipart_form form{"b"};
  form.add_file("a", dir / "report.pdf").add_file("b", dir / "report.pdf", "renamed.txt").add_file("c", dir / "report.pdf", "");
  const std::string body = form.str();
  CHECK(body.find("name=\"a\"; filename=\"report.pdf\"\r\nContent-Type: application/pdf\r\n") != std::string::npos);
  CHECK(body.find("name=\"b\"; filename=\"renamed.txt\"\r\nContent-Type: text/plain\r\n") != std::string::npos);
  CHECK(body.find("name=\"c\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n") != std::string::npos);
  CHECK(body.find(dir.path().string()) == std::string::npos); // the directory is never sent
}

TEST_CASE("boundaries: random by default, validated when given", "[unit][multipart]") {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    xfer::multipart_form form;
    const std::string& b = form.boundary();
    REQUIRE(b.size() == 56);
    CHECK(b.substr(0, 24) == std::string(24, '-'));
    CHECK(b.find_first_not_of("0123456789abcdef", 24) == std::string::npos);
    CHECK(form.content_type() == "multipart/form-data; boundary=" + b);
    seen.insert(b);
  }
  CHECK(seen.size() == 20);

  CHECK_THROWS_AS(xfer::multipart_form{""}, std::invalid_argument);
  CHECK_THROWS_AS(xfer::multipart_form{std::string(71, 'a')}, std::invalid_argument);
  CHECK_THROWS_AS(xfer::multipart_form{"ends with space "}, std::invalid_argument);
  CHECK_THROWS_AS(xfer::multipart_form{"quote\"d"}, std::invalid_argument);
  CHECK_THROWS_AS(xfer::multipart_form{"semi;colon"}, std::invalid_argument);
  CHECK_NOTHROW(xfer::multipart_form{std::string(70, 'a')});
  CHECK(xfer::multipart_form{"has space:and/slash"}.content_type() ==
        "multipart/form-data; boundary=\"has space:and/slash\"");
}

TEST_CASE("an empty form is the closing delimiter alone", "[unit][multipart]") {
  xfer::multipart_form form{"b"};
  CHECK(form.empty());
  CHECK(form.str() == "--b--\r\n");
  CHECK(form.content_length() == 7);
}

TEST_CASE("a file that cannot be read fails before anything is sent", "[unit][multipart]") {
  xfer::test::temp_dir dir;
  xfer::multipart_form missing{"b"};
  missing.add_field("x", "y").add_file("f", dir / "nope.bin");

  std::error_code ec;
  auto r = missing.make_reader(ec);
  CHECK(ec == xfer::errc::read_error);
  CHECK(r.error() == xfer::errc::read_error);
  CHECK_THAT(r.error_detail(), Catch::Contains("nope.bin") && Catch::Contains("No such file"));
  char buffer[16];
  CHECK(r.read(buffer) == xfer::read_abort);
  CHECK_FALSE(r.done());
  CHECK(missing.content_length(ec) == 0);
  CHECK(ec == xfer::errc::read_error);
  try {
    (void)missing.make_reader();
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code() == xfer::errc::read_error);
    CHECK_THAT(e.what(), Catch::Contains("nope.bin"));
  }
  CHECK_THROWS_AS(missing.str(), std::system_error);

  xfer::multipart_form directory{"b"};
  directory.add_file("f", dir.path());
  (void)directory.make_reader(ec);
  CHECK(ec == xfer::errc::read_error);
  CHECK_THAT(directory.make_reader(ec).error_detail(), Catch::Contains("not a regular file"));

  if (::geteuid() != 0) { // root reads anything
    write_file(dir / "secret", "s");
    std::filesystem::permissions(dir / "secret", std::filesystem::perms::none);
    xfer::multipart_form unreadable{"b"};
    unreadable.add_file("f", dir / "secret");
    CHECK_THAT(unreadable.make_reader(ec).error_detail(), Catch::Contains("Permission denied"));
  }

  xfer::multipart_reader never_made;
  CHECK(never_made.read(buffer) == xfer::read_abort);
  CHECK_FALSE(never_made.rewind());
}

TEST_CASE("a file whose size changes is a read error, never a body of the wrong length", "[unit][multipart]") {
  xfer::test::temp_dir dir;
  const std::string content(200'000, 'c');
  const auto path = dir / "data.bin";

  SECTION("grown before its part starts") {
    write_file(path, content);
    xfer::multipart_form form{"b"};
    form.add_field("first", "x").add_file("f", path);
    auto r = form.make_reader();
    write_file(path, content + "more");
    std::vector<char> buffer(1000);
    std::size_t n = 0;
    while ((n = r.read(buffer)) != xfer::read_abort)
      REQUIRE(n != 0);
    CHECK(r.error() == xfer::errc::read_error);
    CHECK_THAT(r.error_detail(), Catch::Contains("changed size since the body was measured (200000 bytes then, 200004 now)"));
  }
  SECTION("grown while being sent") {
    write_file(path, content);
    xfer::multipart_form form{"b"};
    form.add_file("f", path);
    auto r = form.make_reader();
    std::vector<char> buffer(64 * 1024);
    REQUIRE(r.read(buffer) == buffer.size());
    std::ofstream(path, std::ios::binary | std::ios::app) << "appended";
    std::size_t n = 0;
    std::uint64_t total = buffer.size();
    while ((n = r.read(buffer)) != xfer::read_abort) {
      REQUIRE(n != 0);
      total += n;
    }
    CHECK(total < r.size()); // the body never reached its announced end
    CHECK_THAT(r.error_detail(), Catch::Contains("changed size while being sent"));
  }
  SECTION("shrunk while being sent") {
    write_file(path, content);
    xfer::multipart_form form{"b"};
    form.add_file("f", path);
    auto r = form.make_reader();
    std::vector<char> buffer(64 * 1024);
    REQUIRE(r.read(buffer) == buffer.size());
    std::filesystem::resize_file(path, 100'000);
    std::size_t n = 0;
    while ((n = r.read(buffer)) != xfer::read_abort)
      REQUIRE(n != 0);
    CHECK_THAT(r.error_detail(), Catch::Contains("ended after 100000 of 200000 bytes"));
  }
}

TEST_CASE("rewind replays the same body, unless a file changed", "[unit][multipart]") {
  xfer::test::temp_dir dir;
  write_file(dir / "a.txt", std::string(100'000, 'a'));
  write_file(dir / "empty", "");
  xfer::multipart_form form{"b"};
  form.add_file("a", dir / "a.txt").add_file("e", dir / "empty").add_field("x", "y");
  auto r = form.make_reader();
  const std::string first = read_all(r, 4096);
  CHECK(first.size() == r.size());
  CHECK(r.rewind());
  CHECK(r.position() == 0);
  CHECK(read_all(r, 1000) == first);

  // Halfway through, with a file open.
  REQUIRE(r.rewind());
  std::vector<char> buffer(5000);
  REQUIRE(r.read(buffer) == buffer.size());
  REQUIRE(r.rewind());
  CHECK(read_all(r, 777) == first);

  // A moved reader carries on where it was; the moved-from one fails.
  REQUIRE(r.rewind());
  REQUIRE(r.read(buffer) == buffer.size());
  xfer::multipart_reader moved = std::move(r);
  CHECK(r.read(buffer) == xfer::read_abort); // NOLINT(bugprone-use-after-move): checking the moved-from state
  CHECK(first.substr(5000) == read_all(moved, 4096));

  write_file(dir / "a.txt", "short now");
  CHECK_FALSE(moved.rewind());
  CHECK_THAT(moved.error_detail(), Catch::Contains("changed size"));
  CHECK(moved.read(buffer) == xfer::read_abort);
  write_file(dir / "a.txt", std::string(100'000, 'a'));
  CHECK(moved.rewind()); // the same size again: the body can be replayed
  CHECK(read_all(moved, 65536) == first);
}

TEST_CASE("a file larger than any buffer streams through a fixed buffer", "[unit][multipart]") {
  xfer::test::temp_dir dir;
  const auto path = dir / "sparse.bin";
  constexpr std::uint64_t file_size = std::uint64_t{256} << 20; // 256 MiB, sparse: no disk used
  {
    std::ofstream(path, std::ios::binary).put('\0');
  }
  std::filesystem::resize_file(path, file_size);
  xfer::multipart_form form{"b"};
  form.add_field("before", "1").add_file("big", path).add_field("after", "2");
  auto r = form.make_reader();
  CHECK(r.size() > file_size);

  const long rss_before = resident_kb();
  std::vector<char> buffer(64 * 1024);
  std::uint64_t total = 0;
  std::string head, tail;
  for (;;) {
    const std::size_t n = r.read(buffer);
    REQUIRE(n != xfer::read_abort);
    if (n == 0)
      break;
    if (head.size() < 200)
      head.append(buffer.data(), std::min<std::size_t>(n, 200));
    if (n >= 200)
      tail.assign(buffer.data() + n - 200, 200);
    else
      tail = (tail + std::string(buffer.data(), n)).substr(tail.size() + n > 200 ? tail.size() + n - 200 : 0);
    total += n;
  }
  const long rss_after = resident_kb();
  CHECK(total == r.size());
  CHECK(head.find("name=\"big\"; filename=\"sparse.bin\"") != std::string::npos);
  CHECK(tail.find("\r\n--b\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\n2\r\n--b--\r\n") !=
        std::string::npos);
  INFO("resident set grew by " << (rss_after - rss_before) << " kB while streaming 256 MiB");
  CHECK(rss_after - rss_before < 16 * 1024);
}
