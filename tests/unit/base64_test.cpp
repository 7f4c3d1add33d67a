// Base64 (RFC 4648 §4): the RFC's test vectors, every byte value, and strict decoding.
#include <xfer/detail/base64.hpp>

#include <catch2/catch.hpp>

#include <string>

using xfer::detail::base64_decode;
using xfer::detail::base64_encode;

TEST_CASE("base64 encodes RFC 4648 §10 vectors and decodes them back", "[unit][auth]") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    std::string decoded;
    CHECK(base64_decode(encoded, decoded));
    CHECK(decoded == plain);
  }
}

TEST_CASE("base64 round-trips every byte value at every length modulo 3", "[unit][auth]") {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all.push_back(static_cast<char>(i));
  for (std::size_t cut = 0; cut < 3; ++cut) {
    const std::string input = all.substr(cut);
    const std::string encoded = base64_encode(input);
    CHECK(encoded.size() == xfer::detail::base64_encoded_size(input.size()));
    std::string decoded;
    REQUIRE(base64_decode(encoded, decoded));
    CHECK(decoded == input);
  }
  CHECK(base64_encode("\xFB\xFF") == "+/8=");
}

TEST_CASE("base64 decoding is strict", "[unit][auth]") {
  for (const char* bad : {"Zg", "Zg=", "Zg===", "Z===", "Zm9v\n", " Zm9v", "Zm=v", "Zm9v====", "Zh==", "Zm9=",
                          "Zm-v", "Zm_v", "Zg==Zg=="}) {
    std::string out;
    INFO(bad);
    CHECK_FALSE(base64_decode(bad, out));
  }
}
