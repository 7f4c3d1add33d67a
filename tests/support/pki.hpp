// A test PKI generated at test time with OpenSSL 3's C API (so that validity dates are ours).
//
// Generated once per test process (test_pki() holds a function-local static) into a temp_dir
// that is removed at exit. Every key is ECDSA P-256. Layout:
//
//   root (trusted)      ── intermediate ── good, wrong_host, expired, not_yet_valid, client
//   other root (untrusted) ── unknown_ca
//   self_signed (its own issuer)
//
// Server certificates carry SANs DNS:localhost + IP:127.0.0.1 (wrong_host: DNS:other.example
// only). For each server certificate NAME the directory holds NAME.pem (leaf only),
// NAME-chain.pem (leaf + intermediate for those the intermediate signed; the leaf alone for
// self_signed and unknown_ca, whose issuer is not sent) and NAME.key (unencrypted PKCS#8).
#pragma once

#include "temp_dir.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xfer::test {

namespace detail::pki {

struct pkey_deleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct x509_deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct bio_deleter {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

/// OpenSSL's queued errors as text (and clears the queue).
inline std::string openssl_errors() {
  std::string out;
  unsigned long e = 0;
  while ((e = ERR_get_error()) != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    if (!out.empty()) {
      out += "; ";
    }
    out += buf.data();
  }
  return out;
}

inline void check(bool ok, std::string_view what) {
  if (!ok) {
    throw std::runtime_error("test pki: " + std::string(what) + " failed: " + openssl_errors());
  }
}

inline pkey_ptr make_key() {
  pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "EVP_PKEY_Q_keygen(EC, P-256)");
  return key;
}

/// What a certificate says about itself. Offsets are seconds relative to now.
struct cert_spec {
  std::string common_name;
  bool is_ca = false;
  std::string subject_alt_names;  // e.g. "DNS:localhost,IP:127.0.0.1"; empty = none
  std::string extended_key_usage; // e.g. "serverAuth"; empty = none
  long not_before = -3600;
  long not_after = 365L * 24 * 3600;
};

inline void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str());
  check(ext != nullptr, "X509V3_EXT_nconf_nid(" + std::string(OBJ_nid2sn(nid)) + ")");
  const int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  check(added == 1, "X509_add_ext");
}

/// A certificate for `key`, signed by `issuer_key`; `issuer` null = self-signed.
inline x509_ptr make_cert(const cert_spec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  static long next_serial = 1000;
  x509_ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509* x = cert.get();
  check(X509_set_version(x, X509_VERSION_3) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(x), next_serial++) == 1, "ASN1_INTEGER_set");
  check(X509_gmtime_adj(X509_getm_notBefore(x), spec.not_before) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(x), spec.not_after) != nullptr, "notAfter");
  check(X509_set_pubkey(x, key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(x);
  const auto add_name = [&](const char* field, const std::string& value) {
    check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                     0) == 1,
          "X509_NAME_add_entry_by_txt");
  };
  add_name("O", "xfer tests");
  add_name("CN", spec.common_name);
  check(X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name) == 1,
        "X509_set_issuer_name");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  add_extension(x, &ctx, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(x, &ctx, NID_key_usage,
                spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension(x, &ctx, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) {
    add_extension(x, &ctx, NID_authority_key_identifier, "keyid:always");
  }
  if (!spec.extended_key_usage.empty()) {
    add_extension(x, &ctx, NID_ext_key_usage, spec.extended_key_usage);
  }
  if (!spec.subject_alt_names.empty()) {
    add_extension(x, &ctx, NID_subject_alt_name, spec.subject_alt_names);
  }
  check(X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

inline std::string cert_pem(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  return bio_text(bio.get());
}

/// PKCS#8 PEM, encrypted with AES-256-CBC when `passphrase` is not empty.
inline std::string key_pem(EVP_PKEY* key, const std::string& passphrase = {}) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr, "BIO_new");
  if (passphrase.empty()) {
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
  } else {
    check(PEM_write_bio_PKCS8PrivateKey(bio.get(), key, EVP_aes_256_cbc(), passphrase.c_str(),
                                        static_cast<int>(passphrase.size()), nullptr, nullptr) == 1,
          "PEM_write_bio_PKCS8PrivateKey");
  }
  return bio_text(bio.get());
}

/// curl's pin format of a public key: "sha256//" + base64(SHA-256(DER SubjectPublicKeyInfo)).
inline std::string sha256_pin(EVP_PKEY* key) {
  const int len = i2d_PUBKEY(key, nullptr);
  check(len > 0, "i2d_PUBKEY");
  std::vector<unsigned char> der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  check(i2d_PUBKEY(key, &p) == len, "i2d_PUBKEY");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_len = 0;
  check(EVP_Digest(der.data(), der.size(), digest.data(), &digest_len, EVP_sha256(), nullptr) == 1,
        "EVP_Digest");
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> b64{};
  const int n = EVP_EncodeBlock(b64.data(), digest.data(), static_cast<int>(digest_len));
  return "sha256//" + std::string(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(n));
}

inline void write_text(const std::filesystem::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) {
    throw std::runtime_error("test pki: cannot write " + p.string());
  }
}

} // namespace detail::pki

/// Paths of a server's certificate chain and key.
struct server_credentials {
  std::string cert_chain_path;
  std::string key_path;
};

/// The generated PKI; see the file comment. Use test_pki() to get the process's one instance.
class pki {
 public:
  /// The names server() knows.
  static constexpr std::array<std::string_view, 6> server_names{
      "good", "wrong_host", "expired", "not_yet_valid", "self_signed", "unknown_ca"};

  pki() { generate(); }

  pki(const pki&) = delete;
  pki& operator=(const pki&) = delete;

  /// The directory holding every file.
  const std::filesystem::path& dir() const noexcept { return dir_.path(); }

  /// The trusted root alone (PEM file) and as PEM text.
  std::string ca_file() const { return path("root.pem"); }
  const std::string& ca_pem() const noexcept { return root_pem_; }
  /// A directory with the root under its subject hash (`HASH.0`), for CApath-style trust.
  std::string ca_dir() const { return path("hashed"); }
  /// The intermediate CA alone, and root + intermediate in one file.
  std::string intermediate_file() const { return path("intermediate.pem"); }
  const std::string& intermediate_pem() const noexcept { return intermediate_pem_; }
  std::string ca_bundle_file() const { return path("ca-bundle.pem"); }
  /// The second, untrusted root (issuer of unknown_ca).
  std::string other_root_file() const { return path("other-root.pem"); }
  const std::string& other_root_pem() const noexcept { return other_root_pem_; }

  /// NAME-chain.pem and NAME.key for one of server_names; throws for another name.
  server_credentials server(std::string_view name) const {
    known(name);
    return {path(std::string(name) + "-chain.pem"), path(std::string(name) + ".key")};
  }
  /// NAME.pem: the server's leaf certificate alone.
  std::string server_leaf(std::string_view name) const {
    known(name);
    return path(std::string(name) + ".pem");
  }
  /// The sha256//BASE64 pin of a server's public key.
  const std::string& pin(std::string_view name) const { return pins_.at(std::string(known(name))); }
  const std::string& good_pin() const { return pin("good"); }

  /// Client certificate (leaf only; clientAuth, signed by the intermediate), leaf +
  /// intermediate, and its key: unencrypted, and encrypted with client_passphrase().
  std::string client_cert() const { return path("client.pem"); }
  std::string client_cert_chain() const { return path("client-chain.pem"); }
  std::string client_key() const { return path("client.key"); }
  std::string client_key_encrypted() const { return path("client-encrypted.key"); }
  const std::string& client_passphrase() const noexcept { return passphrase_; }
  const std::string& client_cert_pem() const noexcept { return client_cert_pem_; }
  const std::string& client_key_pem() const noexcept { return client_key_pem_; }
  const std::string& client_key_encrypted_pem() const noexcept { return client_key_encrypted_pem_; }

 private:
  std::string path(std::string_view file) const { return (dir_.path() / file).string(); }

  static std::string_view known(std::string_view name) {
    for (const auto n : server_names) {
      if (n == name) {
        return name;
      }
    }
    throw std::invalid_argument("test pki: no server certificate named " + std::string(name));
  }

  void generate() {
    using namespace detail::pki;
    const auto write = [&](std::string_view file, std::string_view text) {
      write_text(dir_.path() / file, text);
    };
    constexpr long day = 24L * 3600;

    auto root_key = make_key();
    auto root = make_cert({"xfer test root CA", true, {}, {}, -day, 3650 * day}, root_key.get(),
                          nullptr, nullptr);
    auto inter_key = make_key();
    auto inter = make_cert({"xfer test intermediate CA", true, {}, {}, -day, 3650 * day},
                           inter_key.get(), root.get(), root_key.get());
    auto other_key = make_key();
    auto other = make_cert({"xfer untrusted root CA", true, {}, {}, -day, 3650 * day},
                           other_key.get(), nullptr, nullptr);

    root_pem_ = cert_pem(root.get());
    intermediate_pem_ = cert_pem(inter.get());
    other_root_pem_ = cert_pem(other.get());
    write("root.pem", root_pem_);
    write("intermediate.pem", intermediate_pem_);
    write("ca-bundle.pem", root_pem_ + intermediate_pem_);
    write("other-root.pem", other_root_pem_);

    std::filesystem::create_directories(dir_.path() / "hashed");
    int ok = 0;
    const unsigned long hash = X509_NAME_hash_ex(X509_get_subject_name(root.get()), nullptr, nullptr, &ok);
    check(ok == 1, "X509_NAME_hash_ex");
    std::array<char, 32> hash_name{};
    std::snprintf(hash_name.data(), hash_name.size(), "%08lx.0", hash);
    write(std::string("hashed/") + hash_name.data(), root_pem_);

    const std::string local_sans = "DNS:localhost,IP:127.0.0.1";
    struct server_def {
      std::string_view name;
      std::string sans;
      long not_before;
      long not_after;
      enum { by_intermediate, by_itself, by_other_root } signer;
    };
    const std::vector<server_def> servers{
        {"good", local_sans, -day, 365 * day, server_def::by_intermediate},
        {"wrong_host", "DNS:other.example", -day, 365 * day, server_def::by_intermediate},
        {"expired", local_sans, -30 * day, -day, server_def::by_intermediate},
        {"not_yet_valid", local_sans, day, 30 * day, server_def::by_intermediate},
        {"self_signed", local_sans, -day, 365 * day, server_def::by_itself},
        {"unknown_ca", local_sans, -day, 365 * day, server_def::by_other_root},
    };
    for (const auto& s : servers) {
      auto key = make_key();
      const cert_spec spec{"xfer test server " + std::string(s.name), false, s.sans, "serverAuth",
                           s.not_before, s.not_after};
      x509_ptr cert;
      switch (s.signer) {
      case server_def::by_intermediate:
        cert = make_cert(spec, key.get(), inter.get(), inter_key.get());
        break;
      case server_def::by_itself:
        cert = make_cert(spec, key.get(), nullptr, nullptr);
        break;
      case server_def::by_other_root:
        cert = make_cert(spec, key.get(), other.get(), other_key.get());
        break;
      }
      const std::string leaf = cert_pem(cert.get());
      const std::string name(s.name);
      write(name + ".pem", leaf);
      write(name + "-chain.pem",
            s.signer == server_def::by_intermediate ? leaf + intermediate_pem_ : leaf);
      write(name + ".key", key_pem(key.get()));
      pins_[name] = sha256_pin(key.get());
    }

    auto client_key = make_key();
    auto client = make_cert({"xfer test client", false, {}, "clientAuth", -day, 365 * day},
                            client_key.get(), inter.get(), inter_key.get());
    client_cert_pem_ = cert_pem(client.get());
    client_key_pem_ = key_pem(client_key.get());
    client_key_encrypted_pem_ = key_pem(client_key.get(), passphrase_);
    write("client.pem", client_cert_pem_);
    write("client-chain.pem", client_cert_pem_ + intermediate_pem_);
    write("client.key", client_key_pem_);
    write("client-encrypted.key", client_key_encrypted_pem_);
  }

  temp_dir dir_{"xfer-pki-"};
  std::string passphrase_ = "xfer test passphrase";
  std::string root_pem_, intermediate_pem_, other_root_pem_;
  std::string client_cert_pem_, client_key_pem_, client_key_encrypted_pem_;
  std::map<std::string, std::string, std::less<>> pins_;
};

/// The process's PKI, generated on first use.
inline const pki& test_pki() {
  static const pki instance;
  return instance;
}

} // namespace xfer::test
