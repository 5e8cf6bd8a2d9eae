// Step-2 sigmoid Acc = a / (1 + exp(-k (x - x0))) + b.  p = (a, x0, k, b); x = (task loss).
// Mirrors SigmoidModel.evaluate in FitModels.
REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) {
    const REAL d = x[0] - p[1];
    const REAL s = (REAL)1 / ((REAL)1 + exp(-p[2] * d));
    const REAL ds = p[0] * s * ((REAL)1 - s);
    dfdp[0] = s;
    dfdp[1] = -p[2] * ds;
    dfdp[2] = d * ds;
    dfdp[3] = (REAL)1;
    return p[0] * s + p[3];
}
