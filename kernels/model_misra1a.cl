// NIST Misra1a: y = b1 (1 - exp(-b2 x)).  p = (b1, b2). Mirrors Misra1aModel.evaluate in FitModels.
REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) {
    const REAL e = exp(-p[1] * x[0]);
    dfdp[0] = (REAL)1 - e;
    dfdp[1] = p[0] * x[0] * e;
    return p[0] * ((REAL)1 - e);
}
