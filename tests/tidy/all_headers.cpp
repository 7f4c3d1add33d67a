// Includes every public header and instantiates the main templates, for clang-tidy.

// Every content coding whose library headers are installed, so that its decoder is checked too.
#if __has_include(<zlib.h>) && !defined(XFER_HAS_ZLIB)
#define XFER_HAS_ZLIB 1
#endif
#if __has_include(<brotli/decode.h>) && !defined(XFER_HAS_BROTLI)
#define XFER_HAS_BROTLI 1
#endif
#if __has_include(<zstd.h>) && !defined(XFER_HAS_ZSTD)
#define XFER_HAS_ZSTD 1
#endif

#include <xfer.hpp>
#include <xfer/detail/auth_challenge.hpp>
#include <xfer/detail/base64.hpp>
#include <xfer/detail/basic_auth.hpp>
#include <xfer/detail/digest_auth.hpp>
#include <xfer/detail/content_decoder.hpp>
#include <xfer/detail/http_date.hpp>
#include <xfer/detail/public_suffix.hpp>

#include <asio/use_future.hpp>

int main() {
  xfer::multi m;
  xfer::transfer t{"http://127.0.0.1:1/"};
  m.add(t);
  m.perform();
  m.poll(std::chrono::milliseconds(1));
  while (auto msg = m.info_read())
    (void)msg->result();
  m.remove(t);
  auto status = m.async_perform(t, asio::use_future);
  (void)status;
  auto next_message = m.async_info_read(asio::use_future);
  (void)next_message;
  m.async_info_read([](std::error_code, const xfer::multi::message_type&) {});
  (void)m.counters();
  (void)m.transfers();
  xfer::transfer r{"http://127.0.0.1:1/"};
  xfer::retry_policy retry;
  retry.max_retries = 2;
  r.set_retry_policy(retry).set_priority(1).set_queue_timeout(std::chrono::milliseconds(5));
  auto remote = m.remote();
  const auto id = remote.add(r);
  remote.resume(id);
  remote.cancel(id);

  xfer::detail::content_decoder decoder;
  (void)decoder.start("gzip, br, zstd");
  std::size_t decoded = 0;
  auto sink = [&](std::string_view piece) {
    decoded += piece.size();
    return decoded < 100;
  };
  (void)decoder.feed("data", sink, {});
  (void)decoder.resume(sink, {});
  (void)decoder.finish();
}
