// HTTPS: certificate verification, trust options, pinning, client certificates, versions and
// ciphers, ALPN, session resumption, pool isolation between TLS configurations, truncation.
// Peers: nginx (tests/support/nginx_server.hpp), an in-process TLS server that can end a
// connection with or without close_notify, and `openssl s_server` for a TLS 1.2-only peer.
// The certificates come from tests/support/pki.hpp, generated at test time.
#include <xfer/multi.hpp>

#include "support/drive.hpp"
#include "support/content.hpp"
#include "support/tls_fixtures.hpp"
#include "support/nginx_server.hpp"
#include "support/pki.hpp"
#include "support/scripted_server.hpp"
#include "support/tls_scripted_server.hpp"

#include <catch2/catch.hpp>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;
namespace xt = xfer::test;

namespace {

// ---------------------------------------------------------------------------------------------
// helpers

const xt::pki& pki() { return xt::test_pki(); }
using xt::tls_nginx;
using xt::trust_root;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return lower(std::string(haystack)).find(lower(std::string(needle))) != std::string::npos;
}

std::string file_text(const std::string& path) { return xt::detail::nginx::read_file(path); }

using xfer::test::make_content;

/// A transfer with a 10 s total timeout (nothing here may hang) that counts the body bytes it
/// delivers to the user and keeps them.
struct counted_transfer {
  xfer::transfer t;
  std::string received;

  explicit counted_transfer(const std::string& url, const xfer::tls_options& tls = trust_root())
      : t(url) {
    t.set_timeout(10s);
    t.set_connect_timeout(10s);
    t.set_tls_options(tls);
    t.set_write_callback([this](std::string_view data) {
      received.append(data);
      return xfer::write_action::proceed;
    });
  }
  counted_transfer(const counted_transfer&) = delete;
  counted_transfer& operator=(const counted_transfer&) = delete;

  std::error_code run(xfer::multi& m) { return xt::run_one(m, t, 20s); }
  const xfer::transfer_info& info() const { return t.info(); }
};

/// Runs a fresh transfer of `url` with `tls` in `m`.
struct outcome {
  std::error_code ec;
  int status = 0;
  std::string body;
  std::string detail;
  xfer::transfer_info info;
};

outcome fetch(xfer::multi& m, const std::string& url, const xfer::tls_options& tls = trust_root()) {
  counted_transfer c(url, tls);
  outcome o;
  o.ec = c.run(m);
  o.status = c.t.status();
  o.body = c.received;
  o.detail = c.t.error_detail();
  o.info = c.info();
  return o;
}

#define XFER_REPORT(o)                                                                             \
  INFO("result: " << (o).ec.value() << " " << (o).ec.message() << "; detail: " << (o).detail      \
                  << "; status " << (o).status)

// ---------------------------------------------------------------------------------------------
// a raw asio::ssl client, to test the fixtures without xfer

struct raw_client_options {
  std::string host = "localhost"; ///< SNI and checked name; an IP literal: no SNI, IP check
  std::string ca_file;            ///< empty: no verification
  std::string cert_file, key_file;
  std::string alpn;   ///< offered protocol, e.g. "http/1.1"
  int min_version = 0; ///< e.g. TLS1_3_VERSION; 0 = default
  int max_version = 0;
  std::shared_ptr<SSL_SESSION> session; ///< offered for resumption
  std::string request;                  ///< sent after the handshake (empty: none)
};

struct raw_client_result {
  std::error_code handshake_error;
  std::error_code end; ///< how reading ended (eof = close_notify, stream_truncated = none)
  std::string response;
  std::string version, alpn;
  int peer_chain_length = 0;
  bool resumed = false;
  std::shared_ptr<SSL_SESSION> session;
};

raw_client_result raw_tls_exchange(std::uint16_t port, const raw_client_options& o) {
  using tcp = asio::ip::tcp;
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX* native_ctx = ctx.native_handle();
  // No client session cache: SSL_CTX_free would flush it and mark our session non-resumable.
  if (o.min_version != 0) {
    SSL_CTX_set_min_proto_version(native_ctx, o.min_version);
  }
  if (o.max_version != 0) {
    SSL_CTX_set_max_proto_version(native_ctx, o.max_version);
  }
  if (!o.ca_file.empty()) {
    ctx.load_verify_file(o.ca_file);
    ctx.set_verify_mode(asio::ssl::verify_peer);
  } else {
    ctx.set_verify_mode(asio::ssl::verify_none);
  }
  if (!o.cert_file.empty()) {
    ctx.use_certificate_chain_file(o.cert_file);
    ctx.use_private_key_file(o.key_file, asio::ssl::context::pem);
  }
  asio::ssl::stream<tcp::socket> stream(io, ctx);
  SSL* ssl = stream.native_handle();
  asio::error_code ip_ec;
  asio::ip::make_address(o.host, ip_ec);
  const bool is_ip = !ip_ec;
  if (!is_ip) {
    SSL_set_tlsext_host_name(ssl, o.host.c_str());
  }
  if (!o.ca_file.empty()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, o.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, o.host.c_str(), 0);
    }
  }
  if (!o.alpn.empty()) {
    std::string wire(1, static_cast<char>(o.alpn.size()));
    wire += o.alpn;
    SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  if (o.session) {
    SSL_set_session(ssl, o.session.get());
  }
  stream.next_layer().connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));

  raw_client_result r;
  std::array<char, 16384> buf{};
  std::function<void()> read_more = [&] {
    stream.async_read_some(asio::buffer(buf), [&](const std::error_code& ec, std::size_t n) {
      r.response.append(buf.data(), n);
      if (ec) {
        r.end = ec;
        return;
      }
      read_more();
    });
  };
  stream.async_handshake(asio::ssl::stream_base::client, [&](const std::error_code& ec) {
    r.handshake_error = ec;
    if (ec) {
      return;
    }
    r.version = SSL_get_version(ssl);
    const unsigned char* proto = nullptr;
    unsigned proto_len = 0;
    SSL_get0_alpn_selected(ssl, &proto, &proto_len);
    r.alpn.assign(reinterpret_cast<const char*>(proto), proto_len);
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
      r.peer_chain_length = sk_X509_num(chain);
    }
    r.resumed = SSL_session_reused(ssl) == 1;
    if (o.request.empty()) {
      return;
    }
    asio::async_write(stream, asio::buffer(o.request), [&](const std::error_code& wec, std::size_t) {
      if (wec) {
        r.end = wec;
        return;
      }
      read_more();
    });
  });
  io.run_for(10s);
  // Mark the connection as shut down: OpenSSL makes the session of an SSL freed without a
  // (sent) shutdown non-resumable.
  SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  if (SSL_SESSION* s = SSL_get1_session(ssl)) {
    r.session.reset(s, SSL_SESSION_free);
  }
  return r;
}

std::string get_request(std::string_view path, std::string_view host = "localhost") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + std::string(host) +
         "\r\nConnection: close\r\n\r\n";
}

// ---------------------------------------------------------------------------------------------
// X509 verification of the generated PKI, without TLS

struct x509_free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
using x509_ptr = std::unique_ptr<X509, x509_free>;

x509_ptr load_cert(const std::string& path) {
  xt::detail::pki::bio_ptr bio(BIO_new_file(path.c_str(), "r"));
  REQUIRE(bio != nullptr);
  x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert != nullptr);
  return cert;
}

/// X509_verify_cert of `leaf` with the trust file, `intermediates` untrusted, an optional host
/// (or IP) to check and the TLS purpose; returns the X509_V_* result.
int verify(const std::string& leaf_file, const std::string& trust_file,
           const std::vector<std::string>& intermediates, std::string_view host = {},
           int purpose = X509_PURPOSE_SSL_SERVER) {
  X509_STORE* store = X509_STORE_new();
  REQUIRE(X509_STORE_load_file(store, trust_file.c_str()) == 1);
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (const auto& f : intermediates) {
    sk_X509_push(untrusted, load_cert(f).release());
  }
  x509_ptr leaf = load_cert(leaf_file);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  REQUIRE(X509_STORE_CTX_init(ctx, store, leaf.get(), untrusted) == 1);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_purpose(param, purpose);
  if (!host.empty()) {
    const std::string h(host);
    asio::error_code ec;
    asio::ip::make_address(h, ec);
    if (!ec) {
      X509_VERIFY_PARAM_set1_ip_asc(param, h.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, h.c_str(), 0);
    }
  }
  const int ok = X509_verify_cert(ctx);
  const int err = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  sk_X509_pop_free(untrusted, X509_free);
  X509_STORE_free(store);
  return ok == 1 ? X509_V_OK : (err == X509_V_OK ? -1 : err);
}

std::string run_command(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 512> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) {
    out.append(buf.data(), n);
  }
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  return out;
}

} // namespace

// =============================================================================================
// fixtures

TEST_CASE("test PKI: the good chains verify against the root alone", "[loopback][tls][support]") {
  const auto& p = pki();
  const std::string good = p.server_leaf("good");
  CHECK(verify(good, p.ca_file(), {p.intermediate_file()}) == X509_V_OK);
  CHECK(verify(good, p.ca_file(), {p.intermediate_file()}, "localhost") == X509_V_OK);
  CHECK(verify(good, p.ca_file(), {p.intermediate_file()}, "127.0.0.1") == X509_V_OK);
  // Without the intermediate the root alone cannot reach the leaf.
  CHECK(verify(good, p.ca_file(), {}) == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  // good-chain.pem = leaf + intermediate, in that order.
  const std::string chain = file_text(p.server("good").cert_chain_path);
  CHECK(chain == file_text(good) + p.intermediate_pem());
  CHECK(file_text(p.ca_file()) == p.ca_pem());
  // The client certificate is for client authentication, not for servers.
  CHECK(verify(p.client_cert(), p.ca_file(), {p.intermediate_file()}, {}, X509_PURPOSE_SSL_CLIENT) == X509_V_OK);
  CHECK(verify(p.client_cert(), p.ca_file(), {p.intermediate_file()}, {}, X509_PURPOSE_SSL_SERVER) ==
        X509_V_ERR_INVALID_PURPOSE);
  // The hashed directory holds the root under its subject hash.
  bool found = false;
  for (const auto& entry : std::filesystem::directory_iterator(p.ca_dir())) {
    found = found || file_text(entry.path().string()) == p.ca_pem();
    CHECK(entry.path().filename().string().size() == 10); // 8 hex digits + ".0"
  }
  CHECK(found);
  // The PKI is generated once per process.
  CHECK(&xt::test_pki() == &p);
}

TEST_CASE("test PKI: each bad server certificate fails X509 verification for its own reason",
          "[loopback][tls][support]") {
  const auto& p = pki();
  const std::vector<std::string> inter{p.intermediate_file()};
  CHECK(verify(p.server_leaf("expired"), p.ca_file(), inter) == X509_V_ERR_CERT_HAS_EXPIRED);
  CHECK(verify(p.server_leaf("not_yet_valid"), p.ca_file(), inter) == X509_V_ERR_CERT_NOT_YET_VALID);
  CHECK(verify(p.server_leaf("self_signed"), p.ca_file(), inter) ==
        X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  CHECK(verify(p.server_leaf("unknown_ca"), p.ca_file(), inter) ==
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  CHECK(verify(p.server_leaf("unknown_ca"), p.other_root_file(), {}) == X509_V_OK);
  // wrong_host has a good chain; only the name is wrong.
  CHECK(verify(p.server_leaf("wrong_host"), p.ca_file(), inter) == X509_V_OK);
  CHECK(verify(p.server_leaf("wrong_host"), p.ca_file(), inter, "localhost") ==
        X509_V_ERR_HOSTNAME_MISMATCH);
  CHECK(verify(p.server_leaf("wrong_host"), p.ca_file(), inter, "127.0.0.1") ==
        X509_V_ERR_IP_ADDRESS_MISMATCH);
  CHECK(verify(p.server_leaf("wrong_host"), p.ca_file(), inter, "other.example") == X509_V_OK);

  // The dates themselves.
  const auto expired = load_cert(p.server_leaf("expired"));
  CHECK(X509_cmp_current_time(X509_get0_notAfter(expired.get())) < 0);
  const auto early = load_cert(p.server_leaf("not_yet_valid"));
  CHECK(X509_cmp_current_time(X509_get0_notBefore(early.get())) > 0);
  const auto good = load_cert(p.server_leaf("good"));
  CHECK(X509_cmp_current_time(X509_get0_notBefore(good.get())) < 0);
  CHECK(X509_cmp_current_time(X509_get0_notAfter(good.get())) > 0);
  // self_signed and unknown_ca chain files hold the leaf alone.
  CHECK(file_text(p.server("self_signed").cert_chain_path) == file_text(p.server_leaf("self_signed")));
  CHECK(file_text(p.server("unknown_ca").cert_chain_path) == file_text(p.server_leaf("unknown_ca")));
  CHECK_THROWS(p.server("no_such_cert"));
}

TEST_CASE("test PKI: keys match, the encrypted key needs its passphrase, pins match openssl's",
          "[loopback][tls][support]") {
  const auto& p = pki();
  const auto load_key = [](const std::string& path, const char* pass) {
    xt::detail::pki::bio_ptr bio(BIO_new_file(path.c_str(), "r"));
    REQUIRE(bio != nullptr);
    // A null callback with a non-null u: u is the passphrase (no terminal prompt).
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr,
                                          const_cast<char*>(pass != nullptr ? pass : ""));
    ERR_clear_error();
    return xt::detail::pki::pkey_ptr(k);
  };
  for (const auto name : xt::pki::server_names) {
    CAPTURE(name);
    const auto cert = load_cert(p.server_leaf(name));
    const auto key = load_key(p.server(name).key_path, nullptr);
    REQUIRE(key != nullptr);
    CHECK(X509_check_private_key(cert.get(), key.get()) == 1);
    CHECK(EVP_PKEY_is_a(key.get(), "EC") == 1);
  }
  const auto client = load_cert(p.client_cert());
  CHECK(X509_check_private_key(client.get(), load_key(p.client_key(), nullptr).get()) == 1);
  CHECK(file_text(p.client_key_encrypted()).rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0) == 0);
  const auto decrypted = load_key(p.client_key_encrypted(), p.client_passphrase().c_str());
  REQUIRE(decrypted != nullptr);
  CHECK(X509_check_private_key(client.get(), decrypted.get()) == 1);
  CHECK(load_key(p.client_key_encrypted(), "wrong passphrase") == nullptr);
  CHECK(file_text(p.client_cert()) == p.client_cert_pem());
  CHECK(file_text(p.client_key()) == p.client_key_pem());
  CHECK(file_text(p.client_cert_chain()) == p.client_cert_pem() + p.intermediate_pem());

  // The pin, computed independently by the openssl command as curl's documentation shows.
  const std::string expected =
      "sha256//" + run_command("openssl x509 -in '" + p.server_leaf("good") +
                               "' -noout -pubkey | openssl pkey -pubin -outform der | "
                               "openssl dgst -sha256 -binary | openssl base64 -A");
  CHECK(p.good_pin() == expected);
  CHECK(p.good_pin().size() == 8 + 44);
  CHECK(p.pin("wrong_host") != p.good_pin());
}

TEST_CASE("nginx_server with tls serves HTTPS that a raw asio::ssl client verifies",
          "[loopback][tls][support]") {
  xt::nginx_server nginx(tls_nginx("good"));
  nginx.write_file("hello.txt", "hello over tls\n");
  CHECK(nginx.url("/x") == "https://127.0.0.1:" + std::to_string(nginx.port()) + "/x");
  CHECK(nginx.url_for_host("localhost", "/x") ==
        "https://localhost:" + std::to_string(nginx.port()) + "/x");

  raw_client_options o;
  o.ca_file = pki().ca_file();
  o.alpn = "http/1.1";
  o.request = get_request("/hello.txt");
  const auto r = raw_tls_exchange(nginx.port(), o);
  INFO(nginx.logs());
  REQUIRE_FALSE(r.handshake_error);
  CHECK(r.version == "TLSv1.3");
  CHECK(r.alpn == "http/1.1");
  CHECK(r.peer_chain_length == 2); // leaf + intermediate
  CHECK(r.response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.response.size() >= 15);
  CHECK(r.response.substr(r.response.size() - 15) == "hello over tls\n");

  SECTION("the IP SAN verifies too") {
    raw_client_options ip = o;
    ip.host = "127.0.0.1";
    ip.request = get_request("/hello.txt", "127.0.0.1");
    const auto r2 = raw_tls_exchange(nginx.port(), ip);
    REQUIRE_FALSE(r2.handshake_error);
    CHECK(r2.response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  }
  SECTION("TLS 1.2 when the client caps it, and a session resumes") {
    for (const int max : {TLS1_2_VERSION, 0}) {
      CAPTURE(max);
      raw_client_options first = o;
      first.max_version = max;
      const auto a = raw_tls_exchange(nginx.port(), first);
      REQUIRE_FALSE(a.handshake_error);
      CHECK(a.version == (max == TLS1_2_VERSION ? "TLSv1.2" : "TLSv1.3"));
      CHECK_FALSE(a.resumed);
      REQUIRE(a.session != nullptr);
      raw_client_options second = first;
      second.session = a.session;
      const auto b = raw_tls_exchange(nginx.port(), second);
      REQUIRE_FALSE(b.handshake_error);
      CHECK(b.resumed);
      CHECK(b.response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    }
  }
  SECTION("a client trusting another root fails the handshake") {
    raw_client_options other = o;
    other.ca_file = pki().other_root_file();
    CHECK(raw_tls_exchange(nginx.port(), other).handshake_error);
  }
}

TEST_CASE("nginx_server with client_ca_file requires a client certificate",
          "[loopback][tls][support]") {
  auto options = tls_nginx("good");
  options.client_ca_file = pki().ca_bundle_file();
  xt::nginx_server nginx(options);
  nginx.write_file("hello.txt", "mutual\n");
  raw_client_options o;
  o.ca_file = pki().ca_file();
  o.request = get_request("/hello.txt");
  const auto without = raw_tls_exchange(nginx.port(), o);
  CHECK(without.response.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(contains(without.response, "No required SSL certificate was sent"));
  o.cert_file = pki().client_cert();
  o.key_file = pki().client_key();
  const auto with = raw_tls_exchange(nginx.port(), o);
  CHECK(with.response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("tls_scripted_server ends connections with and without close_notify",
          "[loopback][tls][support]") {
  xt::tls_scripted_server server(pki().server("good").cert_chain_path, pki().server("good").key_path);
  const std::string head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
  server.add_reply(head + "proper end", xt::tls_scripted_server::ending::close_notify);
  server.add_reply(head + "cut short", xt::tls_scripted_server::ending::truncate);
  raw_client_options o;
  o.ca_file = pki().ca_file();
  o.request = get_request("/a");
  const auto proper = raw_tls_exchange(server.port(), o);
  REQUIRE_FALSE(proper.handshake_error);
  CHECK(proper.response == head + "proper end");
  CHECK(proper.end == asio::error::eof); // what asio::ssl reports for close_notify
  const auto cut = raw_tls_exchange(server.port(), o);
  REQUIRE_FALSE(cut.handshake_error);
  CHECK(cut.response == head + "cut short");
  CHECK(cut.end == asio::ssl::error::stream_truncated);
  raw_client_options ip = o;
  ip.host = "127.0.0.1";
  CHECK_FALSE(raw_tls_exchange(server.port(), ip).handshake_error); // default reply (404)
  CHECK(server.connections_accepted() == 3);
  CHECK(server.requests().size() == 3);
  CHECK(server.requests()[0] == get_request("/a"));
  CHECK(server.server_names() == std::vector<std::string>{"localhost", "localhost", ""});
  CHECK(server.handshakes_failed() == 0);
}

TEST_CASE("openssl_s_server -tls1_2 speaks TLS 1.2 only", "[loopback][tls][support]") {
  const auto& p = pki();
  xt::openssl_s_server server(p.server_leaf("good"), p.server("good").key_path,
                              p.intermediate_file(), {"-tls1_2"});
  raw_client_options o;
  o.ca_file = p.ca_file();
  o.request = "GET / HTTP/1.0\r\n\r\n";
  const auto r = raw_tls_exchange(server.port(), o);
  INFO(server.log());
  REQUIRE_FALSE(r.handshake_error);
  CHECK(r.version == "TLSv1.2");
  CHECK(r.response.rfind("HTTP/1.0 200 ok\r\n", 0) == 0);
  raw_client_options tls13 = o;
  tls13.min_version = TLS1_3_VERSION;
  CHECK(raw_tls_exchange(server.port(), tls13).handshake_error);
}

// =============================================================================================
// xfer over TLS

TEST_CASE("each bad server certificate fails with its own reason and delivers no body",
          "[loopback][tls]") {
  struct bad_case {
    const char* cert;
    const char* host;
    std::vector<const char*> reason; // one of these words must be in error_detail()
  };
  const auto c = GENERATE(values<bad_case>({
      {"wrong_host", "localhost", {"hostname mismatch"}},
      {"wrong_host", "127.0.0.1", {"mismatch"}},
      {"expired", "localhost", {"expired"}},
      {"not_yet_valid", "localhost", {"not yet valid"}},
      {"self_signed", "localhost", {"self-signed", "self signed"}},
      {"unknown_ca", "localhost", {"unable to get local issuer"}},
  }));
  CAPTURE(c.cert, c.host);
  xt::nginx_server nginx(tls_nginx(c.cert));
  nginx.write_file("secret.txt", "must not be delivered");
  xfer::multi m;
  const auto o = fetch(m, nginx.url_for_host(c.host, "/secret.txt"));
  XFER_REPORT(o);
  CHECK(o.ec == xfer::errc::peer_failed_verification);
  CHECK(o.ec.value() == 60);
  CHECK(std::any_of(c.reason.begin(), c.reason.end(),
                    [&](const char* word) { return contains(o.detail, word); }));
  CHECK(o.body.empty());
  CHECK(o.info.bytes_downloaded == 0);
  CHECK(o.status == 0);
  CHECK(m.open_connections() == 0); // a connection that failed verification is not pooled
}

TEST_CASE("the good chain verifies against the root alone, by name and by IP", "[loopback][tls]") {
  xt::nginx_server nginx(tls_nginx("good"));
  const std::string content = make_content(70000, 1);
  nginx.write_file("file.bin", content);
  xfer::multi m;
  xfer::tls_options tls = trust_root();
  std::string host = "localhost";

  SECTION("ca_file, https://localhost") {}
  SECTION("ca_file, https://127.0.0.1 (IP SAN)") { host = "127.0.0.1"; }
  SECTION("ca_pem in memory") {
    tls = {};
    tls.ca_pem = pki().ca_pem();
  }
  SECTION("ca_path, a hashed directory") {
    tls = {};
    tls.ca_path = pki().ca_dir();
  }
  SECTION("ca_file with root and intermediate") { tls.ca_file = pki().ca_bundle_file(); }

  const auto o = fetch(m, nginx.url_for_host(host, "/file.bin"), tls);
  XFER_REPORT(o);
  REQUIRE_FALSE(o.ec);
  CHECK(o.status == 200);
  CHECK(o.body == content);
  CHECK(o.info.bytes_downloaded == content.size());
  CHECK(o.info.tls_version == "TLSv1.3");
  CHECK_FALSE(o.info.tls_cipher.empty());
  CHECK(o.info.effective_url == nginx.url_for_host(host, "/file.bin"));
}

TEST_CASE("trust problems: a missing or bad CA source, the system store, another root",
          "[loopback][tls]") {
  xt::nginx_server nginx(tls_nginx("good"));
  nginx.write_file("secret.txt", "must not be delivered");
  xfer::multi m;
  xfer::tls_options tls;
  std::error_code expected = xfer::errc::peer_failed_verification;
  const char* reason = nullptr;

  SECTION("a ca_file that does not exist") {
    tls.ca_file = (pki().dir() / "no-such-ca.pem").string();
    expected = xfer::errc::ssl_cacert_badfile;
  }
  SECTION("a ca_file that holds no certificate") {
    tls.ca_file = pki().client_key(); // a PEM file, but a key
    expected = xfer::errc::ssl_cacert_badfile;
  }
  SECTION("a ca_pem that holds no certificate") {
    tls.ca_pem = "this is not PEM\n";
    expected = xfer::errc::ssl_cacert_badfile;
  }
  SECTION("no CA option: the system store does not know our private root") {
    reason = "unable to get local issuer";
  }
  SECTION("a ca_file with another root") {
    tls.ca_file = pki().other_root_file();
    reason = "unable to get local issuer";
  }

  const auto o = fetch(m, nginx.url_for_host("localhost", "/secret.txt"), tls);
  XFER_REPORT(o);
  CHECK(o.ec == expected);
  CHECK_FALSE(o.detail.empty());
  if (reason != nullptr) {
    CHECK(contains(o.detail, reason));
  }
  CHECK(o.body.empty());
  CHECK(o.status == 0);
}

TEST_CASE("insecure switches turn off exactly one check each", "[loopback][tls]") {
  xfer::multi m;
  SECTION("insecure_skip_peer_verification accepts a self-signed certificate") {
    xt::nginx_server nginx(tls_nginx("self_signed"));
    nginx.write_file("f.txt", "accepted");
    xfer::tls_options tls;
    tls.insecure_skip_peer_verification = true;
    const auto o = fetch(m, nginx.url_for_host("localhost", "/f.txt"), tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.body == "accepted");
  }
  SECTION("insecure_skip_hostname_verification accepts wrong_host, chain still verified") {
    xt::nginx_server nginx(tls_nginx("wrong_host"));
    nginx.write_file("f.txt", "accepted");
    xfer::tls_options tls = trust_root();
    tls.insecure_skip_hostname_verification = true;
    const auto o = fetch(m, nginx.url_for_host("localhost", "/f.txt"), tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.body == "accepted");
    const auto by_ip = fetch(m, nginx.url_for_host("127.0.0.1", "/f.txt"), tls);
    CHECK_FALSE(by_ip.ec);
  }
  SECTION("insecure_skip_hostname_verification still rejects an unknown CA") {
    xt::nginx_server nginx(tls_nginx("unknown_ca"));
    nginx.write_file("f.txt", "must not be delivered");
    xfer::tls_options tls = trust_root();
    tls.insecure_skip_hostname_verification = true;
    const auto o = fetch(m, nginx.url_for_host("localhost", "/f.txt"), tls);
    XFER_REPORT(o);
    CHECK(o.ec == xfer::errc::peer_failed_verification);
    CHECK(contains(o.detail, "unable to get local issuer"));
    CHECK(o.body.empty());
  }
  SECTION("insecure_skip_hostname_verification still rejects an expired certificate") {
    xt::nginx_server nginx(tls_nginx("expired"));
    nginx.write_file("f.txt", "must not be delivered");
    xfer::tls_options tls = trust_root();
    tls.insecure_skip_hostname_verification = true;
    const auto o = fetch(m, nginx.url_for_host("localhost", "/f.txt"), tls);
    XFER_REPORT(o);
    CHECK(o.ec == xfer::errc::peer_failed_verification);
    CHECK(contains(o.detail, "expired"));
    CHECK(o.body.empty());
  }
}

TEST_CASE("public key pinning", "[loopback][tls]") {
  xt::nginx_server nginx(tls_nginx("good"));
  nginx.write_file("f.txt", "pinned content");
  xfer::multi m;
  xfer::tls_options tls = trust_root();
  const std::string wrong = pki().pin("wrong_host"); // a well-formed pin of another key
  bool succeeds = true;

  SECTION("the right pin") { tls.pinned_public_key = pki().good_pin(); }
  SECTION("the right pin second of two") { tls.pinned_public_key = wrong + ";" + pki().good_pin(); }
  SECTION("a wrong pin") {
    tls.pinned_public_key = wrong;
    succeeds = false;
  }
  SECTION("a wrong pin is checked even without peer verification") {
    tls = {};
    tls.insecure_skip_peer_verification = true;
    tls.pinned_public_key = wrong;
    succeeds = false;
  }

  const auto o = fetch(m, nginx.url_for_host("localhost", "/f.txt"), tls);
  XFER_REPORT(o);
  if (succeeds) {
    REQUIRE_FALSE(o.ec);
    CHECK(o.body == "pinned content");
  } else {
    CHECK(o.ec == xfer::errc::ssl_pinnedpubkeynotmatch);
    CHECK(o.ec.value() == 90);
    CHECK(o.body.empty());
    CHECK(o.info.bytes_downloaded == 0);
    CHECK(o.status == 0);
  }
}

TEST_CASE("client certificates (mutual TLS)", "[loopback][tls]") {
  auto options = tls_nginx("good");
  options.client_ca_file = pki().ca_bundle_file();
  xt::nginx_server nginx(options);
  nginx.write_file("f.txt", "for authenticated clients");
  xfer::multi m;
  const auto& p = pki();
  xfer::tls_options tls = trust_root();
  enum class expect { ok, no_cert_400, certproblem } expected = expect::ok;

  SECTION("certificate and key files") {
    tls.client_certificate_file = p.client_cert();
    tls.client_key_file = p.client_key();
  }
  SECTION("certificate and key as PEM in memory") {
    tls.client_certificate_pem = p.client_cert_pem();
    tls.client_key_pem = p.client_key_pem();
  }
  SECTION("an encrypted key file with its passphrase") {
    tls.client_certificate_file = p.client_cert();
    tls.client_key_file = p.client_key_encrypted();
    tls.client_key_passphrase = p.client_passphrase();
  }
  SECTION("an encrypted key PEM with its passphrase") {
    tls.client_certificate_pem = p.client_cert_pem();
    tls.client_key_pem = p.client_key_encrypted_pem();
    tls.client_key_passphrase = p.client_passphrase();
  }
  SECTION("no client certificate: nginx answers 400") { expected = expect::no_cert_400; }
  SECTION("a wrong passphrase") {
    tls.client_certificate_file = p.client_cert();
    tls.client_key_file = p.client_key_encrypted();
    tls.client_key_passphrase = "not the passphrase";
    expected = expect::certproblem;
  }
  SECTION("an encrypted key and no passphrase (no terminal prompt either)") {
    tls.client_certificate_file = p.client_cert();
    tls.client_key_file = p.client_key_encrypted();
    expected = expect::certproblem;
  }
  SECTION("a key that does not belong to the certificate") {
    tls.client_certificate_file = p.client_cert();
    tls.client_key_file = p.server("good").key_path;
    expected = expect::certproblem;
  }
  SECTION("a certificate file that does not exist") {
    tls.client_certificate_file = (p.dir() / "no-such-client.pem").string();
    tls.client_key_file = p.client_key();
    expected = expect::certproblem;
  }

  const auto o = fetch(m, nginx.url_for_host("localhost", "/f.txt"), tls);
  XFER_REPORT(o);
  switch (expected) {
  case expect::ok:
    REQUIRE_FALSE(o.ec);
    CHECK(o.status == 200);
    CHECK(o.body == "for authenticated clients");
    break;
  case expect::no_cert_400:
    REQUIRE_FALSE(o.ec); // a response, not a transfer error
    CHECK(o.status == 400);
    CHECK(contains(o.body, "No required SSL certificate was sent"));
    break;
  case expect::certproblem:
    CHECK(o.ec == xfer::errc::ssl_certproblem);
    CHECK(o.ec.value() == 58);
    CHECK_FALSE(o.detail.empty());
    CHECK(o.body.empty());
    break;
  }
}

TEST_CASE("a client certificate file may carry its chain", "[loopback][tls]") {
  auto options = tls_nginx("good");
  options.client_ca_file = pki().ca_file(); // the root alone: the client must send the intermediate
  xt::nginx_server nginx(options);
  nginx.write_file("f.txt", "chain accepted");
  xfer::multi m;
  xfer::tls_options tls = trust_root();
  tls.client_key_file = pki().client_key();
  SECTION("leaf + intermediate: accepted") {
    tls.client_certificate_file = pki().client_cert_chain();
    const auto o = fetch(m, nginx.url_for_host("localhost", "/f.txt"), tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.status == 200);
    CHECK(o.body == "chain accepted");
  }
  SECTION("leaf + intermediate as PEM in memory: accepted") {
    tls.client_key_file.clear();
    tls.client_certificate_pem = pki().client_cert_pem() + pki().intermediate_pem();
    tls.client_key_pem = pki().client_key_pem();
    const auto o = fetch(m, nginx.url_for_host("localhost", "/f.txt"), tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.status == 200);
  }
  SECTION("the leaf alone: nginx cannot verify it (400)") {
    tls.client_certificate_file = pki().client_cert();
    const auto o = fetch(m, nginx.url_for_host("localhost", "/f.txt"), tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.status == 400);
  }
}

TEST_CASE("TLS versions and ciphers", "[loopback][tls]") {
  xt::nginx_server nginx(tls_nginx("good"));
  nginx.write_file("f.txt", "versions");
  xfer::multi m;
  xfer::tls_options tls = trust_root();
  const std::string url = nginx.url_for_host("localhost", "/f.txt");

  SECTION("default: TLS 1.3") {
    const auto o = fetch(m, url, tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.info.tls_version == "TLSv1.3");
  }
  SECTION("max_version v1_2: TLS 1.2") {
    tls.max_version = xfer::tls_version::v1_2;
    const auto o = fetch(m, url, tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.info.tls_version == "TLSv1.2");
    CHECK(o.body == "versions");
  }
  SECTION("min_version v1_3: TLS 1.3") {
    tls.min_version = xfer::tls_version::v1_3;
    const auto o = fetch(m, url, tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.info.tls_version == "TLSv1.3");
  }
  SECTION("a TLS 1.2 cipher") {
    tls.max_version = xfer::tls_version::v1_2;
    tls.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
    const auto o = fetch(m, url, tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.info.tls_cipher == "ECDHE-ECDSA-AES128-GCM-SHA256");
  }
  SECTION("a TLS 1.3 suite") {
    tls.tls13_ciphers = "TLS_CHACHA20_POLY1305_SHA256";
    const auto o = fetch(m, url, tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.info.tls_cipher == "TLS_CHACHA20_POLY1305_SHA256");
  }
  SECTION("a curve list") {
    tls.curves = "P-384";
    const auto o = fetch(m, url, tls);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.body == "versions");
  }
  SECTION("bogus lists: ssl_cipher") {
    xfer::tls_options a = tls, b = tls, c = tls;
    a.ciphers = "NO-SUCH-CIPHER";
    b.tls13_ciphers = "TLS_NO_SUCH_SUITE";
    c.curves = "no-such-curve";
    for (const auto& bogus : {a, b, c}) {
      const auto o = fetch(m, url, bogus);
      XFER_REPORT(o);
      CHECK(o.ec == xfer::errc::ssl_cipher);
      CHECK(o.ec.value() == 59);
      CHECK(o.body.empty());
    }
  }
}

TEST_CASE("min_version v1_3 against a TLS 1.2-only server fails the handshake", "[loopback][tls]") {
  const auto& p = pki();
  xt::openssl_s_server server(p.server_leaf("good"), p.server("good").key_path,
                              p.intermediate_file(), {"-tls1_2"});
  xfer::multi m;
  xfer::tls_options tls = trust_root();
  // The peer works with the default options (TLS 1.2 is allowed)...
  const auto ok = fetch(m, server.url_for_host("localhost", "/"), tls);
  {
    XFER_REPORT(ok);
    INFO(server.log());
    REQUIRE_FALSE(ok.ec);
    CHECK(ok.status == 200);
    CHECK(ok.info.tls_version == "TLSv1.2");
  }
  // ...but not with TLS 1.3 required.
  tls.min_version = xfer::tls_version::v1_3;
  const auto o = fetch(m, server.url_for_host("localhost", "/"), tls);
  XFER_REPORT(o);
  CHECK(o.ec == xfer::errc::ssl_connect_error);
  CHECK(o.ec.value() == 35);
  CHECK_FALSE(o.detail.empty());
  CHECK(o.body.empty());
}

TEST_CASE("ALPN: nginx chooses http/1.1", "[loopback][tls]") {
  xt::nginx_server nginx(tls_nginx("good"));
  nginx.write_file("f.txt", "alpn");
  xfer::multi m;
  const auto o = fetch(m, nginx.url_for_host("localhost", "/f.txt"));
  XFER_REPORT(o);
  REQUIRE_FALSE(o.ec);
  CHECK(o.info.alpn_protocol == "http/1.1");
}

TEST_CASE("plain HTTP transfers report no TLS", "[loopback][tls]") {
  xt::nginx_server nginx;
  nginx.write_file("f.txt", "plain");
  xfer::multi m;
  const auto o = fetch(m, nginx.url("/f.txt"));
  REQUIRE_FALSE(o.ec);
  CHECK(o.info.tls_version.empty());
  CHECK(o.info.tls_cipher.empty());
  CHECK(o.info.alpn_protocol.empty());
  CHECK_FALSE(o.info.tls_session_resumed);
}

TEST_CASE("TLS sessions resume only for the same tls_options", "[loopback][tls]") {
  // keepalive_requests 1: nginx closes every connection, so each transfer handshakes anew.
  xt::nginx_server nginx(tls_nginx("good", "keepalive_requests 1;"));
  nginx.write_file("f.txt", "resumable");
  const auto max = GENERATE(xfer::tls_version::default_version, xfer::tls_version::v1_2);
  CAPTURE(static_cast<int>(max));
  xfer::multi m;
  const std::string url = nginx.url_for_host("localhost", "/f.txt");
  xfer::tls_options x = trust_root();
  x.max_version = max;
  const char* version = max == xfer::tls_version::v1_2 ? "TLSv1.2" : "TLSv1.3";

  const auto first = fetch(m, url, x);
  {
    XFER_REPORT(first);
    REQUIRE_FALSE(first.ec);
    CHECK(first.info.tls_version == version);
    CHECK_FALSE(first.info.tls_session_resumed);
    CHECK_FALSE(first.info.connection_reused);
  }
  const auto second = fetch(m, url, x);
  {
    XFER_REPORT(second);
    REQUIRE_FALSE(second.ec);
    CHECK(second.body == "resumable");
    CHECK(second.info.tls_session_resumed);
    CHECK_FALSE(second.info.connection_reused);
  }
  SECTION("a different (valid) ca_pem does not resume") {
    xfer::tls_options y = x;
    y.ca_file.clear();
    y.ca_pem = pki().ca_pem() + pki().intermediate_pem();
    const auto o = fetch(m, url, y);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK_FALSE(o.info.tls_session_resumed);
    CHECK_FALSE(o.info.connection_reused);
    // ...and the same again does.
    const auto again = fetch(m, url, y);
    REQUIRE_FALSE(again.ec);
    CHECK(again.info.tls_session_resumed);
  }
  SECTION("a context_hook does not resume another configuration's session") {
    int calls = 0;
    bool got_context = false;
    xfer::tls_options y = x;
    y.context_hook = std::make_shared<const xfer::ssl_ctx_hook>([&](ssl_ctx_st* ctx) {
      ++calls;
      got_context = got_context || ctx != nullptr;
    });
    const auto o = fetch(m, url, y);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(calls >= 1);
    CHECK(got_context);
    CHECK_FALSE(o.info.tls_session_resumed);
    CHECK_FALSE(o.info.connection_reused);
  }
  SECTION("a session is not offered when verification settings differ") {
    xfer::tls_options y = x;
    y.pinned_public_key = pki().good_pin();
    const auto o = fetch(m, url, y);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK_FALSE(o.info.tls_session_resumed);
  }
  SECTION("the first configuration still resumes afterwards") {
    const auto o = fetch(m, url, x);
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.info.tls_session_resumed);
  }
}

TEST_CASE("the pool never hands a connection to a transfer with other tls_options",
          "[loopback][tls]") {
  xt::nginx_server nginx(tls_nginx("good")); // keep-alive on
  nginx.write_file("f.txt", "pooled");
  xfer::multi m;
  const std::string url = nginx.url_for_host("localhost", "/f.txt");
  const xfer::tls_options x = trust_root();

  SECTION("A (X), B (Y), C (X)") {
    xfer::tls_options y;
    y.ca_pem = pki().ca_pem();
    const auto a = fetch(m, url, x);
    REQUIRE_FALSE(a.ec);
    CHECK_FALSE(a.info.connection_reused);
    const auto b = fetch(m, url, y);
    XFER_REPORT(b);
    REQUIRE_FALSE(b.ec);
    CHECK_FALSE(b.info.connection_reused);
    const auto c = fetch(m, url, x);
    XFER_REPORT(c);
    REQUIRE_FALSE(c.ec);
    CHECK(c.info.connection_reused);
    CHECK(c.info.tls_version == "TLSv1.3"); // a reused connection still reports its TLS
    CHECK(c.body == "pooled");
  }
  SECTION("a connection accepted without verification is not reused by a verifying transfer") {
    xfer::tls_options insecure;
    insecure.insecure_skip_peer_verification = true;
    const auto a = fetch(m, url, insecure);
    REQUIRE_FALSE(a.ec);
    REQUIRE(m.idle_connections() == 1);
    // The system store does not trust our root: a fresh, verified handshake must fail.
    const auto b = fetch(m, url, xfer::tls_options{});
    XFER_REPORT(b);
    CHECK(b.ec == xfer::errc::peer_failed_verification);
    CHECK_FALSE(b.info.connection_reused);
    CHECK(b.body.empty());
  }
  SECTION("a connection without a pin is not reused by a transfer with a wrong pin") {
    const auto a = fetch(m, url, x);
    REQUIRE_FALSE(a.ec);
    xfer::tls_options pinned = x;
    pinned.pinned_public_key = pki().pin("wrong_host");
    const auto b = fetch(m, url, pinned);
    XFER_REPORT(b);
    CHECK(b.ec == xfer::errc::ssl_pinnedpubkeynotmatch);
    CHECK(b.body.empty());
  }
  SECTION("http and https to the same host:port are different origins") {
    // Only the scheme differs; the plain-http transfer must not get the TLS connection.
    const auto a = fetch(m, url, x);
    REQUIRE_FALSE(a.ec);
    const auto b = fetch(m, "http://localhost:" + std::to_string(nginx.port()) + "/f.txt", x);
    CHECK_FALSE(b.info.connection_reused);
    CHECK(b.status != 200); // nginx: "400 The plain HTTP request was sent to HTTPS port"
  }
}

TEST_CASE("a close-delimited TLS body needs close_notify", "[loopback][tls]") {
  const auto creds = pki().server("good");
  xt::tls_scripted_server server(creds.cert_chain_path, creds.key_path);
  const std::string body = make_content(20000, 3);
  const std::string head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
  xfer::multi m;

  SECTION("without close_notify: partial_file") {
    server.add_reply(head + body, xt::tls_scripted_server::ending::truncate);
    const auto o = fetch(m, server.url_for_host("localhost", "/t"));
    XFER_REPORT(o);
    CHECK(o.ec == xfer::errc::partial_file);
    CHECK(o.ec.value() == 18);
    CHECK(o.status == 200);
    CHECK(o.body.size() <= body.size());
  }
  SECTION("with close_notify: the exact body") {
    server.add_reply(head + body, xt::tls_scripted_server::ending::close_notify);
    const auto o = fetch(m, server.url_for_host("localhost", "/t"));
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.status == 200);
    CHECK(o.body == body);
  }
  SECTION("a Content-Length body is complete without close_notify") {
    server.add_reply(xt::http_response(200, body, {{"Connection", "close"}}),
                     xt::tls_scripted_server::ending::truncate);
    const auto o = fetch(m, server.url_for_host("localhost", "/t"));
    XFER_REPORT(o);
    REQUIRE_FALSE(o.ec);
    CHECK(o.body == body);
  }
  CHECK(server.handshakes_failed() == 0);
}

TEST_CASE("SNI names the host, and is not sent for an IP literal", "[loopback][tls]") {
  const auto creds = pki().server("good");
  xt::tls_scripted_server server(creds.cert_chain_path, creds.key_path);
  server.add_reply(xt::http_response(200, "a", {{"Connection", "close"}}),
                   xt::tls_scripted_server::ending::close_notify);
  server.add_reply(xt::http_response(200, "b", {{"Connection", "close"}}),
                   xt::tls_scripted_server::ending::close_notify);
  xfer::multi m;
  const auto by_name = fetch(m, server.url_for_host("localhost", "/"));
  REQUIRE_FALSE(by_name.ec);
  const auto by_ip = fetch(m, server.url_for_host("127.0.0.1", "/"));
  REQUIRE_FALSE(by_ip.ec);
  CHECK(server.server_names() == std::vector<std::string>{"localhost", ""});
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(contains(requests[0], "\r\nHost: localhost:" + std::to_string(server.port()) + "\r\n"));
}

namespace {

/// Runs `count` transfers of nginx's files f0..f19 (of different sizes) in one multi with
/// max_host_connections = 4, transfer i with tls_for(i); checks every body byte-exact and that
/// no more than 4 connections were ever open.
void run_many_with_host_limit(std::size_t count,
                              const std::function<xfer::tls_options(std::size_t)>& tls_for) {
  xt::nginx_server nginx(tls_nginx("good"));
  std::map<std::size_t, std::string> files;
  for (std::size_t i = 0; i < 20; ++i) {
    files[i] = make_content(i * i * 1499 + i, static_cast<unsigned>(i) + 100);
    nginx.write_file("f" + std::to_string(i), files[i]);
  }
  xfer::multi_options options;
  options.max_host_connections = 4;
  xfer::multi m{options};
  std::list<xfer::transfer> transfers;
  std::map<const xfer::transfer*, std::size_t> file_of;
  for (std::size_t i = 0; i < count; ++i) {
    transfers.emplace_back(nginx.url_for_host("localhost", "/f" + std::to_string(i % 20)));
    auto& t = transfers.back();
    t.set_tls_options(tls_for(i));
    t.set_timeout(30s);
    file_of[&t] = i % 20;
    m.add(t);
  }
  std::size_t most_open = 0, exact = 0, failed = 0;
  std::string first_failure;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  int running = 0;
  do {
    running = m.perform();
    most_open = std::max(most_open, m.open_connections());
    if (running)
      m.poll(100ms);
    most_open = std::max(most_open, m.open_connections());
    while (auto msg = m.info_read()) {
      auto& t = msg->transfer();
      if (msg->result() || t.status() != 200) {
        if (failed++ == 0)
          first_failure = msg->result().message() + ": " + t.error_detail();
      } else if (t.body() == files[file_of[&t]]) {
        ++exact;
      }
    }
    REQUIRE(std::chrono::steady_clock::now() < deadline);
  } while (running);
  INFO("first failure: " << first_failure);
  CHECK(failed == 0);
  CHECK(exact == count);
  CHECK(most_open <= 4);
  CHECK(most_open >= 1);
}

} // namespace

TEST_CASE("200 HTTPS transfers with max_host_connections = 4 arrive byte-exact",
          "[loopback][tls]") {
  run_many_with_host_limit(200, [](std::size_t) { return trust_root(); });
}

TEST_CASE("max_host_connections limits an origin over all its TLS configurations",
          "[loopback][tls]") {
  // The limit is per origin (CURLMOPT_MAX_HOST_CONNECTIONS): transfers to one host:port with
  // two different (valid) TLS configurations share its 4 connections.
  xfer::tls_options by_pem;
  by_pem.ca_pem = pki().ca_pem();
  run_many_with_host_limit(100, [&](std::size_t i) { return i % 2 == 0 ? trust_root() : by_pem; });
}

TEST_CASE("https to a server that does not speak TLS fails fast with ssl_connect_error",
          "[loopback][tls]") {
  xfer::multi m;
  const auto started = std::chrono::steady_clock::now();
  SECTION("nginx on a plain HTTP port") {
    xt::nginx_server nginx; // no tls
    nginx.write_file("f.txt", "plain");
    const auto o = fetch(m, "https://127.0.0.1:" + std::to_string(nginx.port()) + "/f.txt");
    XFER_REPORT(o);
    CHECK(o.ec == xfer::errc::ssl_connect_error);
    CHECK(o.body.empty());
  }
  SECTION("a server that sends plain HTTP at once and closes") {
    xt::scripted_server server;
    server.add_script({xt::step::send(xt::http_response(200, "plain")), xt::step::close()});
    const auto o = fetch(m, "https://127.0.0.1:" + std::to_string(server.port()) + "/");
    XFER_REPORT(o);
    CHECK(o.ec == xfer::errc::ssl_connect_error);
    CHECK(o.body.empty());
  }
  CHECK(std::chrono::steady_clock::now() - started < 8s);
}
