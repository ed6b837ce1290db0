"""Load on `blaze serve`: wrk on loopback against POST /compute with a cheap expression (a
reduction over a small table) at 16, 32 and 64 connections; requests/s, p50/p99 latency,
errors, and the server's resident memory before and after.

    python3 bench/server_bench.py --blaze target/release/blaze --out bench/results/server.md

Needs wrk (Debian's package; bench/run.sh installs it). The client runs on the same two cores
as the server, so the figures are a floor for the server alone.
"""

import argparse
import re
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPR = "accounts.balance.sum()"
CONNECTIONS = [16, 32, 64]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def seconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def wrk(url: str, connections: int, duration: int, script: Path) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
        check=True, capture_output=True, text=True,
    ).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": seconds(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": seconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non2xx": 0,
        "socket": 0,
    }
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        result["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        result["socket"] = sum(int(g) for g in m.groups())
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--blaze", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = tmp / "datasets.yaml"
        config.write_text(f"accounts:\n  source: {ROOT / 'examples/data/accounts.csv'}\n")
        script = tmp / "post.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = '{{\"expr\": \"{EXPR}\"}}'\n"
            'wrk.headers["Content-Type"] = "application/vnd.blaze+json"\n'
        )
        port = free_port()
        log = open(tmp / "server.log", "w")
        server = subprocess.Popen(
            [args.blaze, "serve", str(config), "--port", str(port)], stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"{base}/datashape", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.05)
            request = urllib.request.Request(
                f"{base}/compute", data=f'{{"expr": "{EXPR}"}}'.encode(),
                headers={"Content-Type": "application/vnd.blaze+json"})
            answer = urllib.request.urlopen(request).read().decode()
            before = rss_mb(server.pid)
            rows = []
            for c in CONNECTIONS:
                result = wrk(f"{base}/compute", c, args.duration, script)
                result["rss"] = rss_mb(server.pid)
                rows.append((c, result))
                print(c, result, flush=True)
            after = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait()
            log.close()

    lines = [
        "## Blaze server under load",
        "",
        f"`blaze serve` with one small table (examples/data/accounts.csv); wrk (2 threads, "
        f"{args.duration} s per run) on loopback POSTs `{{\"expr\": \"{EXPR}\"}}` to /compute "
        f"(answer: `{answer}`). Client and server share the machine's 2 cores. Produced by "
        f"`bash bench/run.sh server`.",
        "",
        "| connections | requests/s | p50 latency | p99 latency | requests | errors (non-2xx + socket) | server RSS after |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for c, r in rows:
        lines.append(
            f"| {c} | {r['rps']:,.0f} | {r['p50'] * 1e3:.2f} ms | {r['p99'] * 1e3:.2f} ms | "
            f"{r['requests']:,} | {r['non2xx'] + r['socket']} | {r['rss']:.1f} MB |")
    lines += ["", f"Server resident memory: {before:.1f} MB before the runs, {after:.1f} MB after.", ""]
    args.out.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
