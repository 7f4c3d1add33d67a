# bench/lib/wrk_to_json.py - turns wrk's report (stdin) into one JSON line for results.jsonl.
"""Usage: wrk_to_json.py SCENARIO CONNECTIONS < wrk-output"""
import json
import re
import sys

UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}  # wrk's units are binary


def main():
    text = sys.stdin.read()
    record = {"scenario": sys.argv[1], "client": "wrk", "connections": int(sys.argv[2])}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", text)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    if rps and transfer:
        record["rps"] = float(rps.group(1))
        record["MBps"] = float(transfer.group(1)) * UNITS.get(transfer.group(2), 1) / 1e6
    else:
        record["failed"] = True
    if total:
        record["requests"] = int(total.group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(r"Socket errors: (.*)", text)
    if errors or sockets:
        record["errors"] = " ".join(m.group(0) for m in (errors, sockets) if m)
    print(json.dumps(record))


if __name__ == "__main__":
    main()
