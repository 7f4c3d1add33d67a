// xfer/detail/content_coding.hpp - the streaming decoder of one content coding, behind one
// interface.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>

namespace xfer::detail {

/// The content codings xfer can decode: gzip and deflate (RFC 9110 §8.4.1, through zlib), br
/// (RFC 7932, through brotli) and zstd (RFC 8878, through libzstd).
enum class content_coding : unsigned char { gzip, deflate, br, zstd };

/// The coding's name as Content-Encoding spells it.
constexpr std::string_view content_coding_name(content_coding c) noexcept {
  switch (c) {
  case content_coding::gzip:
    return "gzip";
  case content_coding::deflate:
    return "deflate";
  case content_coding::br:
    return "br";
  case content_coding::zstd:
    return "zstd";
  }
  return "?";
}

/// What one call of coding_decoder::decode() did.
struct coding_step {
  /// Bytes written at the front of the output span.
  std::size_t produced = 0;
  /// The decoder may hold more output for the input it consumed: call again, even without input.
  bool more_output = false;
  /// errc::bad_content_encoding or errc::out_of_memory; empty on success.
  std::error_code error;
  /// On error, what went wrong (static text).
  std::string_view reason;
  /// On error, the library's own message when it has one (static text), else empty.
  std::string_view library_message;
};

/// Decodes one coding's stream, piece by piece. Implementations (zlib_decoder, brotli_decoder,
/// zstd_decoder) exist only when their library is compiled in.
class coding_decoder {
 public:
  virtual ~coding_decoder() = default;

  /// The coding this decoder undoes.
  virtual content_coding coding() const noexcept = 0;

  /// Prepares for a new stream; keeps the library's allocated state where the library allows.
  /// Fails only with errc::out_of_memory.
  virtual std::error_code reset() noexcept = 0;

  /// Decodes from the front of `input` into `output`, until `output` is full or `input` is used
  /// up; `input` loses the bytes consumed. After an error the decoder must be reset().
  virtual coding_step decode(std::string_view& input, std::span<char> output) noexcept = 0;

  /// Whether the bytes decoded so far end exactly at the end of a complete stream (for gzip and
  /// zstd: at the end of a member or frame).
  virtual bool at_end() const noexcept = 0;

 protected:
  coding_decoder() = default;
  coding_decoder(const coding_decoder&) = default;
  coding_decoder& operator=(const coding_decoder&) = default;
};

} // namespace xfer::detail
