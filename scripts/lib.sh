# Shared by scripts/run and scripts/test: the Debian 12 packages the build and every test need.
# shellcheck shell=bash

TCPCHAT_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  catch2
  libsystemd-dev systemd
  libreadline-dev tmux
  dpkg-dev file groff-base man-db strace
  clang-14 libclang-rt-14-dev
  prometheus
  libssl-dev openssl libhiredis-dev
  redis-server
)

# Installs whichever of the named packages are missing, quietly; sudo when not root.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "==> installing missing packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null || {
    echo "error: could not install ${missing[*]} with apt-get (see the messages above)" >&2
    return 1
  }
}

# Configures (once) and builds a CMake preset; extra arguments are build targets.
build_preset() {
  local preset=$1
  shift
  cmake --preset "$preset" >/dev/null || return 1
  if [ $# -gt 0 ]; then
    cmake --build --preset "$preset" --target "$@"
  else
    cmake --build --preset "$preset"
  fi
}
