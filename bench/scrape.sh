# shellcheck shell=bash
# Scraping a daemon's monitor while a bench runs, shared by ab.sh and run-comparison.sh.

# start_scraper LOG INTERVAL URL...: fetches each URL every INTERVAL seconds in the background, on
# CPU 1 beside the bench, until stop_scraper; each answered fetch is a line of LOG. A daemon that
# is not up yet is no error. Sets SCRAPER to the background job's pid.
start_scraper() {
  local log=$1 interval=$2
  shift 2
  (
    taskset -p -c 1 "$BASHPID" >/dev/null 2>&1
    while :; do
      for url in "$@"; do curl -sf -o /dev/null --max-time 5 "$url" && echo "$url" >>"$log"; done
      sleep "$interval"
    done
  ) &
  SCRAPER=$!
}

stop_scraper() {
  [ -n "${SCRAPER:-}" ] || return 0
  kill "$SCRAPER" 2>/dev/null
  wait "$SCRAPER" 2>/dev/null
  SCRAPER=
}
