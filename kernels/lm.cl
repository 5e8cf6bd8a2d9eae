// lm.cl: batched Levenberg-Marquardt, one fit per work-item.
//
// The same algorithm, step for step and with the same names, as Sources/FitEngine/LevenbergMarquardt.swift;
// change both or neither. Objective F(p) = sum_i w_i rho(r_i) with r_i = f(x_i; p) - y_i, or ln f - y_i
// (y already ln y) when LOG_RESIDUALS; rho = r^2/2, or Huber_delta(r) when LOSS_HUBER.
// Madsen, Nielsen & Tingleff (2004), sec. 3.2 for the damping update; Moré (1978) for the scaling D.
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

#define MAX_DAMPING ((REAL)1e32)

// F, g and H (upper triangle) at params; returns 0 when a model value or the objective is not finite.
static int accumulate(const REAL *params, __global const REAL *x, __global const REAL *y,
                      __global const REAL *weights, __global const int *groups,
                      __global const REAL *multiplicity, const int set, const int groupCount, const int n,
                      const REAL delta, REAL *grad, REAL *hess, REAL *fOut) {
    for (int j = 0; j < NPARAMS; j++) grad[j] = 0;
    for (int j = 0; j < NPARAMS * NPARAMS; j++) hess[j] = 0;
    REAL f = 0;
    REAL dfdp[NPARAMS];
    REAL xi[NVARS];
    for (int i = 0; i < n; i++) {
        REAL wi = weights[i];
        if (set >= 0 && groups[i] >= 0) wi *= multiplicity[set * groupCount + groups[i]];
        if (wi == 0) continue;
        for (int v = 0; v < NVARS; v++) xi[v] = x[i * NVARS + v];
        REAL value = model_eval(params, xi, dfdp);
#if LOG_RESIDUALS
        // r = ln f - ln y; dr/dp = (df/dp) / f. Needs f > 0.
        if (!(value > 0)) return 0;
        const REAL inv = (REAL)1 / value;
        for (int j = 0; j < NPARAMS; j++) dfdp[j] *= inv;
        value = log(value);
#endif
        const REAL r = value - y[i];
        REAL psi = r, curvature = 1, rho = (REAL)0.5 * r * r;
#if LOSS_HUBER
        const REAL ar = fabs(r);
        if (ar > delta) {
            psi = r > 0 ? delta : -delta;
            curvature = delta / ar;
            rho = delta * (ar - (REAL)0.5 * delta);
        }
#endif
        f += wi * rho;
        const REAL ws = wi * psi, wc = wi * curvature;
        for (int j = 0; j < NPARAMS; j++) {
            const REAL dj = dfdp[j];
            grad[j] += ws * dj;
            const REAL t = wc * dj;
            for (int k = j; k < NPARAMS; k++) hess[j * NPARAMS + k] += t * dfdp[k];
        }
    }
    *fOut = f;
    if (!isfinite(f)) return 0;
    for (int j = 0; j < NPARAMS; j++)
        if (!isfinite(grad[j])) return 0;
    return 1;
}

// Solves (H + lambda diag(D)) step = -g on the free parameters by Cholesky; 0 if not positive definite.
static int solve_damped(const REAL *h, const REAL *g, const REAL *scale, const int *freeIndex, const int nf,
                        const REAL lambda, REAL *step) {
    REAL a[NPARAMS * NPARAMS];
    REAL rhs[NPARAMS];
    for (int u = 0; u < nf; u++) {
        const int j = freeIndex[u];
        for (int v = u; v < nf; v++) a[u * nf + v] = h[j * NPARAMS + freeIndex[v]];
        a[u * nf + u] += lambda * scale[j];
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

__kernel void lm_fit(__global const REAL *x, __global const REAL *y, __global const REAL *weights,
                     __global const int *groups, __global const REAL *multiplicity,
                     __global const int *setOfFit, const int groupCount, __global const REAL *starts,
                     __global const REAL *lower, __global const REAL *upper, const int n, const int fits,
                     const int maxIterations, const REAL ftol, const REAL xtol, const REAL gtol,
                     const REAL delta, const REAL initialDamping, __global REAL *outParams,
                     __global REAL *outObjective, __global int *outIterations, __global int *outState) {
    const int fit = get_global_id(0);
    if (fit >= fits) return;
    const int set = setOfFit[fit];
    REAL p[NPARAMS], pTrial[NPARAMS], g[NPARAMS], gTrial[NPARAMS], scale[NPARAMS], step[NPARAMS];
    REAL h[NPARAMS * NPARAMS], hTrial[NPARAMS * NPARAMS];
    REAL lo[NPARAMS], hi[NPARAMS];
    int freeIndex[NPARAMS];
    for (int j = 0; j < NPARAMS; j++) {
        lo[j] = lower[j];
        hi[j] = upper[j];
        p[j] = fmin(fmax(starts[fit * NPARAMS + j], lo[j]), hi[j]);
    }
    REAL f;
    int ok = accumulate(p, x, y, weights, groups, multiplicity, set, groupCount, n, delta, g, h, &f);
    if (!ok) {
        for (int j = 0; j < NPARAMS; j++) outParams[fit * NPARAMS + j] = p[j];
        outObjective[fit] = NAN;
        outIterations[fit] = 0;
        outState[fit] = STATE_NON_FINITE;
        return;
    }
    REAL maxScale = 0;
    for (int j = 0; j < NPARAMS; j++) {
        scale[j] = h[j * NPARAMS + j];
        maxScale = fmax(maxScale, scale[j]);
    }
    // A parameter the data never informs (zero column) gets a unit scale, so damping still bounds it.
    for (int j = 0; j < NPARAMS; j++)
        if (!(scale[j] > 0)) scale[j] = maxScale > 0 ? maxScale : (REAL)1;
    REAL lambda = initialDamping;
    REAL nu = 2;
    int iterations = 0;
    int state = STATE_ITERATION_LIMIT;
    while (1) {
        // 2. free set and the gradient test.
        int nf = 0;
        int gradientSmall = 1;
        const REAL twoF = 2 * f;
        for (int j = 0; j < NPARAMS; j++) {
            const int held = (p[j] <= lo[j] && g[j] > 0) || (p[j] >= hi[j] && g[j] < 0);
            if (held) continue;
            freeIndex[nf] = j;
            nf += 1;
            if (fabs(g[j]) > gtol * sqrt(twoF * scale[j])) gradientSmall = 0;
        }
        if (gradientSmall) { state = STATE_CONVERGED_GRADIENT; break; }
        if (iterations >= maxIterations) { state = STATE_ITERATION_LIMIT; break; }
        // 3. damped step; a matrix that is not positive definite raises the damping.
        if (!solve_damped(h, g, scale, freeIndex, nf, lambda, step)) {
            lambda *= nu;
            nu *= 2;
            if (lambda > MAX_DAMPING || !isfinite(lambda)) { state = STATE_SINGULAR; break; }
            continue;
        }
        // 4. projected trial point and its actual step.
        REAL stepNorm = 0, pNorm = 0;
        for (int j = 0; j < NPARAMS; j++) {
            pTrial[j] = fmin(fmax(p[j] + step[j], lo[j]), hi[j]);
            step[j] = pTrial[j] - p[j];
            stepNorm += step[j] * step[j];
            pNorm += p[j] * p[j];
        }
        stepNorm = sqrt(stepNorm);
        pNorm = sqrt(pNorm);
        if (stepNorm <= xtol * (pNorm + xtol)) { state = STATE_CONVERGED_STEP; break; }
        // Predicted decrease of the quadratic model: -(g.dp + dp.H.dp / 2).
        REAL predicted = 0;
        for (int j = 0; j < NPARAMS; j++) {
            REAL hs = 0;
            for (int k = 0; k < NPARAMS; k++) hs += (j <= k ? h[j * NPARAMS + k] : h[k * NPARAMS + j]) * step[k];
            predicted -= step[j] * (g[j] + (REAL)0.5 * hs);
        }
        REAL fTrial;
        const int okTrial =
            accumulate(pTrial, x, y, weights, groups, multiplicity, set, groupCount, n, delta, gTrial, hTrial, &fTrial);
        iterations += 1;
        // 5. accept or reject.
        if (okTrial && fTrial < f) {
            const REAL actual = f - fTrial;
            const REAL rho = predicted > 0 ? actual / predicted : 0;
            const int small = actual <= ftol * f && predicted <= ftol * f;
            f = fTrial;
            for (int j = 0; j < NPARAMS; j++) { p[j] = pTrial[j]; g[j] = gTrial[j]; }
            for (int j = 0; j < NPARAMS * NPARAMS; j++) h[j] = hTrial[j];
            for (int j = 0; j < NPARAMS; j++) scale[j] = fmax(scale[j], h[j * NPARAMS + j]);
            const REAL t = 2 * rho - 1;
            lambda *= fmax((REAL)1 / (REAL)3, 1 - t * t * t);
            nu = 2;
            if (small) { state = STATE_CONVERGED_OBJECTIVE; break; }
        } else {
            lambda *= nu;
            nu *= 2;
            if (lambda > MAX_DAMPING || !isfinite(lambda)) { state = STATE_CONVERGED_STEP; break; }
        }
    }
    for (int j = 0; j < NPARAMS; j++) outParams[fit * NPARAMS + j] = p[j];
    outObjective[fit] = f;
    outIterations[fit] = iterations;
    outState[fit] = state;
}
