// Compute law L = exp(a - alpha ln F) + E.  p = (a, alpha, E); x = (ln F), F = D x FLOPs per token.
// Mirrors ComputeLawModel.evaluate in FitModels.
REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) {
    const REAL t = exp(p[0] - p[1] * x[0]);
    dfdp[0] = t;
    dfdp[1] = -x[0] * t;
    dfdp[2] = (REAL)1;
    return t + p[2];
}
