// Step-1 loss law L = exp(a - alpha ln N) + exp(b - beta ln D) + E.  p = (a, b, alpha, beta, E);
// x = (ln N, ln D), logs taken once on the host. Mirrors LossLawModel.evaluate in FitModels.
REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) {
    const REAL t1 = exp(p[0] - p[2] * x[0]);
    const REAL t2 = exp(p[1] - p[3] * x[1]);
    dfdp[0] = t1;
    dfdp[1] = t2;
    dfdp[2] = -x[0] * t1;
    dfdp[3] = -x[1] * t2;
    dfdp[4] = (REAL)1;
    return t1 + t2 + p[4];
}
