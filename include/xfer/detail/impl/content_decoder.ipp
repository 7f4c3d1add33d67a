// xfer/detail/impl/content_decoder.ipp - the non-template parts of the content decoder: the
// Content-Encoding field, the decoding step with its limits, and the end-of-body check.
#pragma once

#include <xfer/detail/brotli_decoder.hpp>
#include <xfer/detail/content_decoder.hpp>
#include <xfer/detail/zlib_decoder.hpp>
#include <xfer/detail/zstd_decoder.hpp>

#include <array>

namespace xfer::detail {
namespace content_decoding {

#if defined(XFER_HAS_ZLIB)
inline constexpr bool with_zlib = true;
#else
inline constexpr bool with_zlib = false;
#endif
#if defined(XFER_HAS_BROTLI)
inline constexpr bool with_brotli = true;
#else
inline constexpr bool with_brotli = false;
#endif
#if defined(XFER_HAS_ZSTD)
inline constexpr bool with_zstd = true;
#else
inline constexpr bool with_zstd = false;
#endif

/// "gzip, deflate, br, zstd", less what is not compiled in.
struct accept_encoding_text {
  std::array<char, 32> chars{};
  std::size_t size = 0;

  constexpr void add(std::string_view name) noexcept {
    if (size != 0) {
      chars[size++] = ',';
      chars[size++] = ' ';
    }
    for (const char c : name)
      chars[size++] = c;
  }
};

constexpr accept_encoding_text make_accept_encoding() noexcept {
  accept_encoding_text text;
  if (with_zlib) {
    text.add("gzip");
    text.add("deflate");
  }
  if (with_brotli)
    text.add("br");
  if (with_zstd)
    text.add("zstd");
  return text;
}

inline constexpr accept_encoding_text accept_encoding = make_accept_encoding();

constexpr bool iequals(std::string_view a, std::string_view lower) noexcept {
  if (a.size() != lower.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i])
      return false;
  }
  return true;
}

constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// A field element as it may appear in a message: at most 64 bytes, visible ASCII only.
inline std::string printable(std::string_view s) {
  constexpr std::size_t max_shown = 64;
  std::string out;
  for (const char c : s.substr(0, max_shown))
    out += c > ' ' && c < 0x7f ? c : '?';
  if (s.size() > max_shown)
    out += "...";
  return out;
}

/// The library a coding needs, and the macro that compiles it in.
constexpr std::string_view library_of(content_coding c) noexcept {
  switch (c) {
  case content_coding::gzip:
  case content_coding::deflate:
    return "zlib (XFER_HAS_ZLIB)";
  case content_coding::br:
    return "brotli (XFER_HAS_BROTLI)";
  case content_coding::zstd:
    return "libzstd (XFER_HAS_ZSTD)";
  }
  return "?";
}

inline std::unique_ptr<coding_decoder> make_decoder(content_coding c) {
  switch (c) {
#if defined(XFER_HAS_ZLIB)
  case content_coding::gzip:
  case content_coding::deflate:
    return std::make_unique<zlib_decoder>(c);
#endif
#if defined(XFER_HAS_BROTLI)
  case content_coding::br:
    return std::make_unique<brotli_decoder>();
#endif
#if defined(XFER_HAS_ZSTD)
  case content_coding::zstd:
    return std::make_unique<zstd_decoder>();
#endif
  default:
    return nullptr;
  }
}

} // namespace content_decoding

XFER_DECL std::string_view content_decoder::accept_encoding_value() noexcept {
  return {content_decoding::accept_encoding.chars.data(), content_decoding::accept_encoding.size};
}

XFER_DECL bool content_decoder::supports(content_coding coding) noexcept {
  switch (coding) {
  case content_coding::gzip:
  case content_coding::deflate:
    return content_decoding::with_zlib;
  case content_coding::br:
    return content_decoding::with_brotli;
  case content_coding::zstd:
    return content_decoding::with_zstd;
  }
  return false;
}

XFER_DECL void content_decoder::reset() noexcept {
  depth_ = 0;
  active_ = false;
  paused_ = false;
  fed_ = false;
  error_.clear();
  detail_.clear();
  held_.clear();
  held_begin_ = 0;
  delivered_ = 0;
}

XFER_DECL void content_decoder::release() noexcept {
  reset();
  std::vector<stage>().swap(stages_);
  std::string().swap(held_);
  std::string().swap(detail_);
}

XFER_DECL std::error_code content_decoder::start(std::string_view content_encoding) {
  using namespace content_decoding;
  if (error_)
    return error_;
  if (fed_)
    return fail(errc::bad_content_encoding,
                "a Content-Encoding field arrived after the body had started");
  std::size_t pos = 0;
  while (pos <= content_encoding.size()) {
    std::size_t comma = content_encoding.find(',', pos);
    if (comma == std::string_view::npos)
      comma = content_encoding.size();
    const std::string_view element = trim_ows(content_encoding.substr(pos, comma - pos));
    pos = comma + 1;
    if (element.empty() || iequals(element, "identity") || iequals(element, "none"))
      continue;
    content_coding coding{};
    if (iequals(element, "gzip") || iequals(element, "x-gzip"))
      coding = content_coding::gzip;
    else if (iequals(element, "deflate"))
      coding = content_coding::deflate;
    else if (iequals(element, "br"))
      coding = content_coding::br;
    else if (iequals(element, "zstd"))
      coding = content_coding::zstd;
    else
      return fail(errc::bad_content_encoding,
                  "unsupported Content-Encoding \"" + printable(element) +
                      "\" (this build decodes " +
                      (accept_encoding.size != 0 ? std::string(accept_encoding_value())
                                                 : std::string("none")) +
                      ")");
    if (!supports(coding))
      return fail(errc::bad_content_encoding,
                  "Content-Encoding " + std::string(content_coding_name(coding)) + " needs " +
                      std::string(library_of(coding)) + ", which this build of xfer lacks");
    if (depth_ == max_codings)
      return fail(errc::bad_content_encoding,
                  "Content-Encoding lists more than " + std::to_string(max_codings) + " codings");
    if (stages_.size() == depth_)
      stages_.emplace_back();
    stage& s = stages_[depth_];
    if (!s.decoder || s.decoder->coding() != coding)
      s.decoder = make_decoder(coding);
    if (const std::error_code ec = s.decoder->reset())
      return fail(ec, "Content-Encoding " + std::string(content_coding_name(coding)) +
                          ": the decoder could not be set up");
    s.begin = s.end = 0;
    s.produced = 0;
    s.more_output = false;
    s.fed = false;
    s.stopped = false;
    ++depth_;
    active_ = true;
  }
  return {};
}

XFER_DECL std::error_code content_decoder::finish() {
  if (paused_)
    return std::make_error_code(std::errc::operation_in_progress);
  if (!fed_)
    return {};
  if (error_)
    return error_;
  for (std::size_t i = depth_; i-- > 0;) {
    const stage& s = stages_[i];
    if (s.fed && !s.decoder->at_end())
      return fail(errc::bad_content_encoding,
                  "Content-Encoding " + std::string(content_coding_name(s.decoder->coding())) +
                      ": the body ended before the end of the compressed data");
  }
  return {};
}

XFER_DECL std::error_code content_decoder::step(std::size_t i, std::string_view& input,
                                                const limits& bounds) {
  if (bounds.deadline != std::chrono::steady_clock::time_point::max() &&
      std::chrono::steady_clock::now() >= bounds.deadline)
    return fail(errc::operation_timedout, "the timeout was reached while decoding the body");
  stage& s = stages_[i];
  const bool first = i + 1 == depth_;
  std::string_view source = first ? input : stages_[i + 1].pending();
  const std::size_t available = source.size();
  if (available != 0)
    s.fed = true;
  if (!s.buffer)
    s.buffer = std::make_unique_for_overwrite<char[]>(buffer_size);

  const coding_step result = s.decoder->decode(source, {s.buffer.get(), buffer_size});

  const std::size_t consumed = available - source.size();
  if (first)
    input = source;
  else
    stages_[i + 1].begin += consumed;
  s.begin = 0;
  s.end = result.produced;
  s.produced += result.produced;
  // A full buffer may hide more output whatever the library said (brotli can answer "needs more
  // input" with output still in its ring buffer); a step that did nothing has nothing more.
  s.more_output = (result.more_output || result.produced == buffer_size) &&
                  (consumed != 0 || result.produced != 0);
  const std::string_view name = content_coding_name(s.decoder->coding());
  if (s.produced > bounds.max_decoded_size) {
    s.stopped = true;
    s.end -= static_cast<std::size_t>(s.produced - bounds.max_decoded_size); // up to the cap
    (void)fail(errc::too_large,
               "decoded body exceeds " + std::to_string(bounds.max_decoded_size) + " bytes");
    return {};
  }
  if (result.error) {
    s.stopped = true;
    std::string detail =
        "Content-Encoding " + std::string(name) + ": " + std::string(result.reason);
    if (!result.library_message.empty())
      detail += " (" + std::string(result.library_message) + ")";
    (void)fail(result.error, std::move(detail));
    return {};
  }
  if (available != 0 && consumed == 0 && result.produced == 0)
    return fail(errc::bad_content_encoding,
                "Content-Encoding " + std::string(name) + ": the decoder stopped making progress");
  return {};
}

XFER_DECL void content_decoder::hold(std::string_view input, bool input_is_held) {
  if (input_is_held) {
    held_begin_ = held_.size() - input.size();
  } else {
    held_.assign(input);
    held_begin_ = 0;
  }
}

XFER_DECL std::error_code content_decoder::fail(std::error_code ec, std::string detail) {
  error_ = ec;
  detail_ = std::move(detail);
  active_ = true;
  return ec;
}

} // namespace xfer::detail
