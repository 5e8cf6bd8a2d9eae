// lm.cl: batched Levenberg-Marquardt, one fit per work-item.
//
// The same algorithm, step for step and with the same names, as Sources/FitEngine/LevenbergMarquardt.swift,
// whose header comment states it (two phases for Huber, free set on the bounds, Marquardt-Nielsen damping);
// change both or neither. Objective F(p) = sum_i w_i rho(r_i) with r_i = f(x_i; p) - y_i, or ln f - y_i
// (y already ln y) when LOG_RESIDUALS; rho = r^2/2, or Huber_delta(r) when LOSS_HUBER.
//
// Assembled after common.cl (REAL) and the model's source (model_eval) by ProgramSource.swift.
// Reads: NPARAMS, NVARS (from the model), LOSS_HUBER (0/1), LOG_RESIDUALS (0/1).
// End states are FitState's numbers (FitState.swift); never renumber.
#ifndef NPARAMS
#error "NPARAMS must be defined"
#endif
#ifndef NVARS
#define NVARS 1
#endif
#ifndef LOSS_HUBER
#define LOSS_HUBER 0
#endif
#ifndef LOG_RESIDUALS
#define LOG_RESIDUALS 0
#endif

#define STATE_CONVERGED_OBJECTIVE 1
#define STATE_CONVERGED_STEP 2
#define STATE_CONVERGED_GRADIENT 3
#define STATE_ITERATION_LIMIT 4
#define STATE_SINGULAR 5
#define STATE_NON_FINITE 6

// Reweighting curvature kept for linear-zone residuals while fewer than NPARAMS points are quadratic.
#define HUBER_LINEAR_CURVATURE ((REAL)0.5)
// Objective tolerance of the least-squares phase that precedes a Huber fit.
#define PHASE1_FTOL ((REAL)1e-2)
// Damping above which no step can lower the objective.
#define MAX_DAMPING ((REAL)1e16)

// What every pass over the points reads.
typedef struct {
    __global const REAL *x;
    __global const REAL *y;
    __global const REAL *weights;
    __global const int *groups;
    __global const REAL *multiplicity;
    int set;
    int groupCount;
    int n;
    REAL delta;
} Data;

// F, g and H (upper triangle) at params; returns 0 when a model value or the objective is not finite.
// huberActive 0: every residual is treated as quadratic (least squares, or Huber's phase 1).
static int accumulate(const REAL *params, const Data *d, const int huberActive, REAL *grad, REAL *hess, REAL *fOut) {
    for (int j = 0; j < NPARAMS; j++) grad[j] = 0;
    for (int j = 0; j < NPARAMS * NPARAMS; j++) hess[j] = 0;
#if LOSS_HUBER
    // Least-squares programs never reach the linear zone: compiling it out saves a private matrix (registers).
    REAL hessLinear[NPARAMS * NPARAMS];
    for (int j = 0; j < NPARAMS * NPARAMS; j++) hessLinear[j] = 0;
#endif
    REAL f = 0;
    int quadratic = 0;
    REAL dfdp[NPARAMS];
    REAL xi[NVARS];
    for (int i = 0; i < d->n; i++) {
        REAL wi = d->weights[i];
        if (d->set >= 0 && d->groups[i] >= 0) wi *= d->multiplicity[d->set * d->groupCount + d->groups[i]];
        if (wi == 0) continue;
        for (int v = 0; v < NVARS; v++) xi[v] = d->x[i * NVARS + v];
        REAL value = model_eval(params, xi, dfdp);
#if LOG_RESIDUALS
        // r = ln f - ln y; dr/dp = (df/dp) / f. Needs f > 0.
        if (!(value > 0)) return 0;
        const REAL inv = (REAL)1 / value;
        for (int j = 0; j < NPARAMS; j++) dfdp[j] *= inv;
        value = log(value);
#endif
        const REAL r = value - d->y[i];
        const REAL ar = fabs(r);
        if (!huberActive || ar <= d->delta) {
            quadratic += 1;
            f += wi * ((REAL)0.5 * r * r);
            const REAL ws = wi * r;
            for (int j = 0; j < NPARAMS; j++) {
                const REAL dj = dfdp[j];
                grad[j] += ws * dj;
                const REAL t = wi * dj;
                for (int k = j; k < NPARAMS; k++) hess[j * NPARAMS + k] += t * dfdp[k];
            }
        }
#if LOSS_HUBER
        else {
            f += wi * (d->delta * (ar - (REAL)0.5 * d->delta));
            const REAL ws = wi * (r > 0 ? d->delta : -d->delta), wc = wi * (d->delta / ar);
            for (int j = 0; j < NPARAMS; j++) {
                const REAL dj = dfdp[j];
                grad[j] += ws * dj;
                const REAL t = wc * dj;
                for (int k = j; k < NPARAMS; k++) hessLinear[j * NPARAMS + k] += t * dfdp[k];
            }
        }
#endif
    }
#if LOSS_HUBER
    if (huberActive) {
        const REAL c = quadratic >= NPARAMS ? (REAL)0 : HUBER_LINEAR_CURVATURE;
        for (int j = 0; j < NPARAMS * NPARAMS; j++) hess[j] += c * hessLinear[j];
    }
#endif
    *fOut = f;
    if (!isfinite(f)) return 0;
    for (int j = 0; j < NPARAMS; j++)
        if (!isfinite(grad[j])) return 0;
    return 1;
}

// Solves (H + lambda diag(max(D, scaleFloor))) step = -g on the free parameters by Cholesky; 0 if not positive definite.
static int solve_damped(const REAL *h, const REAL *g, const REAL *scale, const REAL scaleFloor, const int *freeIndex,
                        const int nf, const REAL lambda, REAL *step) {
    REAL a[NPARAMS * NPARAMS];
    REAL rhs[NPARAMS];
    for (int u = 0; u < nf; u++) {
        const int j = freeIndex[u];
        for (int v = u; v < nf; v++) a[u * nf + v] = h[j * NPARAMS + freeIndex[v]];
        a[u * nf + u] += lambda * fmax(scale[j], scaleFloor);
        rhs[u] = -g[j];
    }
    for (int u = 0; u < nf; u++) {
        for (int v = 0; v <= u; v++) {
            REAL s = a[v * nf + u];
            for (int k = 0; k < v; k++) s -= a[u * nf + k] * a[v * nf + k];
            if (u == v) {
                if (!(s > 0)) return 0;
                a[u * nf + u] = sqrt(s);
            } else {
                a[u * nf + v] = s / a[v * nf + v];
            }
        }
    }
    for (int u = 0; u < nf; u++) {
        REAL s = rhs[u];
        for (int k = 0; k < u; k++) s -= a[u * nf + k] * rhs[k];
        rhs[u] = s / a[u * nf + u];
    }
    for (int u = nf - 1; u >= 0; u--) {
        REAL s = rhs[u];
        for (int k = u + 1; k < nf; k++) s -= a[k * nf + u] * rhs[k];
        rhs[u] = s / a[u * nf + u];
    }
    for (int j = 0; j < NPARAMS; j++) step[j] = 0;
    for (int u = 0; u < nf; u++) step[freeIndex[u]] = rhs[u];
    return 1;
}

typedef struct {
    int maxIterations;
    REAL xtol;
    REAL gtol;
    REAL initialDamping;
} Options;

// One phase of trial steps from the current p, with fresh damping and scaling; returns the state, *fOut = F.
static int phase(REAL *p, const REAL *lo, const REAL *hi, const Data *d, const Options *o, const int huberActive,
                 const REAL ftol, int *iterations, REAL *fOut) {
    REAL pTrial[NPARAMS], g[NPARAMS], gTrial[NPARAMS], scale[NPARAMS], step[NPARAMS];
    REAL h[NPARAMS * NPARAMS], hTrial[NPARAMS * NPARAMS];
    int freeIndex[NPARAMS];
    REAL f;
    if (!accumulate(p, d, huberActive, g, h, &f)) { *fOut = NAN; return STATE_NON_FINITE; }
    for (int j = 0; j < NPARAMS; j++) scale[j] = h[j * NPARAMS + j];
    REAL lambda = o->initialDamping;
    REAL nu = 2;
    while (1) {
        *fOut = f;
        // 1. free set and the gradient test.
        int nf = 0;
        int gradientSmall = 1;
        REAL maxScale = 0;
        for (int j = 0; j < NPARAMS; j++) {
            scale[j] = fmax(scale[j], h[j * NPARAMS + j]);
            maxScale = fmax(maxScale, scale[j]);
        }
        const REAL scaleFloor = (REAL)1e-12 * fmax(maxScale, (REAL)1e-300);
        const REAL twoF = 2 * f;
        for (int j = 0; j < NPARAMS; j++) {
            const int held = (p[j] <= lo[j] && g[j] > 0) || (p[j] >= hi[j] && g[j] < 0);
            if (held) continue;
            freeIndex[nf] = j;
            nf += 1;
            if (fabs(g[j]) > o->gtol * sqrt(twoF * fmax(scale[j], scaleFloor))) gradientSmall = 0;
        }
        if (gradientSmall) return STATE_CONVERGED_GRADIENT;
        if (*iterations >= o->maxIterations) return STATE_ITERATION_LIMIT;
        // 2. damped step; a matrix that is not positive definite raises the damping.
        if (!solve_damped(h, g, scale, scaleFloor, freeIndex, nf, lambda, step)) {
            lambda *= nu;
            nu *= 2;
            if (!(lambda <= MAX_DAMPING)) return STATE_SINGULAR;
            continue;
        }
        // 3. projected trial point and its actual step.
        REAL stepNorm = 0, pNorm = 0;
        for (int j = 0; j < NPARAMS; j++) {
            pTrial[j] = fmin(fmax(p[j] + step[j], lo[j]), hi[j]);
            step[j] = pTrial[j] - p[j];
            stepNorm += step[j] * step[j];
            pNorm += p[j] * p[j];
        }
        if (sqrt(stepNorm) <= o->xtol * (sqrt(pNorm) + o->xtol)) return STATE_CONVERGED_STEP;
        // Predicted decrease of the quadratic model: -(g.dp + dp.H.dp / 2).
        REAL predicted = 0;
        for (int j = 0; j < NPARAMS; j++) {
            REAL hs = 0;
            for (int k = 0; k < NPARAMS; k++) hs += (j <= k ? h[j * NPARAMS + k] : h[k * NPARAMS + j]) * step[k];
            predicted -= step[j] * (g[j] + (REAL)0.5 * hs);
        }
        REAL fTrial;
        const int okTrial = accumulate(pTrial, d, huberActive, gTrial, hTrial, &fTrial);
        *iterations += 1;
        // 4. accept or reject.
        if (okTrial && predicted > 0 && fTrial < f) {
            const REAL actual = f - fTrial;
            const REAL rho = actual / predicted;
            f = fTrial;
            *fOut = f;
            for (int j = 0; j < NPARAMS; j++) { p[j] = pTrial[j]; g[j] = gTrial[j]; }
            for (int j = 0; j < NPARAMS * NPARAMS; j++) h[j] = hTrial[j];
            const REAL t = 2 * rho - 1;
            lambda *= fmax((REAL)1 / (REAL)3, 1 - t * t * t);
            nu = 2;
            if (actual <= ftol * f) return STATE_CONVERGED_OBJECTIVE;
        } else {
            lambda *= nu;
            nu *= 2;
            // No damping finds a lower objective: the fit sits at a minimum to rounding.
            if (!(lambda <= MAX_DAMPING)) return STATE_CONVERGED_STEP;
        }
    }
}

__kernel void lm_fit(__global const REAL *x, __global const REAL *y, __global const REAL *weights,
                     __global const int *groups, __global const REAL *multiplicity,
                     __global const int *setOfFit, const int groupCount, __global const REAL *starts,
                     __global const REAL *lower, __global const REAL *upper, const int n, const int fits,
                     const int maxIterations, const REAL ftol, const REAL xtol, const REAL gtol,
                     const REAL delta, const REAL initialDamping, __global REAL *outParams,
                     __global REAL *outObjective, __global int *outIterations, __global int *outState) {
    const int fit = get_global_id(0);
    if (fit >= fits) return;
    Data d;
    d.x = x; d.y = y; d.weights = weights; d.groups = groups; d.multiplicity = multiplicity;
    d.set = setOfFit[fit]; d.groupCount = groupCount; d.n = n; d.delta = delta;
    Options o;
    o.maxIterations = maxIterations; o.xtol = xtol; o.gtol = gtol; o.initialDamping = initialDamping;
    REAL p[NPARAMS], lo[NPARAMS], hi[NPARAMS];
    for (int j = 0; j < NPARAMS; j++) {
        lo[j] = lower[j];
        hi[j] = upper[j];
        p[j] = fmin(fmax(starts[fit * NPARAMS + j], lo[j]), hi[j]);
    }
    int iterations = 0;
    int state = STATE_ITERATION_LIMIT;
    REAL f = NAN;
#if LOSS_HUBER
    state = phase(p, lo, hi, &d, &o, 0, PHASE1_FTOL, &iterations, &f);
#endif
    if (state != STATE_NON_FINITE && state != STATE_SINGULAR)
        state = phase(p, lo, hi, &d, &o, LOSS_HUBER, ftol, &iterations, &f);
    for (int j = 0; j < NPARAMS; j++) outParams[fit * NPARAMS + j] = p[j];
    outObjective[fit] = f;
    outIterations[fit] = iterations;
    outState[fit] = state;
}
