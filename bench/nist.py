#!/usr/bin/env python3
"""NIST StRD nonlinear regression: gpufit against scipy's MINPACK LM and TRF, from each NIST start.

For every `.dat` problem in the NIST folder and for each of its two starts, this runs
  - gpufit: `gpufit fit DATA.csv --model EXPR --params b1,... --x x --y y --start S --starts 1 --device cpu
    --out -` (one fit from the given start, default settings unless --max-iterations is given);
  - scipy `least_squares(method="lm")` (MINPACK lmdif) and `least_squares(method="trf")`, both with
    ftol = xtol = gtol = 1e-15, max_nfev = --max-nfev (default 100000; 0 means scipy's own default, 100 * n),
    and the Jacobian --jac: scipy's default 2-point finite differences, or "exact" (complex step, exact to
    rounding; MINPACK lmder instead of lmdif for lm),
and prints the table side by side.

"Reached" is the criterion of the repository's NIST test for expression models
(Tests/ModelExpressionsTests/EngineTests.swift, `cpuFits`):
  - the fit ended converged (gpufit: a converged-* state, not iteration-limit; scipy: status >= 1, not the
    max_nfev stop), and
  - every parameter is within half a unit of the 6th significant digit of the certified value:
    |b - c| < 0.5 * 10^(floor(log10|c|) - 5), and
  - the residual sum of squares is within 1e-8 relative of the certified RSS (not checked for Lanczos1, whose
    certified RSS 1.4e-25 is round-off).
A fit whose values pass but which stopped at its iteration/evaluation limit is shown as "lim" (not counted).
LRE is the log relative error min_j -log10(|b_j - c_j| / |c_j|) (capped at 15; about 6 or more = 6 digits).

The models for scipy are written by hand below, keyed by the model expression as the file writes it (so a
problem with an unknown expression is reported, not guessed); gpufit gets the file's expression as it is
(exp[...], **, arctan, pi), as `Sources/ModelExpressions/NISTProblem.swift` reads it. Nelson's model is for
ln y: both fit ln y (the CSV's y column holds ln y), as the repository's tests do.

Usage: python3 bench/nist.py [NIST_DIR] [--gpufit BIN] [--max-iterations N] [--max-nfev N] [--jac 2-point|exact]
       [--markdown] [--only NAME,...] [--json FILE]
Needs numpy and scipy.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.optimize import least_squares

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PI = math.pi


# Hand-written models, keyed by the expression with all whitespace removed. x is a tuple of predictor columns.
def _lanczos(b, x):
    x = x[0]
    return b[0] * np.exp(-b[1] * x) + b[2] * np.exp(-b[3] * x) + b[4] * np.exp(-b[5] * x)


def _gauss(b, x):
    x = x[0]
    return (b[0] * np.exp(-b[1] * x) + b[2] * np.exp(-(x - b[3]) ** 2 / b[4] ** 2)
            + b[5] * np.exp(-(x - b[6]) ** 2 / b[7] ** 2))


def _chwirut(b, x):
    x = x[0]
    return np.exp(-b[0] * x) / (b[1] + b[2] * x)


def _enso(b, x):
    x = x[0]
    return (b[0] + b[1] * np.cos(2 * PI * x / 12) + b[2] * np.sin(2 * PI * x / 12)
            + b[4] * np.cos(2 * PI * x / b[3]) + b[5] * np.sin(2 * PI * x / b[3])
            + b[7] * np.cos(2 * PI * x / b[6]) + b[8] * np.sin(2 * PI * x / b[6]))


MODELS = {
    "b1*(1-exp[-b2*x])": lambda b, x: b[0] * (1 - np.exp(-b[1] * x[0])),                       # Misra1a
    "exp(-b1*x)/(b2+b3*x)": _chwirut,                                                          # Chwirut2
    "exp[-b1*x]/(b2+b3*x)": _chwirut,                                                          # Chwirut1
    "b1*exp(-b2*x)+b3*exp(-b4*x)+b5*exp(-b6*x)": _lanczos,                                     # Lanczos1-3
    "b1*exp(-b2*x)+b3*exp(-(x-b4)**2/b5**2)+b6*exp(-(x-b7)**2/b8**2)": _gauss,                 # Gauss1-3
    "b1*x**b2": lambda b, x: b[0] * x[0] ** b[1],                                              # DanWood
    "b1*(1-(1+b2*x/2)**(-2))": lambda b, x: b[0] * (1 - (1 + b[1] * x[0] / 2) ** (-2)),        # Misra1b
    "(b1+b2*x+b3*x**2)/(1+b4*x+b5*x**2)":                                                      # Kirby2
        lambda b, x: (b[0] + b[1] * x[0] + b[2] * x[0] ** 2) / (1 + b[3] * x[0] + b[4] * x[0] ** 2),
    "(b1+b2*x+b3*x**2+b4*x**3)/(1+b5*x+b6*x**2+b7*x**3)":                                      # Hahn1
        lambda b, x: ((b[0] + b[1] * x[0] + b[2] * x[0] ** 2 + b[3] * x[0] ** 3)
                      / (1 + b[4] * x[0] + b[5] * x[0] ** 2 + b[6] * x[0] ** 3)),
    "b1-b2*x1*exp[-b3*x2]": lambda b, x: b[0] - b[1] * x[0] * np.exp(-b[2] * x[1]),          # Nelson (ln y)
    "b1+b2*exp[-x*b4]+b3*exp[-x*b5]":                                                          # MGH17
        lambda b, x: b[0] + b[1] * np.exp(-x[0] * b[3]) + b[2] * np.exp(-x[0] * b[4]),
    "b1*(1-(1+2*b2*x)**(-.5))": lambda b, x: b[0] * (1 - (1 + 2 * b[1] * x[0]) ** (-.5)),      # Misra1c
    "b1*b2*x*((1+b2*x)**(-1))": lambda b, x: b[0] * b[1] * x[0] * ((1 + b[1] * x[0]) ** (-1)), # Misra1d
    "b1-b2*x-arctan[b3/(x-b4)]/pi": lambda b, x: b[0] - b[1] * x[0] - np.arctan(b[2] / (x[0] - b[3])) / PI,  # Roszman1
    "b1+b2*cos(2*pi*x/12)+b3*sin(2*pi*x/12)+b5*cos(2*pi*x/b4)+b6*sin(2*pi*x/b4)+b8*cos(2*pi*x/b7)+b9*sin(2*pi*x/b7)": _enso,
}


class Problem:
    """One NIST StRD file, read the way NISTProblem.swift reads it."""

    def __init__(self, path):
        lines = [l.rstrip("\r") for l in open(path, encoding="utf-8").read().split("\n")]
        t = [l.strip() for l in lines]
        self.name = next(l for l in t if l.startswith("Dataset Name:"))[len("Dataset Name:"):].split()[0]
        model_line = next(i for i, l in enumerate(t) if l.startswith("Model:"))
        table_line = next(i for i in range(model_line, len(t)) if t[i].lower().startswith("starting values"))
        self.log_response = False
        first = None
        for i in range(model_line + 1, table_line):
            if "=" not in t[i]:
                continue
            lhs, rhs = t[i].split("=", 1)
            lhs = lhs.replace(" ", "")
            if lhs in ("y", "log[y]", "log(y)", "ln[y]", "ln(y)"):
                self.log_response = lhs != "y"
                first = i
                parts = [rhs.strip()]
                break
        if first is None:
            raise ValueError(f"{path}: no model line")
        i = first + 1
        while i < table_line and t[i]:
            parts.append(t[i])
            i += 1
        model = " ".join(parts).rstrip()
        if not model.endswith("e") or "+" not in model:
            raise ValueError(f"{path}: the model does not end in '+ e'")
        model = model[:-1].rstrip()
        assert model.endswith("+")
        self.expression = model[:-1].strip()
        self.names, self.start1, self.start2, self.certified = [], [], [], []
        k = table_line + 1
        while not t[k].startswith("Residual Sum of Squares"):
            if "=" in t[k]:
                name, rest = t[k].split("=", 1)
                f = [float(v) for v in rest.split()]
                assert len(f) == 4, t[k]
                self.names.append(name.strip())
                self.start1.append(f[0]); self.start2.append(f[1]); self.certified.append(f[2])
            k += 1
        self.rss = float(t[k][len("Residual Sum of Squares:"):])
        data_line = max(i for i in range(table_line, len(t)) if t[i].startswith("Data:"))
        self.columns = t[data_line][len("Data:"):].split()
        rows = np.array([[float(v) for v in l.split()] for l in t[data_line + 1:] if l])
        self.y = rows[:, 0]
        self.x = tuple(rows[:, c] for c in range(1, rows.shape[1]))
        self.response = np.log(self.y) if self.log_response else self.y
        key = "".join(self.expression.split())
        if key not in MODELS:
            raise ValueError(f"{self.name}: no hand-written model for '{self.expression}'")
        self.f = MODELS[key]

    def residuals(self, b):
        with np.errstate(all="ignore"):
            return self.f(b, self.x) - self.response

    def jacobian(self, b):
        """Complex-step derivative, d f / d b_j = Im f(b + i h e_j) / h with h = 1e-100: exact to rounding for
        these models (all analytic: exp, powers, arctan, cos, sin, quotients), no subtraction error."""
        h = 1e-100
        b = np.asarray(b, dtype=float)
        columns = []
        with np.errstate(all="ignore"):
            for j in range(len(b)):
                z = b.astype(complex)
                z[j] += 1j * h
                columns.append(np.imag(self.f(z, self.x)) / h)
        return np.column_stack(columns)

    def check(self):
        """The hand-written model at the certified values gives the certified RSS (as NISTProblemTests)."""
        r = self.residuals(np.array(self.certified))
        rss = float(r @ r)
        tol = max(1e-8 * self.rss, 1e-20 * float(self.response @ self.response))
        if not abs(rss - self.rss) <= tol:
            raise ValueError(f"{self.name}: hand-written model gives RSS {rss}, certified {self.rss}")


def lre(values, certified):
    """min over parameters of -log10(|b - c| / |c|), capped at 15; -inf-like 0 for non-finite values."""
    out = 15.0
    for b, c in zip(values, certified):
        if b is None or not math.isfinite(b):
            return 0.0
        d = abs(b - c) / abs(c)
        out = min(out, 15.0 if d == 0 else max(0.0, -math.log10(d)))
    return out


def values_agree(p, values, rss):
    """Parameters to 6 significant digits and RSS to 1e-8 relative (the repository's NIST test)."""
    if values is None or rss is None or not all(v is not None and math.isfinite(v) for v in values):
        return False
    for b, c in zip(values, p.certified):
        if not abs(b - c) < 0.5 * 10 ** (math.floor(math.log10(abs(c))) - 5):
            return False
    if p.name == "Lanczos1":
        return True
    return math.isfinite(rss) and abs(rss - p.rss) / p.rss < 1e-8


def verdict(p, values, rss, converged):
    if not values_agree(p, values, rss):
        return "no"
    return "yes" if converged else "lim"


def run_gpufit(binary, p, start, folder, max_iterations):
    csv = os.path.join(folder, p.name + ".csv")
    if not os.path.exists(csv):
        xs = p.columns[1:]
        with open(csv, "w") as fh:
            fh.write(",".join(xs + ["y"]) + "\n")
            for i in range(len(p.y)):
                fh.write(",".join(repr(float(c[i])) for c in p.x) + "," + repr(float(p.response[i])) + "\n")
    cmd = [binary, "fit", csv, "--model", p.expression, "--params", ",".join(p.names), "--x", ",".join(p.columns[1:]),
           "--y", "y", "--start", ",".join(repr(v) for v in start), "--starts", "1", "--device", "cpu", "--out", "-",
           "--quiet"]
    if max_iterations is not None:
        cmd += ["--max-iterations", str(max_iterations)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        message = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        return dict(ok=False, state=f"exit {proc.returncode}", message=message, iterations=None, values=None,
                    rss=None, seconds=seconds, command=cmd)
    j = json.loads(proc.stdout)
    # Non-finite numbers arrive as the strings "nan", "inf", "-inf"; float() reads both forms.
    values = [float(q["value"]) for q in j["parameters"]]
    obj = float(j["objective"])
    return dict(ok=True, state=j["state"], iterations=j["iterations"], values=values, rss=obj, seconds=seconds,
                converged=j["state"].startswith("converged"), command=cmd)


def run_scipy(p, start, method, max_nfev, jac):
    t0 = time.perf_counter()
    try:
        r = least_squares(p.residuals, np.array(start, dtype=float), jac=p.jacobian if jac == "exact" else "2-point",
                          method=method, ftol=1e-15, xtol=1e-15, gtol=1e-15, max_nfev=max_nfev)
    except Exception as e:  # noqa: BLE001 - a solver error is a result here
        return dict(values=None, rss=None, status=f"error: {e}", nfev=None, converged=False,
                    seconds=time.perf_counter() - t0)
    rss = float(r.fun @ r.fun)
    return dict(values=[float(v) for v in r.x], rss=rss, status=r.status, nfev=r.nfev, njev=r.njev,
                converged=r.status >= 1, seconds=time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("nist_dir", nargs="?", default=os.path.join(REPO, "..", "shared", "data", "nist-strd"))
    ap.add_argument("--gpufit", default=os.path.join(REPO, ".build", "release", "gpufit"))
    ap.add_argument("--max-iterations", type=int, default=None, help="passed to gpufit (default: gpufit's)")
    ap.add_argument("--max-nfev", type=int, default=100000, help="scipy max_nfev (0: scipy's default, 100 * n)")
    ap.add_argument("--jac", choices=["2-point", "exact"], default="2-point",
                    help="scipy's Jacobian: 2-point finite differences (its default), or exact (complex step)")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--only", help="comma-separated problem names")
    ap.add_argument("--json", help="write every result to this file")
    args = ap.parse_args()
    max_nfev = None if args.max_nfev == 0 else args.max_nfev

    files = sorted(f for f in os.listdir(args.nist_dir) if f.endswith(".dat"))
    problems = [Problem(os.path.join(args.nist_dir, f)) for f in files]
    if args.only:
        keep = set(args.only.split(","))
        problems = [p for p in problems if p.name in keep]
    for p in problems:
        p.check()

    header = ["problem", "start", "gpufit", "LRE", "state", "iter", "s",
              "lm", "LRE", "status", "nfev", "trf", "LRE", "status", "nfev"]
    rows, records = [], []
    totals = {"gpufit": 0, "lm": 0, "trf": 0}
    time_total = {"gpufit": 0.0, "lm": 0.0, "trf": 0.0}
    with tempfile.TemporaryDirectory(prefix="gpufit-nist-") as folder:
        for p in problems:
            for s, start in ((1, p.start1), (2, p.start2)):
                g = run_gpufit(args.gpufit, p, start, folder, args.max_iterations)
                lm = run_scipy(p, start, "lm", max_nfev, args.jac)
                trf = run_scipy(p, start, "trf", max_nfev, args.jac)
                gv = verdict(p, g["values"], g["rss"], g.get("converged", False))
                lv = verdict(p, lm["values"], lm["rss"], lm["converged"])
                tv = verdict(p, trf["values"], trf["rss"], trf["converged"])
                for k, v in (("gpufit", gv), ("lm", lv), ("trf", tv)):
                    totals[k] += v == "yes"
                time_total["gpufit"] += g["seconds"]; time_total["lm"] += lm["seconds"]; time_total["trf"] += trf["seconds"]
                rows.append([p.name, str(s),
                             gv, f"{lre(g['values'] or [None], p.certified):.1f}", g["state"],
                             "-" if g["iterations"] is None else str(g["iterations"]), f"{g['seconds']:.2f}",
                             lv, f"{lre(lm['values'] or [None], p.certified):.1f}", str(lm["status"]), str(lm["nfev"]),
                             tv, f"{lre(trf['values'] or [None], p.certified):.1f}", str(trf["status"]), str(trf["nfev"])])
                records.append(dict(problem=p.name, start=s, certified=p.certified, certified_rss=p.rss,
                                    gpufit=dict(g, verdict=gv), lm=dict(lm, verdict=lv), trf=dict(trf, verdict=tv)))
                if not g["ok"]:
                    print(f"note: {p.name} start {s}: gpufit {g['state']}: {g['message']}", file=sys.stderr)

    n = len(rows)
    total = f"reached (converged, 6 digits, RSS 1e-8): gpufit {totals['gpufit']}/{n}, lm {totals['lm']}/{n}, trf {totals['trf']}/{n}"
    gaps = [f"{r[0]}/{r[1]}" for r in rows if r[2] != "yes" and (r[7] == "yes" or r[11] == "yes")]
    ahead = [f"{r[0]}/{r[1]}" for r in rows if r[2] == "yes" and (r[7] != "yes" or r[11] != "yes")]
    settings = (f"gpufit: {'default settings' if args.max_iterations is None else f'--max-iterations {args.max_iterations}'}; "
                f"scipy: ftol=xtol=gtol=1e-15, {args.jac} Jacobian, max_nfev={'100*n (default)' if max_nfev is None else max_nfev}")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in rows:
            print("| " + " | ".join(r) + " |")
        print()
    else:
        widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i]) for i in range(len(header))]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        for r in rows:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print(settings)
    print(total)
    print(f"gaps (lm or trf reached, gpufit not): {', '.join(gaps) or 'none'}")
    print(f"gpufit reached, lm or trf not: {', '.join(ahead) or 'none'}")
    print(f"seconds in total: gpufit {time_total['gpufit']:.1f} (process per fit), lm {time_total['lm']:.1f}, trf {time_total['trf']:.1f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dict(settings=settings, records=records), fh, indent=1, default=str)


if __name__ == "__main__":
    main()
