#!/usr/bin/env python3
"""Checks that docs/options.md maps every option xfer has: each setter of basic_transfer
(include/xfer/transfer.hpp: set_*, add_*) and basic_multi (include/xfer/multi.hpp: set_*), and
each field of multi_options, tls_options, redirect_policy and retry_policy, must appear in a table row of
docs/options.md, in backticks: `set_timeout()`, `multi_options::max_connects`, ...

  options_table.py SOURCE_DIR

A new setter or field fails this test until its row (libcurl option -> xfer) is written.
"""
import pathlib
import re
import sys

SETTERS = {
    "include/xfer/transfer.hpp": r"^\s+basic_transfer& ((?:set|add)_\w+)\(",
    "include/xfer/multi.hpp": r"^\s+(?:void|basic_multi&) (set_\w+)\(",
}
STRUCTS = {
    "include/xfer/multi_options.hpp": "multi_options",
    "include/xfer/tls_options.hpp": "tls_options",
    "include/xfer/redirect_policy.hpp": "redirect_policy",
    "include/xfer/retry_policy.hpp": "retry_policy",
}


def struct_fields(text, name):
    body = re.search(r"struct " + name + r"\s*\{(.*?)\n\};", text, re.DOTALL)
    if not body:
        return None
    fields = []
    for line in body.group(1).splitlines():
        line = line.split("//")[0].strip()
        match = re.match(r"^[\w:<>, ]+?[\s>&*]+(\w+)(?:\s*=\s*[^;]+|\{[^}]*\})?;$", line)
        if match and not line.startswith(("friend", "using", "return")):
            fields.append(match.group(1))
    return fields


def main() -> int:
    source = pathlib.Path(sys.argv[1])
    doc = (source / "docs/options.md").read_text(encoding="utf-8")
    table_code = " ".join(
        " ".join(re.findall(r"`([^`]+)`", line)) for line in doc.splitlines() if line.startswith("|"))
    missing = []
    count = 0
    for path, pattern in SETTERS.items():
        names = sorted(set(re.findall(pattern, (source / path).read_text(encoding="utf-8"), re.MULTILINE)))
        if not names:
            missing.append(f"{path}: no setters found (has the pattern {pattern!r} gone stale?)")
        for name in names:
            count += 1
            if not re.search(r"\b" + name + r"\(", table_code):
                missing.append(f"{path}: `{name}()`")
    for path, struct in STRUCTS.items():
        fields = struct_fields((source / path).read_text(encoding="utf-8"), struct)
        if not fields:
            missing.append(f"{path}: struct {struct} not found or without fields")
            continue
        for field in fields:
            count += 1
            if f"{struct}::{field}" not in table_code:
                missing.append(f"{path}: `{struct}::{field}`")
    if missing:
        print("docs/options.md has no table row for these options; add one (libcurl option -> xfer):")
        print("\n".join(f"- {m}" for m in missing))
        return 1
    print(f"docs/options.md maps all {count} setters and fields")
    return 0


if __name__ == "__main__":
    sys.exit(main())
