// xfer/detail/impl/digest_auth.ipp - choosing a Digest challenge and computing its response with OpenSSL EVP.
#pragma once

#include <xfer/detail/digest_auth.hpp>
#include <xfer/detail/percent_encoding.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <memory>

namespace xfer::detail {
namespace digest {

struct algorithm_entry {
  digest_algorithm algorithm;
  std::string_view name;
};

inline constexpr std::array<algorithm_entry, 6> algorithms{{
    {digest_algorithm::md5, "MD5"},
    {digest_algorithm::md5_sess, "MD5-sess"},
    {digest_algorithm::sha256, "SHA-256"},
    {digest_algorithm::sha256_sess, "SHA-256-sess"},
    {digest_algorithm::sha512_256, "SHA-512-256"},
    {digest_algorithm::sha512_256_sess, "SHA-512-256-sess"},
}};

constexpr bool is_session_variant(digest_algorithm a) noexcept {
  return a == digest_algorithm::md5_sess || a == digest_algorithm::sha256_sess ||
         a == digest_algorithm::sha512_256_sess;
}

/// How strong the algorithm's hash is; the -sess variant ranks with its hash.
constexpr int strength(digest_algorithm a) noexcept {
  switch (a) {
  case digest_algorithm::md5:
  case digest_algorithm::md5_sess:
    return 1;
  case digest_algorithm::sha256:
  case digest_algorithm::sha256_sess:
    return 2;
  case digest_algorithm::sha512_256:
  case digest_algorithm::sha512_256_sess:
    return 3;
  }
  return 0;
}

inline const EVP_MD* evp_md(digest_algorithm a) noexcept {
  switch (a) {
  case digest_algorithm::md5:
  case digest_algorithm::md5_sess:
    return EVP_md5();
  case digest_algorithm::sha256:
  case digest_algorithm::sha256_sess:
    return EVP_sha256();
  case digest_algorithm::sha512_256:
  case digest_algorithm::sha512_256_sess:
    return EVP_sha512_256();
  }
  return nullptr;
}

/// Whether `value`, a comma-separated list (the qop of a challenge), holds `item`, ignoring case.
inline bool list_contains(std::string_view value, std::string_view item) noexcept {
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t end = value.find(',', start);
    if (end == std::string_view::npos)
      end = value.size();
    std::string_view element = value.substr(start, end - start);
    while (!element.empty() && (element.front() == ' ' || element.front() == '\t'))
      element.remove_prefix(1);
    while (!element.empty() && (element.back() == ' ' || element.back() == '\t'))
      element.remove_suffix(1);
    if (iequals(element, item))
      return true;
    start = end + 1;
  }
  return false;
}

/// Reads one Digest challenge; an empty result means usable, else why not.
inline std::string read_challenge(const auth_challenge& c, digest_challenge& out) {
  if (!c.token68.empty())
    return "the Digest challenge carries a token68 instead of parameters";
  const std::string* nonce = c.find("nonce");
  if (nonce == nullptr || nonce->empty())
    return "the Digest challenge has no nonce";
  out = digest_challenge{};
  out.nonce = *nonce;
  if (const std::string* realm = c.find("realm"))
    out.realm = *realm;
  if (const std::string* opaque = c.find("opaque"))
    out.opaque = *opaque;
  if (const std::string* algorithm = c.find("algorithm")) {
    const auto known = parse_digest_algorithm(*algorithm);
    if (!known)
      return "the Digest challenge asks for algorithm " + *algorithm + ", which xfer does not support";
    out.algorithm = *known;
    out.algorithm_named = true;
  }
  if (const std::string* qop = c.find("qop")) {
    if (list_contains(*qop, "auth"))
      out.qop_auth = true;
    else if (list_contains(*qop, "auth-int"))
      return "the Digest challenge offers only qop=auth-int (integrity over the request body), "
             "which xfer does not support";
    else
      return "the Digest challenge offers qop=\"" + *qop + "\", none of which xfer supports";
  } else {
    out.qop_auth = false;
    if (is_session_variant(out.algorithm))
      return "the Digest challenge asks for " + std::string(digest_algorithm_name(out.algorithm)) +
             " without qop, which has no client nonce to build a session key from";
  }
  if (const std::string* stale = c.find("stale"))
    out.stale = iequals(*stale, "true");
  if (const std::string* userhash = c.find("userhash"))
    out.userhash = iequals(*userhash, "true");
  if (const std::string* charset = c.find("charset"))
    out.charset_utf8 = iequals(*charset, "UTF-8");
  return {};
}

/// Hex digests of ':'-joined pieces through one reusable EVP context.
class hasher {
public:
  explicit hasher(digest_algorithm a) : md_(evp_md(a)), name_(digest_algorithm_name(a)) {}

  /// Writes the lower-case hex digest of the pieces joined by ':' to `out`.
  std::error_code hex(std::initializer_list<std::string_view> pieces, std::string& out, std::string& detail) {
    if (!ctx_) {
      ctx_.reset(EVP_MD_CTX_new());
      if (!ctx_)
        return failed("EVP_MD_CTX_new", detail);
    }
    if (md_ == nullptr || EVP_DigestInit_ex(ctx_.get(), md_, nullptr) != 1)
      return failed("EVP_DigestInit_ex", detail);
    bool first = true;
    for (const std::string_view piece : pieces) {
      if (!first && EVP_DigestUpdate(ctx_.get(), ":", 1) != 1)
        return failed("EVP_DigestUpdate", detail);
      first = false;
      if (!piece.empty() && EVP_DigestUpdate(ctx_.get(), piece.data(), piece.size()) != 1)
        return failed("EVP_DigestUpdate", detail);
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest.data(), &size) != 1)
      return failed("EVP_DigestFinal_ex", detail);
    constexpr char digits[] = "0123456789abcdef";
    out.clear();
    for (unsigned int i = 0; i < size; ++i) {
      out.push_back(digits[digest[i] >> 4]);
      out.push_back(digits[digest[i] & 0x0F]);
    }
    return {};
  }

private:
  std::error_code failed(const char* call, std::string& detail) {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    char reason[256] = "no reason given";
    if (e != 0)
      ERR_error_string_n(e, reason, sizeof reason);
    detail = "Digest " + std::string(name_) + ": " + call + " failed (" + reason +
             "); the OpenSSL provider may not offer this hash";
    return make_error_code(errc::auth_error);
  }

  struct ctx_deleter {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };
  const EVP_MD* md_;
  std::string_view name_;
  std::unique_ptr<EVP_MD_CTX, ctx_deleter> ctx_;
};

/// Appends `"value"` with '"' and '\' escaped (RFC 9110 quoted-string).
inline void append_quoted(std::string& out, std::string_view value) {
  out.push_back('"');
  for (const char c : value) {
    if (c == '"' || c == '\\')
      out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

constexpr bool is_control(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7F;
}

inline bool has_control(std::string_view s) noexcept {
  for (const char c : s)
    if (is_control(c))
      return true;
  return false;
}

inline bool has_non_ascii(std::string_view s) noexcept {
  for (const char c : s)
    if (static_cast<unsigned char>(c) >= 0x80)
      return true;
  return false;
}

/// RFC 8187 `attr-char`.
constexpr bool is_attr_char(char c) noexcept {
  if (is_alpha(c) || is_digit(c))
    return true;
  switch (c) {
  case '!': case '#': case '$': case '&': case '+': case '-': case '.':
  case '^': case '_': case '`': case '|': case '~':
    return true;
  default:
    return false;
  }
}

/// Appends an RFC 8187 ext-value: UTF-8''percent-encoded.
inline void append_ext_value(std::string& out, std::string_view value) {
  out += "UTF-8''";
  for (const char c : value) {
    if (is_attr_char(c))
      out.push_back(c);
    else
      append_pct_encoded(out, static_cast<unsigned char>(c));
  }
}

} // namespace digest

XFER_DECL std::string_view digest_algorithm_name(digest_algorithm a) noexcept {
  for (const auto& entry : digest::algorithms)
    if (entry.algorithm == a)
      return entry.name;
  return "MD5";
}

XFER_DECL std::optional<digest_algorithm> parse_digest_algorithm(std::string_view name) noexcept {
  for (const auto& entry : digest::algorithms)
    if (iequals(entry.name, name))
      return entry.algorithm;
  return std::nullopt;
}

XFER_DECL std::error_code select_digest_challenge(std::span<const auth_challenge> challenges,
                                                  digest_challenge& out, std::string& detail) {
  std::string offered;
  std::string first_refusal;
  std::optional<digest_challenge> best;
  for (const auto& c : challenges) {
    if (!c.is("Digest")) {
      if (!offered.empty())
        offered += ", ";
      offered += c.scheme;
      continue;
    }
    digest_challenge candidate;
    std::string refusal = digest::read_challenge(c, candidate);
    if (!refusal.empty()) {
      if (first_refusal.empty())
        first_refusal = std::move(refusal);
      continue;
    }
    if (!best || digest::strength(candidate.algorithm) > digest::strength(best->algorithm))
      best = std::move(candidate);
  }
  if (best) {
    out = std::move(*best);
    return {};
  }
  if (!first_refusal.empty())
    detail = std::move(first_refusal);
  else if (offered.empty())
    detail = "the response carries no authentication challenge";
  else
    detail = "the response offers no Digest challenge (it offers " + offered + ")";
  return make_error_code(errc::auth_error);
}

XFER_DECL std::error_code make_digest_authorization(const digest_challenge& challenge,
                                                    const digest_request& request, std::string& out,
                                                    std::string& detail) {
  using digest::has_control;
  if (request.method.empty() || has_control(request.method) || has_control(request.target) ||
      request.target.empty()) {
    detail = "Digest: the method and request-target must be non-empty and free of control characters";
    return make_error_code(errc::bad_function_argument);
  }
  if (challenge.qop_auth && (request.cnonce.empty() || has_control(request.cnonce))) {
    detail = "Digest: the client nonce must be non-empty and free of control characters";
    return make_error_code(errc::bad_function_argument);
  }

  digest::hasher h(challenge.algorithm);
  std::string ha1, ha2, response, user_hash;
  char nc[9] = {};
  std::snprintf(nc, sizeof nc, "%08x", static_cast<unsigned>(request.nc));
  const std::string_view qop = challenge.qop_auth ? "auth" : "";

  // With userhash the username parameter carries H(user ":" realm), and A1 is built from that
  // parameter's value (RFC 7616 §3.4.1 and §3.4.4; curl does the same).
  if (challenge.userhash) {
    if (auto ec = h.hex({request.user, challenge.realm}, user_hash, detail))
      return ec;
  }
  const std::string_view a1_user = challenge.userhash ? std::string_view(user_hash) : request.user;
  if (auto ec = h.hex({a1_user, challenge.realm, request.password}, ha1, detail))
    return ec;
  if (digest::is_session_variant(challenge.algorithm)) {
    const std::string base = ha1;
    if (auto ec = h.hex({base, challenge.nonce, request.cnonce}, ha1, detail))
      return ec;
  }
  if (auto ec = h.hex({request.method, request.target}, ha2, detail))
    return ec;
  if (challenge.qop_auth) {
    if (auto ec = h.hex({ha1, challenge.nonce, nc, request.cnonce, qop, ha2}, response, detail))
      return ec;
  } else if (auto ec = h.hex({ha1, challenge.nonce, ha2}, response, detail)) {
    return ec;
  }

  out.clear();
  out += "Digest ";
  if (challenge.userhash) {
    out += "username=";
    digest::append_quoted(out, user_hash);
  } else if (has_control(request.user) || (challenge.charset_utf8 && digest::has_non_ascii(request.user))) {
    out += "username*=";
    digest::append_ext_value(out, request.user);
  } else {
    out += "username=";
    digest::append_quoted(out, request.user);
  }
  out += ", realm=";
  digest::append_quoted(out, challenge.realm);
  out += ", uri=";
  digest::append_quoted(out, request.target);
  if (challenge.algorithm_named) {
    out += ", algorithm=";
    out += digest_algorithm_name(challenge.algorithm);
  }
  out += ", nonce=";
  digest::append_quoted(out, challenge.nonce);
  if (challenge.qop_auth) {
    out += ", nc=";
    out += nc;
    out += ", cnonce=";
    digest::append_quoted(out, request.cnonce);
    out += ", qop=auth";
  }
  out += ", response=";
  digest::append_quoted(out, response);
  if (challenge.opaque) {
    out += ", opaque=";
    digest::append_quoted(out, *challenge.opaque);
  }
  if (challenge.userhash)
    out += ", userhash=true";
  return {};
}

XFER_DECL std::error_code make_digest_cnonce(std::string& out, std::string& detail) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    ERR_clear_error();
    detail = "Digest: RAND_bytes could not make a client nonce";
    return make_error_code(errc::auth_error);
  }
  constexpr char digits[] = "0123456789abcdef";
  out.clear();
  for (const unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return {};
}

XFER_DECL std::error_code digest_session::take_challenge(std::span<const auth_challenge> challenges,
                                                         std::string& detail) {
  digest_challenge next;
  if (auto ec = select_digest_challenge(challenges, next, detail))
    return ec;
  if (!ready_ || next.nonce != challenge_.nonce)
    nc_ = 0;
  challenge_ = std::move(next);
  ready_ = true;
  return {};
}

XFER_DECL std::error_code digest_session::authorization(std::string_view method, std::string_view target,
                                                        std::string_view user, std::string_view password,
                                                        std::string& out, std::string& detail) {
  if (!ready_) {
    detail = "Digest: no challenge to answer yet";
    return make_error_code(errc::auth_error);
  }
  if (nc_ == std::numeric_limits<std::uint32_t>::max()) {
    detail = "Digest: the nonce count is exhausted; a new challenge is needed";
    return make_error_code(errc::auth_error);
  }
  std::string cnonce;
  if (challenge_.qop_auth) {
    if (auto ec = make_digest_cnonce(cnonce, detail))
      return ec;
  }
  digest_request request;
  request.method = method;
  request.target = target;
  request.user = user;
  request.password = password;
  request.cnonce = cnonce;
  request.nc = nc_ + 1;
  if (auto ec = make_digest_authorization(challenge_, request, out, detail))
    return ec;
  ++nc_;
  return {};
}

} // namespace xfer::detail
