#!/usr/bin/env python3
"""Checks that every place naming xfer's version agrees with include/xfer/version.hpp.

  version.py SOURCE_DIR PROJECT_VERSION

PROJECT_VERSION is CMake's project(VERSION); the header's macros must be consistent with each
other (XFER_VERSION = MAJOR * 10000 + MINOR * 100 + PATCH, XFER_VERSION_STRING), and the vcpkg
port and CHANGELOG.md must name the same version.
"""
import json
import pathlib
import re
import sys


def main() -> int:
    source = pathlib.Path(sys.argv[1])
    project_version = sys.argv[2]
    header = (source / "include/xfer/version.hpp").read_text(encoding="utf-8")
    macros = dict(re.findall(r"^#define (XFER_VERSION\w*) (\S+)", header, re.MULTILINE))
    problems = []
    try:
        major, minor, patch = (int(macros[f"XFER_VERSION_{p}"]) for p in ("MAJOR", "MINOR", "PATCH"))
    except (KeyError, ValueError):
        print("include/xfer/version.hpp lacks XFER_VERSION_MAJOR, _MINOR or _PATCH")
        return 1
    dotted = f"{major}.{minor}.{patch}"
    if int(macros.get("XFER_VERSION", -1)) != major * 10000 + minor * 100 + patch:
        problems.append(f"XFER_VERSION is {macros.get('XFER_VERSION')}, expected {major * 10000 + minor * 100 + patch}")
    if macros.get("XFER_VERSION_STRING") != f'"{dotted}"':
        problems.append(f"XFER_VERSION_STRING is {macros.get('XFER_VERSION_STRING')}, expected \"{dotted}\"")
    if project_version != dotted:
        problems.append(f"CMakeLists.txt has project(xfer VERSION {project_version}), version.hpp says {dotted}")
    port = source / "packaging/vcpkg/ports/xfer/vcpkg.json"
    port_version = json.loads(port.read_text(encoding="utf-8")).get("version-semver")
    if port_version != dotted:
        problems.append(f"packaging/vcpkg/ports/xfer/vcpkg.json has version-semver {port_version}, version.hpp says {dotted}")
    changelog = (source / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[?(\d+\.\d+\.\d+)\]?", changelog, re.MULTILINE)
    if not released or released[0] != dotted:
        problems.append(f"the newest version in CHANGELOG.md is {released[0] if released else 'missing'}, version.hpp says {dotted}")
    if problems:
        print("xfer's version disagrees between places:\n" + "\n".join(f"- {p}" for p in problems))
        return 1
    print(f"xfer {dotted} everywhere (version.hpp, CMake, vcpkg port, CHANGELOG.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
