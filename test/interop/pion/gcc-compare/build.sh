#!/usr/bin/env bash
# (The Go file is not named main.go, so ../build.sh, which builds every folder with a main.go, skips this one.)
# Builds gcc-compare into build/pion/gcc-compare against Debian's pion/interceptor, offline,
# with one change to a private copy of pkg/gcc: its time.Now()/time.Since() read a clock the
# program sets (virtual milliseconds), so Pion's estimator runs on the same virtual trace as ours.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../../.." && pwd)
src=$root/test/interop/pion/gcc-compare
out=$root/build/pion
stage=$root/build/gopath-gcc-compare-$$
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out" "$stage/src/github.com/pion" "$stage/src/gcc-compare"
cp -r /usr/share/gocode/src/github.com/pion/interceptor "$stage/src/github.com/pion/interceptor"
chmod -R u+w "$stage/src/github.com/pion/interceptor"
g=$stage/src/github.com/pion/interceptor/pkg/gcc
rm -f "$g"/*_test.go
for f in "$g"/*.go; do
  sed -i -e 's/time\.Now()/nowFunc()/g' -e 's/time\.Since(\([^)]*\))/nowFunc().Sub(\1)/g' -e 's/nowFn: *time\.Now,/nowFn: nowFunc,/' "$f"
done
cat > "$g/zz_virtual_clock.go" <<'GO'
package gcc

import (
	"sync/atomic"
	"time"
)

var clockFn atomic.Value

func init() { clockFn.Store(func() time.Time { return time.Now() }) }

func nowFunc() time.Time { return clockFn.Load().(func() time.Time)() }

// SetNowFunc replaces the clock of this package (comparison builds only).
func SetNowFunc(f func() time.Time) { clockFn.Store(f) }

// LoadNow and StoreNow read and write a shared virtual time atomically.
func LoadNow(p *int64) int64     { return atomic.LoadInt64(p) }
func StoreNow(p *int64, v int64) { atomic.StoreInt64(p, v) }
GO
cp "$src"/*.go "$stage/src/gcc-compare/"
printf 'module gcc-compare\n\ngo 1.19\n' > "$stage/src/gcc-compare/go.mod"
(cd "$stage/src/gcc-compare" && GO111MODULE=off GOPATH="$stage:/usr/share/gocode" GOPROXY=off GOFLAGS= CGO_ENABLED=0 \
  GOCACHE="$root/build/gocache" go build -trimpath -o "$out/gcc-compare.$$" gcc-compare)
mv -f "$out/gcc-compare.$$" "$out/gcc-compare"
echo "built $out/gcc-compare"
