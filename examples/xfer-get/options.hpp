// examples/xfer-get/options.hpp - xfer-get's command line, parsed into a struct as curl reads it.
#pragma once

#include "data_parts.hpp"

#include <xfer/auth.hpp>
#include <xfer/connect_options.hpp>
#include <xfer/redirect_policy.hpp>
#include <xfer/retry_policy.hpp>
#include <xfer/tls_options.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xfer_get {

/// A command-line mistake: xfer-get prints it and exits with 2 (curl's CURLE_FAILED_INIT).
class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Where one URL's body goes when -o or -O names it.
struct output_slot {
  std::string path;         ///< -o FILE
  bool remote_name = false; ///< -O: the last segment of the URL's path
};

/// The options that apply to the URLs of one group; --next starts a new group with all of
/// them reset, as curl does.
struct url_group {
  std::vector<std::string> urls;
  std::vector<output_slot> outputs; ///< paired with `urls` by position, as curl pairs them
  std::vector<std::pair<std::string, std::string>> headers; ///< -H, in order
  std::optional<std::string> method;                        ///< -X
  std::optional<std::string> user_agent;                    ///< -A
  std::optional<std::string> referer;                       ///< -e
  std::optional<std::string> data;                          ///< -d parts joined with '&'
  bool get = false;                                         ///< -G: data goes in the URL's query
  bool head = false;                                        ///< -I
  bool fail = false;                                        ///< -f
  std::optional<std::string> dump_header;                   ///< -D; "-" is stdout
  std::string output_dir;                                   ///< --output-dir
  std::chrono::milliseconds max_time{0};                    ///< --max-time; 0 = none
  std::chrono::milliseconds connect_timeout{0}; ///< --connect-timeout; 0 = the library's default
  /// --retry N, --retry-delay, --retry-max-time, --retry-all-errors
  xfer::retry_policy retry;
  std::optional<std::chrono::milliseconds> retry_fixed_delay; ///< --retry-delay
  /// --cacert --capath -k --cert --key --pass --pinnedpubkey --tlsv1.2 --tlsv1.3 --tls-max
  /// --ciphers --tls13-ciphers --curves, for https:// URLs. --pinnedpubkey is kept as given:
  /// a FILE is turned into its sha256// pin when the transfer starts, as curl reads it then.
  xfer::tls_options tls;
  /// -L --max-redirs --location-trusted --post301 --post302 --post303
  xfer::redirect_policy redirects;
  /// -u USER[:PASSWORD] with --basic (the default) --digest --anyauth, or --oauth2-bearer
  xfer::credentials auth;
  bool auth_given = false;
  std::optional<std::string> upload_file;      ///< -T: PUT this file
  std::optional<std::int64_t> continue_at;     ///< -C OFFSET; -1 for "-C -" (the output's size)
  std::uint64_t max_filesize = 0;              ///< --max-filesize; 0 = none
  std::optional<std::string> write_out;        ///< -w FORMAT (@FILE reads it from FILE)
  std::optional<std::chrono::milliseconds> expect100_timeout; ///< --expect100-timeout
  std::vector<std::string> form;               ///< -F NAME=VALUE | NAME=@FILE[;type=T] | NAME=<FILE
  bool compressed = false;                     ///< --compressed
  /// --resolve --connect-to -4 -6 --unix-socket --interface
  xfer::connect_options connect;
  std::uint64_t limit_rate = 0;                ///< --limit-rate, bytes per second; 0 = none
  std::uint64_t speed_limit = 0;               ///< -Y, bytes per second (with -y; curl's default 1)
  std::chrono::milliseconds speed_time{0};     ///< -y; 0 = off (curl's default 30 s once -Y is given)
};

/// Everything the command line says.
struct options {
  std::vector<url_group> groups = std::vector<url_group>(1);
  bool silent = false;
  bool show_error = false;
  bool verbose = false;
  bool parallel = false;
  std::optional<std::size_t> parallel_max; ///< unset: 50 (8 for --demo)
  bool demo = false;
  std::size_t demo_files = 24;
  std::optional<std::uint64_t> demo_size; ///< unset: sizes vary from 16 KiB to 4 MiB
  bool help = false;
  bool version = false;
  std::vector<std::string> warnings; ///< printed unless -s
  std::vector<std::string> cookies_in; ///< -b: cookie files to load, or "NAME=VALUE; ..." strings
  std::optional<std::string> cookie_jar; ///< -c: where the jar is saved at the end
};

inline constexpr std::size_t parallel_max_limit = 300; // curl's cap too

inline std::string usage_text() {
  return R"(Usage: xfer-get [options...] <url>...
       xfer-get --demo [--demo-files N] [--demo-size BYTES] [options...]

A small curl-like HTTP/1.1 and HTTPS client built on the xfer library.

 -o, --output FILE         write the body of a URL to FILE (one -o per URL, in order)
 -O, --remote-name         name a URL's output file after the last segment of its path
     --output-dir DIR      put -o/-O files in DIR (created if missing); with --demo,
                           save every demo file there
 -D, --dump-header FILE    write the response heads to FILE ('-' = stdout): every response's,
                           redirects and authentication challenges included
 -H, --header "N: v"       add a request header; "Name:" removes a default one
 -X, --request METHOD      send METHOD instead of GET (or POST with -d)
 -A, --user-agent NAME     send "User-Agent: NAME" instead of xfer's (empty: none)
 -e, --referer URL         send "Referer: URL"
 -d, --data DATA           POST DATA as application/x-www-form-urlencoded; @FILE reads
                           FILE without its CR and LF, @- reads stdin; several -d are
                           joined with '&'
     --data-binary DATA    as -d, but @FILE is sent unchanged
     --data-raw DATA       as -d, but a leading '@' is just a character
     --data-urlencode DATA as -d, percent-encoded: CONTENT, =CONTENT, NAME=CONTENT,
                           @FILE or NAME@FILE (only CONTENT and FILE's content are encoded)
 -G, --get                 send the -d data as the URL's query with GET (HEAD with -I)
 -T, --upload-file FILE    PUT FILE (streamed from disk, Content-Length from its size); a URL
                           ending in '/' gets FILE's name appended; '-' sends stdin chunked
 -F, --form NAME=CONTENT   POST multipart/form-data: NAME=VALUE, NAME=@FILE (a file part,
                           streamed; ";type=T" and ";filename=N" may follow), NAME=<FILE
                           (a field with FILE's content)
     --compressed          ask for gzip, deflate, br and zstd (what this build decodes)
                           and decode the body (exit 61 on corrupt data)
 -b, --cookie DATA|FILE    send cookies: "NAME=VALUE; ..." or a cookie file (curl's format;
                           turns the cookie engine on; several -b add up)
 -c, --cookie-jar FILE     write every cookie to FILE (curl's format) at the end
 -I, --head                send HEAD and write the response heads as the output (every
                           response's, as -D)
 -f, --fail                fail with exit 22 on HTTP status >= 400; the body is not written
 -L, --location            follow redirects (301, 302, 303, 307, 308), http and https only
     --max-redirs N        follow at most N redirects (default 30; -1 = no limit) (exit 47)
     --location-trusted    with -L, send credentials and Cookie/Authorization headers to
                           other hosts too (leaks them to whoever the server names)
     --post301, --post302, --post303
                           keep POST after such a redirect instead of switching to GET
 -u, --user USER[:PASSWORD]
                           credentials; Basic unless --digest or --anyauth
     --basic               send -u as Basic (the default)
     --digest              send -u with Digest after the server's challenge
     --anyauth             let the server's challenge pick Digest or Basic
     --oauth2-bearer TOKEN send "Authorization: Bearer TOKEN"
 -C, --continue-at OFFSET  resume the download at OFFSET; "-C -" takes the output file's
                           size and appends to it (exit 33 if the server cannot)
     --max-filesize BYTES  fail (exit 63) when the body is larger; k, M, G suffixes
     --expect100-timeout SECONDS
                           wait this long for "100 Continue" before a large upload (1 s)
 -w, --write-out FORMAT    print FORMAT after each transfer, with %{http_code},
                           %{url_effective}, %{time_total}, %{time_namelookup},
                           %{time_connect}, %{time_appconnect}, %{time_pretransfer},
                           %{time_starttransfer}, %{time_redirect}, %{time_queue},
                           %{size_download}, %{size_upload}, %{speed_download},
                           %{num_redirects}, %{redirect_url}, %{num_connects},
                           %{remote_ip}, %{remote_port}, %{local_ip}, %{local_port},
                           %{content_type}, %{http_version}, %{scheme}, %{exitcode},
                           %{errormsg}, %{response_code}, %{filename_effective},
                           %{method}, %{num_headers}, %{size_header}, %{speed_upload},
                           %{url}, %{urlnum}, %header{NAME}, %{stderr}, %{stdout} and
                           \n \t \r; @FILE reads FORMAT from FILE ('-' = stdin)
 -m, --max-time SECONDS    give up a transfer after SECONDS, fractions allowed (exit 28);
                           time waiting for a connection slot (-Z) does not count
     --retry N             retry a GET, HEAD, PUT, DELETE or OPTIONS up to N times after a
                           connect failure, a reset before the response, or HTTP 408, 429,
                           500, 502, 503, 504; waits 1 s, then doubles (Retry-After honoured)
     --retry-delay SECONDS wait SECONDS before each retry instead (no doubling; a longer
                           Retry-After then ends the retries)
     --retry-max-time SECONDS
                           start no retry later than SECONDS after the transfer began
     --retry-all-errors    also retry any network error and any method (POST too)
     --connect-timeout SECONDS
                           limit the time to connect, fractions allowed (exit 28)
 -Y, --speed-limit BYTES   with -y: give up when slower than BYTES per second (exit 28)
 -y, --speed-time SECONDS  ... for SECONDS (default 30 when -Y is given)
     --limit-rate RATE     receive and send at most RATE bytes per second; k, M, G suffixes
     --resolve HOST:PORT:ADDR[,ADDR...]
                           use ADDR for HOST:PORT instead of DNS (several allowed)
     --connect-to HOST1:PORT1:HOST2:PORT2
                           connect to HOST2:PORT2 for requests to HOST1:PORT1 (several
                           allowed; an empty field matches or keeps anything)
 -4, --ipv4                use IPv4 addresses only
 -6, --ipv6                use IPv6 addresses only
     --unix-socket PATH    connect through the Unix domain socket PATH
     --interface NAME      use the interface or local address NAME for the local end
 TLS (https:// URLs; the server's certificate and name are verified unless -k):
     --cacert FILE         trust the CA certificates in PEM FILE instead of the system's
     --capath DIR          trust the hashed CA certificates in DIR (c_rehash / openssl
                           rehash) instead of the system's
 -k, --insecure            accept any certificate and host name (no verification)
 -E, --cert FILE[:PASSWORD]
                           client certificate (PEM), its key too unless --key; ':' and '\'
                           in FILE are escaped with '\'
     --key FILE            the client certificate's private key (PEM)
     --pass PHRASE         passphrase of the private key
     --pinnedpubkey HASHES|FILE
                           require the server's public key to match: sha256//BASE64 pins
                           separated by ';', or a PEM/DER public key FILE (exit 90)
     --tlsv1.2             use TLS 1.2 or later (the default)
     --tlsv1.3             use TLS 1.3 or later
     --tls-max VERSION     use at most TLS VERSION: 1.2, 1.3 or default
     --ciphers LIST        OpenSSL cipher list for TLS 1.2 (e.g. ECDHE-RSA-AES128-GCM-SHA256)
     --tls13-ciphers LIST  TLS 1.3 cipher suites (e.g. TLS_AES_128_GCM_SHA256)
     --curves LIST         key-exchange groups (e.g. X25519:P-256)
 -Z, --parallel            run transfers in parallel; bodies bound for stdout are kept in
                           memory and written in URL order as their transfers end
     --parallel-max N      at most N transfers at a time (default 50, --demo 8; max 300)
 -:, --next                start a new group of URLs: resets -o -O -D -H -X -d -I -f -m
                           --connect-timeout --output-dir, the TLS and the connection
                           options (-Y -y --limit-rate --resolve --connect-to -4 -6
                           --unix-socket --interface)
 -s, --silent              no progress bars, no error messages
 -S, --show-error          with -s, still print error messages
 -v, --verbose             print the request ('> '), the response head ('< ') and notes
                           ('* ') on stderr
     --demo                serve demo files from 127.0.0.1 (an ephemeral port, inside this
                           process), download them all with -Z, verify every body (size
                           and checksum) and print a summary on stdout
     --demo-files N        number of demo files (default 24)
     --demo-size BYTES     size of every demo file (default: 16 KiB to 4 MiB, varied);
                           suffixes k, M, G are powers of 1024
 -V, --version             print the version and features
 -h, --help                print this help

Transfers share one connection pool, so connections to a host are reused; without -Z they
run one after the other. Progress bars appear on stderr when it is a terminal, unless -s or
-v is given or a body goes to stdout on a terminal.

Exit status: 0 when every transfer succeeded; else the code of the first failed transfer
in URL order, with curl's numbers (6 resolve, 7 connect, 22 HTTP error with -f, 23 write,
28 timeout, 35 TLS handshake, 58 client certificate, 59 cipher, 60 server certificate,
77 CA file, 90 pinned key, ...); 2 for a command-line mistake; 1 when a --demo body fails
verification.
)";
}

namespace detail {

enum class option_id {
  output, remote_name, output_dir, dump_header, header, request, user_agent, referer, data, data_binary, data_raw,
  data_urlencode, get, head, fail,
  max_time, connect_timeout, retry, retry_delay, retry_max_time, retry_all_errors, parallel, parallel_max, next, url,
  silent, show_error, verbose,
  location, max_redirs, location_trusted, post301, post302, post303, user, basic, digest,
  anyauth, oauth2_bearer, upload_file, continue_at, max_filesize, write_out, expect100_timeout,
  form, compressed, cookie, cookie_jar,
  resolve, connect_to, ipv4, ipv6, unix_socket, interface, limit_rate, speed_limit, speed_time,
  demo, demo_files, demo_size, version, help,
  cacert, capath, insecure, cert, key, pass, pinnedpubkey, tlsv1_2, tlsv1_3, tls_max, ciphers,
  tls13_ciphers, curves,
};

struct option_spec {
  char short_name; ///< 0 when the option has only a long name
  std::string_view long_name;
  bool takes_value;
  option_id id;
};

inline constexpr option_spec option_table[] = {
    {'o', "output", true, option_id::output},
    {'O', "remote-name", false, option_id::remote_name},
    {0, "output-dir", true, option_id::output_dir},
    {'D', "dump-header", true, option_id::dump_header},
    {'H', "header", true, option_id::header},
    {'X', "request", true, option_id::request},
    {'A', "user-agent", true, option_id::user_agent},
    {'e', "referer", true, option_id::referer},
    {'d', "data", true, option_id::data},
    {0, "data-binary", true, option_id::data_binary},
    {0, "data-raw", true, option_id::data_raw},
    {0, "data-urlencode", true, option_id::data_urlencode},
    {'G', "get", false, option_id::get},
    {'I', "head", false, option_id::head},
    {'f', "fail", false, option_id::fail},
    {'m', "max-time", true, option_id::max_time},
    {0, "connect-timeout", true, option_id::connect_timeout},
    {0, "retry", true, option_id::retry},
    {0, "retry-delay", true, option_id::retry_delay},
    {0, "retry-max-time", true, option_id::retry_max_time},
    {0, "retry-all-errors", false, option_id::retry_all_errors},
    {'Z', "parallel", false, option_id::parallel},
    {0, "parallel-max", true, option_id::parallel_max},
    {':', "next", false, option_id::next},
    {0, "url", true, option_id::url},
    {'s', "silent", false, option_id::silent},
    {'S', "show-error", false, option_id::show_error},
    {'v', "verbose", false, option_id::verbose},
    {0, "demo", false, option_id::demo},
    {0, "demo-files", true, option_id::demo_files},
    {0, "demo-size", true, option_id::demo_size},
    {'V', "version", false, option_id::version},
    {'h', "help", false, option_id::help},
    {0, "cacert", true, option_id::cacert},
    {0, "capath", true, option_id::capath},
    {'k', "insecure", false, option_id::insecure},
    {'E', "cert", true, option_id::cert},
    {0, "key", true, option_id::key},
    {0, "pass", true, option_id::pass},
    {0, "pinnedpubkey", true, option_id::pinnedpubkey},
    {0, "tlsv1.2", false, option_id::tlsv1_2},
    {0, "tlsv1.3", false, option_id::tlsv1_3},
    {0, "tls-max", true, option_id::tls_max},
    {0, "ciphers", true, option_id::ciphers},
    {0, "tls13-ciphers", true, option_id::tls13_ciphers},
    {0, "curves", true, option_id::curves},
    {'L', "location", false, option_id::location},
    {0, "max-redirs", true, option_id::max_redirs},
    {0, "location-trusted", false, option_id::location_trusted},
    {0, "post301", false, option_id::post301},
    {0, "post302", false, option_id::post302},
    {0, "post303", false, option_id::post303},
    {'u', "user", true, option_id::user},
    {0, "basic", false, option_id::basic},
    {0, "digest", false, option_id::digest},
    {0, "anyauth", false, option_id::anyauth},
    {0, "oauth2-bearer", true, option_id::oauth2_bearer},
    {'T', "upload-file", true, option_id::upload_file},
    {'C', "continue-at", true, option_id::continue_at},
    {0, "max-filesize", true, option_id::max_filesize},
    {'w', "write-out", true, option_id::write_out},
    {0, "expect100-timeout", true, option_id::expect100_timeout},
    {'F', "form", true, option_id::form},
    {0, "compressed", false, option_id::compressed},
    {'b', "cookie", true, option_id::cookie},
    {'c', "cookie-jar", true, option_id::cookie_jar},
    {0, "resolve", true, option_id::resolve},
    {0, "connect-to", true, option_id::connect_to},
    {'4', "ipv4", false, option_id::ipv4},
    {'6', "ipv6", false, option_id::ipv6},
    {0, "unix-socket", true, option_id::unix_socket},
    {0, "interface", true, option_id::interface},
    {0, "limit-rate", true, option_id::limit_rate},
    {'Y', "speed-limit", true, option_id::speed_limit},
    {'y', "speed-time", true, option_id::speed_time},
};

inline std::string option_name(const option_spec& spec) {
  return spec.long_name.empty() ? std::string("-") + spec.short_name
                                : "--" + std::string(spec.long_name);
}

/// SECONDS as curl reads them: a non-negative decimal number, fractions allowed.
inline std::chrono::milliseconds parse_seconds(const option_spec& spec, std::string_view text) {
  double seconds = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds < 0 || seconds > 1e9)
    throw usage_error("option " + option_name(spec) + ": expected a number of seconds, got '" +
                      std::string(text) + "'");
  // A positive time below one millisecond still means "a limit", not "none".
  const auto ms = static_cast<std::int64_t>(std::ceil(seconds * 1000.0));
  return std::chrono::milliseconds(ms);
}

/// A non-negative integer with an optional k, M or G suffix (powers of 1024).
inline std::uint64_t parse_count(const option_spec& spec, std::string_view text, bool suffixes) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  std::string_view rest(end, static_cast<std::size_t>(text.data() + text.size() - end));
  unsigned shift = 0;
  if (suffixes && rest.size() == 1) {
    switch (rest[0]) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    default: break;
    }
    if (shift != 0)
      rest.remove_prefix(1);
  }
  if (ec != std::errc() || end == text.data() || !rest.empty() || value > (UINT64_MAX >> shift))
    throw usage_error("option " + option_name(spec) + ": expected a number, got '" +
                      std::string(text) + "'");
  return value << shift;
}

inline void add_data(url_group& group, data_kind kind, std::string_view value, options& opts) {
  std::string unreadable;
  std::string part = data_part(kind, value, unreadable);
  if (!unreadable.empty())
    opts.warnings.push_back("Couldn't read data from file \"" + unreadable +
                            "\", this makes an empty POST.");
  if (group.data)
    group.data->append("&").append(part);
  else
    group.data = std::move(part);
}

/// -w FORMAT, or -w @FILE with FORMAT read from FILE ('-' = stdin).
inline std::string write_out_format(std::string_view value) {
  if (!value.starts_with('@'))
    return std::string(value);
  const std::string file(value.substr(1));
  auto format = read_whole_file(file);
  if (!format)
    throw usage_error("option -w: cannot read the format from \"" + file + "\"");
  return std::move(*format);
}

inline void add_header(url_group& group, std::string_view value, options& opts) {
  const auto colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    opts.warnings.push_back("header \"" + std::string(value) +
                            "\" ignored: expected \"Name: value\" or \"Name:\"");
    return;
  }
  std::string_view field_value = value.substr(colon + 1);
  while (!field_value.empty() && (field_value.front() == ' ' || field_value.front() == '\t'))
    field_value.remove_prefix(1);
  group.headers.emplace_back(std::string(value.substr(0, colon)), std::string(field_value));
}

/// --cert FILE[:PASSWORD] as curl splits it: the first ':' that no backslash escapes ends
/// the file name, and PASSWORD is the rest; in the name a backslash-colon is a ':' and two
/// backslashes are one (other backslashes stay). A name starting with "pkcs11:" is whole.
inline std::pair<std::string, std::optional<std::string>> split_cert(std::string_view value) {
  std::pair<std::string, std::optional<std::string>> out;
  if (value.starts_with("pkcs11:") || value.find_first_of(":\\") == std::string_view::npos) {
    out.first = value;
    return out;
  }
  std::string& name = out.first;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\') {
      if (i + 1 == value.size()) {
        name += '\\';
      } else if (value[i + 1] == '\\' || value[i + 1] == ':') {
        name += value[++i];
      } else {
        name += '\\';
        name += value[++i];
      }
    } else if (c == ':') {
      if (i + 1 < value.size())
        out.second = std::string(value.substr(i + 1));
      break;
    } else {
      name += c;
    }
  }
  return out;
}

/// --tls-max VERSION: 1.2, 1.3 or "default" (the newest); curl's 1.0 and 1.1 are below
/// what xfer accepts at all.
inline xfer::tls_version parse_tls_max(std::string_view value) {
  if (value == "1.2")
    return xfer::tls_version::v1_2;
  if (value == "1.3")
    return xfer::tls_version::v1_3;
  if (value == "default")
    return xfer::tls_version::default_version;
  if (value == "1.0" || value == "1.1")
    throw usage_error("option --tls-max: TLS " + std::string(value) +
                      " is not supported (xfer speaks TLS 1.2 and 1.3)");
  throw usage_error("option --tls-max: expected 1.2, 1.3 or default, got '" + std::string(value) +
                    "'");
}

inline void apply(options& opts, const option_spec& spec, std::string_view value) {
  url_group& group = opts.groups.back();
  switch (spec.id) {
  case option_id::output: group.outputs.push_back({std::string(value), false}); break;
  case option_id::remote_name: group.outputs.push_back({{}, true}); break;
  case option_id::output_dir: group.output_dir = value; break;
  case option_id::dump_header: group.dump_header = std::string(value); break;
  case option_id::header: add_header(group, value, opts); break;
  case option_id::request: group.method = std::string(value); break;
  case option_id::user_agent: group.user_agent = std::string(value); break;
  case option_id::referer: group.referer = std::string(value); break;
  case option_id::data: add_data(group, data_kind::text, value, opts); break;
  case option_id::data_binary: add_data(group, data_kind::binary, value, opts); break;
  case option_id::data_raw: add_data(group, data_kind::raw, value, opts); break;
  case option_id::data_urlencode: add_data(group, data_kind::urlencode, value, opts); break;
  case option_id::get: group.get = true; break;
  case option_id::head: group.head = true; break;
  case option_id::fail: group.fail = true; break;
  case option_id::max_time: group.max_time = parse_seconds(spec, value); break;
  case option_id::connect_timeout: group.connect_timeout = parse_seconds(spec, value); break;
  case option_id::retry:
    group.retry.max_retries =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(parse_count(spec, value, false), 1'000'000));
    break;
  case option_id::retry_delay: group.retry_fixed_delay = parse_seconds(spec, value); break;
  case option_id::retry_max_time: group.retry.max_time = parse_seconds(spec, value); break;
  case option_id::retry_all_errors:
    group.retry.retry_all_errors = true; // curl's sledgehammer: every method too
    group.retry.retry_non_idempotent = true;
    break;
  case option_id::resolve: group.connect.resolve.emplace_back(value); break;
  case option_id::connect_to: group.connect.connect_to.emplace_back(value); break;
  case option_id::ipv4: group.connect.ip = xfer::ip_version::v4; break;
  case option_id::ipv6: group.connect.ip = xfer::ip_version::v6; break;
  case option_id::unix_socket: group.connect.unix_socket_path = value; break;
  case option_id::interface: group.connect.interface_name = value; break;
  case option_id::limit_rate: group.limit_rate = parse_count(spec, value, true); break;
  case option_id::speed_limit: group.speed_limit = parse_count(spec, value, true); break;
  case option_id::speed_time: group.speed_time = parse_seconds(spec, value); break;
  case option_id::parallel: opts.parallel = true; break;
  case option_id::parallel_max: {
    const auto n = parse_count(spec, value, false);
    if (n == 0)
      throw usage_error("option --parallel-max: expected at least 1");
    opts.parallel_max = static_cast<std::size_t>(std::min<std::uint64_t>(n, parallel_max_limit));
    break;
  }
  case option_id::next:
    if (group.urls.empty())
      throw usage_error("option --next: no URL before it");
    opts.groups.emplace_back();
    break;
  case option_id::url: group.urls.emplace_back(value); break;
  case option_id::silent: opts.silent = true; break;
  case option_id::show_error: opts.show_error = true; break;
  case option_id::verbose: opts.verbose = true; break;
  case option_id::demo: opts.demo = true; break;
  case option_id::demo_files: {
    const auto n = parse_count(spec, value, false);
    if (n == 0 || n > 100'000)
      throw usage_error("option --demo-files: expected 1 to 100000");
    opts.demo_files = static_cast<std::size_t>(n);
    break;
  }
  case option_id::demo_size: opts.demo_size = parse_count(spec, value, true); break;
  case option_id::version: opts.version = true; break;
  case option_id::help: opts.help = true; break;
  case option_id::cacert: group.tls.ca_file = value; break;
  case option_id::capath: group.tls.ca_path = value; break;
  case option_id::insecure:
    group.tls.insecure_skip_peer_verification = true;
    group.tls.insecure_skip_hostname_verification = true;
    break;
  case option_id::cert: {
    auto [file, password] = split_cert(value);
    group.tls.client_certificate_file = std::move(file);
    if (password)
      group.tls.client_key_passphrase = std::move(*password);
    break;
  }
  case option_id::key: group.tls.client_key_file = value; break;
  case option_id::pass: group.tls.client_key_passphrase = value; break;
  case option_id::pinnedpubkey: group.tls.pinned_public_key = value; break;
  case option_id::tlsv1_2: group.tls.min_version = xfer::tls_version::v1_2; break;
  case option_id::tlsv1_3: group.tls.min_version = xfer::tls_version::v1_3; break;
  case option_id::tls_max: group.tls.max_version = parse_tls_max(value); break;
  case option_id::ciphers: group.tls.ciphers = value; break;
  case option_id::tls13_ciphers: group.tls.tls13_ciphers = value; break;
  case option_id::curves: group.tls.curves = value; break;
  case option_id::location: group.redirects.follow = true; break;
  case option_id::max_redirs: {
    if (value == "-1") {
      group.redirects.max_redirects = -1;
      break;
    }
    const auto n = parse_count(spec, value, false);
    group.redirects.max_redirects = static_cast<int>(std::min<std::uint64_t>(n, INT32_MAX));
    break;
  }
  case option_id::location_trusted:
    group.redirects.follow = true;
    group.redirects.insecure_send_credentials_to_other_origins = true;
    break;
  case option_id::post301: group.redirects.keep_post_on_301 = true; break;
  case option_id::post302: group.redirects.keep_post_on_302 = true; break;
  case option_id::post303: group.redirects.keep_post_on_303 = true; break;
  case option_id::user: {
    const auto colon = value.find(':');
    group.auth.user = value.substr(0, colon);
    group.auth.password = colon == std::string_view::npos ? std::string() : std::string(value.substr(colon + 1));
    if (group.auth.scheme == xfer::auth_scheme::none || group.auth.scheme == xfer::auth_scheme::bearer)
      group.auth.scheme = xfer::auth_scheme::basic;
    group.auth_given = true;
    break;
  }
  case option_id::basic: group.auth.scheme = xfer::auth_scheme::basic; break;
  case option_id::digest: group.auth.scheme = xfer::auth_scheme::digest; break;
  case option_id::anyauth: group.auth.scheme = xfer::auth_scheme::any; break;
  case option_id::oauth2_bearer:
    group.auth.scheme = xfer::auth_scheme::bearer;
    group.auth.bearer_token = value;
    group.auth_given = true;
    break;
  case option_id::upload_file: group.upload_file = std::string(value); break;
  case option_id::continue_at:
    group.continue_at = value == "-" ? -1 : static_cast<std::int64_t>(std::min<std::uint64_t>(
                                                parse_count(spec, value, false), INT64_MAX));
    break;
  case option_id::max_filesize: group.max_filesize = parse_count(spec, value, true); break;
  case option_id::write_out:
    group.write_out = write_out_format(value);
    break;
  case option_id::expect100_timeout: group.expect100_timeout = parse_seconds(spec, value); break;
  case option_id::form:
    if (value.find('=') == std::string_view::npos || value.front() == '=')
      throw usage_error("option -F: expected NAME=CONTENT, got '" + std::string(value) + "'");
    group.form.emplace_back(value);
    break;
  case option_id::compressed: group.compressed = true; break;
  case option_id::cookie: opts.cookies_in.emplace_back(value); break;
  case option_id::cookie_jar: opts.cookie_jar = std::string(value); break;
  }
}

inline const option_spec* find_long(std::string_view name) {
  for (const auto& spec : option_table)
    if (spec.long_name == name)
      return &spec;
  return nullptr;
}

inline const option_spec* find_short(char name) {
  for (const auto& spec : option_table)
    if (spec.short_name == name)
      return &spec;
  return nullptr;
}

/// Checks what only the whole group can tell.
inline void check_group(url_group& group, options& opts) {
  if (group.head && group.data && !group.get)
    throw usage_error("you can only select one HTTP request method: -I and -d do not mix");
  if (group.get && (group.upload_file || !group.form.empty()))
    throw usage_error("you can only select one HTTP request method: -G does not mix with -T or -F");
  if (group.upload_file && (group.data || group.head))
    throw usage_error("you can only select one HTTP request method: -T does not mix with -d or -I");
  if (!group.form.empty() && (group.data || group.head || group.upload_file))
    throw usage_error("you can only select one HTTP request method: -F does not mix with -d, -I or -T");
  if (group.auth.scheme != xfer::auth_scheme::none && !group.auth_given)
    group.auth.scheme = xfer::auth_scheme::none; // --digest without -u: nothing to send
  if (group.outputs.size() > group.urls.size() && !opts.demo) // --demo adds its URLs later
    opts.warnings.push_back("got more output options than URLs");
}

} // namespace detail

/// Parses argv the way curl does: short options may be bundled ("-sSf") and take their value
/// attached ("-ofile") or as the next argument; every other argument is a URL. Throws
/// usage_error.
inline options parse_options(int argc, char** argv) {
  using namespace detail;
  options opts;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto next_value = [&](const option_spec& spec) -> std::string_view {
      if (i + 1 >= argc)
        throw usage_error("option " + option_name(spec) + ": requires parameter");
      return argv[++i];
    };
    if (arg.starts_with("--")) {
      const option_spec* spec = find_long(arg.substr(2));
      if (!spec)
        throw usage_error("option " + std::string(arg) + ": is unknown");
      apply(opts, *spec, spec->takes_value ? next_value(*spec) : std::string_view());
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      for (std::size_t k = 1; k < arg.size(); ++k) {
        const option_spec* spec = find_short(arg[k]);
        if (!spec)
          throw usage_error("option -" + std::string(1, arg[k]) + ": is unknown");
        if (!spec->takes_value) {
          apply(opts, *spec, {});
          continue;
        }
        apply(opts, *spec, k + 1 < arg.size() ? arg.substr(k + 1) : next_value(*spec));
        break;
      }
      continue;
    }
    opts.groups.back().urls.emplace_back(arg);
  }
  if (opts.groups.size() > 1 && opts.groups.back().urls.empty())
    throw usage_error("option --next: no URL after it");
  for (auto& group : opts.groups)
    check_group(group, opts);
  return opts;
}

} // namespace xfer_get
