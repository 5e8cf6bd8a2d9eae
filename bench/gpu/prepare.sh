#!/usr/bin/env bash
# Assembles the folder a GPU machine (no Swift there) needs, in .device/ (ignored by git):
#   gpufit.gz        built with `swift build -c release --static-swift-stdlib` (portable: no -target-cpu native),
#                    stripped and gzipped (run-on-gpu.sh unpacks it)
#   opencl-env.sh, *.deb   from shared/tools/gpu/ (OpenCL ICD loader and clinfo, unpacked there by opencl-env.sh)
#   run-on-gpu.sh    the benchmark script; report.py to print its table
# Then, on the GPU machine, from that folder: OUT=/some/dir bash run-on-gpu.sh
# (with the device tool: carry [".device"], command `cd .device && bash run-on-gpu.sh`).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dest=$root/.device
tools=${GPU_TOOLS:-}
for t in "$tools" "$root/shared/tools/gpu" "$root/../shared/tools/gpu" /work/shared/tools/gpu; do
  [ -n "$t" ] && [ -f "$t/opencl-env.sh" ] && { tools=$t; break; }
done
[ -f "$tools/opencl-env.sh" ] || { echo "prepare.sh: no shared/tools/gpu/opencl-env.sh found (set GPU_TOOLS)" >&2; exit 1; }

if grep -q 'target-cpu' Package.swift; then
  echo "prepare.sh: warning: Package.swift mentions -target-cpu; a native build may stop with an illegal instruction on the GPU host" >&2
fi
# A scratch path of its own: the static link must not disturb (or wait on) the ordinary .build.
scratch=${SCRATCH:-$root/.build-static}
swift build -c release --static-swift-stdlib --product gpufit --scratch-path "$scratch" 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]'
bin=$(swift build -c release --static-swift-stdlib --product gpufit --scratch-path "$scratch" --show-bin-path)/gpufit

git check-ignore -q .device/ 2>/dev/null || echo "/.device/" >>.git/info/exclude
rm -rf "$dest"
mkdir -p "$dest"
# Stripped (80 MB -> 61 MB: the static Foundation and its ICU data stay) and gzipped (the device tool carries at
# most 64 MiB); run-on-gpu.sh unpacks gpufit.gz when there is no gpufit beside it.
strip -o "$dest/gpufit" "$bin"
"$dest/gpufit" --version >/dev/null
gzip -9 -k "$dest/gpufit"
cp "$tools"/opencl-env.sh "$tools"/*.deb "$dest/"
cp bench/gpu/run-on-gpu.sh bench/report.py "$dest/"
git rev-parse --short HEAD >"$dest/COMMIT" 2>/dev/null || echo unknown >"$dest/COMMIT"
git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && sed -i 's/$/+dirty/' "$dest/COMMIT"
echo "prepare.sh: $dest ($(du -sh "$dest" | cut -f1)), commit $(cat "$dest/COMMIT")"
echo "libraries the binary needs (libOpenCL.so.1 is loaded at run time with dlopen):"
ldd "$dest/gpufit" | sed 's/^/  /'
rm "$dest/gpufit"
ls -l "$dest"
