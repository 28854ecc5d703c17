# tail_table.py OUT - the light-load tail table of run-comparison.sh: S3L's median p50, p99 and
# p99.9 for each peer under fanout, from OUT/anchors-tail/results.jsonl, with the ratios to redis.
import json, os, statistics as st, sys
path = os.path.join(sys.argv[1], "anchors-tail", "results.jsonl")
rows = [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []
if rows:
    by = {}
    for r in rows:
        by.setdefault(r["label"].split("/")[1], []).append(r)
    keys = [("p50", "lat_p50_us"), ("p99", "lat_p99_us"), ("p99.9", "lat_p999_us")]
    def median(peer, key):
        vals = [r[key] for r in by.get(peer, []) if r.get("ok")]
        return st.median(vals) if vals else None
    print("S3L, 200 msg/s to 100 subscribers: the median of %d runs per peer, peers interleaved\n"
          % max(len(v) for v in by.values()))
    print("| peer | " + " | ".join(k for k, _ in keys) + " | " +
          " | ".join(k + " / redis" for k, _ in keys) + " | failed runs |")
    print("|---|" + "---|" * (2 * len(keys) + 1))
    for peer in ["tcpchat", "redis", "nats"]:
        if peer not in by:
            continue
        cells = []
        for _, key in keys:
            v = median(peer, key)
            cells.append("-" if v is None else "%.2f ms" % (v / 1e3))
        for _, key in keys:
            v, base = median(peer, key), median("redis", key)
            cells.append("%.2f" % (v / base) if v is not None and base else "-")
        failed = sum(1 for r in by[peer] if not r.get("ok"))
        name = "tcpchatd" if peer == "tcpchat" else peer + "-server"
        print("| %s | %s | %d |" % (name, " | ".join(cells), failed))
