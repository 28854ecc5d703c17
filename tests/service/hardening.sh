#!/usr/bin/env bash
# The release binaries are hardened: PIE, full RELRO (GNU_RELRO and BIND_NOW), the stack
# protector and _FORTIFY_SOURCE's checked functions.
# Usage: hardening.sh BINARY...
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
for binary in "$@"; do
  name=$(basename "$binary")
  readelf -h "$binary" | grep -qE 'Type: +DYN' || fail "$name is not a position-independent executable"
  readelf -lW "$binary" | grep -q GNU_RELRO || fail "$name has no GNU_RELRO segment"
  readelf -dW "$binary" | grep -qE 'BIND_NOW|FLAGS_1.*NOW' || fail "$name is not linked with -z now"
  symbols=$(readelf --dyn-syms -W "$binary")
  grep -q '__stack_chk_fail' <<<"$symbols" || fail "$name has no stack protector"
  grep -E '__[a-z0-9_]+_chk@' <<<"$symbols" | grep -qv '__stack_chk_fail' ||
    fail "$name calls none of _FORTIFY_SOURCE's checked functions"
  echo "$name: PIE, RELRO, BIND_NOW, stack protector, fortified"
done
