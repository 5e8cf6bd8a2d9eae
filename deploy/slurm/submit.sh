#!/usr/bin/env bash
# Submits a gpufit sweep to Slurm: an array job of N shards (shard.sbatch, one GPU each) and the merge
# (merge.sbatch), chained with --dependency=afterok so that it runs once every shard has succeeded.
#
#   deploy/slurm/submit.sh -n N -d PARTS [options] -- fit|ladder [gpufit options]
#
#   -n N        shards (array tasks 0..N-1)
#   -d PARTS    folder for part-K.json, merged.json and logs/, on a file system every node sees
#   -b GPUFIT   the gpufit binary, same path on every node (default: gpufit on PATH)
#   -g GPUS     GPUs per shard (default 1, as --gres=gpu:GPUS); 0 asks for none (CPU-only clusters:
#               then give gpufit --device cpu)
#   -c CPUS     --cpus-per-task for each shard (default: Slurm's, usually 1)
#   -k SHARDS   run only these shards (an --array list such as 5 or 3,7-9): a rerun; the merge follows again
#   -j MAX      at most MAX shards at once (--array=...%MAX)
#   -m ARG      one argument for `gpufit merge` after the parts (repeat: -m --csv -m FILE)
# Other sbatch settings come from sbatch's own variables (SBATCH_PARTITION, SBATCH_TIMELIMIT,
# SBATCH_ACCOUNT, ...), which apply to both jobs. Prints "shards=<array job id> merge=<job id>".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2; exit "${1:-64}"; }

n="" parts="" bin="" gpus=1 cpus="" only="" max="" merge_args=()
while getopts "n:d:b:g:c:k:j:m:h" opt; do
  case $opt in
    n) n=$OPTARG ;; d) parts=$OPTARG ;; b) bin=$OPTARG ;; g) gpus=$OPTARG ;; c) cpus=$OPTARG ;;
    k) only=$OPTARG ;; j) max=$OPTARG ;; m) merge_args+=("$OPTARG") ;; h) usage 0 ;; *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ -n "$n" ] && [ -n "$parts" ] && [ $# -ge 1 ] || usage
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: -n $n; must be a whole number >= 1" >&2; exit 64; }
[[ $gpus =~ ^[0-9]+$ ]] || { echo "submit.sh: -g $gpus; must be a whole number >= 0" >&2; exit 64; }
case $1 in fit | ladder) ;; *) echo "submit.sh: gpufit command '$1'; must be fit or ladder" >&2; exit 64 ;; esac

# Absolute paths: the jobs run elsewhere, in another working directory.
bin=$(command -v "${bin:-gpufit}") || { echo "submit.sh: no gpufit binary (${bin:-gpufit}); give -b PATH" >&2; exit 66; }
bin=$(realpath "$bin")
mkdir -p "$parts/logs"
parts=$(realpath "$parts")

# sbatch passes its own environment on (--export=ALL is its default); these three are what the jobs read.
export GPUFIT=$bin SHARDS=$n PARTS=$parts

array=${only:-0-$((n - 1))}${max:+%$max}
shard_opts=(--parsable --array="$array" --output="$parts/logs/shard-%A_%a.out")
[ "$gpus" -gt 0 ] && shard_opts+=(--gres="gpu:$gpus")
[ -n "$cpus" ] && shard_opts+=(--cpus-per-task="$cpus")
# --parsable prints "jobid" or "jobid;cluster"; the id is what the dependency needs.
shards_id=$(sbatch "${shard_opts[@]}" "$here/shard.sbatch" "$@")
shards_id=${shards_id%%;*}
# afterok on an array job id waits for every task of it; a failed shard makes the dependency impossible,
# and --kill-on-invalid-dep cancels the merge instead of leaving it pending for ever.
merge_id=$(sbatch --parsable --dependency="afterok:$shards_id" --kill-on-invalid-dep=yes \
  --output="$parts/logs/merge-%j.out" "$here/merge.sbatch" ${merge_args[@]+"${merge_args[@]}"})
merge_id=${merge_id%%;*}
echo "shards=$shards_id merge=$merge_id"
