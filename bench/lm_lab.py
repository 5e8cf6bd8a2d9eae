#!/usr/bin/env python3
"""A Python model of gpufit's Levenberg-Marquardt spec, for screening solver ideas before they are written
three times (Swift scalar, Swift lanes, OpenCL kernel).

Usage: python3 bench/lm_lab.py [--starts N] [--problems b1,b2,nist] VARIANT...

Each VARIANT is a comma-separated list of changes from the spec as it was at bed5005 ("baseline": Moré's
scaling D_j = max over the phase of H_jj floored at 1e-12 max D, steps clamped to the box):

  floor=C          damping floor C max D (relative to the largest D; Nielsen's identity at C = 1)
  relfloor=C       damping floor in relative units: C max_k(D_k r_k^2) / r_j^2, r_j = |p_j| / max|p| + size
  size=S           the size floor of relfloor (default 1e-3)
  truncate         steps truncated at the first bound crossed (the blocking parameter lands on it; the step
                   test is skipped for truncated steps) instead of clamped component by component
  scaling=current  D_j = the current H_jj (Marquardt) instead of the running maximum
  scaling=identity D_j = max_k H_kk for all j
  geodesic=A       geodesic acceleration (Transtrum & Sethna), finite-difference second directional
                   derivative (h = 0.1), kept when |a| <= A |v| in the scaled norm; costs a residual pass
  stall=K:E        stop a fit whose last K accepted steps each lowered F by less than E relative
  lambda0=L        initial damping; phase1=F the least-squares phase's ftol; huberc=C linear-zone curvature
  maxit=N          iteration cap

The spec as shipped is `relfloor=1e-3,truncate`. Problems: B1 and B2 as `gpufit bench --problem b1|b2
--export FILE` writes them (exported into a temporary folder with the gpufit binary: --gpufit BIN, default
.build/release/gpufit), and the NIST StRD files in ../shared/data/nist-strd (the same reading and verdict as
bench/nist.py; exact Jacobians by complex step). Starts: uniform in the exported ranges, numpy PCG64 from seed 0
(a different generator from gpufit's; same distribution).

Prints per variant: B1 and B2 share of starts reaching the best (1e-6 relative), mean iterations, and
iterations per best-reaching start (what a best-reaching start costs: lower is better); NIST reached/38 and the
misses. The model reproduces the binary's iteration counts on NIST (Nelson start 1 with floor=3e-3: 174
iterations in both), not its bits: numpy sums in another order. Needs numpy and scipy (for bench/nist.py).
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nist  # noqa: E402

np.seterr(all="ignore")
PHASE1_FTOL, MAX_DAMPING = 1e-2, 1e16


class Exported:
    """B1 (loss law, Huber on log residuals) or B2 (sigmoid, least squares) from `gpufit bench --export`."""

    def __init__(self, path):
        d = json.load(open(path))
        pts = np.array(d["points"], float)
        self.kind = d["problem"]
        self.lo = np.array([-np.inf if v is None else v for v in d["lower"]])
        self.hi = np.array([np.inf if v is None else v for v in d["upper"]])
        self.ranges = np.array(d["start_ranges"], float)
        self.np = len(self.lo)
        if self.kind == "b1":
            self.x, self.y, self.delta = np.log(pts), np.log(np.array(d["y"], float)), d["huber_delta"]
        else:
            self.x, self.y, self.delta = pts.reshape(-1), np.array(d["y"], float), None
        self.huber = self.delta is not None

    def values(self, p):
        """Model values (log values for B1) and their Jacobian."""
        if self.kind == "b1":
            t1, t2 = np.exp(p[0] - p[2] * self.x[:, 0]), np.exp(p[1] - p[3] * self.x[:, 1])
            f = t1 + t2 + p[4]
            j = np.stack([t1, t2, -self.x[:, 0] * t1, -self.x[:, 1] * t2, np.ones_like(t1)], 1)
            if not np.all(f > 0):
                return None, None
            return np.log(f), j / f[:, None]
        a, x0, k, b = p
        e = np.exp(-k * (self.x - x0))
        den = 1 + e
        j = np.stack([1 / den, -a * k * e / den ** 2, a * (self.x - x0) * e / den ** 2, np.ones_like(e)], 1)
        return a / den + b, j


class NISTFile:
    def __init__(self, path):
        self.p = nist.Problem(path)
        self.np = len(self.p.names)
        self.lo, self.hi = np.full(self.np, -np.inf), np.full(self.np, np.inf)
        self.huber, self.delta, self.y = False, None, self.p.response

    def values(self, b):
        with np.errstate(all="ignore"):
            return self.p.f(b, self.p.x), self.p.jacobian(b)


def accumulate(problem, p, huber_active, huber_c):
    """F, g and H at p (the pass of Sources/FitEngine/PointPass.swift), or None when not finite."""
    f, jac = problem.values(p)
    if f is None or not np.all(np.isfinite(f)) or not np.all(np.isfinite(jac)):
        return None
    r = f - problem.y
    if not huber_active:
        big_f, g, h = 0.5 * r @ r, jac.T @ r, jac.T @ jac
    else:
        d = problem.delta
        q = np.abs(r) <= d
        big_f = np.sum(np.where(q, 0.5 * r * r, d * (np.abs(r) - 0.5 * d)))
        g = jac.T @ np.where(q, r, np.sign(r) * d)
        lin = jac[~q] * (d / np.abs(r[~q]))[:, None]
        c = 0.0 if q.sum() >= problem.np else huber_c
        h = jac[q].T @ jac[q] + c * (lin.T @ jac[~q])
    if not np.isfinite(big_f) or not np.all(np.isfinite(g)):
        return None
    return big_f, g, h


def fit(problem, start, v):
    """One fit under variant v (a dict); returns (p, F, iterations, state)."""
    maxit = int(v.get("maxit", 200))
    p, it, state = np.clip(start, problem.lo, problem.hi), 0, None
    phases = [False, True] if problem.huber else [False]
    big_f = np.nan
    for hub in phases:
        ftol = PHASE1_FTOL if problem.huber and not hub else v.get("ftol", 1e-14)
        got = accumulate(problem, p, hub, v.get("huberc", 0.5))
        if got is None:
            return p, np.nan, it, "non-finite"
        big_f, g, h = got
        d, lam, nu, p0, history = np.diag(h).copy(), v.get("lambda0", 1e-3), 2.0, p.copy(), []
        size = np.abs(p0) / (np.abs(p0).max() if np.abs(p0).max() > 0 else 1) + v.get("size", 1e-3)
        while True:
            scaling = v.get("scaling", "max")
            d = np.maximum(d, np.diag(h)) if scaling == "max" else (
                np.diag(h).copy() if scaling == "current" else np.full(problem.np, np.diag(h).max()))
            grad_d = np.maximum(d, 1e-12 * max(d.max(), 1e-300))
            if "relfloor" in v:
                damp_d = np.maximum(d, v["relfloor"] * (d * size ** 2).max() / size ** 2)
            else:
                damp_d = np.maximum(d, v.get("floor", 1e-12) * max(d.max(), 1e-300))
            free = ~(((p <= problem.lo) & (g > 0)) | ((p >= problem.hi) & (g < 0)))
            if np.all(np.abs(g[free]) <= 1e-12 * np.sqrt(2 * big_f * grad_d[free])):
                state = "converged-gradient"
                break
            if it >= maxit:
                state = "iteration-limit"
                break
            idx = np.where(free)[0]
            a = h[np.ix_(idx, idx)] + lam * np.diag(damp_d[idx])
            try:
                np.linalg.cholesky(a)
            except np.linalg.LinAlgError:
                lam, nu = lam * nu, nu * 2
                if not lam <= MAX_DAMPING:
                    return p, big_f, it, "singular"
                continue
            dp = np.zeros(problem.np)
            dp[idx] = np.linalg.solve(a, -g[idx])
            if "geodesic" in v and hub == phases[-1]:
                dp = geodesic(problem, p, dp, a, idx, damp_d, v["geodesic"])
            trial, truncated = step_in_box(problem, p, dp, "truncate" in v)
            step = trial - p
            if not truncated and np.linalg.norm(step) <= 1e-12 * (np.linalg.norm(p) + 1e-12):
                state = "converged-step"
                break
            predicted = -(step @ g + 0.5 * step @ h @ step)
            got = accumulate(problem, trial, hub, v.get("huberc", 0.5))
            it += 1
            if got is not None and predicted > 0 and got[0] < big_f:
                actual = big_f - got[0]
                rho = actual / predicted
                big_f, g, h = got
                p = trial
                lam *= max(1 / 3, 1 - (2 * rho - 1) ** 3)
                nu = 2
                if actual <= ftol * big_f:
                    state = "converged-objective"
                    break
                history.append(actual / big_f)
                if "stall" in v and hub == phases[-1]:
                    k, e = v["stall"]
                    if len(history) >= k and max(history[-k:]) < e:
                        state = "stalled"
                        break
            else:
                lam, nu = lam * nu, nu * 2
                if not lam <= MAX_DAMPING:
                    state = "converged-step"
                    break
    return p, big_f, it, state


def step_in_box(problem, p, dp, truncate):
    """The trial point: clamped component by component, or truncated at the first bound crossed."""
    lo, hi = problem.lo, problem.hi
    if not truncate:
        return np.clip(p + dp, lo, hi), False
    dp = np.where(((p <= lo) & (dp < 0)) | ((p >= hi) & (dp > 0)), 0.0, dp)
    q = p + dp
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(q < lo, (lo - p) / dp, np.where(q > hi, (hi - p) / dp, 1.0))
    reach = min(1.0, t.min())
    trial = np.clip(p + reach * dp, lo, hi)
    trial = np.where((q < lo) & (t == reach), lo, np.where((q > hi) & (t == reach), hi, trial))
    return trial, reach < 1


def geodesic(problem, p, v, a, idx, damp_d, limit, h=0.1):
    f0, j0 = problem.values(p)
    f1, _ = problem.values(p + h * v)
    if f0 is None or f1 is None:
        return v
    rvv = (2 / h) * ((f1 - f0) / h - j0 @ v)
    if not np.all(np.isfinite(rvv)):
        return v
    acc = np.zeros_like(v)
    acc[idx] = np.linalg.solve(a, -(j0.T @ rvv)[idx])
    scaled = np.sqrt(damp_d)
    return v + 0.5 * acc if np.linalg.norm(acc * scaled) <= limit * np.linalg.norm(v * scaled) else v


def multistart(problem, v, n):
    rng = np.random.default_rng(0)
    r = problem.ranges
    starts = r[:, 0] + rng.random((n, problem.np)) * (r[:, 1] - r[:, 0])
    fits = [fit(problem, s, v) for s in starts]
    objectives = np.array([f[1] for f in fits])
    best = np.nanmin(objectives)
    reached = np.sum(objectives <= best * (1 + 1e-6))
    iterations = sum(f[2] for f in fits)
    return reached / n, iterations / n, iterations / max(reached, 1)


def nist_set(v, folder):
    reached, misses = 0, []
    for path in sorted(glob.glob(os.path.join(folder, "*.dat"))):
        problem = NISTFile(path)
        for k, start in ((1, problem.p.start1), (2, problem.p.start2)):
            p, big_f, it, state = fit(problem, np.array(start, float), v)
            ok = state != "iteration-limit" and nist.values_agree(problem.p, list(p), 2 * big_f)
            reached += ok
            if not ok:
                misses.append(f"{problem.p.name}/{k} ({state}, {it})")
    return reached, misses


def parse_variant(text):
    v = {}
    for item in filter(None, text.split(",")):
        if item == "baseline":
            continue
        key, _, value = item.partition("=")
        if key == "stall":
            k, e = value.split(":")
            v[key] = (int(k), float(e))
        elif key == "scaling":
            v[key] = value
        else:
            v[key] = float(value) if value else True
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("variants", nargs="+")
    ap.add_argument("--starts", type=int, default=400)
    ap.add_argument("--problems", default="b1,b2,nist")
    ap.add_argument("--gpufit", default=os.path.join(HERE, "..", ".build", "release", "gpufit"))
    ap.add_argument("--nist", default=os.path.join(HERE, "..", "..", "shared", "data", "nist-strd"))
    args = ap.parse_args()
    wanted = args.problems.split(",")
    problems = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("b1", "b2"):
            if name in wanted:
                path = os.path.join(tmp, name + ".json")
                subprocess.run([args.gpufit, "bench", "--problem", name, "--export", path], check=True)
                problems[name] = Exported(path)
    for text in args.variants:
        v = parse_variant(text)
        cells = [text]
        for name, problem in problems.items():
            share, mean_it, per_best = multistart(problem, v, args.starts)
            cells.append(f"{name.upper()} reached {share:.1%}, {mean_it:.1f} it/start, {per_best:.1f} it/best-reaching start")
        if "nist" in wanted:
            reached, misses = nist_set(v, args.nist)
            cells.append(f"NIST {reached}/38" + (f" (misses: {', '.join(misses)})" if misses else ""))
        print(" | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
