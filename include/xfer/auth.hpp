// xfer/auth.hpp - HTTP authentication schemes a transfer may use (curl's CURLOPT_HTTPAUTH).
#pragma once

#include <string>

namespace xfer {

/// Which scheme a transfer answers with.
enum class auth_scheme {
  none,   ///< no Authorization is generated (fields set by the user are still sent)
  basic,  ///< "Basic" on the first request (RFC 7617): user and password in clear over http
  digest, ///< "Digest" (RFC 7616: SHA-256 or MD5, qop=auth) after the server's 401 challenge
  bearer, ///< "Bearer <token>" on every request (RFC 6750)
  any,    ///< no Authorization first; after a 401, the strongest scheme the server offers (Digest, else Basic)
};

/// Credentials and the scheme they are sent with. Credentials in the URL
/// (`http://user:pass@host/`) are used with Basic when none are set here.
struct credentials {
  auth_scheme scheme = auth_scheme::none;
  std::string user;
  std::string password;
  std::string bearer_token; ///< for auth_scheme::bearer
};

} // namespace xfer
