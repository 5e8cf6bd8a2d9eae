#!/usr/bin/env bash
# Offline checks of deploy/k8s:
#   1. every manifest against the Kubernetes schema (kubernetes-validate from PyPI, which bundles the schemas;
#      strict: unknown fields are errors) for the oldest and newest versions named below;
#   2. the wiring: Indexed Job, SHARDS = completions, one GPU per pod, the ICD file mounted where the OpenCL
#      loader looks, one volume claim for parts; and the two shell commands run here with a stand-in gpufit
#      that prints its arguments, so that pod K really runs `gpufit ARGS --shard K/N --out /parts/part-K.json`
#      and the merge names all N parts.
# kubernetes-validate goes into a virtual environment under a temporary folder (or KV_VENV, kept).
# Environment: K8S_VERSIONS (default "1.30.0 1.37.0").
set -euo pipefail
cd "$(dirname "$0")"
versions=${K8S_VERSIONS:-1.30.0 1.37.0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
venv=${KV_VENV:-$tmp/venv}
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$venv" || { echo "validate.sh: python3 -m venv failed (Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==1.37.0"
fi
manifests=(pvc.yaml opencl-icd.yaml shard-job.yaml merge-job.yaml)
for v in $versions; do
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$v" "${manifests[@]}"
  echo "schema: ${manifests[*]} valid for Kubernetes $v (strict)"
done

# A stand-in gpufit on PATH for the containers' shell commands.
mkdir "$tmp/bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$@"\n' >"$tmp/bin/gpufit"
chmod +x "$tmp/bin/gpufit"
PATH="$tmp/bin:$PATH" "$venv/bin/python" - "${manifests[@]}" <<'PY'
import subprocess, sys, yaml
docs = {d["metadata"]["name"]: d for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d}
errors = []
def check(ok, what):
    if not ok: errors.append(what)

pvc, icd = docs["gpufit-parts"], docs["gpufit-opencl-icd"]
shard, merge = docs["gpufit-shards"], docs["gpufit-merge"]
check("ReadWriteMany" in pvc["spec"]["accessModes"], "the parts volume must be ReadWriteMany (pods on many nodes)")
check(icd["data"]["nvidia.icd"].strip() == "libnvidia-opencl.so.1", "nvidia.icd must name libnvidia-opencl.so.1")

def container(job):
    spec = job["spec"]["template"]["spec"]
    check(len(spec["containers"]) == 1, f"{job['metadata']['name']}: one container")
    c = spec["containers"][0]
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["mountPath"]: volumes[m["name"]] | {"subPath": m.get("subPath")} for m in c["volumeMounts"]}
    check(mounts.get("/parts", {}).get("persistentVolumeClaim", {}).get("claimName") == "gpufit-parts",
          f"{job['metadata']['name']}: /parts must be the claim gpufit-parts")
    return c, env, mounts

def run(c, env):
    """The container's command + args as the shell runs them; the stand-in gpufit prints one argument a line."""
    out = subprocess.run(c["command"] + c.get("args", []), env=env, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()

s = shard["spec"]
check(s.get("completionMode") == "Indexed", "the shards' Job must be Indexed")
n = s["completions"]
check(1 <= s.get("parallelism", 1) <= n, "parallelism must be 1..completions")
c, env, mounts = container(shard)
check(env.get("SHARDS") == str(n), f"SHARDS ({env.get('SHARDS')}) must equal completions ({n})")
check(str(c["resources"]["limits"].get("nvidia.com/gpu")) == "1", "each shard pod must ask for nvidia.com/gpu: 1")
check("compute" in env.get("NVIDIA_DRIVER_CAPABILITIES", "").split(","), "NVIDIA_DRIVER_CAPABILITIES needs compute (OpenCL)")
m = mounts.get("/etc/OpenCL/vendors/nvidia.icd", {})
check(m.get("configMap", {}).get("name") == "gpufit-opencl-icd" and m.get("subPath") == "nvidia.icd",
      "the ICD file must be mounted at /etc/OpenCL/vendors/nvidia.icd from gpufit-opencl-icd")
shard_args = c.get("args", [])
check(shard_args[:1] in (["fit"], ["ladder"]), "the shards' args must start with fit or ladder")
for k in sorted({0, 1, n - 1}):
    got = run(c, {"PATH": __import__("os").environ["PATH"], "SHARDS": env["SHARDS"], "JOB_COMPLETION_INDEX": str(k)})
    want = shard_args + ["--shard", f"{k}/{n}", "--out", f"/parts/part-{k}.json"]
    check(got == want, f"pod {k} runs gpufit {' '.join(got)}; expected gpufit {' '.join(want)}")

c, env, _ = container(merge)
check(env.get("SHARDS") == str(n), f"merge: SHARDS ({env.get('SHARDS')}) must equal the shards' completions ({n})")
check("resources" not in c or "nvidia.com/gpu" not in c["resources"].get("limits", {}), "the merge needs no GPU")
check(c["image"] == shard["spec"]["template"]["spec"]["containers"][0]["image"], "merge and shards must run the same image")
got = run(c, {"PATH": __import__("os").environ["PATH"], "SHARDS": env["SHARDS"]})
want = ["merge"] + [f"/parts/part-{k}.json" for k in range(n)] + ["--out", "/parts/merged.json"] + c.get("args", [])
check(got == want, f"the merge runs gpufit {' '.join(got)}; expected gpufit {' '.join(want)}")

if errors:
    print("validate.sh: FAIL", *errors, sep="\n  ", file=sys.stderr); sys.exit(1)
print(f"wiring: Indexed Job of {n} shards (JOB_COMPLETION_INDEX -> --shard K/{n}, part-K.json), one GPU each, "
      f"ICD mounted, merge of all {n} parts")
PY
echo "validate.sh: PASS"
