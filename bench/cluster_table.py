# cluster_table.py OUT - the cluster rows of run-comparison.sh, from OUT/cluster.jsonl: S1 on one
# node, on the cluster's nodes through one Redis and redis-server's own Pub/Sub (fanout), and S3L's
# p99 on one node and through the cluster, medians with their ranges, against the targets of
# issue 15.
import json, os, statistics as st, sys

path = os.path.join(sys.argv[1], "cluster.jsonl")
rows = []
if os.path.exists(path):
    for line in open(path):
        try:
            rows.append(json.loads(line))
        except ValueError:
            pass
if not rows:
    sys.exit(0)
by = {}
for r in rows:
    sc, setup, _ = (r.get("label", "") + "//").split("/")[:3]
    by.setdefault((sc, setup), []).append(r)


def good(r):  # a bench run that found nothing wrong, and whose nodes all exited 0
    return r.get("ok") and all(x == "0" for x in r.get("node_exits", "").split())


def values(sc, setup, f):
    return [f(r) for r in by.get((sc, setup), []) if good(r) and f(r) is not None]


def median(sc, setup, f):
    vals = values(sc, setup, f)
    return st.median(vals) if vals else None


def cell(sc, setup, f, fmt):
    vals = values(sc, setup, f)
    failed = sum(1 for r in by.get((sc, setup), []) if not good(r))
    if not vals:
        return "failed %d/%d" % (failed, len(by[(sc, setup)])) if (sc, setup) in by else "-"
    text = fmt(st.median(vals))
    if len(vals) > 1:
        text += " (" + fmt(min(vals)) + " to " + fmt(max(vals)) + ")"
    return text + (", %d failed" % failed if failed else "")


def ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "-"


nodes = max((len(r.get("node_exits", "").split()) for r in rows), default=3) or 3
rate = lambda r: r.get("delivered_per_s")
p99 = lambda r: r.get("lat_p99_us")
mps = lambda v: "%.2f M" % (v / 1e6)
ms = lambda v: "%.2f ms" % (v / 1e3)
runs = max(len(v) for v in by.values())
print()
print("Cluster: redis-server and the nodes on CPU 0, the generators on CPU 1 (on two cores this")
print("measures the cluster's overhead, not its scale-out); up to %d runs each, interleaved\n" % runs)
print("| scenario | one node (tcpchat-bench) | %d nodes through one Redis (tcpchat-bench --ports) "
      "| redis-server Pub/Sub (fanout) | target | ratio |" % nodes)
print("|---|---|---|---|---|---|")
s1 = [median("S1", s, rate) for s in ("one-node", "cluster", "redis-pubsub")]
if any(("S1", s) in by for s in ("one-node", "cluster", "redis-pubsub")):
    print("| S1 delivered/s | %s | %s | %s | %d nodes ≥ 1 × redis Pub/Sub | %s |"
          % (cell("S1", "one-node", rate, mps), cell("S1", "cluster", rate, mps),
             cell("S1", "redis-pubsub", rate, mps), nodes, ratio(s1[1], s1[2])))
s3l = [median("S3L", s, p99) for s in ("one-node", "cluster")]
if any(("S3L", s) in by for s in ("one-node", "cluster")):
    print("| S3L p99 | %s | %s | - | cluster ≤ 3 × one node | %s |"
          % (cell("S3L", "one-node", p99, ms), cell("S3L", "cluster", p99, ms),
             ratio(s3l[1], s3l[0])))

# Where the time goes: CPU per delivery of the one node (over publishing and draining) against
# the cluster's (nodes and redis-server, over the whole bench run), and the append's latency.
for sc in ("S1", "S3L"):
    one = median(sc, "one-node", lambda r: r["daemon_cpu_s"] / r["delivered"] * 1e9
                 if r.get("daemon_cpu_s") and r.get("delivered") else None)
    node_cpu = median(sc, "cluster", lambda r: r["nodes_cpu_s"] / r["delivered"] * 1e9
                      if r.get("nodes_cpu_s") is not None and r.get("delivered") else None)
    redis_cpu = median(sc, "cluster", lambda r: r["redis_cpu_s"] / r["delivered"] * 1e9
                       if r.get("redis_cpu_s") is not None and r.get("delivered") else None)
    mean = median(sc, "cluster", lambda r: r.get("append_mean_ms"))
    p99_le = median(sc, "cluster", lambda r: r.get("append_p99_le_ms"))
    if one is None and node_cpu is None:
        continue
    fmt = lambda v: "-" if v is None else "%.1f ns" % v
    print()
    print("%s CPU per delivery: one node %s; the cluster's nodes %s and redis-server %s; an "
          "append (arrival at a node to its reading back) %s ms on average, p99 under %s ms"
          % (sc, fmt(one), fmt(node_cpu), fmt(redis_cpu),
             "-" if mean is None else "%.2f" % mean, "-" if p99_le is None else "%g" % p99_le))
