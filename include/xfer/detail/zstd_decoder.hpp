// xfer/detail/zstd_decoder.hpp - zstd content decoding through libzstd (XFER_HAS_ZSTD).
#pragma once

#if defined(XFER_HAS_ZSTD)

#include <xfer/detail/content_coding.hpp>
#include <xfer/error.hpp>

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace xfer::detail {

/// Decodes "zstd" content (RFC 8878) with ZSTD_decompressStream. A stream may hold several
/// frames (skippable ones included); anything that is not a frame is an error, and so is a
/// frame of the pre-1.0 formats libzstd may still decode (magics 0xFD2FB51E to 0xFD2FB527): RFC
/// 8878 defines only the current format, and the legacy decoders are not for hostile input.
///
/// The window is capped at 8 MiB (ZSTD_d_windowLogMax 23), the limit RFC 9659 sets for the
/// zstd content coding, so a hostile frame header cannot make the decoder allocate more.
/// A frame whose declared content size differs from what it decodes to is corrupt: libzstd's
/// streaming path does not always check it (an empty last block skips the check), so the decoder
/// checks it itself, and the verdict does not depend on how the input is split.
/// The decoding context is kept across reset().
class zstd_decoder final : public coding_decoder {
 public:
  /// log2 of the largest window accepted: 8 MiB (RFC 9659 §3).
  static constexpr int max_window_log = 23;

  zstd_decoder() noexcept = default;
  zstd_decoder(const zstd_decoder&) = delete;
  zstd_decoder& operator=(const zstd_decoder&) = delete;
  ~zstd_decoder() override { ZSTD_freeDCtx(context_); }

  content_coding coding() const noexcept override { return content_coding::zstd; }

  std::error_code reset() noexcept override {
    if (context_ == nullptr) {
      context_ = ZSTD_createDCtx();
      if (context_ == nullptr)
        return errc::out_of_memory;
      if (ZSTD_isError(ZSTD_DCtx_setParameter(context_, ZSTD_d_windowLogMax, max_window_log))) {
        ZSTD_freeDCtx(context_);
        context_ = nullptr;
        return errc::out_of_memory;
      }
    } else {
      // Keeps the parameters (the window cap), drops the stream.
      ZSTD_DCtx_reset(context_, ZSTD_reset_session_only);
    }
    frame_ended_ = false;
    header_size_ = 0;
    frame_output_ = 0;
    return {};
  }

  coding_step decode(std::string_view& input, std::span<char> output) noexcept override {
    coding_step step;
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    ZSTD_outBuffer out{output.data(), output.size(), 0};
    for (;;) {
      if (header_size_ < 4 && legacy_frame_ahead(input.substr(in.pos))) {
        step.error = errc::bad_content_encoding;
        step.reason = "corrupt data";
        step.library_message = "a frame of a pre-1.0 zstd format";
        break;
      }
      const std::size_t in_before = in.pos;
      const std::size_t out_before = out.pos;
      const std::size_t hint = ZSTD_decompressStream(context_, &out, &in);
      if (ZSTD_isError(hint)) {
        const ZSTD_ErrorCode code = ZSTD_getErrorCode(hint);
        step.error =
            code == ZSTD_error_memory_allocation ? errc::out_of_memory : errc::bad_content_encoding;
        step.reason = code == ZSTD_error_frameParameter_windowTooLarge
                          ? "the frame needs a window larger than 8 MiB"
                      : code == ZSTD_error_memory_allocation ? "zstd ran out of memory"
                                                             : "corrupt data";
        step.library_message = ZSTD_getErrorName(hint);
        break;
      }
      const bool progress = in.pos != in_before || out.pos != out_before;
      keep_header(static_cast<const char*>(in.src) + in_before, in.pos - in_before);
      frame_output_ += out.pos - out_before;
      if (hint == 0) { // a frame was decoded and flushed completely
        if (!content_size_matches()) {
          step.error = errc::bad_content_encoding;
          step.reason = "corrupt data";
          step.library_message = "the frame's content size does not match its data";
          break;
        }
        frame_ended_ = true;
        header_size_ = 0;
        frame_output_ = 0;
      } else if (progress) {
        frame_ended_ = false;
      }
      if (out.pos == out.size) {
        step.more_output = true;
        break;
      }
      // Input used up, or no progress (the next frame's header is incomplete).
      if (in.pos == in.size || !progress)
        break;
    }
    input.remove_prefix(in.pos);
    step.produced = out.pos;
    return step;
  }

  bool at_end() const noexcept override { return frame_ended_; }

 private:
  /// Keeps the first bytes of the current frame, which hold its header.
  void keep_header(const char* consumed, std::size_t size) noexcept {
    const std::size_t n = std::min(size, sizeof header_ - header_size_);
    std::memcpy(header_ + header_size_, consumed, n);
    header_size_ += n;
  }

  /// Whether the frame that starts with the header bytes kept so far followed by `ahead` is one
  /// of the legacy formats (little-endian magic 0xFD2FB51E to 0xFD2FB527).
  bool legacy_frame_ahead(std::string_view ahead) const noexcept {
    unsigned char magic[4];
    std::size_t have = header_size_;
    std::memcpy(magic, header_, have);
    const std::size_t take = std::min(ahead.size(), sizeof magic - have);
    std::memcpy(magic + have, ahead.data(), take);
    if (have + take < sizeof magic)
      return false;
    return magic[0] >= 0x1e && magic[0] <= 0x27 && magic[1] == 0xb5 && magic[2] == 0x2f &&
           magic[3] == 0xfd;
  }

  /// Whether the frame just decoded produced the content size its header declares, if any.
  bool content_size_matches() const noexcept {
    // Skippable frames (magic 0x184D2A5?, little-endian) decode to nothing.
    const auto* h = reinterpret_cast<const unsigned char*>(header_);
    if (header_size_ >= 4 && (h[0] & 0xf0) == 0x50 && h[1] == 0x2a && h[2] == 0x4d && h[3] == 0x18)
      return true;
    const unsigned long long declared = ZSTD_getFrameContentSize(header_, header_size_);
    return declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_ERROR ||
           declared == frame_output_;
  }

  ZSTD_DCtx* context_ = nullptr;
  bool frame_ended_ = false;
  /// The current frame's first bytes: magic, descriptor, window, dictionary id and content size
  /// take at most 18 (RFC 8878 §3.1.1).
  char header_[18] = {};
  std::size_t header_size_ = 0;
  unsigned long long frame_output_ = 0; ///< bytes the current frame decoded to so far
};

} // namespace xfer::detail

#endif // XFER_HAS_ZSTD
