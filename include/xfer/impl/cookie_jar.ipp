// xfer/impl/cookie_jar.ipp - RFC 6265 cookie storage and matching, and curl's cookie file format.
#pragma once

#include <xfer/cookie_jar.hpp>
#include <xfer/detail/http_date.hpp>
#include <xfer/detail/percent_encoding.hpp>
#include <xfer/detail/public_suffix.hpp>
#include <xfer/headers.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>

namespace xfer {
namespace detail {

constexpr bool is_cookie_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

constexpr std::string_view trim_cookie_wsp(std::string_view s) noexcept {
  while (!s.empty() && is_cookie_wsp(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_cookie_wsp(s.back()))
    s.remove_suffix(1);
  return s;
}

/// A control character other than HTAB: %x00-08 / %x0A-1F / %x7F.
constexpr bool is_cookie_ctl(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return (c < 0x20 && c != '\t') || c == 0x7F;
}

constexpr bool has_cookie_ctl(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), is_cookie_ctl);
}

/// A control character, HTAB included: what a field of a cookie file cannot hold.
constexpr bool has_any_ctl(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == '\t' || is_cookie_ctl(c); });
}

constexpr bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

inline std::string to_lower_copy(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c + ('a' - 'A'));
  return out;
}

/// True for a host that is an IP address (or looks like one): IPv6 (holds ':'), or a name whose
/// last label is a number ("127.0.0.1", "10.1", "0x7f.1"), which resolvers read as IPv4.
constexpr bool is_ip_like_host(std::string_view host) noexcept {
  if (host.find(':') != std::string_view::npos)
    return true;
  const std::size_t dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty())
    return false;
  if (last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
    last.remove_prefix(2);
    return std::all_of(last.begin(), last.end(), [](char c) { return hex_value(c) >= 0; });
  }
  return std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// `sub` is `parent` with one or more labels in front.
constexpr bool is_subdomain_of(std::string_view sub, std::string_view parent) noexcept {
  return sub.size() > parent.size() && sub.substr(sub.size() - parent.size()) == parent &&
         sub[sub.size() - parent.size() - 1] == '.';
}

/// RFC 6265 §5.1.3 domain-match of a (lower-case) host and a cookie domain.
constexpr bool cookie_domain_matches(std::string_view host, std::string_view domain,
                                     bool host_is_ip) noexcept {
  return host == domain || (!host_is_ip && is_subdomain_of(host, domain));
}

/// RFC 6265 §5.1.4 path-match of a request path and a cookie path.
constexpr bool cookie_path_matches(std::string_view request_path, std::string_view cookie_path) noexcept {
  if (request_path == cookie_path)
    return true;
  return !cookie_path.empty() && request_path.size() > cookie_path.size() &&
         request_path.substr(0, cookie_path.size()) == cookie_path &&
         (cookie_path.back() == '/' || request_path[cookie_path.size()] == '/');
}

/// RFC 6265 §5.1.4 default-path of a request path: up to, not including, its last '/'.
constexpr std::string_view cookie_default_path(std::string_view request_path) noexcept {
  if (request_path.empty() || request_path[0] != '/')
    return "/";
  const std::size_t last = request_path.rfind('/');
  return last == 0 ? std::string_view("/") : request_path.substr(0, last);
}

/// The host a request URL stands for in cookie rules: without one trailing dot; empty when the
/// URL is not http(s), or its host is empty, longer than max_host_size, or has an empty label.
inline std::string_view cookie_request_host(const url& u) noexcept {
  if (u.scheme() != "http" && u.scheme() != "https")
    return {};
  std::string_view host = u.host();
  if (!host.empty() && host.back() == '.')
    host.remove_suffix(1);
  if (host.size() > cookie_jar::max_host_size || host.empty() || host.front() == '.' ||
      host.back() == '.' || host.find("..") != std::string_view::npos)
    return {};
  return host;
}

/// A Set-Cookie value split by the parsing algorithm of RFC 6265 §5.2; views into the value.
struct set_cookie_fields {
  std::string_view name;
  std::string_view value;
  std::optional<std::string_view> domain; ///< last non-empty Domain attribute
  std::optional<std::string_view> path;   ///< last Path attribute; empty when it was not a path
  std::optional<std::int64_t> max_age;    ///< last valid Max-Age, saturated
  std::optional<std::chrono::sys_seconds> expires; ///< last Expires that parsed
  bool secure = false;
  bool http_only = false;
};

/// Parses Max-Age's value (RFC 6265 §5.2.2): "-"? 1*DIGIT, saturated far beyond max_lifetime.
constexpr std::optional<std::int64_t> parse_max_age(std::string_view v) noexcept {
  const bool negative = !v.empty() && v[0] == '-';
  if (negative)
    v.remove_prefix(1);
  if (v.empty())
    return std::nullopt;
  std::int64_t value = 0;
  for (char c : v) {
    if (c < '0' || c > '9')
      return std::nullopt;
    if (value < 1'000'000'000'000)
      value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

/// Splits a Set-Cookie value; rejection::none when it holds a usable name-value pair.
inline cookie_jar::rejection parse_set_cookie(std::string_view text, set_cookie_fields& out) noexcept {
  using rejection = cookie_jar::rejection;
  if (has_cookie_ctl(text))
    return rejection::invalid_octets;
  const std::size_t semicolon = text.find(';');
  const std::string_view pair = text.substr(0, semicolon);
  const std::size_t eq = pair.find('=');
  if (eq == std::string_view::npos)
    return rejection::malformed;
  out.name = trim_cookie_wsp(pair.substr(0, eq));
  out.value = trim_cookie_wsp(pair.substr(eq + 1));
  if (out.name.empty())
    return rejection::malformed;
  if (out.name.size() + out.value.size() > cookie_jar::max_name_value_size)
    return rejection::too_large;
  if (out.name.find('\t') != std::string_view::npos || out.value.find('\t') != std::string_view::npos)
    return rejection::invalid_octets;

  std::string_view rest = semicolon == std::string_view::npos ? std::string_view() : text.substr(semicolon + 1);
  while (!rest.empty()) {
    const std::size_t next = rest.find(';');
    const std::string_view av = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);

    const std::size_t av_eq = av.find('=');
    const std::string_view name = trim_cookie_wsp(av.substr(0, av_eq));
    const std::string_view value =
        av_eq == std::string_view::npos ? std::string_view() : trim_cookie_wsp(av.substr(av_eq + 1));
    if (value.size() > cookie_jar::max_attribute_value_size)
      continue;
    if (iequals(name, "expires")) {
      if (auto when = parse_cookie_date(value))
        out.expires = when;
    } else if (iequals(name, "max-age")) {
      if (auto seconds = parse_max_age(value))
        out.max_age = seconds;
    } else if (iequals(name, "domain")) {
      if (!value.empty())
        out.domain = value;
    } else if (iequals(name, "path")) {
      out.path = (!value.empty() && value[0] == '/') ? value : std::string_view();
    } else if (iequals(name, "secure")) {
      out.secure = true;
    } else if (iequals(name, "httponly")) {
      out.http_only = true;
    }
  }
  if ((out.domain && out.domain->find('\t') != std::string_view::npos) ||
      (out.path && out.path->find('\t') != std::string_view::npos))
    return rejection::invalid_octets;
  return rejection::none;
}

/// The expiry Max-Age (first) or Expires give, capped at now + max_lifetime; nullopt for a
/// session cookie, and a time before `now` for a cookie to delete.
inline std::optional<std::chrono::sys_seconds> cookie_expiry(const set_cookie_fields& f,
                                                             std::chrono::sys_seconds now) noexcept {
  const std::chrono::sys_seconds latest = now + cookie_jar::max_lifetime;
  if (f.max_age) {
    if (*f.max_age <= 0)
      return std::chrono::sys_seconds::min();
    const std::chrono::seconds delta{*f.max_age};
    return delta >= cookie_jar::max_lifetime ? latest : now + delta;
  }
  if (f.expires)
    return std::min(*f.expires, latest);
  return std::nullopt;
}

/// RFC 6265bis cookie prefixes: "__Secure-" needs Secure; "__Host-" needs Secure, host-only
/// and the path "/" (given by a Path attribute when the cookie comes from a Set-Cookie field).
inline bool cookie_prefix_allows(const cookie_jar::cookie& c, bool path_attribute_given) noexcept {
  if (istarts_with(c.name, "__Secure-"))
    return c.secure;
  if (istarts_with(c.name, "__Host-"))
    return c.secure && c.host_only && c.path == "/" && path_attribute_given;
  return true;
}

/// Parses a decimal expiry field of a cookie file; nullopt when it is not one.
constexpr std::optional<std::int64_t> parse_file_expiry(std::string_view v) noexcept {
  const bool negative = !v.empty() && v[0] == '-';
  if (negative)
    v.remove_prefix(1);
  if (v.empty())
    return std::nullopt;
  std::int64_t value = 0;
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  for (char c : v) {
    if (c < '0' || c > '9')
      return std::nullopt;
    const int d = c - '0';
    value = value > (max - d) / 10 ? max : value * 10 + d;
  }
  return negative ? -value : value;
}

} // namespace detail

XFER_DECL bool cookie_jar::set_from_header(const url& request_url, std::string_view set_cookie_value,
                                           rejection& why, time_point now) {
  why = rejection::none;
  const std::string_view host = detail::cookie_request_host(request_url);
  if (host.empty()) {
    why = rejection::not_http;
    return false;
  }
  if (set_cookie_value.size() > max_set_cookie_size) {
    why = rejection::too_large;
    return false;
  }
  detail::set_cookie_fields fields;
  if (const rejection r = detail::parse_set_cookie(set_cookie_value, fields); r != rejection::none) {
    why = r;
    return false;
  }
  const bool https = request_url.scheme() == "https";
  const bool host_is_ip = request_url.host_is_ipv6() || detail::is_ip_like_host(host);

  cookie c;
  c.name = fields.name;
  c.value = fields.value;
  if (fields.domain) {
    std::string_view domain = *fields.domain;
    if (domain.front() == '.')
      domain.remove_prefix(1);
    std::string lower = detail::to_lower_copy(domain);
    if (!lower.empty()) {
      if (lower.back() == '.') {
        why = rejection::domain_mismatch;
        return false;
      }
      if (detail::is_public_suffix(lower) && lower != host) {
        why = rejection::public_suffix;
        return false;
      }
      if (!detail::cookie_domain_matches(host, lower, host_is_ip)) {
        why = rejection::domain_mismatch;
        return false;
      }
      // A public suffix equal to the host, and an IP address, give a host-only cookie.
      c.host_only = host_is_ip || detail::is_public_suffix(lower);
      c.domain = std::move(lower);
    }
  }
  if (c.domain.empty()) {
    c.domain = host;
    c.host_only = true;
  }

  const std::string_view path = fields.path && !fields.path->empty()
                                    ? *fields.path
                                    : detail::cookie_default_path(request_url.path());
  if (path.size() > max_attribute_value_size) {
    why = rejection::too_large;
    return false;
  }
  c.path = path;

  if (fields.secure && !https) {
    why = rejection::secure_over_http;
    return false;
  }
  c.secure = fields.secure;
  c.http_only = fields.http_only;
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  c.expires = detail::cookie_expiry(fields, now_s);
  if (!detail::cookie_prefix_allows(c, fields.path && *fields.path == "/")) {
    why = rejection::prefix_mismatch;
    return false;
  }
  if (!https && !c.secure && shadows_secure_cookie(c)) {
    why = rejection::shadows_secure;
    return false;
  }
  commit(std::move(c), now_s);
  return true;
}

XFER_DECL std::size_t cookie_jar::append_cookie_header(const url& request_url, std::string& out,
                                                       time_point now) const {
  const std::string_view host = detail::cookie_request_host(request_url);
  if (host.empty() || buckets_.empty())
    return 0;
  const bool https = request_url.scheme() == "https";
  const bool host_is_ip = request_url.host_is_ipv6() || detail::is_ip_like_host(host);
  const std::string_view request_path = request_url.path();
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);

  // The buckets of the host and of each of its parent domains, each already in sending order;
  // merged below without allocating.
  struct run {
    const entry* next;
    const entry* end;
    bool exact; // the bucket of the host itself: host-only cookies match too
  };
  std::array<run, max_host_size + 1> runs;
  std::size_t run_count = 0;
  const auto add_run = [&](std::string_view domain, bool exact) {
    const auto found = buckets_.find(domain);
    if (found != buckets_.end() && !found->second.empty())
      runs[run_count++] = {found->second.data(), found->second.data() + found->second.size(), exact};
  };
  add_run(host, true);
  if (!host_is_ip) {
    for (std::size_t dot = host.find('.'); dot != std::string_view::npos && dot + 1 < host.size();
         dot = host.find('.', dot + 1))
      add_run(host.substr(dot + 1), false);
  }

  const auto matches = [&](const run& r) {
    const cookie& c = r.next->value;
    return (r.exact || !c.host_only) && (!c.secure || https) && !(c.expires && *c.expires <= now_s) &&
           detail::cookie_path_matches(request_path, c.path);
  };
  const auto skip_to_match = [&](run& r) {
    while (r.next != r.end && !matches(r))
      ++r.next;
  };
  for (std::size_t i = 0; i < run_count; ++i)
    skip_to_match(runs[i]);

  std::size_t appended = 0;
  std::size_t bytes = 0;
  while (appended < max_cookies_per_request) {
    run* best = nullptr;
    for (std::size_t i = 0; i < run_count; ++i) {
      run& r = runs[i];
      if (r.next == r.end)
        continue;
      if (best == nullptr) {
        best = &r;
        continue;
      }
      const cookie& a = r.next->value;
      const cookie& b = best->next->value;
      if (a.path.size() > b.path.size() ||
          (a.path.size() == b.path.size() && a.creation_index < b.creation_index))
        best = &r;
    }
    if (best == nullptr)
      break;
    const cookie& c = best->next->value;
    ++best->next;
    skip_to_match(*best);

    const std::size_t size = (appended ? 2 : 0) + c.name.size() + 1 + c.value.size();
    if (bytes + size > max_cookie_header_size)
      continue;
    if (appended)
      out.append("; ");
    out.append(c.name);
    out.push_back('=');
    out.append(c.value);
    bytes += size;
    ++appended;
  }
  return appended;
}

XFER_DECL void cookie_jar::commit(cookie&& c, std::chrono::sys_seconds now_s) {
  const bool expired = c.expires && *c.expires <= now_s;
  auto it = buckets_.find(c.domain);
  if (it != buckets_.end()) {
    bucket& b = it->second;
    const auto same = std::find_if(b.begin(), b.end(), [&](const entry& e) {
      return e.value.name == c.name && e.value.path == c.path;
    });
    if (same != b.end()) {
      if (expired) {
        b.erase(same);
        --count_;
        if (b.empty())
          buckets_.erase(it);
        return;
      }
      c.creation_index = same->value.creation_index;
      same->value = std::move(c);
      same->last_set = ++sequence_;
      return;
    }
  }
  if (expired)
    return;

  // A new cookie: make room in its domain, then in the jar, expired cookies first.
  if (it != buckets_.end() && it->second.size() >= max_cookies_per_domain) {
    bucket& b = it->second;
    count_ -= static_cast<std::size_t>(std::erase_if(
        b, [&](const entry& e) { return e.value.expires && *e.value.expires <= now_s; }));
    if (b.size() >= max_cookies_per_domain)
      evict_least_recently_set(it);
  }
  if (count_ >= max_cookies) {
    remove_expired(now_s);
    if (count_ >= max_cookies)
      evict_least_recently_set(buckets_.end());
  }

  bucket& b = buckets_.try_emplace(c.domain).first->second;
  c.creation_index = ++sequence_;
  // Longest path first, then oldest first: the new cookie goes after every path as long.
  const auto position = std::find_if(b.begin(), b.end(), [&](const entry& e) {
    return e.value.path.size() < c.path.size();
  });
  b.insert(position, entry{std::move(c), sequence_});
  ++count_;
}

XFER_DECL bool cookie_jar::shadows_secure_cookie(const cookie& c) const {
  for (const auto& [domain, b] : buckets_) {
    if (domain != c.domain && !detail::is_subdomain_of(domain, c.domain) &&
        !detail::is_subdomain_of(c.domain, domain))
      continue;
    for (const entry& e : b)
      if (e.value.secure && e.value.name == c.name && detail::cookie_path_matches(c.path, e.value.path))
        return true;
  }
  return false;
}

XFER_DECL void cookie_jar::evict_least_recently_set(
    std::map<std::string, bucket, std::less<>>::iterator it) {
  const auto first = it == buckets_.end() ? buckets_.begin() : it;
  const auto last = it == buckets_.end() ? buckets_.end() : std::next(it);
  auto victim_bucket = buckets_.end();
  std::size_t victim = 0;
  for (auto b = first; b != last; ++b) {
    for (std::size_t i = 0; i < b->second.size(); ++i) {
      if (victim_bucket == buckets_.end() ||
          b->second[i].last_set < victim_bucket->second[victim].last_set) {
        victim_bucket = b;
        victim = i;
      }
    }
  }
  if (victim_bucket == buckets_.end())
    return;
  bucket& b = victim_bucket->second;
  b.erase(b.begin() + static_cast<std::ptrdiff_t>(victim));
  --count_;
  if (b.empty())
    buckets_.erase(victim_bucket);
}

XFER_DECL std::size_t cookie_jar::remove_expired(time_point now) {
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  const std::size_t before = count_;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    count_ -= static_cast<std::size_t>(std::erase_if(
        it->second, [&](const entry& e) { return e.value.expires && *e.value.expires <= now_s; }));
    it = it->second.empty() ? buckets_.erase(it) : std::next(it);
  }
  return before - count_;
}

XFER_DECL std::size_t cookie_jar::remove_session_cookies() {
  const std::size_t before = count_;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    count_ -= static_cast<std::size_t>(
        std::erase_if(it->second, [](const entry& e) { return !e.value.expires; }));
    it = it->second.empty() ? buckets_.erase(it) : std::next(it);
  }
  return before - count_;
}

XFER_DECL std::vector<cookie_jar::cookie> cookie_jar::cookies() const {
  std::vector<cookie> all;
  all.reserve(count_);
  for (const auto& [domain, b] : buckets_)
    for (const entry& e : b)
      all.push_back(e.value);
  std::sort(all.begin(), all.end(),
            [](const cookie& a, const cookie& b) { return a.creation_index < b.creation_index; });
  return all;
}

XFER_DECL bool cookie_jar::load_line(std::string_view line, std::chrono::sys_seconds now_s) {
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  if (line.size() > max_file_line_size)
    return false;
  while (!line.empty() && detail::is_cookie_wsp(line.front()))
    line.remove_prefix(1);

  cookie c;
  bool path_attribute_given = true;
  if (detail::istarts_with(line, "Set-Cookie:")) {
    // A header line: only with a Domain attribute, since no request says whose cookie it is.
    detail::set_cookie_fields fields;
    if (detail::parse_set_cookie(line.substr(11), fields) != rejection::none || !fields.domain)
      return false;
    std::string_view domain = *fields.domain;
    if (domain.front() == '.')
      domain.remove_prefix(1);
    c.domain = detail::to_lower_copy(domain);
    if (c.domain.empty() || c.domain.front() == '.' || c.domain.back() == '.' ||
        c.domain.size() > max_host_size || c.domain.find(' ') != std::string::npos ||
        detail::has_any_ctl(c.domain) || detail::is_public_suffix(c.domain))
      return false;
    c.host_only = detail::is_ip_like_host(c.domain);
    c.path = fields.path && !fields.path->empty() ? *fields.path : std::string_view("/");
    path_attribute_given = fields.path && *fields.path == "/";
    c.secure = fields.secure;
    c.http_only = fields.http_only;
    c.expires = detail::cookie_expiry(fields, now_s);
    c.name = fields.name;
    c.value = fields.value;
  } else {
    constexpr std::string_view http_only_prefix = "#HttpOnly_";
    if (line.substr(0, http_only_prefix.size()) == http_only_prefix) {
      c.http_only = true;
      line.remove_prefix(http_only_prefix.size());
    }
    if (line.empty() || line[0] == '#')
      return false;

    // Seven TAB-separated fields; runs of TABs count as one, as curl reads them.
    std::array<std::string_view, 7> field;
    std::size_t fields = 0;
    for (std::size_t pos = 0; pos < line.size();) {
      if (line[pos] == '\t') {
        ++pos;
        continue;
      }
      std::size_t end = line.find('\t', pos);
      if (end == std::string_view::npos)
        end = line.size();
      if (fields == field.size())
        return false;
      field[fields++] = line.substr(pos, end - pos);
      pos = end;
    }
    if (fields == 6 && (field[2] == "TRUE" || field[2] == "FALSE")) {
      // An old line without a path: the path is "/".
      std::move_backward(field.begin() + 2, field.begin() + 6, field.begin() + 7);
      field[2] = "/";
      ++fields;
    } else if (fields == 6) {
      field[6] = {}; // an empty value
      ++fields;
    }
    if (fields != 7)
      return false;

    std::string_view domain = field[0];
    if (domain.front() == '.')
      domain.remove_prefix(1);
    c.domain = detail::to_lower_copy(domain);
    if (c.domain.empty() || c.domain.front() == '.' || c.domain.back() == '.' ||
        c.domain.size() > max_host_size || c.domain.find(' ') != std::string::npos ||
        detail::has_any_ctl(c.domain))
      return false;
    c.host_only = !iequals(field[1], "TRUE") || detail::is_public_suffix(c.domain) ||
                  detail::is_ip_like_host(c.domain);
    c.path = field[2][0] == '/' ? field[2] : std::string_view("/");
    c.secure = iequals(field[3], "TRUE");
    const auto expiry = detail::parse_file_expiry(field[4]);
    if (!expiry)
      return false;
    if (*expiry < 0)
      c.expires = std::chrono::sys_seconds::min();
    else if (*expiry > 0)
      c.expires = std::chrono::sys_seconds{std::chrono::seconds{*expiry}};
    c.name = field[5];
    c.value = field[6];
  }

  if (c.name.empty() || c.name.size() + c.value.size() > max_name_value_size ||
      c.path.size() > max_attribute_value_size || detail::has_any_ctl(c.name) ||
      detail::has_any_ctl(c.value) || detail::has_any_ctl(c.path) ||
      !detail::cookie_prefix_allows(c, path_attribute_given))
    return false;
  commit(std::move(c), now_s);
  return true;
}

XFER_DECL std::size_t cookie_jar::load_from_string(std::string_view text, time_point now) {
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  std::size_t taken = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (load_line(text.substr(0, end), now_s))
      ++taken;
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return taken;
}

XFER_DECL std::size_t cookie_jar::load(const std::filesystem::path& file, std::error_code& ec,
                                       time_point now) {
  ec.clear();
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  errno = 0;
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(file.string().c_str(), "rb"),
                                                           &std::fclose);
  if (!in) {
    ec = std::error_code(errno != 0 ? errno : EIO, std::generic_category());
    return 0;
  }
  std::size_t taken = 0;
  std::string line;     // the line being read, while it is within the bound
  bool overlong = false; // the line being read is past max_file_line_size: skip to its end
  std::array<char, 16384> buffer;
  for (;;) {
    const std::size_t got = std::fread(buffer.data(), 1, buffer.size(), in.get());
    std::string_view chunk(buffer.data(), got);
    while (!chunk.empty()) {
      const std::size_t end = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, end);
      if (!overlong) {
        // +1 leaves room for a CR before the LF.
        if (line.size() + piece.size() > max_file_line_size + 1) {
          overlong = true;
          line.clear();
        } else {
          line.append(piece);
        }
      }
      if (end == std::string_view::npos)
        break;
      if (!overlong && load_line(line, now_s))
        ++taken;
      line.clear();
      overlong = false;
      chunk.remove_prefix(end + 1);
    }
    if (got < buffer.size())
      break;
  }
  if (std::ferror(in.get())) {
    ec = std::error_code(errno != 0 ? errno : EIO, std::generic_category());
    return taken;
  }
  if (!overlong && !line.empty() && load_line(line, now_s))
    ++taken;
  return taken;
}

XFER_DECL std::size_t cookie_jar::load(const std::filesystem::path& file, time_point now) {
  std::error_code ec;
  const std::size_t taken = load(file, ec, now);
  if (ec)
    throw std::system_error(ec, "xfer::cookie_jar::load " + file.string());
  return taken;
}

XFER_DECL std::string cookie_jar::to_netscape(time_point now) const {
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  std::string out = "# Netscape HTTP Cookie File\n"
                    "# https://curl.se/docs/http-cookies.html\n"
                    "# This file was generated by xfer! Edit at your own risk.\n"
                    "\n";
  for (const cookie& c : cookies()) {
    if (c.expires && *c.expires <= now_s)
      continue;
    if (c.http_only)
      out.append("#HttpOnly_");
    if (!c.host_only)
      out.push_back('.');
    out.append(c.domain);
    out.append(c.host_only ? "\tFALSE\t" : "\tTRUE\t");
    out.append(c.path);
    out.append(c.secure ? "\tTRUE\t" : "\tFALSE\t");
    out.append(c.expires ? std::to_string(c.expires->time_since_epoch().count()) : std::string("0"));
    out.push_back('\t');
    out.append(c.name);
    out.push_back('\t');
    out.append(c.value);
    out.push_back('\n');
  }
  return out;
}

XFER_DECL void cookie_jar::save(const std::filesystem::path& file, std::error_code& ec,
                                time_point now) const {
  ec.clear();
  const std::string text = to_netscape(now);
  // A new file beside the target, renamed over it once complete: readers never see half a jar.
  const auto unique = static_cast<std::uint64_t>(
                          std::chrono::steady_clock::now().time_since_epoch().count()) ^
                      static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(this));
  std::filesystem::path temporary = file;
  temporary += ".tmp" + std::to_string(unique);

  errno = 0;
  std::FILE* out = std::fopen(temporary.string().c_str(), "wbx");
  if (out == nullptr) {
    ec = std::error_code(errno != 0 ? errno : EIO, std::generic_category());
    return;
  }
  std::filesystem::permissions(temporary,
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ec);
  if (!ec) {
    errno = 0;
    const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size() &&
                         std::fflush(out) == 0;
    if (!written)
      ec = std::error_code(errno != 0 ? errno : EIO, std::generic_category());
  }
  if (std::fclose(out) != 0 && !ec)
    ec = std::error_code(errno != 0 ? errno : EIO, std::generic_category());
  if (!ec)
    std::filesystem::rename(temporary, file, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
  }
}

XFER_DECL void cookie_jar::save(const std::filesystem::path& file, time_point now) const {
  std::error_code ec;
  save(file, ec, now);
  if (ec)
    throw std::system_error(ec, "xfer::cookie_jar::save " + file.string());
}

} // namespace xfer
