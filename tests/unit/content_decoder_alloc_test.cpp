// A content decoder, once warm, decodes response after response without one allocation through
// operator new, and an inactive one never allocates. A program of its own, since it replaces
// the global operator new to count (zlib's and libzstd's own state is kept by reset(); brotli
// cannot reset a decoder and is left out).
#include <xfer/detail/content_decoder.hpp>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

#if defined(XFER_HAS_ZLIB)
#include <zlib.h>
#endif
#if defined(XFER_HAS_ZSTD)
#include <zstd.h>
#endif

namespace {
bool counting = false;
std::size_t allocations = 0;
} // namespace

void* operator new(std::size_t size) {
  if (counting)
    ++allocations;
  if (void* p = std::malloc(size != 0 ? size : 1))
    return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using xfer::detail::content_decoder;

int failures = 0;

void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

/// Decodes `data` as one response; returns the decoded size, or -1 on an error.
long long decode(content_decoder& decoder, std::string_view field, std::string_view data) {
  decoder.reset();
  if (decoder.start(field))
    return -1;
  std::size_t size = 0;
  auto sink = [&](std::string_view piece) { size += piece.size(); };
  // In pieces, as a socket delivers them.
  for (std::size_t at = 0; at < data.size(); at += 1500)
    if (decoder.feed(data.substr(at, 1500), sink, {}))
      return -1;
  if (decoder.finish())
    return -1;
  return static_cast<long long>(size);
}

/// Decoding `data` again on a warm decoder allocates nothing.
void check_warm(content_decoder& decoder, std::string_view field, std::string_view data,
                std::size_t expected_size, const char* what) {
  expect(decode(decoder, field, data) == static_cast<long long>(expected_size), what); // warms up
  allocations = 0;
  counting = true;
  long long size = 0;
  for (int round = 0; round < 3; ++round)
    size = decode(decoder, field, data);
  counting = false;
  expect(size == static_cast<long long>(expected_size), what);
  if (allocations != 0)
    std::fprintf(stderr, "%s: %zu allocations once warm\n", what, allocations);
  expect(allocations == 0, what);
}

} // namespace

int main() {
  std::string body;
  for (int i = 0; body.size() < 200 * 1024; ++i)
    body += "line " + std::to_string(i) + " of a body that compresses well\n";

  content_decoder decoder;

  // Inactive: no coding, or identity only.
  allocations = 0;
  counting = true;
  expect(decode(decoder, "", body) == static_cast<long long>(body.size()), "no coding");
  expect(decode(decoder, "identity", body) == static_cast<long long>(body.size()), "identity");
  counting = false;
  expect(allocations == 0, "an inactive decoder allocates nothing");

#if defined(XFER_HAS_ZLIB)
  {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string gz(deflateBound(&z, static_cast<uLong>(body.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(body.data());
    z.avail_in = static_cast<uInt>(body.size());
    z.next_out = reinterpret_cast<Bytef*>(gz.data());
    z.avail_out = static_cast<uInt>(gz.size());
    deflate(&z, Z_FINISH);
    gz.resize(z.total_out);
    deflateEnd(&z);
    check_warm(decoder, "gzip", gz, body.size(), "gzip");
    check_warm(decoder, "gzip, identity, gzip", std::string_view(), 0, "empty gzip chain");
  }
#endif
#if defined(XFER_HAS_ZSTD)
  {
    std::string zs(ZSTD_compressBound(body.size()), '\0');
    zs.resize(ZSTD_compress(zs.data(), zs.size(), body.data(), body.size(), 3));
    check_warm(decoder, "zstd", zs, body.size(), "zstd");
  }
#endif

  std::printf("content decoder allocations: %s\n", failures == 0 ? "none once warm" : "FAILED");
  return failures == 0 ? 0 : 1;
}
