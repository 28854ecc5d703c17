#!/usr/bin/env bash
# Builds the fuzz preset (clang-14: libFuzzer, ASan, UBSan; only the targets and the libraries
# they link) and fuzzes every target for FUZZ_SECONDS (30) from a scratch copy of the committed
# corpus, so that the corpus does not change. Runs are repeatable: a fixed seed, one job each.
# On a crash it prints the crashing input in base64, to be committed under
# tests/fuzz/crashes/<target>/ with the fix so that ctest replays it from then on.
# Exits non-zero when a target crashed.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh

targets=(frame_decoder roundtrip json_input config_ini)
seconds=${FUZZ_SECONDS:-30}

dictionary_of() {
  case $1 in
    config_ini) echo tests/fuzz/config_ini.dict ;;
    *) echo tests/fuzz/protocol.dict ;;
  esac
}

echo "==> fuzz build (${targets[*]})"
build_preset fuzz "${targets[@]/#/fuzz_}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export UBSAN_OPTIONS=print_stacktrace=1
failed=()
for target in "${targets[@]}"; do
  work=$scratch/$target
  mkdir -p "$work/corpus" "$work/crash"
  cp tests/fuzz/corpus/"$target"/* "$work/corpus/"
  echo "==> fuzz $target (${seconds} s)"
  if build/fuzz/tests/fuzz/fuzz_"$target" -seed=1 -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
    -max_total_time="$seconds" -print_final_stats=1 -dict="$(dictionary_of "$target")" \
    -artifact_prefix="$work/crash/" "$work/corpus" >"$work/log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/log" || true
    continue
  fi
  failed+=("$target")
  tail -n 60 "$work/log"
  for input in "$work"/crash/*; do
    [ -f "$input" ] || continue
    echo "fuzz: $target crashed on the input below (base64). Commit it with the fix, as"
    echo "  base64 -d > tests/fuzz/crashes/$target/$(basename "$input") <<'EOF'"
    base64 -w 76 "$input"
    echo "EOF"
  done
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "error: fuzz targets crashed: ${failed[*]}" >&2
  exit 1
fi
echo "==> fuzz: no crash in ${targets[*]}"
