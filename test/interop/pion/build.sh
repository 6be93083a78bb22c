#!/usr/bin/env bash
# Builds every Go peer under test/interop/pion/<name>/ into build/pion/<name>,
# offline, in GOPATH mode against Debian's packaged Pion sources.
# Usage: test/interop/pion/build.sh [name ...]   (default: all)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
src=$root/test/interop/pion
out=$root/build/pion
mkdir -p "$out"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for d in "$src"/*/; do [ -f "$d/main.go" ] && names+=("$(basename "$d")"); done
fi
for name in "${names[@]}"; do
  # A private stage and an atomic rename: concurrent builds of one peer do not collide.
  stage=$root/build/gopath-$name-$$
  rm -rf "$stage"; mkdir -p "$stage/src/$name"
  cp "$src/$name"/*.go "$stage/src/$name/"
  printf 'module %s\n\ngo 1.19\n' "$name" > "$stage/src/$name/go.mod"
  (cd "$stage/src/$name" && GO111MODULE=off GOPATH="$stage:/usr/share/gocode" GOPROXY=off GOFLAGS= CGO_ENABLED=0 \
    GOCACHE="$root/build/gocache" go build -trimpath -o "$out/$name.$$" "$name")
  mv -f "$out/$name.$$" "$out/$name"
  rm -rf "$stage"
  echo "built $out/$name"
done
