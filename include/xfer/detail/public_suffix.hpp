// xfer/detail/public_suffix.hpp - a small built-in set of public suffixes, for cookie domains.
#pragma once

#include <xfer/detail/config.hpp>

#include <algorithm>
#include <array>
#include <string_view>

namespace xfer::detail {

/// Well-known public suffixes of two or more labels: the second-level registries of common
/// country-code domains, and a few hosting domains under which anyone can own a subdomain.
/// Sorted, lower-case, without leading or trailing dots.
///
/// This is NOT the Public Suffix List (https://publicsuffix.org/), which holds about 10,000
/// rules, wildcards and exceptions; it only stops the common cases. A suffix missing here is
/// refused as a cookie domain only when it is a single label.
inline constexpr std::array<std::string_view, 176> known_public_suffixes = {
    "ac.id", "ac.il", "ac.in", "ac.jp", "ac.ke", "ac.kr", "ac.nz", "ac.th", "ac.uk", "ac.za",
    "ad.jp", "appspot.com", "asn.au", "azurewebsites.net", "blogspot.com", "cloudfront.net",
    "co.id", "co.il", "co.in", "co.jp", "co.ke", "co.kr", "co.nz", "co.th", "co.uk", "co.ve",
    "co.za", "com.ar", "com.au", "com.br", "com.cn", "com.co", "com.eg", "com.es", "com.hk",
    "com.mx", "com.my", "com.ng", "com.pe", "com.ph", "com.pk", "com.pl", "com.sa", "com.sg",
    "com.tr", "com.tw", "com.ua", "com.ve", "com.vn", "ed.jp", "edu.ar", "edu.au", "edu.br",
    "edu.cn", "edu.co", "edu.hk", "edu.in", "edu.mx", "edu.my", "edu.pk", "edu.sg", "edu.tr",
    "edu.tw", "firebaseapp.com", "geek.nz", "gen.nz", "github.io", "gitlab.io", "go.id", "go.jp",
    "go.ke", "go.kr", "go.th", "gob.ar", "gob.es", "gob.mx", "gob.pe", "gov.au", "gov.br", "gov.cn",
    "gov.co", "gov.eg", "gov.hk", "gov.il", "gov.in", "gov.my", "gov.ph", "gov.pk", "gov.sa",
    "gov.sg", "gov.tr", "gov.tw", "gov.uk", "gov.vn", "gov.za", "govt.nz", "gr.jp", "herokuapp.com",
    "id.au", "idv.hk", "idv.tw", "in.th", "kiwi.nz", "lg.jp", "ltd.uk", "me.uk", "mil.kr", "ne.jp",
    "ne.ke", "ne.kr", "net.ar", "net.au", "net.br", "net.cn", "net.co", "net.eg", "net.hk",
    "net.in", "net.my", "net.nz", "net.pk", "net.pl", "net.sa", "net.sg", "net.tr", "net.tw",
    "net.ua", "net.uk", "net.vn", "net.za", "netlify.app", "nhs.uk", "nom.es", "or.id", "or.jp",
    "or.ke", "or.kr", "or.th", "org.ar", "org.au", "org.br", "org.cn", "org.co", "org.eg", "org.es",
    "org.hk", "org.il", "org.in", "org.mx", "org.my", "org.ng", "org.nz", "org.pe", "org.ph",
    "org.pk", "org.pl", "org.sa", "org.sg", "org.tr", "org.tw", "org.ua", "org.uk", "org.ve",
    "org.vn", "org.za", "pages.dev", "pe.kr", "plc.uk", "police.uk", "re.kr", "s3.amazonaws.com",
    "sch.uk", "school.nz", "vercel.app", "web.app", "workers.dev",
};
static_assert(std::is_sorted(known_public_suffixes.begin(), known_public_suffixes.end()),
              "is_public_suffix() searches known_public_suffixes by bisection");

/// True when `domain` (lower-case, without leading or trailing dot) is a public suffix as far
/// as xfer knows: a single label ("com", "localhost", "internal") or one of
/// known_public_suffixes. Not the full Public Suffix List (see known_public_suffixes).
constexpr bool is_public_suffix(std::string_view domain) noexcept {
  if (domain.find('.') == std::string_view::npos)
    return true;
  return std::binary_search(known_public_suffixes.begin(), known_public_suffixes.end(), domain);
}

} // namespace xfer::detail
