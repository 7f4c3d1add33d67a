// xfer/detail/impl/follow_up.hpp - the requests of one run: the first, redirects followed, challenges answered.
#pragma once

#include <xfer/detail/http_date.hpp>
#include <xfer/detail/transfer_impl.hpp>

#include <algorithm>
#include <charconv>

namespace xfer::detail {

inline bool transfer_impl::begin_run(std::error_code& ec) {
  if (redirects.follow)
    first_target = target; // only redirects compare origins with it
  watches_headers = on_debug || on_header_field;
  hop_started_at = started_at;
  if (body_kind == body_source::file && !open_body_file(ec))
    return false;
  if (body_kind == body_source::multipart) {
    // The files are measured now: the Content-Length is what they hold when the run starts.
    auto reader = body_form->make_reader(ec);
    if (ec) {
      error_detail = "Couldn't prepare the multipart body: " + ec.message();
      ec = errc::file_couldnt_read_file;
      return false;
    }
    form_reader = std::make_unique<multipart_reader>(std::move(reader));
    body_size = form_reader->size();
  }
  authentication.reset();
  run_auth = auth;
  if (target.has_userinfo() && auth.user.empty() && auth.password.empty()) {
    // Credentials in the URL are the run's: they stay with its origin across redirects.
    run_auth.user.assign(target.user());
    run_auth.password.assign(target.password());
    if (run_auth.scheme == auth_scheme::none)
      run_auth.scheme = auth_scheme::basic;
  }
  prepare_credentials();
  return true;
}

inline follow_up transfer_impl::plan_follow_up() {
  const bool redirect = is_followed_redirect(status);
  if (redirect) {
    auto location = response_headers.find("Location");
    if (location && location->find_first_not_of(" \t") == std::string_view::npos)
      location.reset(); // an empty Location leads nowhere: the response is final, as in curl
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
  if (status == 401 && hop_credentials && run_auth.scheme != auth_scheme::none &&
      auth_rounds < max_auth_rounds) {
    authenticator::answer answer =
        authentication.respond(run_auth, target, current_method(), response_headers, !auth_value.empty());
    if (answer.authorization.empty()) {
      if (on_debug && !answer.detail.empty())
        debug_text("Authentication not answered: " + answer.detail);
      return follow_up::none;
    }
    next_target = target;
    next_method.assign(current_method());
    next_body = hop_body;
    next_credentials = true;
    next_authorization = std::move(answer.authorization);
    return follow_up::authenticate;
  }
  return follow_up::none;
}

inline bool transfer_impl::begin_follow_up(std::error_code& ec) {
  const follow_up step = std::exchange(next, follow_up::none);
  info.chain.push_back({std::string(target.str()), status, std::move(response_headers)});
  response_headers = headers();
  if (step == follow_up::redirect) {
    ++info.redirect_count;
    auth_rounds = 0;
    target = std::move(next_target);
    hop_same_origin = same_origin(target, first_target);
  } else {
    ++auth_rounds;
  }
  hop_method = next_method;
  hop_body = next_body;
  hop_credentials = next_credentials;
  status = 0;
  reason.clear();
  info.bytes_downloaded = 0;
  info.bytes_uploaded = 0;
  coded_received = 0;
  info.content_type.clear();
  info.retry_after.reset();
  info.effective_url.assign(target.str());
  // The phases describe the last request: those it does not go through stay zero.
  info.timing.redirect = since_start();
  info.timing.queue = info.timing.name_lookup = info.timing.connect = info.timing.tls_handshake =
      info.timing.pre_transfer = info.timing.start_transfer = std::chrono::microseconds(0);
  info.tls_version.clear();
  info.tls_cipher.clear();
  info.alpn_protocol.clear();
  info.tls_session_resumed = false;
  hop_started_at = std::chrono::steady_clock::now();
  request_head_valid = false;
  if (step == follow_up::redirect)
    prepare_credentials();
  else
    auth_value = std::move(next_authorization);
  // A body none of which was read yet (the answer came before it was sent) needs no rewind.
  if (sends_body() && upload_offset != 0 && !rewind_body()) {
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
  auth_value = authentication.preemptive(run_auth, target, current_method());
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
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (const auto date = parse_http_date(value, now)) {
    const auto delta = (*date - now).count();
    return std::chrono::seconds(std::clamp<std::int64_t>(delta, 0, one_day));
  }
  return std::nullopt;
}

} // namespace xfer::detail
