// Deterministic test content: bytes that differ per seed, for byte-exact body checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace xfer::test {

/// `size` pseudo-random bytes, the same for the same `seed`.
inline std::string make_content(std::size_t size, unsigned seed) {
  std::string s(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

} // namespace xfer::test
