#!/usr/bin/env python3
"""scipy baselines for the benchmark problems B1 and B2 (docs/performance.md), one fit after another.

Usage: python3 bench/baselines.py --problem b1|b2 --data FILE [--fits N] [--repeat R] [--seed S]
                                  [--methods m1,m2] [--check-reference SWIFT_FILE]

FILE is the problem as `gpufit bench --problem b1 --export FILE` writes it (raw points, observations, bounds,
start ranges), so the baselines fit exactly the data gpufit fits. Starts: uniform in the same ranges as gpufit,
drawn with numpy's PCG64 generator from --seed (gpufit uses its own counter-based generator: same
distribution, different numbers). Repetition r fits its own block of N starts (R x N starts in all), so the
share that reached the best is counted over all R x N fits.

Methods
  b1  lbfgsb    scipy.optimize.minimize(method="L-BFGS-B") on sum Huber_delta(ln f - ln y) with the analytic
                gradient, bounds >= 0, with the settings of the published code / bench/reference
                (tol=0, ftol=0, gtol=1e-10, maxiter=1e6).
      lsq-huber scipy.optimize.least_squares(loss="huber", f_scale=delta) on r = ln f - ln y with the analytic
                Jacobian, bounds >= 0, default tolerances. Its cost 0.5 sum C^2 rho((r/C)^2), rho(z) = z for
                z <= 1 and 2 sqrt(z) - 1 otherwise, C = f_scale, is r^2/2 for |r| <= C and C (|r| - C/2)
                otherwise: exactly sum Huber_delta(r) with delta = C, so the same objective and minimiser
                (checked on every fit: |cost - sum Huber| is printed as max_cost_mismatch).
  b2  curvefit  scipy.optimize.curve_fit (trf) with the method's bounds, no Jacobian (finite differences), as the
                published code does (maxfev=500000).
      lsq       scipy.optimize.least_squares, plain (linear loss), analytic Jacobian, bounds, default tolerances.

Prints one JSON line per (method, repetition): fits, seconds, fits/s, best objective (B1: sum Huber; B2: sum
of squared residuals, the objectives gpufit reports), the share of fits within 1e-6 relative of that best,
mean function evaluations; then one summary line per method ("summary": true): median fits/s over the
repetitions, best objective and reached-best share over all R x N fits. Runs single-threaded (BLAS threads 1).
"""

import argparse
import json
import math
import os
import sys
import time
import warnings

# One thread per fit: OpenBLAS's thread pool makes L-BFGS-B's tiny (n = 5) BLAS calls about 20x slower on a busy
# 2-core machine (setulb at 4 ms a call instead of 0.1 ms). Must be set before numpy loads.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit, least_squares, minimize

HERE = os.path.dirname(os.path.abspath(__file__))


def huber(u, delta):
    au = np.abs(u)
    return np.where(au <= delta, 0.5 * u * u, delta * (au - 0.5 * delta))


# ------------------------------------------------------------------------------------------------ B1
class B1:
    def __init__(self, d):
        pts = np.array(d["points"], dtype=float)
        self.ln_n, self.ln_d = np.log(pts[:, 0]), np.log(pts[:, 1])
        self.ln_y = np.log(np.array(d["y"], dtype=float))
        self.delta = float(d["huber_delta"])
        self.bounds_lbfgsb = [(lo, hi) for lo, hi in zip(d["lower"], d["upper"])]
        self.lower = np.array([-np.inf if v is None else v for v in d["lower"]])
        self.upper = np.array([np.inf if v is None else v for v in d["upper"]])

    def parts(self, p):
        a, b, alpha, beta, e = p
        tn = np.exp(a - alpha * self.ln_n)
        td = np.exp(b - beta * self.ln_d)
        return tn, td, tn + td + e

    def objective(self, p):
        _, _, f = self.parts(p)
        return float(np.sum(huber(np.log(f) - self.ln_y, self.delta)))

    def gradient(self, p):
        tn, td, f = self.parts(p)
        u = np.log(f) - self.ln_y
        gu = np.clip(u, -self.delta, self.delta) / f
        return np.array([np.sum(gu * tn), np.sum(gu * td), -np.sum(gu * tn * self.ln_n),
                         -np.sum(gu * td * self.ln_d), np.sum(gu)])

    def residuals(self, p):
        _, _, f = self.parts(p)
        return np.log(f) - self.ln_y

    def jacobian(self, p):
        tn, td, f = self.parts(p)
        return np.column_stack([tn, td, -self.ln_n * tn, -self.ln_d * td, np.ones_like(f)]) / f[:, None]

    def lbfgsb(self, p0):
        r = minimize(self.objective, p0, jac=self.gradient, method="L-BFGS-B", bounds=self.bounds_lbfgsb, tol=0.0,
                     options={"ftol": 0.0, "gtol": 1e-10, "maxiter": 1000000})
        return r.fun, r.nfev, 0.0

    def lsq_huber(self, p0):
        r = least_squares(self.residuals, p0, jac=self.jacobian, bounds=(self.lower, self.upper), loss="huber",
                          f_scale=self.delta)
        obj = self.objective(r.x)
        return obj, r.nfev, abs(r.cost - obj) / max(obj, 1e-300)


# ------------------------------------------------------------------------------------------------ B2
def sigmoid(x, a2, l0, k, b2):
    return a2 / (1 + np.exp(-k * (x - l0))) + b2


class B2:
    def __init__(self, d):
        self.x = np.array([p[0] for p in d["points"]], dtype=float)
        self.y = np.array(d["y"], dtype=float)
        self.lower = np.array([-np.inf if v is None else v for v in d["lower"]])
        self.upper = np.array([np.inf if v is None else v for v in d["upper"]])

    def sse(self, p):
        return float(np.sum((sigmoid(self.x, *p) - self.y) ** 2))

    def residuals(self, p):
        return sigmoid(self.x, *p) - self.y

    def jacobian(self, p):
        a2, l0, k, _ = p
        dx = self.x - l0
        s = 1 / (1 + np.exp(-k * dx))
        ds = a2 * s * (1 - s)
        return np.column_stack([s, -k * ds, dx * ds, np.ones_like(s)])

    def curvefit(self, p0):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                p, _, info, _, _ = curve_fit(sigmoid, self.x, self.y, p0=p0, bounds=(self.lower, self.upper),
                                             maxfev=500000, full_output=True)
            except RuntimeError:
                return math.nan, 0, 0.0
        return self.sse(p), info["nfev"], 0.0

    def lsq(self, p0):
        r = least_squares(self.residuals, p0, jac=self.jacobian, bounds=(self.lower, self.upper))
        return 2 * r.cost, r.nfev, 0.0


METHODS = {"b1": ["lbfgsb", "lsq-huber"], "b2": ["curvefit", "lsq"]}
LABELS = {"lbfgsb": "scipy minimize L-BFGS-B (published)", "lsq-huber": "scipy least_squares huber",
          "curvefit": "scipy curve_fit (published)", "lsq": "scipy least_squares"}


def starts(ranges, n, seed):
    rng = np.random.Generator(np.random.PCG64(seed))
    lo = np.array([r[0] for r in ranges], dtype=float)
    hi = np.array([r[1] for r in ranges], dtype=float)
    return lo + (hi - lo) * rng.random((n, len(ranges)))


def check_reference(problem, d, swift_file):
    """Largest relative difference between the exported data and bench/reference's reading of the embedded CSV."""
    sys.path.insert(0, os.path.join(HERE, "reference"))
    import ladder_reference as ref
    data = ref.load_embedded(swift_file)
    task = d["task"]
    if problem == "b1":
        n, dd, l = ref.step1_points(data, task, ref.DEFAULT_READING)
        ours = np.array(d["points"], dtype=float)
        theirs = np.column_stack([n, dd])
        yo, yt = np.array(d["y"]), l
    else:
        x, y = ref.step2_points(data, task, ref.DEFAULT_READING)
        ours = np.array([p[0] for p in d["points"]], dtype=float)
        theirs = np.append(x, 0.0)
        yo, yt = np.array(d["y"]), np.append(y, 1.0)
    if ours.shape != theirs.shape or yo.shape != yt.shape:
        return math.inf
    rel = lambda a, b: float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))
    return max(rel(ours, theirs), rel(yo, yt))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problem", choices=["b1", "b2"], required=True)
    ap.add_argument("--data", required=True, help="JSON written by gpufit bench --export")
    ap.add_argument("--fits", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--methods", default=None, help="comma-separated subset of " + ", ".join(sum(METHODS.values(), [])))
    ap.add_argument("--check-reference", metavar="SWIFT_FILE", default=None,
                    help="compare the exported data with bench/reference's reading of the embedded CSV")
    args = ap.parse_args()

    with open(args.data) as fh:
        d = json.load(fh)
    if args.check_reference:
        diff = check_reference(args.problem, d, args.check_reference)
        print(json.dumps({"problem": args.problem, "check": "exported data vs bench/reference",
                          "max_relative_difference": diff}), flush=True)
    prob = B1(d) if args.problem == "b1" else B2(d)
    p0s = starts(d["start_ranges"], args.fits * args.repeat, args.seed)
    methods = args.methods.split(",") if args.methods else METHODS[args.problem]
    for m in methods:
        fit = getattr(prob, m.replace("-", "_"))
        every, rates = [], []
        for rep in range(args.repeat):
            objs, nfev, mismatch = [], 0, 0.0
            t0 = time.perf_counter()
            for p0 in p0s[rep * args.fits:(rep + 1) * args.fits]:
                try:
                    o, nf, mm = fit(p0)
                except (ValueError, FloatingPointError):
                    o, nf, mm = math.nan, 0, 0.0
                objs.append(o)
                nfev += nf
                mismatch = max(mismatch, mm)
            seconds = time.perf_counter() - t0
            every += objs
            rates.append(args.fits / seconds)
            best, share = best_and_share(objs)
            line = {"problem": args.problem, "method": m, "engine": LABELS[m], "repetition": rep + 1, "fits": args.fits,
                    "seconds": seconds, "fits_per_s": args.fits / seconds, "best_objective": best,
                    "reached_best_share": share, "mean_nfev": nfev / args.fits,
                    "generator": f"numpy PCG64 seed {args.seed}"}
            if m == "lsq-huber":
                line["max_cost_mismatch"] = mismatch
            print(json.dumps(line), flush=True)
        best, share = best_and_share(every)
        print(json.dumps({"problem": args.problem, "method": m, "engine": LABELS[m], "summary": True,
                          "fits": len(every), "repetitions": args.repeat, "median_fits_per_s": float(np.median(rates)),
                          "best_objective": best, "reached_best_share": share,
                          "generator": f"numpy PCG64 seed {args.seed}"}), flush=True)


def best_and_share(objs):
    """Best finite objective and the share of all fits within 1e-6 relative of it."""
    objs = np.array(objs, dtype=float)
    finite = objs[np.isfinite(objs)]
    if not finite.size:
        return math.nan, 0.0
    best = float(finite.min())
    return best, float(np.sum(objs <= best * (1 + 1e-6))) / objs.size

if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
