#!/usr/bin/env bash
# ab.sh - before/after: two builds of tcpchatd under the same tcpchat-bench, run in alternating
# pairs so that a noisy, shared machine drifts over both alike.
#
#   bench/ab.sh OLD_BUILD_DIR NEW_BUILD_DIR [KEY=VALUE]...
#     PAIRS=5                 pairs per scenario; each pair runs both builds, in alternating order
#     SCENARIOS="S1 S2 S4"    from bench/scenarios.sh
#     BENCH=NEW/bench/tcpchat-bench   one generator for both builds
#     OUT=/tmp/tcpchat-ab-<time>
#     OLD_OPTS= NEW_OPTS=     daemon options for that side only, to compare settings rather than
#                             builds (the same build twice: bench/ab.sh build/release build/release)
#     OLD_BENCH_OPTS= NEW_BENCH_OPTS=  tcpchat-bench options for that side only, e.g. accounts on:
#                             NEW_OPTS="--auth-file F" NEW_BENCH_OPTS="--token-file T"
#     NEW_SCRAPE=             URLs fetched once a second (curl, on the bench's CPU) while the new
#                             side runs, e.g. monitoring on and scraped against off:
#                             NEW_OPTS="--monitor 127.0.0.1:19100"
#                             NEW_SCRAPE="http://127.0.0.1:19100/metrics http://127.0.0.1:19100/clients"
#     SCRAPE_INTERVAL=1       seconds between scrapes; each answered one is a line of scrapes.log
#     SCALE=1                 multiplies S1's and S2's messages (bench/scenarios.sh)
#
# For S1 and S2 it compares the daemon's CPU seconds per delivery (the bench's daemon_cpu_s over
# its deliveries), which depends far less on the machine's load than deliveries/s does; for S4
# the daemon's memory per idle connection. One line per scenario: the medians, the ratio of the
# medians (new/old), and the spread of the per-pair ratios. Daemon pinned to CPU 0, the bench to
# CPU 1, as in run-comparison.sh.
set -u
[ $# -ge 2 ] || { sed -n '2,24p' "$0" >&2; exit 64; }
OLD=$(cd "$1" && pwd) || exit 66
NEW=$(cd "$2" && pwd) || exit 66
shift 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/key_values.sh"
export_key_values "$@" || { echo "usage: $0 OLD_BUILD_DIR NEW_BUILD_DIR [KEY=VALUE]..." >&2; exit 64; }
PAIRS=${PAIRS:-5}
SCENARIOS=${SCENARIOS:-"S1 S2 S4"}
BENCH=${BENCH:-$NEW/bench/tcpchat-bench}
OUT=${OUT:-/tmp/tcpchat-ab-$(date -u +%Y%m%dT%H%M%SZ)}
read -r -a OLD_OPTS <<<"${OLD_OPTS:-}"
read -r -a NEW_OPTS <<<"${NEW_OPTS:-}"
read -r -a OLD_BENCH_OPTS <<<"${OLD_BENCH_OPTS:-}"
read -r -a NEW_BENCH_OPTS <<<"${NEW_BENCH_OPTS:-}"
read -r -a NEW_SCRAPE <<<"${NEW_SCRAPE:-}"
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-1}
. "$ROOT/bench/scenarios.sh"
. "$ROOT/bench/scrape.sh"
for f in "$OLD/daemon/tcpchatd" "$NEW/daemon/tcpchatd" "$BENCH"; do
  [ -x "$f" ] || { echo "$f is missing: build first" >&2; exit 66; }
done
mkdir -p "$OUT"
: >"$OUT/runs.jsonl"

# run SCENARIO SIDE PAIR: one tcpchat-bench run against SIDE's daemon, appended to runs.jsonl.
run() {
  local sc=$1 side=$2 pair=$3 dir line rc
  local -a opts bench_opts
  if [ "$side" = old ]; then
    dir=$OLD opts=("${OLD_OPTS[@]}") bench_opts=("${OLD_BENCH_OPTS[@]}")
  else
    dir=$NEW opts=("${NEW_OPTS[@]}") bench_opts=("${NEW_BENCH_OPTS[@]}")
  fi
  if [ "$side" = new ] && [ ${#NEW_SCRAPE[@]} -gt 0 ]; then
    start_scraper "$OUT/scrapes.log" "$SCRAPE_INTERVAL" "${NEW_SCRAPE[@]}"
  fi
  # shellcheck disable=SC2046
  line=$("$BENCH" --spawn --daemon "$dir/daemon/tcpchatd" --daemon-cpu 0 --bench-cpu 1 \
           --no-progress "${bench_opts[@]}" $(bench_args "$sc") --timeout 60 --json --label "$sc/$side/$pair" \
           -- "${BENCH_DAEMON_OPTS[@]}" --quiet "${opts[@]}" 2>>"$OUT/bench.stderr")
  rc=$?
  stop_scraper
  [ -n "$line" ] || line="{\"label\":\"$sc/$side/$pair\",\"ok\":false}"
  echo "${line%\}},\"rc\":$rc}" >>"$OUT/runs.jsonl"
}

for sc in $SCENARIOS; do
  bench_args "$sc" >/dev/null || exit 64
  for pair in $(seq "$PAIRS"); do
    if [ $((pair % 2)) = 1 ]; then order="old new"; else order="new old"; fi
    for side in $order; do run "$sc" "$side" "$pair"; done
  done
done

python3 - "$OUT/runs.jsonl" "$SCENARIOS" <<'PY' | tee "$OUT/summary.txt"
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    sc, side, pair = r["label"].split("/")
    by.setdefault(sc, {}).setdefault(int(pair), {})[side] = r
for sc in sys.argv[2].split():
    pairs = by.get(sc, {})
    ok = {p: v for p, v in pairs.items() if all(v.get(s, {}).get("ok") for s in ("old", "new"))}
    failed = len(pairs) - len(ok)
    if not ok:
        print(f"{sc}: no pair where both runs succeeded ({failed} failed)")
        continue
    if sc == "S4":
        metric = lambda r: r["rss_per_connection_bytes"]
        show = lambda v: f"{v:,.0f} B/conn"
        what = "daemon memory per idle connection"
    else:
        metric = lambda r: r["daemon_cpu_s"] / r["delivered"] * 1e9
        show = lambda v: f"{v:.1f} ns"
        what = "daemon CPU per delivery"
    old = [metric(v["old"]) for v in ok.values()]
    new = [metric(v["new"]) for v in ok.values()]
    ratios = [n / o for o, n in zip(old, new)]
    line = (f"{sc}: {what}: old {show(st.median(old))}, new {show(st.median(new))}, "
            f"new/old {st.median(new) / st.median(old):.3f} "
            f"(pairs {min(ratios):.3f} to {max(ratios):.3f}, n={len(ok)})")
    if sc != "S4":
        dold = st.median(v["old"]["delivered_per_s"] for v in ok.values())
        dnew = st.median(v["new"]["delivered_per_s"] for v in ok.values())
        line += f"; deliveries/s old {dold / 1e6:.2f} M, new {dnew / 1e6:.2f} M"
    else:
        line += f"; difference {st.median(new) - st.median(old):+,.0f} B"
    if failed:
        line += f"; {failed} pair(s) failed, see bench.stderr"
    print(line)
PY
[ -f "$OUT/scrapes.log" ] && echo "scrapes answered during the new side's runs: $(wc -l <"$OUT/scrapes.log")" | tee -a "$OUT/summary.txt"
echo "runs in $OUT" >&2
