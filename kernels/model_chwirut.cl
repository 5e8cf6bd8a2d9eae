// NIST Chwirut1/Chwirut2: y = exp(-b1 x) / (b2 + b3 x).  p = (b1, b2, b3). Mirrors ChwirutModel.evaluate.
REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) {
    const REAL e = exp(-p[0] * x[0]);
    const REAL d = p[1] + p[2] * x[0];
    const REAL f = e / d;
    dfdp[0] = -x[0] * f;
    dfdp[1] = -f / d;
    dfdp[2] = -x[0] * f / d;
    return f;
}
