// examples/xfer-get/demo_content.hpp - the demo's files: names, sizes, bytes, checksums.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xfer_get {

/// One file the demo server offers.
struct demo_file {
  std::string name; ///< "file-07.bin"; served at "/file-07.bin"
  std::uint64_t size = 0;
  std::uint64_t checksum = 0; ///< fnv1a of the content
};

/// 64-bit FNV-1a, fed piece by piece.
class fnv1a {
public:
  void update(std::string_view data) noexcept {
    for (unsigned char c : data) {
      hash_ ^= c;
      hash_ *= 0x100000001b3ULL;
    }
  }
  std::uint64_t value() const noexcept { return hash_; }

private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

namespace detail {

constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

} // namespace detail

/// Fills `out` with file `index`'s bytes from `offset` on: each 8-byte word is a hash of the
/// file index and the word's position, so any range can be produced without the ones before.
inline void demo_bytes(std::size_t index, std::uint64_t offset, std::span<char> out) noexcept {
  const std::uint64_t seed = detail::splitmix64(index + 1) << 20;
  std::uint64_t word_index = offset / 8;
  std::uint64_t word = detail::splitmix64(seed ^ word_index);
  unsigned byte = static_cast<unsigned>(offset % 8);
  for (char& c : out) {
    c = static_cast<char>(static_cast<unsigned char>(word >> (8 * byte)));
    if (++byte == 8) {
      byte = 0;
      word = detail::splitmix64(seed ^ ++word_index);
    }
  }
}

/// The checksum of file `index` of `size` bytes, generated piece by piece.
inline std::uint64_t demo_checksum(std::size_t index, std::uint64_t size) {
  fnv1a sum;
  char piece[64 * 1024];
  for (std::uint64_t offset = 0; offset < size;) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof piece, size - offset));
    demo_bytes(index, offset, std::span<char>(piece, n));
    sum.update(std::string_view(piece, n));
    offset += n;
  }
  return sum.value();
}

/// The demo's files. Without `size`, sizes are spread evenly on a log scale from 16 KiB to
/// 4 MiB, nudged off round numbers, and shuffled so that large and small ones mix.
inline std::vector<demo_file> plan_demo_files(std::size_t count,
                                              std::optional<std::uint64_t> size) {
  constexpr std::uint64_t smallest = 16 * 1024, largest = 4 * 1024 * 1024;
  std::vector<std::uint64_t> sizes(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (size) {
      sizes[i] = *size;
      continue;
    }
    const double f = count == 1 ? 0.5 : static_cast<double>(i) / static_cast<double>(count - 1);
    const auto base = static_cast<std::uint64_t>(
        static_cast<double>(smallest) * std::pow(static_cast<double>(largest / smallest), f));
    const std::uint64_t nudge = detail::splitmix64(i) % 4096;
    sizes[i] = std::clamp(base + nudge - 2048, smallest, largest);
  }
  // Fisher-Yates with a fixed seed: the same plan on every run.
  for (std::size_t i = count; i > 1; --i)
    std::swap(sizes[i - 1], sizes[detail::splitmix64(i * 7919) % i]);

  const int digits = count < 100 ? 2 : count < 1000 ? 3 : count < 10000 ? 4 : 5;
  std::vector<demo_file> files(count);
  for (std::size_t i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "file-%0*zu.bin", digits, i + 1);
    files[i].name = name;
    files[i].size = sizes[i];
    files[i].checksum = demo_checksum(i, sizes[i]);
  }
  return files;
}

} // namespace xfer_get
