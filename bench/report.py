#!/usr/bin/env python3
"""Table of one bench/run result folder: python3 bench/report.py DIR [--markdown]

Reads DIR/meta.json, peak-*.json, gpufit-b1/b2.jsonl, scipy-b1/b2.jsonl, b3-*.time (see bench/README.md) and
prints the B1/B2 table (median fits/s, best-reaching starts per second = fits/s x share that reached the best,
ratio to each scipy baseline, share of starts that reached the best objective, best objective against scipy's,
mean iterations, ceiling fits/s from the operation count and the peak rate), then B3 (wall time, peak memory).
--markdown prints only rows for bench/RESULTS.md.
"""

import glob
import json
import os
import re
import statistics
import sys

TARGETS = {"b1": 1_000_000, "b2": 30_000}          # 2-core CPU, fp64 (docs/performance.md)
PLAIN_LM_SHARE = {"b1": 0.37, "b2": 0.64}          # the counting rule's minimum share
PUBLISHED = {"b1": "lbfgsb", "b2": "curvefit"}
CAREFUL = {"b1": "lsq-huber", "b2": "lsq"}
B3_TARGET = {"stated": "< 15 s, < 500 MB", "gpu": "< 60 s (one H100)"}


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        return [json.loads(l) for l in fh if l.strip().startswith("{")]


def num(x, digits=3):
    if x is None or (isinstance(x, float) and x != x):
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def engine_name(label):
    """Short engine label; the precision stays in it (the CPU engine and OpenCL labels both name it)."""
    label = re.sub(r"\s*\[Portable Computing Language\]", " PoCL", label)
    return label.replace("cpu (native Swift, ", "gpufit cpu (").replace("opencl ", "gpufit opencl ")


def load(d):
    meta = json.load(open(os.path.join(d, "meta.json")))
    peak = {k: json.load(open(os.path.join(d, f"peak-{k}.json"))) for k in ("1", "all")
            if os.path.exists(os.path.join(d, f"peak-{k}.json"))}
    rows = {}
    for problem in ("b1", "b2"):
        base = {l["method"]: l for l in lines(os.path.join(d, f"scipy-{problem}.jsonl")) if l.get("summary")}
        check = [l for l in lines(os.path.join(d, f"scipy-{problem}.jsonl")) if "check" in l]
        scipy_best = min((b["best_objective"] for b in base.values() if b["best_objective"] == b["best_objective"]),
                         default=float("nan"))
        groups = {}
        for l in lines(os.path.join(d, f"gpufit-{problem}.jsonl")):
            groups.setdefault((l["engine"], l["precision"]), []).append(l)
        out = []
        for (label, prec), ls in groups.items():
            rate = statistics.median(l["fits_per_s"] for l in ls)
            last = ls[-1]
            ceiling = last.get("ceiling_fits_per_s")
            out.append({
                "engine": engine_name(label), "precision": prec, "fits_per_s": rate, "reps": len(ls), "fits": last["fits"],
                "published_x": rate / base[PUBLISHED[problem]]["median_fits_per_s"] if PUBLISHED[problem] in base else None,
                "careful_x": rate / base[CAREFUL[problem]]["median_fits_per_s"] if CAREFUL[problem] in base else None,
                "share": last["reached_best_share"], "best": last["best_objective"],
                "rel": (last["best_objective"] - scipy_best) / scipy_best if scipy_best == scipy_best else None,
                "iterations": last["mean_iterations"], "ceiling": ceiling,
                "of_ceiling": rate / ceiling if ceiling else None, "flops_iter": last["flops_per_iteration"],
                "flops_fit": last["flops_per_fit"], "states": last["states"]})
        for m, b in base.items():
            rate = b["median_fits_per_s"]
            out.append({
                "engine": b["engine"], "precision": "fp64", "fits_per_s": rate, "reps": b["repetitions"], "fits": b["fits"],
                "published_x": rate / base[PUBLISHED[problem]]["median_fits_per_s"] if PUBLISHED[problem] in base else None,
                "careful_x": rate / base[CAREFUL[problem]]["median_fits_per_s"] if CAREFUL[problem] in base else None,
                "share": b["reached_best_share"], "best": b["best_objective"],
                "rel": (b["best_objective"] - scipy_best) / scipy_best, "iterations": None, "ceiling": None,
                "of_ceiling": None, "baseline": True})
        rows[problem] = {"rows": out, "scipy_best": scipy_best, "check": check}
    b3 = []
    for f in sorted(glob.glob(os.path.join(d, "b3-*.time"))):
        name = os.path.basename(f)[3:-5]
        text = open(f).read()
        cmd = open(f[:-5] + ".cmd").read().strip() if os.path.exists(f[:-5] + ".cmd") else "?"
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        status = re.search(r"Exit status: (\d+)", text)
        seconds = None
        if wall:
            parts = [float(p) for p in wall.group(1).split(":")]
            seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
        cap = float(open(f[:-5] + ".cap").read()) if os.path.exists(f[:-5] + ".cap") else meta.get("b3_cap_s", 0)
        b3.append({"name": name, "cmd": cmd, "cap": cap, "wall": seconds, "rss_mb": int(rss.group(1)) / 1024 if rss else None,
                   "status": int(status.group(1)) if status else None})
    return meta, peak, rows, b3


def counts(problem, r):
    """The counting rule of docs/performance.md: best objective equal to scipy's to 1e-9 relative (or better)
    and at least plain LM's share of starts reaching it."""
    if r.get("baseline") or r["rel"] is None:
        return "-"
    ok = r["rel"] <= 1e-9 and r["share"] >= PLAIN_LM_SHARE[problem]
    return "yes" if ok else "no"


def table(header, body):
    widths = [max(len(str(row[i])) for row in [header] + body) for i in range(len(header))]
    fmt = lambda row: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths)] + [fmt(r) for r in body])


def b3_mem(b):
    return ("at least " if b["status"] == 124 else "") + num(b["rss_mb"])


def b3_cell(b, cap):
    if b["status"] == 124:
        return f"> {b.get('cap') or cap:g} (stopped)"
    return num(b["wall"]) + ("" if b["status"] in (0, None) else f" (exit {b['status']})")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    d = args[0]
    meta, peak, rows, b3 = load(d)
    cap = meta.get("b3_cap_s", 0)
    machine = f"{meta['cpu']}, {meta['cores']} cores"
    if "--markdown" in sys.argv:
        for problem in ("b1", "b2"):
            for r in rows[problem]["rows"]:
                rel = "-" if r["rel"] is None else f"{r['rel']:.1e}"
                of = "-" if not r["of_ceiling"] else f"{r['of_ceiling']:.1%}"
                print(f"| {meta['date'][:10]} | {meta['commit']} | {machine} | {problem.upper()} | {r['engine']} | "
                      f"{num(r['fits_per_s'])} | {num(r['fits_per_s'] * r['share'])} | {num(r['published_x'])} | {num(r['careful_x'])} | {r['share']:.0%} | "
                      f"{rel} | {num(r['iterations'])} | {num(r['ceiling'])} | {of} | |")
        for b in b3:
            print(f"| {meta['date'][:10]} | {meta['commit']} | {machine} | B3 | `{b['cmd']}` | {b3_cell(b, cap)} s | "
                  f"{b3_mem(b)} MB | |")
        return

    p1, pall = peak.get("1", {}), peak.get("all", {})
    print(f"bench/run {'--quick ' if meta['quick'] else ''}{meta['date']}  commit {meta['commit']}  {machine}  "
          f"load before {' '.join(meta['load_before'])}")
    if p1:
        used = max(p1.get("gflops_cpu_time", 0) * meta["cores"], pall.get("gflops_cpu_time", 0))
        print(f"peak fp64 FMA ({p1.get('lanes', '?')}-wide vectors), per CPU-second: {num(p1.get('gflops_cpu_time'))} GFLOP/s on "
              f"1 thread, {num(pall.get('gflops_cpu_time'))} on {meta['cores']}; per wall-second (what the shared machine "
              f"gave): {num(p1.get('gflops'))} and {num(pall.get('gflops'))}; ceilings use {num(used)} GFLOP/s")
    if meta.get("peak_note"):
        print(f"peak: {meta['peak_note']}")
    print("ceiling = peak / (flops per fit); flops per fit = pass x (iterations + 1) + solve x iterations, "
          "exp and log counted 20 flops each (bench/README.md)")
    for problem in ("b1", "b2"):
        info = rows[problem]
        body = []
        for r in sorted(info["rows"], key=lambda r: -r["fits_per_s"]):
            body.append([r["engine"], num(r["fits_per_s"]), num(r["fits_per_s"] * r["share"]),
                         num(r["published_x"]), num(r["careful_x"]), f"{r['share']:.1%}", f"{r['best']:.12g}",
                         "-" if r["rel"] is None else f"{r['rel']:+.1e}", num(r["iterations"]), num(r["ceiling"]),
                         "-" if not r["of_ceiling"] else f"{r['of_ceiling']:.1%}", counts(problem, r)])
        gp = [r for r in info["rows"] if not r.get("baseline")]
        extra = f"; {num(gp[0]['flops_iter'])} flops/iteration" if gp else ""
        chk = info["check"][0]["max_relative_difference"] if info["check"] else None
        print()
        print(f"{problem.upper()} (target on this CPU, fp64: >= {TARGETS[problem]:,} fits/s; plain-LM share "
              f"{PLAIN_LM_SHARE[problem]:.0%}){extra}; data = bench/reference's to {num(chk)} relative")
        print(table(["engine", "fits/s", "best-reaching/s", "x published", "x least_sq", "reached best", "best objective", "vs scipy best",
                     "mean iter", "ceiling fits/s", "of ceiling", "counts"], body))
        for r in gp:
            print(f"  {r['engine']}: {r['fits']} fits x {r['reps']} reps; states {r['states']}")
    if b3:
        print()
        print("B3 (end to end, whole process)")
        print(table(["command", "wall s", "peak MB", "target"],
                    [[b["cmd"], b3_cell(b, cap), b3_mem(b), B3_TARGET.get(b["name"], "-")] for b in b3]))


if __name__ == "__main__":
    main()
