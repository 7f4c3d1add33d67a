// tests/unit/http_date_test.cpp - HTTP-date (RFC 9110 §5.6.7) and cookie-date (RFC 6265 §5.1.1) parsing.
#include <xfer/detail/http_date.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace {

using std::chrono::sys_seconds;
using namespace std::chrono_literals;

/// 2023-11-14T22:13:20Z.
const sys_seconds now{1'700'000'000s};

/// Seconds since 1970 as text, or "none": Catch prints both sides readably.
std::string show(std::optional<sys_seconds> t) {
  return t ? std::to_string(t->time_since_epoch().count()) : std::string("none");
}

std::string http(std::string_view text, sys_seconds at = now) {
  return show(xfer::detail::parse_http_date(text, at));
}
std::string cookie(std::string_view text) { return show(xfer::detail::parse_cookie_date(text)); }

sys_seconds utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  return sys_seconds{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s};
}
std::string at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return show(utc(y, mo, d, h, mi, s));
}

} // namespace

TEST_CASE("http date: the three forms of RFC 9110 give the same time", "[unit][http_date][cookie]") {
  const std::string expected = "784111777"; // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(http("Sun, 06 Nov 1994 08:49:37 GMT") == expected);
  CHECK(http("Sunday, 06-Nov-94 08:49:37 GMT") == expected);
  CHECK(http("Sun Nov  6 08:49:37 1994") == expected);
  CHECK(http("Sun Nov 16 08:49:37 1994") == at(1994, 11, 16, 8, 49, 37));
  // Surrounding whitespace, and names in any case.
  CHECK(http("  Sun, 06 Nov 1994 08:49:37 GMT\t") == expected);
  CHECK(http("SUN, 06 NOV 1994 08:49:37 gmt") == expected);
  CHECK(http("Thu, 01 Jan 1970 00:00:00 GMT") == "0");
  CHECK(http("Fri, 31 Dec 9999 23:59:59 GMT") == at(9999, 12, 31, 23, 59, 59));
  // A leap second is the first second of the next minute.
  CHECK(http("Sat, 31 Dec 2016 23:59:60 GMT") == at(2017, 1, 1));
  // The day name is not checked against the date.
  CHECK(http("Mon, 06 Nov 1994 08:49:37 GMT") == expected);
}

TEST_CASE("http date: anything off the grammar is refused", "[unit][http_date][cookie]") {
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "",
           "Sun, 06 Nov 1994 08:49:37",          // no GMT
           "Sun, 06 Nov 1994 08:49:37 UTC",      // not GMT
           "Sun, 06 Nov 1994 08:49:37 GMT x",    // trailing text
           "Sun, 6 Nov 1994 08:49:37 GMT",       // one-digit day
           "Sun, 06 Nov 94 08:49:37 GMT",        // two-digit year in IMF-fixdate
           "Sun,  06 Nov 1994 08:49:37 GMT",     // two spaces
           "Sun 06 Nov 1994 08:49:37 GMT",       // no comma
           "Sunday, 06 Nov 1994 08:49:37 GMT",   // long day name with IMF date
           "Sun, 06-Nov-94 08:49:37 GMT",        // short day name with rfc850 date
           "Sun, 06 Noo 1994 08:49:37 GMT",      // no such month
           "Xyz, 06 Nov 1994 08:49:37 GMT",      // no such day
           "Sun, 30 Feb 1994 08:49:37 GMT",      // no such day of February
           "Sun, 00 Nov 1994 08:49:37 GMT",      // day 0
           "Sun, 06 Nov 1994 24:00:00 GMT",      // hour 24
           "Sun, 06 Nov 1994 08:60:00 GMT",      // minute 60
           "Sun, 06 Nov 1994 08:49:61 GMT",      // second 61
           "Sun, 06 Nov 1994 8:49:37 GMT",       // one-digit hour
           "Sun Nov 6 08:49:37 1994",            // asctime with one space before a 1-digit day
           "Sun Nov  6 08:49:37 94",             // two-digit asctime year
           "Sun Nov  6 08:49:37 1994 GMT",       // asctime has no zone
           "1994-11-06T08:49:37Z",               // not an HTTP-date
           "Sun, 06 Nov 1994 08:49:37 GMT\r\n",  // CR LF is not whitespace here
           std::string_view("Sun, 06 Nov 1994\0 08:49:37 GMT", 30),
       }) {
    INFO(bad);
    CHECK(http(bad) == "none");
  }
}

TEST_CASE("http date: a two-digit rfc850 year is read near now", "[unit][http_date][cookie]") {
  // At 2023: up to 50 years ahead stays in this century, beyond goes to the last one.
  CHECK(http("Monday, 01-Jan-73 00:00:00 GMT") == at(2073, 1, 1));
  CHECK(http("Monday, 01-Jan-74 00:00:00 GMT") == at(1974, 1, 1));
  CHECK(http("Sunday, 06-Nov-94 08:49:37 GMT") == at(1994, 11, 6, 8, 49, 37));
  CHECK(http("Saturday, 01-Jan-00 00:00:00 GMT") == at(2000, 1, 1));
  // At 2090, "45" is 2045: only a year more than 50 years ahead moves back a century.
  CHECK(http("Monday, 01-Jan-45 00:00:00 GMT", utc(2090, 6, 1)) == at(2045, 1, 1));
  CHECK(http("Monday, 01-Jan-99 00:00:00 GMT", utc(2090, 6, 1)) == at(2099, 1, 1));
}

TEST_CASE("http date: IMF-fixdate formatting", "[unit][http_date][cookie]") {
  using xfer::detail::format_http_date;
  CHECK(format_http_date(sys_seconds{784111777s}) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(format_http_date(sys_seconds{0s}) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(format_http_date(utc(2000, 2, 29, 23, 59, 59)) == "Tue, 29 Feb 2000 23:59:59 GMT");
  CHECK(format_http_date(utc(1, 1, 1)) == "Mon, 01 Jan 0001 00:00:00 GMT");
  CHECK(format_http_date(sys_seconds::max()) == "Fri, 31 Dec 9999 23:59:59 GMT");
  CHECK(format_http_date(sys_seconds::min()) == "Sat, 01 Jan 0000 00:00:00 GMT");
  // Formatting then parsing gives the same second, over a wide range.
  for (long long t = -2'000'000'000; t < 250'000'000'000; t += 987'654'321) {
    const sys_seconds time{std::chrono::seconds{t}};
    INFO(t);
    CHECK(xfer::detail::parse_http_date(format_http_date(time), now) == time);
  }
}

TEST_CASE("cookie date: the lenient algorithm of RFC 6265 5.1.1", "[unit][http_date][cookie]") {
  const std::string expected = at(2021, 6, 9, 10, 18, 14);
  for (std::string_view good : {
           "Wed, 09 Jun 2021 10:18:14 GMT",
           "Wednesday, 09-Jun-21 10:18:14 GMT",
           "Wed, 09-Jun-2021 10:18:14 GMT",
           "Wed Jun  9 10:18:14 2021",
           "09 Jun 2021 10:18:14",
           "Jun 9 2021 10:18:14",
           "2021 June 09 10:18:14",
           "10:18:14 9 jun 21",
           "Wed,09 JUNE 2021 10:18:14 UTC",
           "Wed, 09 Jun 2021 10:18:14 +0000",
           "09/Jun/2021 10:18:14",
           "Wed, 9 Jun 2021 10:18:14.123 GMT",
       }) {
    INFO(good);
    CHECK(cookie(good) == expected);
  }
  // Two-digit years: 70-99 are 19xx, 00-69 are 20xx.
  CHECK(cookie("1 Jan 70 00:00:00") == "0");
  CHECK(cookie("1 Jan 69 00:00:00") == at(2069, 1, 1));
  CHECK(cookie("1 Jan 1601 00:00:00") == at(1601, 1, 1));
  CHECK(cookie("31 Dec 9999 23:59:59") == at(9999, 12, 31, 23, 59, 59));
  CHECK(cookie("29 Feb 2024 1:2:3") == at(2024, 2, 29, 1, 2, 3));
  // The first token of each kind counts: the second time is not a year or a day.
  CHECK(cookie("1 Jan 2000 00:00:00 12:00:00 5") == at(2000, 1, 1));
}

TEST_CASE("cookie date: missing or out-of-range parts are refused", "[unit][http_date][cookie]") {
  for (std::string_view bad : {
           "",
           "garbage",
           "Wed, 09 Jun 2021",            // no time
           "Wed, Jun 2021 10:18:14",      // no day (2021 is a year, not a day)
           "Wed, 09 2021 10:18:14",       // no month
           "Wed, 09 Jun 10:18:14",        // no year
           "Wed, 09 Jun 1600 10:18:14",   // before 1601
           "Wed, 09 Jun 12021 10:18:14",  // five-digit year
           "Wed, 009 Jun 2021 10:18:14",  // three-digit day
           "Wed, 32 Jun 2021 10:18:14",   // day 32
           "Wed, 31 Jun 2021 10:18:14",   // no 31 June
           "Wed, 29 Feb 2023 10:18:14",   // not a leap year
           "Wed, 09 Jun 2021 24:00:00",   // hour 24
           "Wed, 09 Jun 2021 10:60:00",   // minute 60
           "Wed, 09 Jun 2021 10:18:60",   // second 60
           "Wed, 09 Jun 2021 10:18",      // hh:mm is not a time
           "Wed, 09 Jun 2021 100:18:14",  // three-digit hour
       }) {
    INFO(bad);
    CHECK(cookie(bad) == "none");
  }
}
