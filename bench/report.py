# bench/report.py - turns bench/run's results.jsonl and facts into RESULTS.md (stdout); stdlib only.
"""Usage: report.py RESULTS_JSONL FACTS_TSV > RESULTS.md

Exits 1 when a run failed for a reason other than "not supported yet"
(missed targets are reported, never a failure)."""
import json
import statistics
import os
import sys

# scenario: (metric key, unit, direction of "better", target ratio xfer/curl, heading)
SCENARIOS = {
    "a": ("rps", "requests/s", "higher", 1.1),
    "b": ("rps", "requests/s", "higher", 1.4),
    "c": ("MBps", "MB/s", "higher", 1.5),
    "d": ("MBps", "MB/s", "higher", 1.1),
    "e": ("rss_per_transfer_kb", "KiB RSS per transfer", "lower", 0.5),
    "f": ("seconds", "s compile time", "lower", 1.5),
}
UNSUPPORTED = 1  # xfer::errc::unsupported_protocol (= CURLE_UNSUPPORTED_PROTOCOL)
problems = []


def load(results_path, facts_path):
    runs = [json.loads(line) for line in open(results_path) if line.strip()]
    facts = {}
    for line in open(facts_path):
        key, _, value = line.rstrip("\n").partition("\t")
        facts[key] = value
    return runs, facts


def fmt(x, digits=None):
    if x is None:
        return "—"
    if digits is None:
        digits = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2
    return f"{x:,.{digits}f}"


def spread(values, digits=None):
    """'median (min–max)' of values."""
    if not values:
        return "—"
    return f"{fmt(statistics.median(values), digits)} ({fmt(min(values), digits)}–{fmt(max(values), digits)})"


def median_of(runs, key):
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else None


def complete(run):
    """A run whose every request (or held transfer) succeeded."""
    return not run.get("failed") and run.get("ok") == run.get("requests")


def unsupported(runs):
    return bool(runs) and all(r.get("error_code") == UNSUPPORTED and r.get("ok") == 0 for r in runs)


def ratios(xfer, curl, key):
    by_round = {r["round"]: r for r in curl if complete(r)}
    return [x[key] / by_round[x["round"]][key]
            for x in xfer if complete(x) and x["round"] in by_round and by_round[x["round"]][key]]


def verdict(ratio, direction, target):
    if ratio is None:
        return "n/a"
    ok = ratio >= target if direction == "higher" else ratio <= target
    return "**met**" if ok else "**missed**"


def target_text(direction, target):
    return f"{'≥' if direction == 'higher' else '≤'} {target}×"


def note_failures(scenario, runs):
    for r in runs:
        if not complete(r) and not unsupported([r]):
            problems.append(f"{scenario} round {r.get('round')} {r.get('client')}: ok {r.get('ok')}/"
                            f"{r.get('requests')}, exit {r.get('exit')}, {r.get('error', 'no JSON printed')}")


def client_cell(runs, key, digits=None):
    if unsupported(runs):
        return "not supported yet"
    good = [r[key] for r in runs if complete(r) and key in r]
    return spread(good, digits)


def scenario_what(name, runs, facts):
    """The scenario's description, with {N} replaced by the requests per run actually made."""
    counts = [r["requests"] for r in runs if r.get("client") in ("xfer", "curl") and "requests" in r]
    n = statistics.mode(counts) if counts else None
    return facts.get(name + ".what", "").replace("{N}", f"{n:,}" if n else "?")


def ab_section(name, runs, facts, summary):
    key, unit, direction, target = SCENARIOS[name]
    xfer = [r for r in runs if r["client"] == "xfer"]
    curl = [r for r in runs if r["client"] == "curl"]
    wrk = [r for r in runs if r["client"] == "wrk" and not r.get("failed")]
    note_failures(name, xfer + curl)
    rs = ratios(xfer, curl, key)
    ratio = statistics.median(rs) if rs else None
    what = scenario_what(name, runs, facts)
    lines = [f"## {name}. {what}", ""]
    if facts.get(name + ".note"):
        lines += [f"_{facts[name + '.note']}._", ""]
    lines.append("| | xfer | libcurl | " + (f"wrk -t1 -c{wrk[0]['connections']} (limit) |" if wrk else ""))
    lines.append("|---|---|---|" + ("---|" if wrk else ""))

    def row(label, cells, limit=""):
        lines.append(f"| {label} | {cells[0]} | {cells[1]} | " + (f"{limit} |" if wrk else ""))

    row("requests/s, median (min–max)", [client_cell(xfer, "rps"), client_cell(curl, "rps")],
        fmt(wrk[0].get("rps")) if wrk else "")
    row("MB/s (10⁶ B), median (min–max)", [client_cell(xfer, "MBps"), client_cell(curl, "MBps")],
        fmt(wrk[0].get("MBps")) if wrk else "")
    row("client CPU µs/request, median (min–max)",
        [client_cell(xfer, "us_per_req"), client_cell(curl, "us_per_req")], "")
    row("peak RSS KiB, median", [client_cell(xfer, "max_rss_kb", 0), client_cell(curl, "max_rss_kb", 0)], "")
    row("rounds complete (all requests 200)",
        [f"{sum(map(complete, xfer))}/{len(xfer)}", f"{sum(map(complete, curl))}/{len(curl)}"], "")
    lines.append("")
    lines.append(per_round_line(rs, ratio, direction, target, f"xfer/libcurl {unit}"))
    if unsupported(xfer):
        lines.append(f"\nxfer: not supported yet ({xfer[0].get('error', '')}).")
    if facts.get(name + ".note"):
        what += " (N cut: see below)"
    summary.append((name, what, unit, median_cell(xfer, key),
                    median_cell(curl, key), ratio, direction, target))
    return lines


def per_round_line(rs, ratio, direction, target, what):
    if not rs:
        return f"Per-round ratio {what}: none (no complete pair of rounds); target {target_text(direction, target)}: n/a."
    listed = ", ".join(f"{x:.2f}" for x in rs)
    return (f"Per-round ratio {what}: {listed}; median **{ratio:.3f}×**, target "
            f"{target_text(direction, target)}: {verdict(ratio, direction, target)}.")


def median_cell(runs, key):
    if unsupported(runs):
        return "not supported yet"
    return fmt(median_of([r for r in runs if complete(r)], key))


def hold_section(runs, facts, summary):
    key, unit, direction, target = SCENARIOS["e"]
    xfer = [r for r in runs if r["client"] == "xfer"]
    curl = [r for r in runs if r["client"] == "curl"]
    note_failures("e", xfer + curl)
    rs = ratios(xfer, curl, key)
    ratio = statistics.median(rs) if rs else None
    lines = [f"## e. {facts.get('e.what', '')}", "", "| | xfer | libcurl |", "|---|---|---|"]
    for label, k, digits in [("RSS per transfer KiB, median (min–max)", "rss_per_transfer_kb", 2),
                             ("RSS with all open KiB, median (min–max)", "rss_kb", 0),
                             ("RSS before the first transfer KiB", "rss_base_kb", 0),
                             ("seconds until every transfer had body bytes", "seconds", 2),
                             ("client CPU µs per transfer (setup)", "us_per_transfer", 1),
                             ("seconds to remove and free them all", "cleanup_s", 2)]:
        lines.append(f"| {label} | {client_cell(xfer, k, digits)} | {client_cell(curl, k, digits)} |")
    lines.append(f"| rounds complete (every transfer had bytes) | {sum(map(complete, xfer))}/{len(xfer)} "
                 f"| {sum(map(complete, curl))}/{len(curl)} |")
    lines += ["", per_round_line(rs, ratio, direction, target, "xfer/libcurl RSS per transfer")]
    summary.append(("e", facts.get("e.what", ""), unit, median_cell(xfer, key), median_cell(curl, key),
                    ratio, direction, target))
    return lines


def build_cost_section(runs, facts, summary):
    key, unit, direction, target = SCENARIOS["f"]
    cols = [("xfer", "xfer_one.cpp (`<xfer.hpp>`)"), ("asio", "asio_one.cpp (bare Asio + asio/ssl.hpp)"),
            ("xfer_sep", "xfer_one.cpp, `-DASIO_SEPARATE_COMPILATION`")]
    by = {c: [r for r in runs if r["client"] == c and r.get("exit") == 0] for c, _ in cols}
    for r in runs:
        if r.get("exit") != 0:
            problems.append(f"f: compiling {r['client']} failed (exit {r.get('exit')})")
    lines = ["## f. Build cost: one TU that runs one transfer", "",
             "| | " + " | ".join(label for _, label in cols) + " |", "|---|---|---|---|"]
    lines.append("| compile wall s, median (min–max) | " +
                 " | ".join(spread([r["seconds"] for r in by[c]], 2) for c, _ in cols) + " |")
    lines.append("| compiler CPU s (user + sys), median (min–max) | " +
                 " | ".join(spread([r["cpu_s"] for r in by[c] if "cpu_s" in r], 2) for c, _ in cols) + " |")
    lines.append("| peak compiler memory MiB, median | " +
                 " | ".join(fmt(median_of(by[c], "peak_kb") / 1024, 0) if by[c] else "—" for c, _ in cols) + " |")
    base = median_of(by["asio"], "seconds")
    base_cpu = median_of(by["asio"], "cpu_s")
    lines.append("| compile wall time / bare Asio TU | " + " | ".join(
        f"{median_of(by[c], 'seconds') / base:.2f}×" if by[c] and base else "—" for c, _ in cols) + " |")
    lines.append("| compiler CPU time / bare Asio TU | " + " | ".join(
        f"{median_of(by[c], 'cpu_s') / base_cpu:.2f}×" if by[c] and base_cpu and median_of(by[c], 'cpu_s')
        else "—" for c, _ in cols) + " |")
    lines.append("| links and fetches (http; https) | " +
                 " | ".join(facts.get(f"f.check.{c}", "—") for c, _ in cols) + " |")
    rs = [x["seconds"] / a["seconds"] for x in by["xfer"] for a in by["asio"] if a["round"] == x["round"]]
    ratio = statistics.median(rs) if rs else None
    src = [r for r in runs if r["client"] == "asio_src" and r.get("exit") == 0]
    if not by["xfer_sep"]:
        lines.append("\nThe third column is measured in full runs only.")
    if facts.get("f.note"):
        lines.append("\n_" + facts["f.note"] + "._")
    lines += ["", f"Flags: `{facts.get('f.flags', '')}`, pinned to CPU 1. " +
              (f"Asio's own bodies (`asio/impl/src.hpp` + `asio/ssl/impl/src.hpp`), compiled once for the third "
               f"column: {src[0]['seconds']:.2f} s, {src[0]['peak_kb'] / 1024:.0f} MiB." if src else ""),
              "", per_round_line(rs, ratio, direction, target, "xfer/bare-Asio compile time")]
    cpu_rs = [x["cpu_s"] / a["cpu_s"] for x in by["xfer"] for a in by["asio"]
              if a["round"] == x["round"] and x.get("cpu_s") and a.get("cpu_s")]
    cpu_note = f" (compiler CPU time ratio: {statistics.median(cpu_rs):.2f}×)" if cpu_rs else ""
    summary.append(("f", "xfer TU vs bare Asio+SSL TU, wall time" + cpu_note, unit, fmt(median_of(by["xfer"], "seconds"), 2),
                    fmt(base, 2) + " (bare Asio)", ratio, direction, target))
    return lines


def busy_note(facts):
    """Says so when other work kept the machine busy: timings are then noisier."""
    try:
        peak = max(float(facts[k].split()[0]) for k in ("load_start", "load_end"))
    except (KeyError, ValueError, IndexError):
        return ""
    if peak < 1.0:
        return " (an idle machine)"
    return (f" — **the machine was busy with other work** (load up to {peak:.1f} on {facts.get('cores', '?')} "
            "cores): wall-clock numbers are noisier than CPU µs, RSS and instruction counts")


def main():
    runs, facts = load(sys.argv[1], sys.argv[2])
    summary, body = [], []
    for name in "abcd":
        body += ab_section(name, [r for r in runs if r["scenario"] == name], facts, summary) + [""]
    body += hold_section([r for r in runs if r["scenario"] == "e"], facts, summary) + [""]
    body += build_cost_section([r for r in runs if r["scenario"] == "f"], facts, summary) + [""]

    versions = {r["client"]: r.get("version") for r in runs if r.get("version")}
    out = ["<!-- bench/RESULTS.md - written by bench/run (bench/report.py); edits are overwritten -->",
           "# xfer benchmark results", "",
           f"{facts.get('date', '')} — mode: {facts.get('mode', '')}, {facts.get('rounds', '?')} rounds per A/B "
           f"scenario (xfer and libcurl alternate; the order flips each round), commit {facts.get('commit', '?')}, "
           f"{facts.get('elapsed', '?')} in all. Written by `bench/run`.", "",
           "## Machine", "",
           f"- CPU: {facts.get('cpu', '?')}, {facts.get('cores', '?')} cores, {facts.get('memory', '?')}; "
           f"kernel {facts.get('kernel', '?')}",
           f"- compiler: {facts.get('compiler', '?')}",
           f"- nginx {facts.get('nginx', '?')}, libcurl {facts.get('libcurl', '?')} "
           f"(`{versions.get('curl', '?')}`), {facts.get('openssl', '?')}, Asio {facts.get('asio', '?')}, "
           f"wrk {facts.get('wrk', '?')}, {versions.get('xfer', 'xfer')}",
           f"- load average at start / end: {facts.get('load_start', '?')} / {facts.get('load_end', '?')}"
           + busy_note(facts),
           "- nginx: 1 worker pinned to CPU 0, access_log off, sendfile on, keepalive_requests 1000000, TLS 1.3 "
           "server with a self-signed ECDSA P-256 certificate; the slow server (scenario e) on CPU 0 too; "
           "clients, wrk and the compiler pinned to CPU 1; all on 127.0.0.1.", "",
           "## Summary", "",
           "| scenario | | metric | xfer, median | libcurl, median | xfer/libcurl, median of rounds | target | |",
           "|---|---|---|---|---|---|---|---|"]
    for name, what, unit, x, c, ratio, direction, target in summary:
        out.append(f"| {name} | {what} | {unit} | {x} | {c} | {fmt(ratio, 3) + '×' if ratio else '—'} | "
                   f"{target_text(direction, target)} | {verdict(ratio, direction, target)} |")
    out += ["", "## How it is measured", "",
            "- Each client (`bench/xfer_bench.cpp`, `bench/curl_bench.cpp`) issues N GETs with at most P in "
            "flight over kept-alive connections through one multi handle: perform, read completion messages "
            "(re-adding each finished handle with the next URL), poll. Bodies are discarded by a write callback "
            "that counts their bytes; a status other than 200 counts as not ok. libcurl keeps its defaults "
            "(no host connection limit, verification on, `CURLOPT_CAINFO` for the test CA) but is held to "
            "HTTP/1.1, as xfer is.",
            "- requests/s and MB/s (10⁶ bytes) come from the wall time of the request loop; CPU µs/request is "
            "user + system time of the loop from getrusage, divided by N; RSS is VmRSS (KiB).",
            "- Scenario e: P transfers are added at once against a server that sends a response head with a "
            "1 GiB Content-Length and 16 body bytes, then nothing; once every transfer's write callback has run "
            "the client samples VmRSS; RSS per transfer = (that − VmRSS before the first transfer was made) / P.",
            "- wrk (one thread, on CPU 1) is the limit column: what this nginx gives a minimal client.",
            "- Each target is met or missed by the median of the per-round ratios xfer/libcurl; a missed target is reported, "
            "not an error.", ""]
    if problems:
        out += ["## Problems", ""] + [f"- {p}" for p in problems] + [""]
    # Profiles, explanations of missed targets and next steps: kept by hand in bench/FINDINGS.md.
    findings = os.path.join(os.path.dirname(os.path.abspath(__file__)), "FINDINGS.md")
    if os.path.exists(findings):
        with open(findings, encoding="utf-8") as f:
            body += [""] + f.read().rstrip().splitlines()
    print("\n".join(out + body).rstrip() + "\n")
    for p in problems:
        print("bench: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
