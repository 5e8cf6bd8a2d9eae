#!/usr/bin/env bash
# Benchmarks on an NVIDIA GPU machine that has no Swift (docs/gpu.md). Run from the folder that
# bench/gpu/prepare.sh assembles (.device/): gpufit or gpufit.gz (static Swift stdlib), opencl-env.sh, the two
# .deb files, report.py and this script:
#     OUT=/some/dir bash run-on-gpu.sh
# Everything goes to $OUT (default ./gpu-results-DATE): run.log (all output), devices.json, meta.json,
# gpufit-b1.jsonl / gpufit-b2.jsonl (one JSON line per repetition, fp64 and fp32), b3-*.time, table.txt.
#
# Steps, each under a time limit (BENCH_CAP, B3_CAP, all within TOTAL_CAP) so that one slow step cannot eat the machine's short lease:
#   1. . ./opencl-env.sh (OpenCL loader, NVIDIA ICD, clinfo -l), nvidia-smi; ./gpufit devices
#   2. B1 and B2 on the first GPU in fp64 and fp32 (REPEAT x about SECONDS_PER_REP s each, BENCH_CAP s a run),
#      and briefly on the host's CPU engine for comparison
#   3. B3: ./gpufit --device GPU --starts 10000 --bootstrap 1000 (stopped after B3_CAP s), and a smaller
#      B3 (--starts 1000 --bootstrap 100) so that a number exists even if the big one is stopped
# Environment: OUT, DEVICE (OpenCL index; default the first GPU), REPEAT (5), SECONDS_PER_REP (2),
#   BENCH_CAP (60), B3_CAP (180), B3_SMALL_CAP (60), TOTAL_CAP (540: every step's limit is cut to what is left of
#   it, so the whole script ends within one 10-minute device command), PEAK_FP64_GFLOPS / PEAK_FP32_GFLOPS
#   (default: from the GPU's name), SKIP_CPU=1 (skip the CPU engine).
set -u
{ # read whole before running
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
OUT=${OUT:-$here/gpu-results-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
: "${REPEAT:=5}" "${SECONDS_PER_REP:=2}" "${BENCH_CAP:=60}" "${B3_CAP:=180}" "${B3_SMALL_CAP:=60}" "${TOTAL_CAP:=540}"
start=$(date +%s)
say() { echo "== [$(( $(date +%s) - start )) s] $*"; }
capped() {  # the smaller of $1 and what is left of TOTAL_CAP (less 20 s for the table); 0 when under 5 s
  local left=$(( TOTAL_CAP - ($(date +%s) - start) - 20 ))
  local c=$(( $1 < left ? $1 : left ))
  echo $(( c < 5 ? 0 : c ))
}

if [ ! -x ./gpufit ] && [ -f ./gpufit.gz ]; then gunzip -c gpufit.gz >gpufit && chmod +x gpufit; fi
[ -x ./gpufit ] || { echo "run-on-gpu.sh: no ./gpufit (or gpufit.gz) in $here"; exit 1; }
say "host: $(hostname), $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
say "commit: $(cat COMMIT 2>/dev/null || echo unknown)"
say "opencl-env.sh"
# shellcheck disable=SC1091
. ./opencl-env.sh
say "nvidia-smi"
command -v nvidia-smi >/dev/null && nvidia-smi || echo "no nvidia-smi"
say "./gpufit devices"
./gpufit devices
./gpufit devices --json >"$OUT/devices.json" 2>/dev/null

gpu_name=""
if [ -z "${DEVICE:-}" ]; then
  read -r DEVICE gpu_name < <(python3 - "$OUT/devices.json" <<'PY' 2>/dev/null
import json, sys
try:
    ds = json.load(open(sys.argv[1])).get("devices", [])
except Exception:
    ds = []
g = [d for d in ds if d.get("type") == "gpu"]
print(f"{g[0]['index']} {g[0]['name']}" if g else "")
PY
)
else
  gpu_name=$(python3 -c "
import json; print(next((d['name'] for d in json.load(open('$OUT/devices.json'))['devices'] if d['index'] == $DEVICE), ''))" 2>/dev/null)
fi
[ -n "${DEVICE:-}" ] && say "GPU device: $DEVICE ($gpu_name)" || say "no OpenCL GPU found: see opencl-env.sh's output above; running the CPU engine only"

# Peak rates for the ceiling (vector units, no tensor cores: the kernels use plain fp64/fp32 arithmetic).
# Boost-clock figures from NVIDIA's data sheets; set PEAK_FP64_GFLOPS / PEAK_FP32_GFLOPS to override.
case "$gpu_name" in
  *H200*|*H100*SXM*|*H100\ 80GB\ HBM3*) p64=33500 p32=66900 ;;
  *H100*NVL*) p64=30000 p32=60000 ;;
  *H100*PCIe*|*H100*) p64=25600 p32=51200 ;;
  *A100*) p64=9700 p32=19500 ;;
  *) p64="" p32="" ;;
esac
p64=${PEAK_FP64_GFLOPS:-$p64} p32=${PEAK_FP32_GFLOPS:-$p32}
say "peak used for ceilings: fp64 ${p64:-unknown} GFLOP/s, fp32 ${p32:-unknown} GFLOP/s"
python3 - "$OUT/meta.json" <<EOF 2>/dev/null || true
import json, sys
json.dump({"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "commit": "$(cat COMMIT 2>/dev/null || echo unknown)",
           "cpu": "$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)", "cores": $(nproc), "quick": 0,
           "gpu": "$gpu_name", "device": "${DEVICE:-}", "b3_cap_s": $B3_CAP,
           "peak_note": "GPU ceilings from data-sheet peaks: fp64 ${p64:-unknown}, fp32 ${p32:-unknown} GFLOP/s (vector units)",
           "load_before": open("/proc/loadavg").read().split()[:3]}, open(sys.argv[1], "w"))
EOF

bench() {  # problem device precision peak seconds repeat
  local peak_arg=()
  [ -n "$4" ] && peak_arg=(--peak-gflops "$4")
  local cap; cap=$(capped "$BENCH_CAP")
  [ "$cap" = 0 ] && { say "skipped (TOTAL_CAP): bench $1 on $2 $3"; return; }
  say "gpufit bench --problem $1 --device $2 --precision $3 (stopped after $cap s)"
  timeout "$cap" ./gpufit bench --problem "$1" --device "$2" --precision "$3" --no-fallback --quiet \
    --seconds "$5" --repeat "$6" "${peak_arg[@]}" | tee -a "$OUT/gpufit-$1.jsonl"
  local rc=${PIPESTATUS[0]}
  [ "$rc" = 0 ] || say "exit status $rc (124: stopped after $cap s)"
}

if [ -n "${DEVICE:-}" ]; then
  for prec in fp64 fp32; do
    peak=$p64; [ "$prec" = fp32 ] && peak=$p32
    for problem in b1 b2; do bench "$problem" "$DEVICE" "$prec" "$peak" "$SECONDS_PER_REP" "$REPEAT"; done
  done
fi
if [ "${SKIP_CPU:-0}" != 1 ]; then
  for problem in b1 b2; do bench "$problem" cpu fp64 "" 1 3; done
fi

b3() {  # name cap args...
  local name=$1 cap; cap=$(capped "$2"); shift 2
  [ "$cap" = 0 ] && { say "skipped (TOTAL_CAP): B3 $name"; return; }
  say "B3 $name: gpufit $* (stopped after $cap s)"
  echo "gpufit $*" >"$OUT/b3-$name.cmd"
  echo "$cap" >"$OUT/b3-$name.cap"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v timeout "$cap" ./gpufit "$@" >"$OUT/b3-$name.out" 2>"$OUT/b3-$name.time"
  else
    python3 - "$cap" ./gpufit "$@" >"$OUT/b3-$name.time" 2>&1 <<'PY'
import resource, subprocess, sys, time
cap, cmd = float(sys.argv[1]), sys.argv[2:]
t0 = time.perf_counter()
try:
    rc = subprocess.run(cmd, stdout=open("/dev/null", "w"), timeout=cap).returncode
except subprocess.TimeoutExpired:
    rc = 124
wall = time.perf_counter() - t0
print(f"\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:{wall:.2f}")
print(f"\tMaximum resident set size (kbytes): {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
print(f"\tExit status: {rc}")
PY
  fi
  grep -E "Elapsed|Maximum resident|Exit status" "$OUT/b3-$name.time"
  head -40 "$OUT/b3-$name.out" 2>/dev/null
}
if [ -n "${DEVICE:-}" ]; then
  b3 gpu-small "$B3_SMALL_CAP" --device "$DEVICE" --starts 1000 --bootstrap 100 --quiet
  b3 gpu "$B3_CAP" --device "$DEVICE" --starts 10000 --bootstrap 1000 --quiet
fi

say "table"
python3 report.py "$OUT" | tee "$OUT/table.txt" || echo "(report.py failed; the raw files are in $OUT)"
say "done; results in $OUT"
exit
}
