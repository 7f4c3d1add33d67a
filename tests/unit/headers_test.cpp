#include <xfer/headers.hpp>

#include <catch2/catch.hpp>

TEST_CASE("headers keep order and repeated fields, look up without case", "[unit][headers]") {
  xfer::headers h;
  h.add("Set-Cookie", "a=1");
  h.add("Content-Type", "text/plain");
  h.add("set-cookie", "b=2");
  REQUIRE(h.size() == 3);
  CHECK(h.find("content-TYPE") == std::optional<std::string_view>("text/plain"));
  CHECK(h.find_all("SET-COOKIE") == std::vector<std::string_view>{"a=1", "b=2"});
  CHECK_FALSE(h.find("missing"));
  CHECK(h.at(2).name == "set-cookie");
  std::vector<std::string_view> names;
  for (auto field : h)
    names.push_back(field.name);
  CHECK(names == std::vector<std::string_view>{"Set-Cookie", "Content-Type", "set-cookie"});
}

TEST_CASE("set replaces every field of a name, erase removes them", "[unit][headers]") {
  xfer::headers h;
  h.add("A", "1");
  h.add("B", "2");
  h.add("a", "3");
  h.set("a", "4");
  CHECK(h.find_all("A") == std::vector<std::string_view>{"4"});
  CHECK(h.erase("b") == 1);
  CHECK(h.size() == 1);
  h.clear();
  CHECK(h.empty());
  CHECK(xfer::iequals("Content-Length", "content-length"));
  CHECK_FALSE(xfer::iequals("Content-Length", "Content-Lengt"));
}
