// Single-step law Acc = p5 / (1 + exp(-(exp(a - alpha ln N) + exp(b - beta ln D) + E))) + p6.
// p = (a, b, alpha, beta, E, p5, p6); x = (ln N, ln D). Mirrors SingleStepModel.evaluate in FitModels.
REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) {
    const REAL t1 = exp(p[0] - p[2] * x[0]);
    const REAL t2 = exp(p[1] - p[3] * x[1]);
    const REAL u = t1 + t2 + p[4];
    const REAL s = (REAL)1 / ((REAL)1 + exp(-u));
    const REAL du = p[5] * s * ((REAL)1 - s);
    dfdp[0] = du * t1;
    dfdp[1] = du * t2;
    dfdp[2] = -du * x[0] * t1;
    dfdp[3] = -du * x[1] * t2;
    dfdp[4] = du;
    dfdp[5] = s;
    dfdp[6] = (REAL)1;
    return p[5] * s + p[6];
}
