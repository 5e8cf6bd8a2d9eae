#!/usr/bin/env bash
# End-to-end test of deploy/slurm on a one-node Slurm cluster started on this machine, loopback only:
#   1. installs Debian's slurm-wlm and munge if missing (needs root; apt-get);
#   2. builds gpufit (swift build -c release) unless GPUFIT names a binary;
#   3. writes slurm.conf, gres.conf and a munge key into a temporary folder and starts munged, slurmctld and
#      slurmd by hand (no systemd; own socket and ports, so a system Slurm or munge is not disturbed);
#   4. submits the README's sweep with submit.sh (N shards as an array job, the merge chained after it), waits;
#   5. runs the same job unsharded and compares the merged JSON with it, value for value;
#   6. reruns one shard (-k 1) as the README says, and compares again.
# Exits non-zero on any failure or mismatch, printing the job states, the daemons' logs and the jobs' output.
# Stops every daemon it started on exit. Environment: GPUFIT, GPUFIT_SCALAR (passed on to the jobs), SHARDS (3),
# WAIT_S (per submission, 120), FAKE_GPUS=0 (no GPUs on the node, -g 0), KEEP=1 (keep the temporary folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
shards=${SHARDS:-3}
wait_s=${WAIT_S:-120}
# The README's example sweep, small enough for 2 CPU cores: the ladder main job, CPU engine.
job=(ladder --device cpu --starts 8 --bootstrap 12 --seed 7)

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

if [ -z "${GPUFIT:-}" ]; then
  # Progress lines filtered out; a failed build still fails the test (pipefail), never runs an old binary.
  swift build -c release --product gpufit 2>&1 | { grep -Ev '^\[[0-9]+/[0-9]+\]' || true; }
  GPUFIT=$(swift build -c release --show-bin-path)/gpufit
fi
GPUFIT=$(realpath "$GPUFIT")
"$GPUFIT" --version >/dev/null
# slurmd must be root to start jobs; the build above ran as the caller.
if [ "$(id -u)" -ne 0 ]; then exec sudo GPUFIT="$GPUFIT" ${GPUFIT_SCALAR+"GPUFIT_SCALAR=$GPUFIT_SCALAR"} SHARDS="$shards" WAIT_S="$wait_s" FAKE_GPUS="${FAKE_GPUS:-1}" KEEP="${KEEP:-}" bash "$repo/deploy/slurm/test-one-node.sh"; fi

t=$(mktemp -d /tmp/gpufit-slurm.XXXXXX)
chmod 755 "$t"
pids=() job_ids=()
export SLURM_CONF=$t/slurm.conf
cleanup() {
  local rc=$?
  [ ${#job_ids[@]} -gt 0 ] && scancel "${job_ids[@]}" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ -n "${KEEP:-}" ]; then echo "kept $t"; else rm -rf "$t"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

show_logs() {
  echo "---- job states"
  for id in "${job_ids[@]}"; do
    scontrol -o show job "$id" 2>&1 | sed -E 's/^(JobId=[^ ]+).*(JobState=[^ ]+ Reason=[^ ]+).*(ExitCode=[^ ]+).*/\1 \2 \3/'
  done
  # In the foreground (-D, -F) the daemons log to stderr, which went to these files.
  for f in slurmctld.stderr slurmd.stderr munged.stderr; do
    [ -s "$t/$f" ] && { echo "---- $f (last 30 lines)"; tail -n 30 "$t/$f"; }
  done
  for f in "$t"/parts/logs/*.out; do [ -f "$f" ] && { echo "---- $f"; tail -n 30 "$f"; }; done
  return 0
}
fail() { echo "test-one-node: FAIL: $*" >&2; show_logs >&2; exit 1; }

# munge with its own key and socket; Slurm's daemons and clients find the socket through AuthInfo.
mkdir -p "$t/munge" "$t/key" "$t/state" "$t/spool" "$t/parts"
chmod 700 "$t/key"
dd if=/dev/urandom of="$t/key/munge.key" bs=1024 count=1 status=none
chmod 400 "$t/key/munge.key"
munged -F --force --key-file="$t/key/munge.key" --socket="$t/munge/munge.sock" --log-file="$t/munged.log" \
  --pid-file="$t/munge/munged.pid" --seed-file="$t/key/seed" >"$t/munged.stderr" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$t/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$t/munge/munge.sock" ] || fail "munged did not start"

node=$(hostname -s)
# Where device nodes cannot be made (a container without CAP_MKNOD), or with FAKE_GPUS=0, the node has no
# GPUs and the shards ask for none (submit.sh -g 0), as on a CPU-only cluster.
gpu_opt=() node_gres=""
mkdir -p "$t/dev"
if [ "${FAKE_GPUS:-1}" = 1 ] && (for ((k = 0; k < shards; k++)); do mknod "$t/dev/fakegpu$k" c 1 3 || exit 1; done) 2>/dev/null; then
  node_gres="Gres=gpu:$shards"
  echo "NodeName=$node Name=gpu File=$t/dev/fakegpu[0-$((shards - 1))]" >"$t/gres.conf"
else
  echo "test-one-node: no GPUs on the node (FAKE_GPUS=0, or no mknod here); the shards ask for none (-g 0)"
  gpu_opt=(-g 0)
  : >"$t/gres.conf"
fi
port=$((20000 + RANDOM % 20000))
# select/cons_tres with CPUs as the consumable; proctrack/linuxproc and task/none need no cgroups. The node
# announces $shards GPUs that exist only as a count (gres.conf has no device files): the shards' GPU
# request (--gres=gpu:1) is then scheduled as on a real cluster, while gpufit runs with --device cpu.
# config_overrides: the node is taken as written even where this machine has fewer cores.
cat >"$t/slurm.conf" <<CONF
ClusterName=gpufit-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$t/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$t/state
SlurmdSpoolDir=$t/spool
SlurmctldPidFile=$t/slurmctld.pid
SlurmdPidFile=$t/slurmd.pid
SlurmctldLogFile=$t/slurmctld.log
SlurmdLogFile=$t/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
MpiDefault=none
GresTypes=gpu
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 $node_gres State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

# -D: in the foreground of a background job, so that its pid is ours to stop; it logs to the file itself.
slurmctld -D -i -f "$SLURM_CONF" >"$t/slurmctld.stderr" 2>&1 &
pids+=($!)
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
scontrol ping 2>/dev/null | grep -q UP || fail "slurmctld did not answer"
slurmd -D -N "$node" -f "$SLURM_CONF" >"$t/slurmd.stderr" 2>&1 &
pids+=($!)
for _ in $(seq 100); do sinfo -h -n "$node" -o %T 2>/dev/null | grep -qE '^(idle|mixed)' && break; sleep 0.2; done
sinfo -h -n "$node" -o %T | grep -qE '^(idle|mixed)' || fail "node $node is not idle: $(sinfo -h -n "$node" -o '%T %E')"

# Waits for the merge job of one submission and checks that every job of it completed with exit 0.
wait_for() {
  local shards_id=$1 merge_id=$2 state="" start=$SECONDS
  while :; do
    state=$(scontrol -o show job "$merge_id" | grep -oE 'JobState=[A-Z_]+' | cut -d= -f2)
    case $state in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE) break ;; esac
    [ $((SECONDS - start)) -lt "$wait_s" ] || fail "merge job $merge_id still $state after ${wait_s}s"
    sleep 1
  done
  scontrol -o show job "$shards_id" | grep -vq 'JobState=COMPLETED .*ExitCode=0:0' && fail "a shard of job $shards_id did not complete"
  [ "$state" = COMPLETED ] || fail "merge job $merge_id ended $state"
  echo "jobs $shards_id (shards) and $merge_id (merge) completed in $((SECONDS - start)) s"
}

# Value for value, except what says where and how long it ran, as the README's "More than one machine"
# documents: "engine" (merged from N shard(s): ...), "seconds" (the shards' sum) and "engineRequested"
# (auto: the device is not part of a part's fingerprint).
compare() {
  python3 - "$1" "$2" <<'PY'
import json, sys
ignore = {"seconds", "engine", "engineRequested"}
def diff(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in ignore: continue
            if k not in a or k not in b: out.append(f"{path}.{k}: only in {'merged' if k in a else 'unsharded'}")
            else: diff(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b): out.append(f"{path}: {len(a)} items merged, {len(b)} unsharded"); return
        for i, (x, y) in enumerate(zip(a, b)): diff(x, y, f"{path}[{i}]", out)
    elif a != b or type(a) != type(b):
        out.append(f"{path}: merged {a!r}, unsharded {b!r}")
merged, single = (json.load(open(p)) for p in sys.argv[1:3])
out = []
diff(merged, single, "", out)
if out:
    print(f"{len(out)} differences, first ones:", *out[:20], sep="\n  ", file=sys.stderr); sys.exit(1)
print("merged result equals the unsharded run, value for value")
PY
}

echo "== submitting: deploy/slurm/submit.sh -n $shards -d $t/parts -b $GPUFIT ${gpu_opt[*]} -- ${job[*]}"
start=$SECONDS
ids=$(deploy/slurm/submit.sh -n "$shards" -d "$t/parts" -b "$GPUFIT" ${gpu_opt[@]+"${gpu_opt[@]}"} -- "${job[@]}")
echo "$ids"
shards_id=${ids#shards=}; shards_id=${shards_id%% *}; merge_id=${ids##*merge=}
job_ids+=("$shards_id" "$merge_id")
wait_for "$shards_id" "$merge_id"

echo "== the same job unsharded: gpufit ${job[*]} --json unsharded.json"
"$GPUFIT" "${job[@]}" --json "$t/unsharded.json" >"$t/unsharded.out" 2>&1 || { cat "$t/unsharded.out"; fail "the unsharded run failed"; }
compare "$t/parts/merged.json" "$t/unsharded.json" || fail "merged result differs from the unsharded run"

echo "== rerun of shard 1 alone: submit.sh -k 1 (same options), then the merge again"
rm "$t/parts/part-1.json" "$t/parts/merged.json"
ids=$(deploy/slurm/submit.sh -n "$shards" -d "$t/parts" -b "$GPUFIT" ${gpu_opt[@]+"${gpu_opt[@]}"} -k 1 -- "${job[@]}")
echo "$ids"
shards_id=${ids#shards=}; shards_id=${shards_id%% *}; merge_id=${ids##*merge=}
job_ids+=("$shards_id" "$merge_id")
wait_for "$shards_id" "$merge_id"
compare "$t/parts/merged.json" "$t/unsharded.json" || fail "merged result after the rerun differs"
echo "test-one-node: PASS ($shards shards on Slurm $(sinfo -V | cut -d' ' -f2), $((SECONDS - start)) s after the build)"
