#!/usr/bin/env python3
"""Checks that include/xfer/detail/asio.hpp is the only header of xfer that includes Asio.

Every other header includes <xfer/detail/asio.hpp> and names Asio as `asio::` inside namespace
xfer, so that XFER_USE_BOOST_ASIO switches the whole library to Boost.Asio. Usage:
asio_includes.py INCLUDE_DIR
"""
import pathlib
import re
import sys

ALLOWED = pathlib.PurePosixPath("xfer/detail/asio.hpp")
ASIO_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]\s*(asio\.hpp|asio/|boost/asio)', re.MULTILINE)


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    offenders = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".hpp", ".ipp", ".h") or not path.is_file():
            continue
        relative = pathlib.PurePosixPath(path.relative_to(root).as_posix())
        if relative == ALLOWED:
            continue
        text = path.read_text(encoding="utf-8")
        for match in ASIO_INCLUDE.finditer(text):
            line_number = text.count("\n", 0, match.start()) + 1
            line = text.splitlines()[line_number - 1].strip()
            offenders.append(f"  include/{relative}:{line_number}: {line}")
    if offenders:
        print("These headers include Asio directly; include <xfer/detail/asio.hpp> instead "
              "(it is the only header that may include Asio, so that XFER_USE_BOOST_ASIO "
              "can switch to Boost.Asio):")
        print("\n".join(offenders))
        return 1
    print(f"only include/{ALLOWED} includes Asio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
