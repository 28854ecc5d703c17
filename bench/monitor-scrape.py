#!/usr/bin/env python3
"""monitor-scrape.py - what a full /clients scrape costs the loop with many connections open.

Spawns tcpchatd through tcpchat-bench (an idle run of --connections connections, daemon on CPU 0,
the bench and this script on CPU 1), waits until the monitor counts them all as room members, then
fetches /clients?limit=N --scrapes times at uneven intervals. The loop probe's histogram
(tcpchat_loop_lag_seconds), read before and after, gives how late the loop ran its timer while
the scrapes were served; the time to each answer's first byte bounds how long building it held
the loop. Exits 1 when any lag observed in that window exceeds --max-lag (the issue's 50 ms).

  bench/monitor-scrape.py [--build build/release] [--connections 10000] [--scrapes 20]
                          [--max-lag 0.05] [--port 17105] [--json]
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.request

SAMPLE = re.compile(r'^(tcpchat_loop_lag_seconds_(?:bucket|count|sum))(?:\{le="([^"]+)"\})? (\S+)$')


def fetch(url, timeout=30):
    """The body of url, and the seconds to its first byte and to its end."""
    start = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        first = answer.read(1)
        ttfb = time.monotonic() - start
        body = first + answer.read()
    return body, ttfb, time.monotonic() - start


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def lag_histogram(base):
    """{bound: cumulative count} with 'count' and 'sum', from one /metrics scrape."""
    text = fetch(base + "/metrics")[0].decode()
    h = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if not m:
            continue
        kind, le, value = m.groups()
        if kind.endswith("bucket"):
            h[float(le)] = float(value)
        else:
            h[kind.rsplit("_", 1)[1]] = float(value)
    return h


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default="build/release")
    p.add_argument("--connections", type=int, default=10000)
    p.add_argument("--scrapes", type=int, default=20)
    p.add_argument("--max-lag", type=float, default=0.05, help="seconds (default 0.05)")
    p.add_argument("--port", type=int, default=17105, help="the monitor's port")
    p.add_argument("--json", action="store_true", help="one JSON line instead of the report")
    a = p.parse_args()

    bench = os.path.join(a.build, "bench", "tcpchat-bench")
    daemon = os.path.join(a.build, "daemon", "tcpchatd")
    for f in (bench, daemon):
        if not os.access(f, os.X_OK):
            sys.exit(f"{f} is missing: build first (cmake --build --preset release)")
    base = f"http://127.0.0.1:{a.port}"
    # Long enough for the waits and the scrapes; the bench ends on its own afterwards.
    hold = 30 + a.scrapes * 2
    cmd = [bench, "--spawn", "--daemon", daemon, "--daemon-cpu", "0", "--bench-cpu", "1",
           "--connections", str(a.connections), "--idle", "--hold", str(hold), "--timeout", "60",
           "--no-progress", "--json", "--", "--quiet", "--max-clients", str(a.connections * 2),
           "--monitor", f"127.0.0.1:{a.port}"]
    os.sched_setaffinity(0, {1})
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)

    deadline = time.monotonic() + 60
    members = None
    while time.monotonic() < deadline and run.poll() is None:
        try:
            members = metric(fetch(base + "/metrics", timeout=5)[0].decode(), "tcpchat_clients")
            if members is not None and members >= a.connections:
                break
        except OSError:
            pass
        time.sleep(0.2)
    if members is None or members < a.connections:
        run.kill()
        sys.exit(f"the daemon did not reach {a.connections} members within 60 s "
                 f"(last seen: {members}); see tcpchat-bench's messages above")

    before = lag_histogram(base)
    rng = random.Random(1)
    ttfb, total, size, listed = [], [], 0, 0
    for _ in range(a.scrapes):
        # Uneven gaps, so the scrapes fall at every phase of the probe's 100 ms period.
        time.sleep(0.2 + rng.random() * 0.5)
        body, first, whole = fetch(f"{base}/clients?limit={a.connections}")
        ttfb.append(first)
        total.append(whole)
        size = len(body)
        listed = len(json.loads(body)["clients"])
    time.sleep(0.3)
    after = lag_histogram(base)
    out, _ = run.communicate(timeout=hold + 60)

    bounds = sorted(k for k in after if isinstance(k, float))
    seen = after["count"] - before["count"]
    over = {b: seen - (after[b] - before[b]) for b in bounds}
    # The smallest bound that every observation of the window is under.
    worst = next((b for b in bounds if over[b] == 0), float("inf"))
    limit_bucket = min((b for b in bounds if b >= a.max_lag), default=float("inf"))
    result = {
        "connections": a.connections,
        "listed": listed,
        "answer_bytes": size,
        "scrapes": a.scrapes,
        "ttfb_max_s": round(max(ttfb), 4),
        "ttfb_median_s": round(sorted(ttfb)[len(ttfb) // 2], 4),
        "answer_max_s": round(max(total), 4),
        "lag_observations": int(seen),
        "lag_sum_s": round(after["sum"] - before["sum"], 4),
        "lag_max_under_s": worst,
        "lag_over_limit": int(over.get(limit_bucket, seen)),
        "bench": json.loads(out) if out.strip() else None,
    }
    ok = result["lag_over_limit"] == 0 and listed == a.connections
    if a.json:
        print(json.dumps(result))
    else:
        print(f"{a.connections} connections, {a.scrapes} scrapes of /clients?limit={a.connections} "
              f"({listed} listed, {size / 1e6:.1f} MB each)")
        print(f"  first byte: median {result['ttfb_median_s'] * 1e3:.1f} ms, "
              f"max {result['ttfb_max_s'] * 1e3:.1f} ms; whole answer max {result['answer_max_s'] * 1e3:.1f} ms")
        print(f"  loop lag while scraped: {int(seen)} probes, every one under {worst * 1e3:g} ms, "
              f"{result['lag_over_limit']} over {a.max_lag * 1e3:g} ms")
        print("  PASS" if ok else "  FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
