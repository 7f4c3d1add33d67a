// xfer/detail/impl/http_date.ipp - parsing and formatting of HTTP-dates and cookie-dates.
#pragma once

#include <xfer/detail/http_date.hpp>

#include <array>
#include <cstddef>

namespace xfer::detail {

namespace http_date_impl {

constexpr std::array<std::string_view, 12> month_names = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> short_day_names = {"sun", "mon", "tue", "wed",
                                                             "thu", "fri", "sat"};
constexpr std::array<std::string_view, 7> long_day_names = {
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

constexpr char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
constexpr bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr bool equals_lower(std::string_view text, std::string_view lower_name) noexcept {
  if (text.size() != lower_name.size())
    return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (lower(text[i]) != lower_name[i])
      return false;
  return true;
}

/// 1-12 for the first three letters of a month name (any case), else 0.
constexpr unsigned month_number(std::string_view three) noexcept {
  for (std::size_t i = 0; i < month_names.size(); ++i)
    if (equals_lower(three, month_names[i]))
      return static_cast<unsigned>(i + 1);
  return 0;
}

template <std::size_t N>
constexpr bool is_one_of(std::string_view text, const std::array<std::string_view, N>& names) noexcept {
  for (std::string_view name : names)
    if (equals_lower(text, name))
      return true;
  return false;
}

/// A date assembled from its fields; nullopt when the fields do not name an existing second.
inline std::optional<std::chrono::sys_seconds> make_time(int year, unsigned month, unsigned day,
                                                         int hour, int minute, int second) noexcept {
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  if (!date.ok())
    return std::nullopt;
  return sys_seconds{sys_days{date}} + hours{hour} + minutes{minute} + seconds{second};
}

/// Reads the fixed grammar of an HTTP-date left to right.
class cursor {
public:
  explicit cursor(std::string_view text) noexcept : text_(text) {}

  bool at_end() const noexcept { return pos_ == text_.size(); }

  bool literal(char c) noexcept {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  /// Exactly `n` digits.
  bool number(std::size_t n, int& out) noexcept {
    if (text_.size() - pos_ < n)
      return false;
    int value = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = text_[pos_ + i];
      if (!digit(c))
        return false;
      value = value * 10 + (c - '0');
    }
    pos_ += n;
    out = value;
    return true;
  }

  /// A run of letters (possibly empty).
  std::string_view letters() noexcept {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && lower(text_[pos_]) >= 'a' && lower(text_[pos_]) <= 'z')
      ++pos_;
    return text_.substr(start, pos_ - start);
  }

  /// A three-letter month name.
  bool month(unsigned& out) noexcept {
    if (text_.size() - pos_ < 3)
      return false;
    out = month_number(text_.substr(pos_, 3));
    pos_ += 3;
    return out != 0;
  }

  /// time-of-day = hour ":" minute ":" second, each two digits.
  bool time_of_day(int& hour, int& minute, int& second) noexcept {
    return number(2, hour) && literal(':') && number(2, minute) && literal(':') &&
           number(2, second) && hour <= 23 && minute <= 59 && second <= 60;
  }

private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

/// RFC 6265 §5.1.1 delimiter: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E.
constexpr bool is_cookie_date_delimiter(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40) ||
         (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

/// Reads 1 to `max_digits` digits at the start of `token` that are followed by the end of the
/// token or by a non-digit; advances `token` past them.
constexpr bool leading_number(std::string_view& token, std::size_t min_digits, std::size_t max_digits,
                              int& out) noexcept {
  std::size_t n = 0;
  int value = 0;
  while (n < token.size() && digit(token[n])) {
    if (n == max_digits)
      return false; // one digit too many: not followed by a non-digit
    value = value * 10 + (token[n] - '0');
    ++n;
  }
  if (n < min_digits)
    return false;
  token.remove_prefix(n);
  out = value;
  return true;
}

/// time = hms-time ( non-digit *OCTET ); hms-time = time-field ":" time-field ":" time-field.
constexpr bool cookie_time(std::string_view token, int& hour, int& minute, int& second) noexcept {
  if (!leading_number(token, 1, 2, hour) || token.empty() || token[0] != ':')
    return false;
  token.remove_prefix(1);
  if (!leading_number(token, 1, 2, minute) || token.empty() || token[0] != ':')
    return false;
  token.remove_prefix(1);
  return leading_number(token, 1, 2, second);
}

} // namespace http_date_impl

XFER_DECL std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text,
                                                                  std::chrono::sys_seconds now) noexcept {
  using namespace http_date_impl;
  while (!text.empty() && is_ows(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back()))
    text.remove_suffix(1);

  cursor in(text);
  const std::string_view day_name = in.letters();
  int year = 0, day = 0, hour = 0, minute = 0, second = 0;
  unsigned month = 0;

  if (in.literal(',')) {
    if (is_one_of(day_name, short_day_names)) {
      // IMF-fixdate: day-name "," SP day SP month SP year SP time-of-day SP "GMT"
      if (!(in.literal(' ') && in.number(2, day) && in.literal(' ') && in.month(month) &&
            in.literal(' ') && in.number(4, year) && in.literal(' ') &&
            in.time_of_day(hour, minute, second) && in.literal(' ')))
        return std::nullopt;
    } else if (is_one_of(day_name, long_day_names)) {
      // rfc850-date: day-name-l "," SP day "-" month "-" 2DIGIT SP time-of-day SP "GMT"
      int two_digit_year = 0;
      if (!(in.literal(' ') && in.number(2, day) && in.literal('-') && in.month(month) &&
            in.literal('-') && in.number(2, two_digit_year) && in.literal(' ') &&
            in.time_of_day(hour, minute, second) && in.literal(' ')))
        return std::nullopt;
      const int now_year = static_cast<int>(
          std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now)}.year());
      year = now_year - now_year % 100 + two_digit_year;
      if (year > now_year + 50)
        year -= 100;
    } else {
      return std::nullopt;
    }
    if (!equals_lower(in.letters(), "gmt") || !in.at_end())
      return std::nullopt;
  } else if (in.literal(' ') && is_one_of(day_name, short_day_names)) {
    // asctime-date: day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
    if (!(in.month(month) && in.literal(' ')))
      return std::nullopt;
    if (in.literal(' ')) {
      if (!in.number(1, day))
        return std::nullopt;
    } else if (!in.number(2, day)) {
      return std::nullopt;
    }
    if (!(in.literal(' ') && in.time_of_day(hour, minute, second) && in.literal(' ') &&
          in.number(4, year) && in.at_end()))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  return make_time(year, month, static_cast<unsigned>(day), hour, minute, second);
}

XFER_DECL std::optional<std::chrono::sys_seconds> parse_cookie_date(std::string_view text) noexcept {
  using namespace http_date_impl;
  bool found_time = false, found_day = false, found_month = false, found_year = false;
  int hour = 0, minute = 0, second = 0, day = 0, year = 0;
  unsigned month = 0;

  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_cookie_date_delimiter(text[i]))
      ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_cookie_date_delimiter(text[i]))
      ++i;
    if (i == start)
      break;
    std::string_view token = text.substr(start, i - start);

    int h = 0, m = 0, s = 0;
    if (!found_time && cookie_time(token, h, m, s)) {
      found_time = true;
      hour = h;
      minute = m;
      second = s;
      continue;
    }
    if (!found_day) {
      std::string_view rest = token;
      if (leading_number(rest, 1, 2, day)) {
        found_day = true;
        continue;
      }
    }
    if (!found_month && token.size() >= 3) {
      if (const unsigned number = month_number(token.substr(0, 3)); number != 0) {
        found_month = true;
        month = number;
        continue;
      }
    }
    if (!found_year) {
      std::string_view rest = token;
      if (leading_number(rest, 2, 4, year)) {
        found_year = true;
        continue;
      }
    }
  }

  if (found_year && year >= 70 && year <= 99)
    year += 1900;
  else if (found_year && year >= 0 && year <= 69)
    year += 2000;
  if (!found_time || !found_day || !found_month || !found_year || day < 1 || day > 31 ||
      year < 1601 || hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  return make_time(year, month, static_cast<unsigned>(day), hour, minute, second);
}

XFER_DECL std::string format_http_date(std::chrono::sys_seconds time) {
  using namespace std::chrono;
  constexpr std::array<std::string_view, 7> day_names = {"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
  constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const sys_seconds first = sys_days{std::chrono::year{0} / January / 1};
  const sys_seconds last = sys_days{std::chrono::year{9999} / December / 31} + hours{23} +
                           minutes{59} + seconds{59};
  if (time < first)
    time = first;
  if (time > last)
    time = last;

  const sys_days date_days = floor<days>(time);
  const year_month_day date{date_days};
  const hh_mm_ss<seconds> clock_time{time - date_days};
  const auto two = [](std::string& out, long value) {
    out.push_back(static_cast<char>('0' + value / 10));
    out.push_back(static_cast<char>('0' + value % 10));
  };

  std::string out;
  out.reserve(29);
  out.append(day_names[weekday{date_days}.c_encoding()]);
  out.append(", ");
  two(out, static_cast<unsigned>(date.day()));
  out.push_back(' ');
  out.append(months[static_cast<unsigned>(date.month()) - 1]);
  out.push_back(' ');
  const int y = static_cast<int>(date.year());
  two(out, y / 100);
  two(out, y % 100);
  out.push_back(' ');
  two(out, clock_time.hours().count());
  out.push_back(':');
  two(out, clock_time.minutes().count());
  out.push_back(':');
  two(out, static_cast<long>(clock_time.seconds().count()));
  out.append(" GMT");
  return out;
}

} // namespace xfer::detail
