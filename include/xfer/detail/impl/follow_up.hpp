// xfer/detail/impl/follow_up.hpp - the requests of one run: the first, redirects followed, challenges answered.
#pragma once

#include <xfer/detail/authenticator.hpp>
#include <xfer/detail/transfer_impl.hpp>

#include <charconv>

namespace xfer::detail {

inline bool transfer_impl::begin_run(std::error_code& ec) {
  if (redirects.follow)
    first_target = target; // only redirects compare origins with it
  watches_headers = on_debug || on_header_field;
  hop_started_at = started_at;
  if (body_kind == body_source::file && !open_body_file(ec))
    return false;
  prepare_credentials();
  return true;
}

inline follow_up transfer_impl::plan_follow_up() {
  const bool redirect = is_followed_redirect(status);
  if (redirect) {
    const auto location = response_headers.find("Location");
    if (location && !redirects.follow) {
      std::error_code ignored;
      info.redirect_url = target.resolve(*location, ignored).str();
    }
    if (location && redirects.follow) {
      redirect_step step = plan_redirect(target, first_target, status, *location, current_method(),
                                         redirects, info.redirect_count);
      if (step.error) {
        abort_result = step.error;
        error_detail = std::move(step.detail);
        return follow_up::none;
      }
      next_target = std::move(step.target);
      next_method = std::move(step.method);
      next_body = step.keep_body && hop_body;
      next_credentials = step.credentials;
      return follow_up::redirect;
    }
  }
  if (status == 401 && !auth_challenge_answered && hop_credentials) {
    authenticator::answer answer =
        authenticator::respond(auth, target, current_method(), response_headers, "WWW-Authenticate");
    if (answer.error) {
      abort_result = answer.error;
      error_detail = std::move(answer.detail);
      return follow_up::none;
    }
    if (!answer.authorization.empty()) {
      next_target = target;
      next_method.assign(current_method());
      next_body = hop_body;
      next_credentials = true;
      auth_value = std::move(answer.authorization); // takes effect in begin_follow_up
      return follow_up::authenticate;
    }
  }
  return follow_up::none;
}

inline bool transfer_impl::begin_follow_up(std::error_code& ec) {
  const follow_up step = std::exchange(next, follow_up::none);
  info.chain.push_back({std::string(target.str()), status, std::move(response_headers)});
  response_headers = headers();
  if (step == follow_up::redirect) {
    ++info.redirect_count;
    auth_challenge_answered = false;
    target = std::move(next_target);
  } else {
    auth_challenge_answered = true;
  }
  hop_method = next_method;
  hop_body = next_body;
  hop_credentials = next_credentials;
  status = 0;
  reason.clear();
  info.bytes_downloaded = 0;
  info.bytes_uploaded = 0;
  info.content_type.clear();
  info.retry_after.reset();
  info.effective_url.assign(target.str());
  info.timing.redirect = since_start();
  hop_started_at = std::chrono::steady_clock::now();
  request_head_valid = false;
  if (step == follow_up::redirect)
    prepare_credentials();
  if (sends_body() && !rewind_body()) {
    ec = errc::send_fail_rewind;
    error_detail = "The request body must be sent again but its read callback cannot rewind";
    return false;
  }
  upload_offset = 0;
  if (on_debug) {
    debug_text(step == follow_up::redirect ? "Following redirect to " + std::string(target.str())
                                           : "Answering the authentication challenge");
  }
  return true;
}

inline void transfer_impl::prepare_credentials() {
  auth_value.clear();
  if (!hop_credentials)
    return;
  auth_value = authenticator::preemptive(auth, target);
}

inline bool transfer_impl::open_body_file(std::error_code& ec) {
  close_body_file();
  body_input = std::fopen(body_file.c_str(), "rb");
  std::error_code size_error;
  const auto size = std::filesystem::file_size(body_file, size_error);
  if (!body_input || size_error) {
    close_body_file();
    ec = errc::file_couldnt_read_file;
    error_detail = "Couldn't open the file to upload: " + body_file;
    return false;
  }
  body_size = size;
  return true;
}

inline std::optional<std::chrono::seconds> transfer_impl::parse_retry_after(std::string_view value) {
  constexpr std::int64_t one_day = 86'400;
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  if (!value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t seconds = 0;
    const auto r = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (r.ec == std::errc::result_out_of_range)
      return std::chrono::seconds(one_day);
    return std::chrono::seconds(std::min(seconds, one_day));
  }
  return std::nullopt;
}

} // namespace xfer::detail
