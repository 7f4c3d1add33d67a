// xfer/url.hpp - xfer::url, a parsed and normalised absolute URL with RFC 3986 reference resolution.
#pragma once

#include <xfer/detail/config.hpp>
#include <xfer/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace xfer {

/// An absolute URL with an authority (`scheme://authority path [?query] [#fragment]`),
/// kept in RFC 3986 §6.2.2 normal form: scheme and host lower-case,
/// percent-encodings upper-case with encoded unreserved characters decoded,
/// dot-segments removed, default port dropped, and characters that may not
/// appear in their component (bytes >= 0x80, `"`, `<`, `>`, `\`, `^`, backtick,
/// `{`, `|`, `}`, `[`, `]`) percent-encoded. The URL is stored once as one
/// string; the accessors return views into it, valid while the url lives
/// and is not assigned to. A default-constructed url is empty().
class url {
public:
  /// Inputs longer than this are refused as url_malformat, so parsing stays bounded.
  static constexpr std::size_t max_input_size = 8'000'000;

  url() = default;

  /// Parses an absolute URL (scheme "://" authority path [? query] [# fragment]) and normalises it.
  /// Any scheme is accepted; an empty host is refused only for http and https.
  /// On failure `ec` is errc::url_malformat (errc::out_of_memory if an allocation
  /// failed) and the result is empty(); on success `ec` is cleared.
  XFER_DECL static url parse(std::string_view text, std::error_code& ec) noexcept;
  /// As above; throws std::system_error carrying the error code.
  XFER_DECL static url parse(std::string_view text);

  /// The port a scheme uses when none is written: 80 for http, 443 for https, else 0.
  /// `scheme` must be lower-case.
  static constexpr std::uint16_t default_port(std::string_view scheme) noexcept {
    if (scheme == "http")
      return 80;
    if (scheme == "https")
      return 443;
    return 0;
  }

  /// True for a default-constructed (or failed) url.
  bool empty() const noexcept { return str_.empty(); }

  /// Lower-case, e.g. "http".
  std::string_view scheme() const noexcept { return part(scheme_); }

  /// Whether the authority had a "userinfo@" part (even an empty one).
  bool has_userinfo() const noexcept { return has_userinfo_; }
  /// Whether the userinfo contains ':' (a password, possibly empty, was given).
  bool has_password() const noexcept { return part(userinfo_).find(':') != std::string_view::npos; }
  /// The userinfo up to its first ':', percent-decoded.
  XFER_DECL std::string user() const;
  /// The userinfo after its first ':', percent-decoded; empty when there is none.
  XFER_DECL std::string password() const;

  /// Lower-case reg-name or IPv4 address as written, or an IPv6 address without brackets.
  std::string_view host() const noexcept { return part(host_); }
  bool host_is_ipv6() const noexcept { return host_is_ipv6_; }

  /// The explicit port, else default_port(scheme()).
  std::uint16_t port() const noexcept { return has_explicit_port_ ? port_ : default_port(scheme()); }
  /// True only when a port other than the scheme's default was written.
  bool has_explicit_port() const noexcept { return has_explicit_port_; }

  /// Normalised path; "/" when empty for http and https, possibly empty for other schemes.
  std::string_view path() const noexcept { return part(path_); }

  /// Whether a '?' was present (the query may still be empty).
  bool has_query() const noexcept { return has_query_; }
  /// The query without its '?'.
  std::string_view query() const noexcept { return part(query_); }

  /// Whether a '#' was present (the fragment may still be empty).
  bool has_fragment() const noexcept { return has_fragment_; }
  /// The fragment without its '#'.
  std::string_view fragment() const noexcept { return part(fragment_); }

  /// Origin-form request target: path (at least "/") + ("?" + query when has_query()).
  XFER_DECL std::string target() const;
  /// Value for the Host header: host ("[v6]" for IPv6) + (":port" only when not the default).
  XFER_DECL std::string host_header() const;

  /// target() as a view into str(), without allocating; valid while the url lives.
  /// Requires a non-empty path (always true for http and https).
  std::string_view target_view() const noexcept {
    return std::string_view(str_).substr(path_.offset,
                                         path_.size + (has_query_ ? 1 + query_.size : 0));
  }
  /// host_header() as a view into str(), without allocating; valid while the url lives.
  std::string_view host_header_view() const noexcept {
    const std::size_t start = host_.offset - (host_is_ipv6_ ? 1 : 0);
    return std::string_view(str_).substr(start, authority_.offset + authority_.size - start);
  }

  /// The whole normalised URL, userinfo and fragment included.
  const std::string& str() const noexcept { return str_; }

  /// RFC 3986 section 5.2 reference resolution against this URL as base (the reference may be absolute,
  /// network-path "//h/p", absolute-path, relative-path, query-only, fragment-only, or empty).
  /// The result is normalised like parse(). A reference whose scheme equals the base's and that
  /// has no authority ("http:g") is read as relative (RFC 3986 §5.4.2 backward-compatible form).
  /// Fails with url_malformat when the result has no authority (e.g. "mailto:x", "g:h"), when
  /// the result is malformed, or when this url is empty().
  XFER_DECL url resolve(std::string_view reference, std::error_code& ec) const noexcept;
  /// As above; throws std::system_error carrying the error code.
  XFER_DECL url resolve(std::string_view reference) const;

  /// Scheme, host and port all equal (what "same origin" means for credentials on redirect).
  /// Userinfo, path, query and fragment do not matter; an empty() url has no origin.
  bool same_origin(const url& other) const noexcept {
    return !empty() && !other.empty() && scheme() == other.scheme() && host() == other.host() &&
           port() == other.port();
  }

  /// Compares str().
  friend bool operator==(const url& a, const url& b) noexcept { return a.str_ == b.str_; }

private:
  struct span {
    std::size_t offset = 0;
    std::size_t size = 0;
  };

  std::string_view part(span s) const noexcept { return std::string_view(str_).substr(s.offset, s.size); }
  /// Parses `text` into *this (which must be empty); false when it is malformed.
  XFER_DECL bool assign(std::string_view text);

  std::string str_;
  span scheme_;
  span userinfo_;  // without the '@'
  span authority_; // everything between "//" and the path, brackets included
  span host_;      // without IPv6 brackets
  span path_;
  span query_;    // without the '?'
  span fragment_; // without the '#'
  std::uint16_t port_ = 0;
  bool has_userinfo_ = false;
  bool host_is_ipv6_ = false;
  bool has_explicit_port_ = false;
  bool has_query_ = false;
  bool has_fragment_ = false;
};

} // namespace xfer

#if defined(XFER_HEADER_ONLY)
#include <xfer/impl/url.ipp>
#endif
