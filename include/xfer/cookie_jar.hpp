// xfer/cookie_jar.hpp - xfer::cookie_jar, an RFC 6265 cookie store that reads and writes curl's cookie files.
#pragma once

#include <xfer/detail/config.hpp>
#include <xfer/url.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace xfer {

/// Cookies received in Set-Cookie fields and sent back in Cookie fields, following the
/// user-agent rules of RFC 6265 with the later safeguards of RFC 6265bis:
///
/// - Domain: a Domain attribute (leading dot dropped, lower-cased) must domain-match the
///   request host, and may not be a public suffix ("com", "localhost", "co.uk": see
///   detail::is_public_suffix, a small built-in list, not the full Public Suffix List) unless
///   it equals the host, which then makes the cookie host-only. A cookie without Domain is
///   host-only: sent to exactly its host. An IP-address host is only ever matched exactly.
///   A trailing dot of the request host is ignored; a Domain attribute with one is refused.
/// - Path: the Path attribute when it starts with '/', else the default path of the request
///   (RFC 6265 §5.1.4); a cookie is sent when its path path-matches the request path.
/// - Secure: only set by an https response, only sent over https. Over http, a cookie that would
///   overlay a stored Secure cookie of the same name is refused (RFC 6265bis "cookie alone").
///   Names starting with "__Secure-" need Secure; "__Host-" needs Secure, no Domain and Path=/
///   (prefixes compared without regard to case).
/// - HttpOnly: kept and saved; it does not change what an HTTP client sends.
/// - Expiry: Max-Age wins over Expires (parsed with RFC 6265 §5.1.1's lenient date algorithm);
///   both are capped at max_lifetime. A cookie whose expiry has come (Max-Age <= 0, a past
///   Expires) deletes the stored cookie of the same name, domain and path.
/// - A cookie with the same name, domain and path as a stored one replaces it and keeps its
///   creation order. Cookies are sent longest path first, then oldest first (RFC 6265 §5.4).
///
/// Every size is bounded: see the max_* constants. When a domain or the whole jar is full,
/// expired cookies go first, then the cookie set (or replaced) longest ago.
///
/// The jar reads and writes the Netscape cookie file format of curl (`curl -b/-c`): one cookie
/// a line, seven TAB-separated fields (domain, include-subdomains TRUE/FALSE, path, secure
/// TRUE/FALSE, expiry in seconds since 1970 with 0 for a session cookie, name, value), a
/// "#HttpOnly_" prefix for HttpOnly cookies, '#' comment lines.
///
/// A value type (copyable, movable). Not thread-safe: share one jar between the transfers of
/// one multi, or guard it. Times are std::chrono::system_clock; every function that depends on
/// the time takes `now`, so tests can inject it.
class cookie_jar {
public:
  using clock = std::chrono::system_clock;
  using time_point = clock::time_point;

  /// A Set-Cookie field value longer than this (curl's and Apache's 8190) is ignored whole.
  static constexpr std::size_t max_set_cookie_size = 8190;
  /// A cookie whose name and value together are longer than this (RFC 6265bis) is ignored.
  static constexpr std::size_t max_name_value_size = 4096;
  /// An attribute whose value is longer than this (RFC 6265bis) is ignored.
  static constexpr std::size_t max_attribute_value_size = 1024;
  /// Request hosts longer than a DNS name can be neither set nor get cookies.
  static constexpr std::size_t max_host_size = 253;
  /// Set-Cookie fields of one response taken at most (curl's limit); the rest are ignored.
  static constexpr std::size_t max_set_cookies_per_response = 50;
  /// At most this many cookies per cookie domain (the domain string, host or Domain attribute).
  static constexpr std::size_t max_cookies_per_domain = 50;
  /// At most this many cookies in the whole jar.
  static constexpr std::size_t max_cookies = 3000;
  /// A Cookie field value is at most this long (curl's limit): cookies that do not fit are skipped.
  static constexpr std::size_t max_cookie_header_size = 8190;
  /// At most this many cookies in one Cookie field (curl's limit).
  static constexpr std::size_t max_cookies_per_request = 150;
  /// Lines of a cookie file longer than this (without the line end) are skipped.
  static constexpr std::size_t max_file_line_size = 8190;
  /// Max-Age and Expires further away than this are brought back to it (RFC 6265bis: 400 days).
  static constexpr std::chrono::seconds max_lifetime{400LL * 24 * 60 * 60};

  /// One stored cookie.
  struct cookie {
    std::string name;
    std::string value;
    /// Lower-case, without a leading dot: the request host for a host-only cookie, else the
    /// Domain attribute.
    std::string domain;
    /// Starts with '/'.
    std::string path;
    /// When the cookie expires; nullopt for a session cookie (no Max-Age nor Expires).
    std::optional<std::chrono::sys_seconds> expires;
    bool secure = false;
    bool http_only = false;
    /// True: sent to `domain` only. False: also sent to its subdomains.
    bool host_only = true;
    /// Creation order within this jar, kept when the cookie is replaced; smaller is older.
    std::uint64_t creation_index = 0;

    friend bool operator==(const cookie&, const cookie&) = default;
  };

  /// Why set_from_header() refused a Set-Cookie value.
  enum class rejection : std::uint8_t {
    none,            ///< not refused
    not_http,        ///< the URL is not http(s), or its host is empty, too long or has an empty label
    too_large,       ///< longer than max_set_cookie_size, or name + value over max_name_value_size
    malformed,       ///< no '=' in the name-value pair, or an empty name
    invalid_octets,  ///< a control character in the field, or a TAB in the name, value, Domain or Path
    domain_mismatch, ///< the Domain attribute does not domain-match the request host
    public_suffix,   ///< the Domain attribute is a public suffix other than the request host
    secure_over_http, ///< a Secure cookie set by an http response
    shadows_secure,  ///< over http, a cookie that would overlay a stored Secure cookie
    prefix_mismatch, ///< a "__Secure-" or "__Host-" name without what its prefix requires
  };

  /// A short English description of `why`, for logs.
  static constexpr std::string_view describe(rejection why) noexcept {
    switch (why) {
    case rejection::none: return "accepted";
    case rejection::not_http: return "request URL is not http(s) or has no usable host";
    case rejection::too_large: return "cookie too large";
    case rejection::malformed: return "no cookie name";
    case rejection::invalid_octets: return "control character in cookie";
    case rejection::domain_mismatch: return "Domain does not match the request host";
    case rejection::public_suffix: return "Domain is a public suffix";
    case rejection::secure_over_http: return "Secure cookie set over http";
    case rejection::shadows_secure: return "would overlay a Secure cookie over http";
    case rejection::prefix_mismatch: return "__Secure- or __Host- prefix requirements not met";
    }
    return "unknown";
  }

  /// Stores, replaces or deletes the cookie that a Set-Cookie field value (without the
  /// "Set-Cookie:" name) sets, for a response to `request_url`. Returns true when the value
  /// was accepted: the cookie was stored, replaced, or, when its expiry has come, the stored
  /// cookie of the same name, domain and path (if any) removed. Returns false when it was
  /// refused; `why` then says why (and is rejection::none after a true return).
  /// Throws std::bad_alloc.
  XFER_DECL bool set_from_header(const url& request_url, std::string_view set_cookie_value,
                                 rejection& why, time_point now = clock::now());
  /// As above, without the reason.
  bool set_from_header(const url& request_url, std::string_view set_cookie_value,
                       time_point now = clock::now()) {
    rejection why = rejection::none;
    return set_from_header(request_url, set_cookie_value, why, now);
  }

  /// Appends the value of the Cookie field for a request to `request_url` ("a=1; b=2") to
  /// `out`: the cookies that are not expired at `now`, whose domain and path match, and, unless
  /// the URL is https, that are not Secure; longest path first, then oldest first. Appends at
  /// most max_cookies_per_request cookies and max_cookie_header_size bytes: a cookie that does
  /// not fit is skipped. Appends no separator before the first cookie. Returns how many cookies
  /// were appended (0 for a URL that is not http or https). Allocates nothing but what `out`
  /// needs to grow. Throws std::bad_alloc.
  XFER_DECL std::size_t append_cookie_header(const url& request_url, std::string& out,
                                             time_point now = clock::now()) const;

  /// Loads cookies from the text of a cookie file: Netscape lines as curl writes them, and
  /// also "Set-Cookie: ..." lines (as curl accepts) when they carry a Domain attribute, which
  /// then must not be a public suffix. Lines that are malformed, longer than
  /// max_file_line_size, or break a rule of set_from_header() are skipped, as curl does; a
  /// public-suffix domain marked TRUE is loaded host-only. A loaded cookie replaces a stored
  /// one of the same name, domain and path; one whose expiry has come removes it. Line ends
  /// may be LF or CRLF. Returns how many lines were taken. Throws std::bad_alloc.
  XFER_DECL std::size_t load_from_string(std::string_view text, time_point now = clock::now());
  /// Loads a cookie file as load_from_string() does, reading it in pieces; `ec` is set when
  /// the file cannot be opened or read (the cookies read until then are kept).
  XFER_DECL std::size_t load(const std::filesystem::path& file, std::error_code& ec,
                             time_point now = clock::now());
  /// As above; throws std::system_error when the file cannot be opened or read.
  XFER_DECL std::size_t load(const std::filesystem::path& file, time_point now = clock::now());

  /// The cookies not expired at `now` in the Netscape cookie file format, oldest first, after
  /// the header lines curl writes ("# Netscape HTTP Cookie File", ...).
  XFER_DECL std::string to_netscape(time_point now = clock::now()) const;
  /// Writes to_netscape() to `file`: first to a new file beside it, readable by its owner only
  /// (it holds credentials), then renamed over `file`. `ec` is set when that fails.
  XFER_DECL void save(const std::filesystem::path& file, std::error_code& ec,
                      time_point now = clock::now()) const;
  /// As above; throws std::system_error on failure.
  XFER_DECL void save(const std::filesystem::path& file, time_point now = clock::now()) const;

  /// How many cookies are stored, expired ones not yet removed included.
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  /// Removes every cookie.
  void clear() noexcept {
    buckets_.clear();
    count_ = 0;
  }
  /// Removes the cookies expired at `now`; returns how many.
  XFER_DECL std::size_t remove_expired(time_point now = clock::now());
  /// Removes the session cookies (those without expiry), as a new browser session or
  /// `curl --junk-session-cookies` does; returns how many.
  XFER_DECL std::size_t remove_session_cookies();
  /// A copy of every stored cookie, oldest first.
  XFER_DECL std::vector<cookie> cookies() const;

private:
  struct entry {
    cookie value;
    std::uint64_t last_set; // sequence number of the last store or replace, for eviction
  };
  /// The cookies of one domain string, longest path first, then oldest first (the order in
  /// which they are sent).
  using bucket = std::vector<entry>;

  /// Stores, replaces or (when expired at `now_s`) deletes `c`, evicting when full.
  XFER_DECL void commit(cookie&& c, std::chrono::sys_seconds now_s);
  /// True when a stored Secure cookie named `c.name`, of a domain related to `c.domain`, has a
  /// path that `c.path` path-matches (RFC 6265bis §5.7 step 16).
  XFER_DECL bool shadows_secure_cookie(const cookie& c) const;
  /// Removes the entry of least recent last_set in the bucket at `it`, or in the whole jar
  /// when `it` is end().
  XFER_DECL void evict_least_recently_set(std::map<std::string, bucket, std::less<>>::iterator it);
  /// Processes one line of a cookie file; true when a cookie was taken.
  XFER_DECL bool load_line(std::string_view line, std::chrono::sys_seconds now_s);

  std::map<std::string, bucket, std::less<>> buckets_;
  std::size_t count_ = 0;
  std::uint64_t sequence_ = 0;
};

} // namespace xfer

#if defined(XFER_HEADER_ONLY)
#include <xfer/impl/cookie_jar.ipp>
#endif
