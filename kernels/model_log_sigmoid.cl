// TaskCE step 2: Acc = (-a) ln(1 - 1/(1 + exp(-k (x - x0)))) + 1 = a softplus(k (x - x0)) + 1.
// p = (a, x0, k); x = (TaskCE). softplus(z) = max(z, 0) + log1p(exp(-|z|)) never overflows.
// Mirrors LogSigmoidModel.evaluate in FitModels.
REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) {
    const REAL d = x[0] - p[1];
    const REAL z = p[2] * d;
    const REAL sp = fmax(z, (REAL)0) + log1p(exp(-fabs(z)));
    const REAL s = (REAL)1 / ((REAL)1 + exp(-z));
    dfdp[0] = sp;
    dfdp[1] = -p[0] * s * p[2];
    dfdp[2] = p[0] * s * d;
    return p[0] * sp + (REAL)1;
}
