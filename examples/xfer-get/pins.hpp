// examples/xfer-get/pins.hpp - --pinnedpubkey FILE: the public key in a file as a sha256// pin.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace xfer_get {

/// What --pinnedpubkey's value means to the library. "sha256//..." pins (';'-separated) go
/// through as they are; anything else names a file with the public key in PEM or DER, as
/// curl reads it, and becomes that key's "sha256//BASE64" pin. A file that holds no public
/// key gives a pin no key matches, so the transfer fails with exit 90 as with curl.
inline std::string pin_for_library(const std::string& value) {
  if (value.empty() || value.starts_with("sha256//"))
    return value;
  const std::string unusable = "sha256//(no public key in " + value + ")";
  std::unique_ptr<BIO, decltype(&BIO_free)> file(BIO_new_file(value.c_str(), "rb"), &BIO_free);
  if (!file)
    return unusable;
  EVP_PKEY* key = PEM_read_bio_PUBKEY(file.get(), nullptr, nullptr, nullptr);
  if (!key) {
    BIO_reset(file.get());
    key = d2i_PUBKEY_bio(file.get(), nullptr);
  }
  if (!key)
    return unusable;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owned(key, &EVP_PKEY_free);
  unsigned char* der = nullptr;
  const int der_size = i2d_PUBKEY(key, &der);
  if (der_size <= 0)
    return unusable;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  const bool hashed = EVP_Digest(der, static_cast<std::size_t>(der_size), digest, &digest_size,
                                 EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  if (!hashed)
    return unusable;
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int encoded_size = EVP_EncodeBlock(encoded, digest, static_cast<int>(digest_size));
  return "sha256//" + std::string(reinterpret_cast<const char*>(encoded),
                                  static_cast<std::size_t>(encoded_size));
}

} // namespace xfer_get
