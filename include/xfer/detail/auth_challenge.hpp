// xfer/detail/auth_challenge.hpp - parsing WWW-Authenticate and Proxy-Authenticate challenges (RFC 9110 §11).
#pragma once

#include <xfer/detail/config.hpp>
#include <xfer/error.hpp>
#include <xfer/headers.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace xfer::detail {

/// Bounds on the challenges taken from one response; everything a server sends is held to them.
struct auth_challenge_limits {
  std::size_t max_field_size = std::size_t{16} * 1024; ///< one field value
  std::size_t max_challenges = 16;        ///< over every field of one response
  std::size_t max_params = 32;            ///< per challenge
  std::size_t max_value_size = 4096;      ///< one token, token68 or (unescaped) quoted-string
};

/// One auth-param: the name in lower case (names are case-insensitive), the
/// value as a token or the content of a quoted-string with its escapes removed.
struct auth_param {
  std::string name;
  std::string value;
};

/// One challenge: `scheme` as received, then either a token68 or auth-params (or neither).
struct auth_challenge {
  std::string scheme;
  std::string token68;
  std::vector<auth_param> params;

  /// Whether the scheme is `name`, ignoring case.
  bool is(std::string_view name) const noexcept { return iequals(scheme, name); }

  /// The value of the parameter `name` (ignoring case), or nullptr.
  const std::string* find(std::string_view name) const noexcept {
    for (const auto& p : params)
      if (iequals(p.name, name))
        return &p.value;
    return nullptr;
  }
};

/// Parses one WWW-Authenticate or Proxy-Authenticate field value (`#challenge`:
/// several challenges separated by commas, empty list elements allowed) and
/// appends its challenges to `out`, which may already hold those of earlier
/// fields of the same response. On malformed input (unterminated or
/// control-carrying quoted-string, missing '=' or value, a parameter repeated in
/// one challenge, params after a token68, ...) returns errc::weird_server_reply;
/// beyond `limits`, errc::too_large; `detail` then says what and where, and
/// `out` keeps only the challenges completed before the error. Work is linear in
/// the field size.
XFER_DECL std::error_code parse_auth_challenges(std::string_view field_value, std::vector<auth_challenge>& out,
                                                std::string& detail, const auth_challenge_limits& limits = {});

/// Parses every field named `field_name` ("WWW-Authenticate" or
/// "Proxy-Authenticate") of `fields`, in order, into `out` (cleared first).
XFER_DECL std::error_code parse_auth_challenges(const headers& fields, std::string_view field_name,
                                                std::vector<auth_challenge>& out, std::string& detail,
                                                const auth_challenge_limits& limits = {});

} // namespace xfer::detail

#if defined(XFER_HEADER_ONLY)
#include <xfer/detail/impl/auth_challenge.ipp>
#endif
