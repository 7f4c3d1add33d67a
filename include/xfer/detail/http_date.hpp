// xfer/detail/http_date.hpp - HTTP-date (RFC 9110 §5.6.7) and cookie-date (RFC 6265 §5.1.1) parsing.
#pragma once

#include <xfer/detail/config.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace xfer::detail {

/// Parses an HTTP-date in any of the three forms a recipient must accept (RFC 9110 §5.6.7):
///   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
///   rfc850-date  "Sunday, 06-Nov-94 08:49:37 GMT"   (obsolete)
///   asctime-date "Sun Nov  6 08:49:37 1994"         (obsolete)
/// The grammar is followed exactly, except that day and month names and "GMT" are matched
/// without regard to case and surrounding spaces or tabs are skipped. The day name must be a
/// day name but is not checked against the date. A two-digit rfc850 year is placed in the
/// century of `now`, or the one before when that would be more than 50 years after `now`.
/// A second of 60 (leap second) is accepted and counts as the first second of the next
/// minute. Returns nullopt when the text is not an HTTP-date or names a day that does not exist.
XFER_DECL std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text,
                                                                  std::chrono::sys_seconds now) noexcept;

/// Parses the Expires attribute of a Set-Cookie field with the lenient algorithm of
/// RFC 6265 §5.1.1, which accepts the many date formats servers send ("Wed, 09 Jun 2021
/// 10:18:14 GMT", "Wednesday, 09-Jun-21 10:18:14 GMT", "Wed Jun  9 10:18:14 2021",
/// "09 Jun 2021 10:18:14", ...): the first time, day of month, month and year tokens found
/// are used, anything else is skipped; two-digit years 70-99 are 19xx, 00-69 are 20xx.
/// The time is taken as UTC. Returns nullopt when a part is missing or out of range, the
/// year is before 1601, or the day does not exist.
XFER_DECL std::optional<std::chrono::sys_seconds> parse_cookie_date(std::string_view text) noexcept;

/// Formats `time` as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the form a sender
/// must use. Years before 0 or after 9999 are clamped to those years' first or last second.
XFER_DECL std::string format_http_date(std::chrono::sys_seconds time);

} // namespace xfer::detail

#if defined(XFER_HEADER_ONLY)
#include <xfer/detail/impl/http_date.ipp>
#endif
