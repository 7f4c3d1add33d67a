#!/usr/bin/env python3
"""Checks that docs/errors.md lists every xfer::errc and xfer::multi_errc value of
include/xfer/error.hpp, with its number and curl's name, and nothing that is not there.

  errors_table.py SOURCE_DIR

A table row reads  | `errc::NAME` | NUMBER | `CURLE_NAME` | meaning |  (CURLM_ for multi_errc).
"""
import pathlib
import re
import sys

ENUMS = {"errc": "CURLE_", "multi_errc": "CURLM_"}


def enum_values(header, enum):
    body = re.search(r"enum class " + enum + r"\s*\{(.*?)\};", header, re.DOTALL)
    if not body:
        return {}
    return {name: int(value) for name, value in re.findall(r"^\s*(\w+)\s*=\s*(\d+)", body.group(1), re.MULTILINE)}


def main() -> int:
    source = pathlib.Path(sys.argv[1])
    header = (source / "include/xfer/error.hpp").read_text(encoding="utf-8")
    doc = (source / "docs/errors.md").read_text(encoding="utf-8")
    rows = {}
    for cells in (line.split("|")[1:-1] for line in doc.splitlines() if line.startswith("| `")):
        cells = [c.strip() for c in cells]
        match = re.fullmatch(r"`((?:multi_)?errc)::(\w+)`", cells[0])
        if match and len(cells) >= 3:
            rows[(match.group(1), match.group(2))] = (cells[1], cells[2])
    problems = []
    listed = set()
    for enum, prefix in ENUMS.items():
        values = enum_values(header, enum)
        if not values:
            problems.append(f"include/xfer/error.hpp has no enum class {enum}")
        for name, number in values.items():
            listed.add((enum, name))
            wanted = (str(number), f"`{prefix}{name.upper()}`")
            row = rows.get((enum, name))
            if row is None:
                problems.append(f"missing row: | `{enum}::{name}` | {wanted[0]} | {wanted[1]} | <what it means> |")
            elif row != wanted:
                problems.append(f"`{enum}::{name}` reads | {row[0]} | {row[1]} |, error.hpp says | {wanted[0]} | {wanted[1]} |")
    for enum, name in sorted(set(rows) - listed):
        problems.append(f"`{enum}::{name}` is in docs/errors.md but not in include/xfer/error.hpp")
    if problems:
        print("docs/errors.md disagrees with include/xfer/error.hpp:\n" + "\n".join(f"- {p}" for p in problems))
        return 1
    print(f"docs/errors.md lists all {len(listed)} values of errc and multi_errc")
    return 0


if __name__ == "__main__":
    sys.exit(main())
