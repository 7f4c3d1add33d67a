// Transfers against a real nginx on loopback: keep-alive, many transfers, large bodies.
#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/content.hpp"
#include "support/nginx_server.hpp"

#include <catch2/catch.hpp>

#include <list>
#include <map>
#include <string>

using xfer::test::make_content;

TEST_CASE("GET and HEAD against nginx", "[loopback][nginx]") {
  xfer::test::nginx_server nginx;
  nginx.write_file("hello.txt", "hello from nginx\n");
  xfer::multi m;

  xfer::transfer get{nginx.url("/hello.txt")};
  REQUIRE_FALSE(xfer::test::run_one(m, get));
  CHECK(get.status() == 200);
  CHECK(get.body() == "hello from nginx\n");
  CHECK(get.response_headers().find("server").value_or("").substr(0, 5) == "nginx");

  xfer::transfer head{nginx.url("/hello.txt")};
  head.set_method("HEAD");
  REQUIRE_FALSE(xfer::test::run_one(m, head));
  CHECK(head.status() == 200);
  CHECK(head.body().empty());
  CHECK(head.info().connection_reused);

  xfer::transfer missing{nginx.url("/missing")};
  REQUIRE_FALSE(xfer::test::run_one(m, missing)); // a 404 is a response, not a transfer error
  CHECK(missing.status() == 404);
}

TEST_CASE("1000 transfers with max_host_connections = 8 arrive byte-exact", "[loopback][nginx]") {
  xfer::test::nginx_server nginx;
  std::map<int, std::string> files;
  for (int i = 0; i < 50; ++i) {
    files[i] = make_content(static_cast<std::size_t>(i) * 997 + 13, static_cast<unsigned>(i));
    nginx.write_file("f" + std::to_string(i), files[i]);
  }
  xfer::multi_options options;
  options.max_host_connections = 8;
  xfer::multi m{options};
  std::list<xfer::transfer> transfers;
  std::map<const xfer::transfer*, int> file_of;
  for (int i = 0; i < 1000; ++i) {
    transfers.emplace_back(nginx.url("/f" + std::to_string(i % 50)));
    file_of[&transfers.back()] = i % 50;
    m.add(transfers.back());
  }
  std::size_t most_open = 0;
  std::size_t exact = 0, failed = 0;
  int running = 0;
  do {
    running = m.perform();
    most_open = std::max(most_open, m.open_connections());
    if (running)
      m.poll(std::chrono::milliseconds(200));
    while (auto msg = m.info_read()) {
      auto& t = msg->transfer();
      if (msg->result() || t.status() != 200)
        ++failed;
      else if (t.body() == files[file_of[&t]])
        ++exact;
    }
  } while (running);
  CHECK(failed == 0);
  CHECK(exact == 1000);
  CHECK(most_open <= 8);
}

TEST_CASE("a large body streams byte-exact through the write callback", "[loopback][nginx]") {
  xfer::test::nginx_server nginx;
  const std::string content = make_content(32 * 1024 * 1024 + 17, 7);
  nginx.write_file("big.bin", content);
  xfer::multi m;
  xfer::transfer t{nginx.url("/big.bin")};
  std::size_t offset = 0;
  bool same = true;
  t.set_write_callback([&](std::string_view data) {
    same = same && content.compare(offset, data.size(), data) == 0;
    offset += data.size();
    return xfer::write_action::proceed;
  });
  REQUIRE_FALSE(xfer::test::run_one(m, t));
  CHECK(same);
  CHECK(offset == content.size());
  CHECK(t.info().bytes_downloaded == content.size());
}
