#!/usr/bin/env bash
# The shipped Prometheus alerting rules load: promtool checks their syntax and every expression.
# Usage: alert_rules.sh RULES_FILE
set -u
rules=$1
if ! command -v promtool >/dev/null; then
  echo "promtool not found: install the prometheus package (scripts/test does)" >&2
  exit 1
fi
promtool check rules "$rules"
