// xfer/detail/brotli_decoder.hpp - br content decoding through brotli (XFER_HAS_BROTLI).
#pragma once

#if defined(XFER_HAS_BROTLI)

#include <xfer/detail/content_coding.hpp>
#include <xfer/error.hpp>

#include <brotli/decode.h>

#include <cstdint>

namespace xfer::detail {

/// Decodes "br" content (RFC 7932) with BrotliDecoderDecompressStream. One stream per response:
/// any byte after its end is an error. Large windows (a non-standard extension) stay off, so the
/// window, and the decoder's memory, stays under about 16 MiB plus tables.
///
/// brotli has no reset: reset() creates a new decoder instance when the previous one was used.
class brotli_decoder final : public coding_decoder {
 public:
  brotli_decoder() noexcept = default;
  brotli_decoder(const brotli_decoder&) = delete;
  brotli_decoder& operator=(const brotli_decoder&) = delete;
  ~brotli_decoder() override {
    if (state_ != nullptr)
      BrotliDecoderDestroyInstance(state_);
  }

  content_coding coding() const noexcept override { return content_coding::br; }

  std::error_code reset() noexcept override {
    if (state_ != nullptr && used_) {
      BrotliDecoderDestroyInstance(state_);
      state_ = nullptr;
    }
    if (state_ == nullptr)
      state_ = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    used_ = false;
    ended_ = false;
    return state_ != nullptr ? std::error_code{} : make_error_code(errc::out_of_memory);
  }

  coding_step decode(std::string_view& input, std::span<char> output) noexcept override {
    coding_step step;
    if (ended_) {
      if (!input.empty()) {
        step.error = errc::bad_content_encoding;
        step.reason = "data after the end of the brotli stream";
      }
      return step;
    }
    used_ = true;
    std::size_t available_in = input.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(input.data());
    std::size_t available_out = output.size();
    auto* next_out = reinterpret_cast<std::uint8_t*>(output.data());
    const BrotliDecoderResult result = BrotliDecoderDecompressStream(
        state_, &available_in, &next_in, &available_out, &next_out, nullptr);
    input.remove_prefix(input.size() - available_in);
    step.produced = output.size() - available_out;
    switch (result) {
    case BROTLI_DECODER_RESULT_SUCCESS:
      ended_ = true;
      if (!input.empty()) {
        step.error = errc::bad_content_encoding;
        step.reason = "data after the end of the brotli stream";
      }
      break;
    case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
      break;
    case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
      step.more_output = true;
      break;
    default: {
      const BrotliDecoderErrorCode code = BrotliDecoderGetErrorCode(state_);
      // Allocation failures are the codes from ERROR_ALLOC_CONTEXT_MODES (-21) down.
      const bool memory = code <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
                          code >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES;
      step.error = memory ? errc::out_of_memory : errc::bad_content_encoding;
      step.reason = memory ? "brotli ran out of memory" : "corrupt data";
      step.library_message = BrotliDecoderErrorString(code);
      break;
    }
    }
    return step;
  }

  bool at_end() const noexcept override { return ended_; }

 private:
  BrotliDecoderState* state_ = nullptr;
  bool used_ = false;
  bool ended_ = false;
};

} // namespace xfer::detail

#endif // XFER_HAS_BROTLI
