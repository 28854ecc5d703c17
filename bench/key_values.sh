# shellcheck shell=bash
# The KEY=VALUE arguments of the bench scripts, exported as the variables they name.
# export_key_values ARG...: false, saying which, at the first argument that is not KEY=VALUE.
export_key_values() {
  local kv
  for kv in "$@"; do
    case "$kv" in
      *=*) export "${kv%%=*}=${kv#*=}" ;;
      *) echo "not KEY=VALUE: $kv" >&2; return 1 ;;
    esac
  done
}
