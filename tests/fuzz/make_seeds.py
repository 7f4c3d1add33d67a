#!/usr/bin/env python3
"""Writes the hand-written seed inputs of xfer's fuzz targets into corpus/<target>/seed-*.

Run from anywhere: python3 tests/fuzz/make_seeds.py. Files are rewritten, others are left alone
(inputs found by fuzzing, crash-* regression inputs). Each seed is small and means something:
every framing kind, 1xx, HEAD, chunk extensions and trailers, obs-fold, one response per
http1::error class; URLs of every shape; request heads with every kind of field; encoded
bodies of every coding, chains, round trips, corrupt and truncated streams.
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("latin-1")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ---- responses ----------------------------------------------------------------------------------

OK_CL = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
RESPONSES = {
    # framing kinds
    "content-length": OK_CL,
    "content-length-zero": "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "content-length-list": "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc",
    "chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    "chunked-ext-trailers": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5;name=value;q=\"a \\\"b\\\"\"\r\nhello\r\nA ; x\r\n0123456789\r\n"
                            "0;last\r\nExpires: never\r\nX-Sum: 1\r\n\r\n",
    "chunked-bare-lf": "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\r\n0\n\n",
    "chunked-te-list": "HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked ,\r\nContent-Length: 9\r\n\r\n1\r\nx\r\n0\r\n\r\n",
    "close-delimited": "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
    "http10-close": "HTTP/1.0 200 OK\r\n\r\nold",
    "http10-keep-alive": "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi",
    "204": "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
    "304": "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
    "head-like": "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
    "1xx": "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n" + OK_CL,
    "no-reason": "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx",
    "empty-reason": "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n",
    "obs-text-reason": "HTTP/1.1 200 \xe9t\xe9\t!\r\nContent-Length: 0\r\n\r\n",
    "obs-fold": "HTTP/1.1 200 OK\r\nX-Folded: one\r\n  two \r\n\tthree\r\nContent-Length: 0\r\n\r\n",
    "obs-fold-empty-first": "HTTP/1.1 200 OK\r\nX-F:\r\n next\r\n \r\nContent-Length: 0\r\n\r\n",
    "empty-value": "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Spaces:   \t \r\nContent-Length: 0\r\n\r\n",
    "pipelined": OK_CL + "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n" + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "leftover": OK_CL + "garbage after",
    "connection-close-list": "HTTP/1.1 200 OK\r\nConnection: upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n",
    # errors, one per http1::error of a response
    "err-bad-status-line": "HTTP/1.1 200OK\r\n\r\n",
    "err-http09": "<html>hello</html>",
    "err-leading-empty-line": "\r\nHTTP/1.1 200 OK\r\n\r\n",
    "err-bad-version": "HTTP/2.0 200 OK\r\n\r\n",
    "err-bad-status-code": "HTTP/1.1 20 OK\r\n\r\n",
    "err-status-code-099": "HTTP/1.1 099 Low\r\n\r\n",
    "err-reason-control": "HTTP/1.1 200 O\x01K\r\n\r\n",
    "err-status-line-too-long": "HTTP/1.1 200 " + "R" * 9000 + "\r\n\r\n",
    "err-bad-header-name": "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
    "err-header-no-colon": "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
    "err-space-before-colon": "HTTP/1.1 200 OK\r\nName : x\r\n\r\n",
    "err-bad-header-value": "HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
    "err-bare-cr-value": "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
    "err-bad-obs-fold": "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
    "err-header-line-too-long": "HTTP/1.1 200 OK\r\nX: " + "v" * 300 + "\r\n\r\n",
    "err-too-many-headers": "HTTP/1.1 200 OK\r\n" + "".join("H%d: v\r\n" % i for i in range(8)) + "\r\n",
    "err-header-block-too-large": "HTTP/1.1 200 OK\r\n" + "".join("Header-%d: %s\r\n" % (i, "v" * 30) for i in range(4)) + "\r\n",
    "err-bad-content-length": "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
    "err-content-length-overflow": "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
    "err-content-length-empty-element": "HTTP/1.1 200 OK\r\nContent-Length: 1,,1\r\n\r\n",
    "err-conflicting-content-length": "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
    "err-bad-transfer-encoding": "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "err-double-chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
    "err-empty-transfer-encoding": "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n",
    "err-bad-chunk-size": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "err-chunk-size-too-large": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000001\r\nx\r\n0\r\n\r\n",
    "err-bad-chunk-extension": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;=x\r\nx\r\n0\r\n\r\n",
    "err-chunk-line-too-long": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + "e" * 5000 + "\r\nx\r\n0\r\n\r\n",
    "err-bad-chunk-terminator": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n",
    "err-chunk-bare-lf-after-data": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\n0\r\n\r\n",
    "err-too-many-interim": "HTTP/1.1 100 Continue\r\n\r\n" * 40 + OK_CL,
    "err-unexpected-upgrade": "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    "err-no-response": "",
    "err-partial-message": "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    "err-partial-head": "HTTP/1.1 200 OK\r\nX-Cut: ",
    "err-partial-chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    "err-trailer-bad-name": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n:x\r\n\r\n",
}

# Flags of fuzz_response_parser: bit0 HEAD, bit1 small limits, bits2-3 split, bit4 EOF,
# bits5-6 pause pattern, bit7 keep-alive (next responses).
for name, resp in RESPONSES.items():
    flags = 0x10 | (1 << 2)  # EOF, byte at a time
    if name.startswith("err-") and ("too-many-headers" in name or "header-block" in name
                                    or "header-line" in name):
        flags |= 2  # small limits
    if name == "head-like":
        flags |= 1
    if name in ("pipelined", "leftover"):
        flags |= 0x80
    if name in ("chunked", "content-length", "close-delimited"):
        flags |= 0x20  # on_body refuses every second call
    write("fuzz_response_parser", name, bytes([flags, 7]) + resp.encode("latin-1"))
    # the transfer target takes the same layout: HEAD, small limits, write mode, callback
    tflags = (flags & 3) | (1 << 2)
    if name in ("chunked", "chunked-ext-trailers"):
        tflags |= 0x10 | (2 << 5)  # slow pieces, pausing callback
    if name == "content-length":
        tflags = 3 << 5  # abort at the third callback call: a single call does not
    if name == "close-delimited":
        tflags = (3 << 2) | (1 << 5)
    if len(resp) < 2000:
        write("fuzz_transfer", name, bytes([tflags, 3]) + resp.encode("latin-1"))
write("fuzz_response_parser", "random-split-pause", bytes([0x10 | (3 << 2) | (3 << 5), 99]) +
      RESPONSES["chunked-ext-trailers"].encode("latin-1"))
write("fuzz_transfer", "throwing-callback",
      bytes([(3 << 5) | 0x80, 0]) + ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     "1\r\na\r\n1\r\nb\r\n1\r\nc\r\n1\r\nd\r\n0\r\n\r\n").encode())

# ---- chunked bodies ------------------------------------------------------------------------------

CHUNKED = {
    "simple": "5\r\nhello\r\n0\r\n\r\n",
    "two-chunks": "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
    "upper-hex": "A\r\n0123456789\r\n0\r\n\r\n",
    "leading-zeros": "0000000000000003\r\nabc\r\n0000000000000000\r\n\r\n",
    "extensions": "3;a;b=c;d=\"q\\\"x\"\r\nabc\r\n0;x=y\r\n\r\n",
    "extension-bws": "3 ; a = b\t;\tc\r\nabc\r\n0\r\n\r\n",
    "trailers": "1\r\nx\r\n0\r\nA: 1\r\nB:2 \r\n\r\n",
    "trailer-obs-fold": "1\r\nx\r\n0\r\nA: 1\r\n 2\r\n\t3\r\n\r\n",
    "bare-lf": "1\nx\r\n0\n\n",
    "crlf-in-data": "4\r\n\r\n\r\n\r\n0\r\n\r\n",
    "after-end": "0\r\n\r\nHTTP/1.1 200 OK\r\n",
    "incomplete-data": "10\r\nonly some",
    "incomplete-trailer": "0\r\nA: 1\r\n",
    "cr-at-end": "0\r\n\r",
    "err-no-size": "\r\nabc\r\n",
    "err-not-hex": "g\r\n",
    "err-size-17-digits": "00000000000000001\r\nx\r\n0\r\n\r\n",
    "err-size-max": "ffffffffffffffff\r\nx",
    "err-ext-no-name": "1;\r\nx\r\n0\r\n\r\n",
    "err-ext-bad-value": "1;a=\r\nx\r\n0\r\n\r\n",
    "err-ext-open-quote": "1;a=\"x\r\nx\r\n0\r\n\r\n",
    "err-ext-trailing-bws-after-value": "1;a=b \r\nx\r\n0\r\n\r\n",
    "err-size-then-space": "1 \r\nx\r\n0\r\n\r\n",
    "err-terminator": "1\r\nxx\r\n0\r\n\r\n",
    "err-terminator-bare-lf": "1\r\nx\n0\r\n\r\n",
    "err-trailer-fold-first": "0\r\n folded\r\n\r\n",
    "err-trailer-name": "0\r\nBad Name: 1\r\n\r\n",
    "err-trailer-value": "0\r\nA: \x7f\r\n\r\n",
    "err-trailer-fold-value": "0\r\nA: 1\r\n \x00\r\n\r\n",
    "err-cr-only-line": "0\r\n\rA\r\n\r\n",
    "err-negative": "-1\r\nx\r\n0\r\n\r\n",
}
for name, body in CHUNKED.items():
    write("fuzz_chunked", name, body)

# ---- URLs ----------------------------------------------------------------------------------------

URLS = {
    "http": "http://example.com",
    "https-full": "HTTPS://User:P%40ss@Example.COM:8443/a/b?x=1&y=2#frag",
    "default-port": "http://h:80/",
    "empty-port": "https://h:/p",
    "port-zero-other-scheme": "foo://h:0/p",
    "ipv4": "http://127.0.0.1:8080/",
    "ipv6": "http://[2001:DB8::1]/p",
    "ipv6-port": "https://[::1]:8443/?q",
    "ipv6-v4": "http://[::ffff:192.0.2.1]/",
    "ipv6-zone": "http://[fe80::1%25eth0]/",
    "percent": "http://h/%7e%41%2f%2E%2e/a%zz",
    "percent-host": "http://%65xample.com/",
    "percent-path-dots": "http://h/a/%2E%2E/b/%2e/c",
    "dot-segments": "http://h/a/./b/../../c/./d/..",
    "non-ascii": "http://h/\xc3\xa9?\xff#\x80",
    "specials": "http://h/\"<>\\^`{|}[]?\"<>#{}",
    "userinfo-empty": "http://@h/",
    "userinfo-colon": "http://:@h/",
    "userinfo-at": "http://a@b@c/",
    "empty-host": "http:///p",
    "other-scheme-empty-host": "file:///etc/hosts",
    "scheme-chars": "svn+ssh.v-2://h/",
    "query-fragment-empty": "http://h?#",
    "query-slash": "http://h/p?a/b?c#d?e/f",
    "no-authority": "mailto:user@example.com",
    "relative": "/just/a/path",
    "control": "http://h/\x01",
    "space": "http://h/a b",
    "port-overflow": "http://h:65536/",
    "port-letters": "http://h:8o/",
    "ipv6-garbage": "http://[::1]x/",
    "ipv6-unclosed": "http://[::1/",
    "long-path": "http://h/" + "a/" * 200,
}
for name, u in URLS.items():
    write("fuzz_url", name, u)
# RFC 3986 §5.4: normal and abnormal examples against its base (no '\n': the target uses it).
RFC_REFS = ["g:h", "g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", "g?y#s", ";x", "g;x",
            "g;x?y#s", "", ".", "./", "..", "../", "../g", "../..", "../../", "../../g",
            "../../../g", "../../../../g", "/./g", "/../g", "g.", ".g", "g..", "..g", "./../g",
            "./g/.", "g/./h", "g/../h", "g;x=1/./y", "g;x=1/../y", "g?y/./x", "g?y/../x",
            "g#s/./x", "g#s/../x", "http:g"]
for i, r in enumerate(RFC_REFS):
    write("fuzz_url", "rfc3986-5.4-%02d" % i, r)
BASES = {
    "base-other-scheme": "foo://h\nbar",
    "base-empty-path": "foo://h\ng",
    "base-query": "http://h/a?q#f\n#x",
    "base-network-path": "http://a/b\n//[::1]:81/x/../y?z",
    "base-ipv6": "https://[::1]:8443/a/b\n../c",
    "base-same-scheme-relative": "https://h/a/b\nHTTPS:c",
    "base-absolute": "http://h/a\nftp://user@x:21/y",
    "base-bad": "not a url\ng",
    "base-dots-encoded": "http://h/a/b/c\n%2e%2E/%2E/g",
}
for name, u in BASES.items():
    write("fuzz_url", name, u)

# ---- request heads -------------------------------------------------------------------------------


def lp(s):
    if isinstance(s, str):
        s = s.encode("latin-1")
    assert len(s) < 256
    return bytes([len(s)]) + s


def request(flags, number, method, target, host, ua, fields):
    out = bytes([flags]) + struct.pack("<Q", number) + lp(method) + lp(target) + lp(host) + lp(ua)
    for n, v in fields:
        out += lp(n) + lp(v)
    return out


REQUESTS = {
    "get": request(0, 0, "GET", "/", "example.com", "xfer/0.1.0", []),
    "post-length": request(1 | 4, 1234, "POST", "/upload?x=1", "h:8080", "ua", [("X-A", "1")]),
    "put-chunked": request(2, 0x1f, "PUT", "/c", "[::1]:81", "", [("Expect", "100-continue")]),
    "replace-defaults": request(0, 0, "GET", "/", "h", "ua",
                                [("host", "other"), ("USER-AGENT", "mine"), ("Accept", "text/html")]),
    "remove-defaults": request(0, 0, "GET", "/", "h", "ua",
                               [("Host", ""), ("User-Agent", " \t"), ("Accept", "")]),
    "owned-fields-dropped": request(1 | 4, 5, "POST", "/", "h", "ua",
                                    [("Content-Length", "99"), ("Transfer-Encoding", "gzip"),
                                     ("connection", "keep-alive"), ("X", "y")]),
    "empty-host-value": request(0, 0, "GET", "/", "", "", []),
    "odd-values": request(16, 0, "OPTIONS", "*", "h", "u\x01a", [("X", " lead"), ("Y", "trail "),
                                                                 ("Z", "\x7f\x80\xff")]),
    "no-field-list": request(8 | 2, 0, "DELETE", "/x", "h", "ua", [("X", "ignored")]),
    "err-method": request(0, 0, "GE T", "/", "h", "", []),
    "err-method-empty": request(0, 0, "", "/", "h", "", []),
    "err-target-space": request(0, 0, "GET", "/a b", "h", "", []),
    "err-target-empty": request(0, 0, "GET", "", "h", "", []),
    "err-target-ctl": request(0, 0, "GET", "/\x7f", "h", "", []),
    "err-host-crlf": request(0, 0, "GET", "/", "h\r\nX: injected", "", []),
    "err-ua-nul": request(0, 0, "GET", "/", "h", "ua\x00", []),
    "err-name": request(0, 0, "GET", "/", "h", "", [("Bad:Name", "x")]),
    "err-name-empty": request(0, 0, "GET", "/", "h", "", [("", "x")]),
    "err-value-lf": request(0, 0, "GET", "/", "h", "", [("X", "a\nInjected: 1")]),
    "err-value-cr": request(0, 0, "GET", "/", "h", "", [("X", "a\r")]),
    "err-blank-but-invalid": request(0, 0, "GET", "/", "h", "", [("Host", "\r\n")]),
    "chunk-size-max": request(0, 0xFFFFFFFFFFFFFFFF, "GET", "/", "h", "", []),
}
for name, data in REQUESTS.items():
    write("fuzz_request_writer", name, data)


# ---- content decoding -----------------------------------------------------------------------
# [chain] [codings] [options] [seed] data: see fuzz_content_decoder.cpp.

CODING = {"gzip": 0, "deflate": 1, "br": 2, "zstd": 3}


def decoder_input(codings, data, two_lines=False, noisy=False, round_trip=False, split=0,
                  cap=0, refuse=0, again=False, seed=7):
    bits = 0
    for i, c in enumerate(codings[:5]):
        bits |= CODING[c] << (2 * i)
    chain = len(codings) | (8 if two_lines else 0) | (0x10 if noisy else 0) \
        | (0x20 if round_trip else 0) | (split << 6)
    options = (bits >> 8) | (cap << 2) | (refuse << 5) | (0x80 if again else 0)
    if isinstance(data, str):
        data = data.encode("latin-1")
    return bytes([chain, bits & 0xff, options, seed]) + data


def gzip_member(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, 16 + 15)
    return c.compress(data) + c.flush()


def deflate(data, raw=False):
    c = zlib.compressobj(6, zlib.DEFLATED, -15 if raw else 15)
    return c.compress(data) + c.flush()


TEXT = b"<html><body>" + b"<p>Compressed content, decoded while it streams.</p>\n" * 40 + \
    b"</body></html>\n"
# Made with BrotliEncoderCompress (quality 9) and ZSTD_compress (level 19) from the text they hold.
BROTLI = bytes.fromhex("1b2b0000046473dd924617433745c5220882bcbc156944977ca49381efe4d657"
                       "82ec1862256fdfb409")
ZSTD = bytes.fromhex("28b52ffd20280d0100d84120626f64792c206120696e2061207a737464206672"
                     "616d652e0a01008f7b04")
ZSTD_SKIPPABLE = bytes.fromhex("502a4d1803000000") + b"abc"

GZ = gzip_member(TEXT)
DECODER_SEEDS = {
    "none": decoder_input([], "bytes without a coding pass unchanged"),
    "gzip": decoder_input(["gzip"], GZ, split=2),
    "gzip-bytewise-pausing": decoder_input(["gzip"], GZ, split=0, refuse=1),
    "gzip-members": decoder_input(["gzip"], gzip_member(b"one ") + gzip_member(b"") +
                                  gzip_member(b"two"), split=1),
    "gzip-trailing-garbage": decoder_input(["gzip"], GZ + b"\0\0junk", split=1),
    "gzip-truncated": decoder_input(["gzip"], GZ[:len(GZ) // 2], split=3),
    "gzip-bad-crc": decoder_input(["gzip"], GZ[:-8] + bytes([GZ[-8] ^ 1]) + GZ[-7:]),
    "gzip-zlib-wrapped": decoder_input(["gzip"], deflate(TEXT), noisy=True),
    "gzip-bomb-capped": decoder_input(["gzip"], gzip_member(b"\0" * (1 << 20), 9), cap=3,
                                      split=3),
    "deflate-zlib": decoder_input(["deflate"], deflate(TEXT), split=2, refuse=2),
    "deflate-raw": decoder_input(["deflate"], deflate(TEXT, raw=True), split=0),
    "deflate-raw-trailer": decoder_input(["deflate"], deflate(b"raw", raw=True) + b"1234"),
    "deflate-raw-long-trailer": decoder_input(["deflate"], deflate(b"raw", raw=True) + b"12345"),
    "deflate-reserved-block": decoder_input(["deflate"], b"\x07 reserved"),
    "br": decoder_input(["br"], BROTLI, split=1),
    "br-truncated": decoder_input(["br"], BROTLI[:-3], split=0),
    "br-trailing": decoder_input(["br"], BROTLI + b"x", split=2),
    "zstd": decoder_input(["zstd"], ZSTD, split=1, refuse=3),
    "zstd-frames": decoder_input(["zstd"], ZSTD + ZSTD_SKIPPABLE + ZSTD, split=0),
    "zstd-truncated": decoder_input(["zstd"], ZSTD[:-1], split=2),
    "zstd-trailing": decoder_input(["zstd"], ZSTD + b"garbage", split=3),
    "chain-gzip-gzip": decoder_input(["gzip", "gzip"], gzip_member(GZ), split=2, again=True),
    "six-codings": decoder_input(["gzip"] * 6, GZ),
    # round trips: the data is the plain body, encoded by the target
    "rt-gzip": decoder_input(["gzip"], TEXT, round_trip=True, split=1, seed=9),
    "rt-deflate-raw": decoder_input(["deflate"], TEXT, round_trip=True, split=0, seed=1),
    "rt-br": decoder_input(["br"], TEXT, round_trip=True, split=2, refuse=1, seed=5),
    "rt-zstd": decoder_input(["zstd"], TEXT, round_trip=True, split=3, seed=3),
    "rt-gzip-br": decoder_input(["gzip", "br"], TEXT, round_trip=True, split=2),
    "rt-three": decoder_input(["deflate", "zstd", "gzip"], TEXT, round_trip=True, split=1,
                              refuse=2, noisy=True),
    "rt-five-two-lines": decoder_input(["gzip", "deflate", "br", "zstd", "gzip"], TEXT,
                                       round_trip=True, two_lines=True, split=2, again=True),
    "rt-zeros-capped": decoder_input(["zstd", "br"], b"\0" * 3000, round_trip=True, cap=2,
                                     split=3),
    "rt-empty": decoder_input(["br", "gzip"], b"", round_trip=True),
}
for name, data in DECODER_SEEDS.items():
    write("fuzz_content_decoder", name, data)
# ---- cookie jar ----------------------------------------------------------------------------------
# Lines of operations (see fuzz_cookie_jar.cpp): S<url digit><Set-Cookie value>, X<url><n><text>,
# F<cookie file line>, T<seconds>, G<url>. URL digits: 0 http://example.com/, 1 https://www.example.com/a/b,
# 2 http://sub.www.example.com:8080/a/b/c, 3 https://shop.example.co.uk/, 4 http://127.0.0.1/p/,
# 5 https://[::1]/, 6 http://localhost/, 7 https://other.org/a, 8 http://example.com./x/,
# 9 https://example.com/__/.
COOKIES = {
    "host-only": "S0a=1\nG0\nG1\n",
    "domain": "S1sid=x; Domain=example.com; Path=/\nG0\nG2\nG7\n",
    "domain-dot-case": "S2a=1; Domain=.WWW.Example.COM\nG1\nG2\n",
    "domain-mismatch": "S0a=1; Domain=other.org\nS1b=1; Domain=sub.www.example.com\n",
    "public-suffix": "S3a=1; Domain=co.uk\nS3b=1; Domain=example.co.uk\nS6c=1; Domain=localhost\nS0d=1; Domain=com\n",
    "ip": "S4a=1; Domain=127.0.0.1\nS4b=1; Domain=0.0.1\nS5c=1; Domain=::1\nG4\nG5\n",
    "trailing-dot": "S8a=1\nG0\nS0b=1; Domain=example.com.\n",
    "paths": "S2a=1\nS2b=1; Path=/a\nS2c=1; Path=/a/b/\nS2d=1; Path=rel\nS1e=1; Path=/a/b/c\nG2\nG1\n",
    "secure": "S1s=1; Secure\nS0t=1; Secure\nG1\nS0s=evil\nS0s=evil; Path=/x\nS1s=; Max-Age=0\nG1\n",
    "cookie-alone": "S9sid=1; Secure; Domain=example.com; Path=/\nS0sid=2\nS2sid=3; Domain=example.com\nG9\n",
    "prefixes": "S9__Secure-a=1; Secure\nS9__Host-b=1; Secure; Path=/\nS9__Host-c=1; Secure\n"
                "S9__host-d=1; Secure; Path=/; Domain=example.com\nS0__Secure-e=1\n",
    "max-age-expires": "S0a=1; Max-Age=60\nS0b=1; Expires=Tue, 14 Nov 2023 23:13:20 GMT\n"
                       "S0c=1; Max-Age=10; Expires=Wed, 09 Jun 2100 10:18:14 GMT\nS0d=1; Max-Age=x\n"
                       "G0\nT30\nG0\nT3600\nG0\n",
    "delete": "S0a=1\nS0a=; Max-Age=0\nS0b=1\nS0b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT\nG0\n",
    "cap-400-days": "S0a=1; Max-Age=999999999999999\nS0b=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT\n",
    "replace-order": "S0a=1; Path=/\nS0b=1; Path=/x\nS0a=2; Path=/\nS0c=1\nG0\n",
    "odd-bytes": "S0a\x01=1\nS0a=\x7f\nS0a=\tb\nS0=v\nS0noequals\nS0a=\xc3\xa9\xff\nS0 a = b ;;;=; x\n",
    "big-value": "X0" + "6" + "aaaaaaaaaaaaaaaa\nX0" + "5" + "n=vvvvvvvvvvvvvvv\n",
    "many-cookies": "".join("S2c%d=%d; Domain=example.com\n" % (i, i) for i in range(60)) + "G2\n",
    "netscape": "F#HttpOnly_.example.com\tTRUE\t/\tTRUE\t1731536000\tsid\tabc\n"
                "Fwww.example.com\tFALSE\t/a\tFALSE\t0\ttheme\tdark\n"
                "Fexample.com\tFALSE\tFALSE\t0\told\tv\n"
                "Fexample.com\tFALSE\t/\tFALSE\t0\tempty\n"
                "F.co.uk\tTRUE\t/\tFALSE\t0\tsuffix\tv\n"
                "FSet-Cookie: h=1; Domain=example.com; Path=/a\n"
                "G1\nG2\nG3\n",
    "netscape-bad": "Fexample.com\tFALSE\t/\tFALSE\tnever\tn\tv\nFexample.com\tFALSE\t/\tFALSE\t0\tn\tv\tx\n"
                    "F# comment\nF\nFex ample.com\tFALSE\t/\tFALSE\t0\tn\tv\n",
    "dates": "Sun, 06 Nov 1994 08:49:37 GMT",
    "date-rfc850": "Sunday, 06-Nov-94 08:49:37 GMT",
    "date-asctime": "Sun Nov  6 08:49:37 1994",
    "date-cookie": "Wed, 09-Jun-21 10:18:14 +0000 junk",
    "file": "# Netscape HTTP Cookie File\n# https://curl.se/docs/http-cookies.html\n\n"
            "#HttpOnly_.example.com\tTRUE\t/\tTRUE\t1731536000\tsid\tabc\n"
            "localhost\tFALSE\t/\tFALSE\t0\tdev\t1\n127.0.0.1\tFALSE\t/p\tFALSE\t0\tip\t1\r\n",
}
for name, data in COOKIES.items():
    write("fuzz_cookie_jar", name, data)
