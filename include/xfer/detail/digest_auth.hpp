// xfer/detail/digest_auth.hpp - HTTP Digest access authentication (RFC 7616, RFC 2617, RFC 2069).
#pragma once

#include <xfer/detail/auth_challenge.hpp>
#include <xfer/detail/config.hpp>
#include <xfer/error.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace xfer::detail {

/// The Digest algorithms xfer answers, weakest first within each hash.
enum class digest_algorithm { md5, md5_sess, sha256, sha256_sess, sha512_256, sha512_256_sess };

/// The algorithm's name as written in challenges and credentials ("SHA-256-sess").
XFER_DECL std::string_view digest_algorithm_name(digest_algorithm a) noexcept;

/// The algorithm named `name` (ignoring case), or nothing when xfer does not know it.
XFER_DECL std::optional<digest_algorithm> parse_digest_algorithm(std::string_view name) noexcept;

/// A Digest challenge that xfer can answer, taken from a 401 or 407 response.
struct digest_challenge {
  std::string realm;
  std::string nonce;
  std::optional<std::string> opaque;  ///< echoed unchanged when the server sent one
  digest_algorithm algorithm = digest_algorithm::md5;
  bool algorithm_named = false;       ///< the challenge carried algorithm=; the credentials repeat it
  bool qop_auth = true;               ///< false: the RFC 2069 form without qop, nc and cnonce
  bool stale = false;                 ///< stale=true: the nonce expired, the credentials were fine
  bool userhash = false;              ///< send H(user ":" realm) as the user name (A1 is built from it too)
  bool charset_utf8 = false;          ///< charset=UTF-8 was offered
};

/// Picks, among `challenges` (every challenge of one response, any scheme), the
/// Digest challenge with the strongest hash xfer supports (SHA-512/256 over
/// SHA-256 over MD5; the first offered on a tie) that it can answer with
/// qop=auth or the RFC 2069 form. Returns errc::auth_error, with `detail`
/// saying why, when there is none: no Digest challenge, no nonce, an unknown
/// algorithm, a -sess algorithm without qop, or qop=auth-int only (which would
/// need the request body hashed before it is sent; not supported).
XFER_DECL std::error_code select_digest_challenge(std::span<const auth_challenge> challenges,
                                                  digest_challenge& out, std::string& detail);

/// What one Authorization value is computed from.
struct digest_request {
  std::string_view method;   ///< the request method ("GET")
  std::string_view target;   ///< the request-target as sent on the request line ("/dir/index.html?x=1")
  std::string_view user;
  std::string_view password;
  std::string_view cnonce;   ///< client nonce (qop=auth only); make_digest_cnonce() makes one
  std::uint32_t nc = 1;      ///< nonce count: 1 for the first request with this nonce
};

/// Writes to `out` the Authorization (or Proxy-Authorization) field value
/// answering `challenge` for `request`: `Digest username="…", realm="…",
/// uri="…", [algorithm=…,] nonce="…", [nc=…, cnonce="…", qop=auth,]
/// response="…"[, opaque="…"][, userhash=true]`. Quoted values escape '"' and
/// '\'. A user name with control characters, or non-ASCII with charset=UTF-8,
/// goes out as RFC 8187 `username*=UTF-8''…`. Hashes come from OpenSSL's EVP
/// interface: errc::auth_error when the provider refuses one (MD5 under FIPS);
/// errc::bad_function_argument when the method or target holds control
/// characters or the cnonce is empty or not a quoted-string's content with qop=auth.
XFER_DECL std::error_code make_digest_authorization(const digest_challenge& challenge,
                                                    const digest_request& request, std::string& out,
                                                    std::string& detail);

/// A fresh client nonce: 32 lower-case hex digits from 16 bytes of RAND_bytes.
/// errc::auth_error when OpenSSL's generator fails.
XFER_DECL std::error_code make_digest_cnonce(std::string& out, std::string& detail);

/// Digest state for one protection space (one origin and realm, or one proxy):
/// the challenge in force and its nonce count, so that requests after the first
/// answer it without another round trip and a `stale=true` challenge leads to
/// one retry with the same credentials.
///
/// The expected use, for a response with status 401 (407 for a proxy):
///  1. parse_auth_challenges(response headers, "WWW-Authenticate", …), then take_challenge();
///     on error, end with the 401 as the result (the server asks for what xfer cannot do).
///  2. If the request that got the 401 carried no Digest credentials, or stale()
///     is now true, send the request again with authorization(); otherwise the
///     credentials were refused: stop there (never loop).
class digest_session {
public:
  /// Takes the strongest answerable Digest challenge of a response (see
  /// select_digest_challenge). A new nonce restarts the nonce count; the same
  /// nonce keeps counting. On error the session keeps its previous state.
  XFER_DECL std::error_code take_challenge(std::span<const auth_challenge> challenges, std::string& detail);

  /// Whether a challenge is in force, so authorization() can answer it.
  bool ready() const noexcept { return ready_; }
  /// Whether the challenge in force said stale=true (retry with the same credentials).
  bool stale() const noexcept { return ready_ && challenge_.stale; }
  const digest_challenge& challenge() const noexcept { return challenge_; }
  /// How many Authorization values have answered the current nonce.
  std::uint32_t nonce_count() const noexcept { return nc_; }

  /// The Authorization value for the next request: counts the nonce up and
  /// draws a fresh cnonce. Errors as make_digest_authorization(), plus
  /// errc::auth_error before any challenge or once the count would wrap.
  XFER_DECL std::error_code authorization(std::string_view method, std::string_view target,
                                          std::string_view user, std::string_view password,
                                          std::string& out, std::string& detail);

  /// Forgets the challenge (for new credentials or another protection space).
  void reset() noexcept {
    ready_ = false;
    nc_ = 0;
  }

private:
  digest_challenge challenge_;
  std::uint32_t nc_ = 0;
  bool ready_ = false;
};

} // namespace xfer::detail

#if defined(XFER_HEADER_ONLY)
#include <xfer/detail/impl/digest_auth.ipp>
#endif
