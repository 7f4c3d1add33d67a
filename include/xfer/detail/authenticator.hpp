// xfer/detail/authenticator.hpp - the Authorization value a request carries, and the answer to a 401.
#pragma once

#include <xfer/auth.hpp>
#include <xfer/detail/auth_challenge.hpp>
#include <xfer/detail/basic_auth.hpp>
#include <xfer/detail/digest_auth.hpp>
#include <xfer/error.hpp>
#include <xfer/headers.hpp>
#include <xfer/url.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace xfer::detail {

/// Produces the credentials a transfer's requests carry: Basic and Bearer up
/// front, Digest (and the choice of `any`) in answer to a 401 challenge. One
/// per transfer; its Digest state lasts for a run, so that a redirect to the
/// same origin answers the known challenge without another round trip.
class authenticator {
public:
  /// What a 401 response is answered with.
  struct answer {
    std::string authorization; ///< the value for the next request; empty = the 401 is final
    std::string detail;        ///< why not, for the debug trace
  };

  /// Forgets the Digest state of the last run.
  void reset() noexcept {
    if (digest_)
      digest_->reset();
  }

  /// The user and password to send: the transfer's credentials, else the URL's userinfo.
  static std::pair<std::string, std::string> user_and_password(const credentials& auth, const url& target) {
    if (!auth.user.empty() || !auth.password.empty())
      return {auth.user, auth.password};
    if (target.has_userinfo())
      return {target.user(), target.password()};
    return {};
  }

  /// The Authorization value sent without waiting for a challenge: Basic and
  /// Bearer (Basic also for credentials in the URL when no scheme is set, as
  /// curl does), and Digest once a challenge of this run is known; else empty.
  std::string preemptive(const credentials& auth, const url& target, std::string_view method) {
    switch (auth.scheme) {
    case auth_scheme::bearer:
      return auth.bearer_token.empty() ? std::string() : bearer_authorization(auth.bearer_token);
    case auth_scheme::basic: {
      auto [user, password] = user_and_password(auth, target);
      return basic_authorization(user, password);
    }
    case auth_scheme::none:
      return target.has_userinfo() ? basic_authorization(target.user(), target.password()) : std::string();
    case auth_scheme::digest:
    case auth_scheme::any:
      if (digest_ && digest_->ready()) {
        auto [user, password] = user_and_password(auth, target);
        std::string value, detail;
        if (!digest_->authorization(method, target.target_view(), user, password, value, detail))
          return value;
      }
      return {};
    }
    return {};
  }

  /// Answers the challenges in the WWW-Authenticate fields of a 401 response
  /// to a `method` request for `target`. `answered` says the request already
  /// carried an answer: then only a Digest `stale=true` is answered again.
  answer respond(const credentials& auth, const url& target, std::string_view method,
                 const headers& response, bool answered) {
    answer result;
    if (auth.scheme != auth_scheme::digest && auth.scheme != auth_scheme::any)
      return result;
    auto [user, password] = user_and_password(auth, target);
    if (user.empty() && password.empty()) {
      result.detail = "no credentials to answer the challenge with";
      return result;
    }
    challenges_.clear();
    if (parse_auth_challenges(response, "WWW-Authenticate", challenges_, result.detail))
      return result; // a malformed challenge: the 401 stands
    bool digest_offered = false, basic_offered = false;
    for (const auto& c : challenges_) {
      digest_offered = digest_offered || c.is("Digest");
      basic_offered = basic_offered || c.is("Basic");
    }
    if (digest_offered) {
      if (!digest_)
        digest_ = std::make_unique<digest_session>();
      if (digest_->take_challenge(challenges_, result.detail))
        return result;
      if (answered && !digest_->stale()) {
        result.detail = "the server refused the credentials";
        return result;
      }
      digest_->authorization(method, target.target_view(), user, password, result.authorization,
                             result.detail);
      return result;
    }
    if (basic_offered && auth.scheme == auth_scheme::any && !answered) {
      result.authorization = basic_authorization(user, password);
      return result;
    }
    result.detail = "no challenge xfer can answer with the allowed schemes";
    return result;
  }

private:
  std::unique_ptr<digest_session> digest_;
  std::vector<auth_challenge> challenges_;
};

} // namespace xfer::detail
