import FitModels
import Foundation

/// The Levenberg-Marquardt iteration of gpufit, Swift side. kernels/lm.cl is the same algorithm, step for
/// step, with the same names; change both or neither (EngineAgreementTests compare them to 1e-9).
///
/// Objective F(p) = sum_i w_i rho(r_i), r_i = f(x_i; p) - y_i (or ln f - ln y), rho(r) = r^2/2 or Huber_delta(r).
/// Per iteration (Madsen, Nielsen & Tingleff, "Methods for non-linear least squares problems", 2004, sec. 3.2;
/// Moré, "The Levenberg-Marquardt algorithm: implementation and theory", 1978, for the scaling D):
///  1. gradient g = sum w psi(r) dr/dp and normal matrix H = sum w h(r) dr/dp dr/dp^T at p, where
///     psi = rho' and h = 1 in Huber's quadratic zone; in its linear zone h = delta/|r|
///     (the reweighting curvature, `huberLinearCurvature`).
///  2. free set: a parameter on a bound whose gradient points out of the box is held for this step.
///  3. solve (H + lambda diag(D)) dp = -g on the free set (Cholesky), D_j = max over iterations of H_jj.
///  4. p' = clamp(p + dp); evaluate F(p') (one pass over the points: one "iteration").
///  5. accept if F(p') < F(p): lambda *= max(1/3, 1 - (2 rho - 1)^3), nu = 2, rho = actual/predicted decrease;
///     else lambda *= nu, nu *= 2.
/// Stopping tests are listed on `FitState`.
@usableFromInline
struct LevenbergMarquardt<Model: FitModel> {
    let model: Model
    let np: Int
    let nv: Int
    let n: Int
    let x: UnsafePointer<Double>
    let y: UnsafePointer<Double>
    let logResiduals: Bool
    let huber: Bool
    let delta: Double
    let lower: [Double]
    let upper: [Double]
    let options: SolverOptions

    // Workspace, owned by this solver (one per worker thread).
    let p: UnsafeMutablePointer<Double>
    let pTrial: UnsafeMutablePointer<Double>
    let g: UnsafeMutablePointer<Double>
    let gTrial: UnsafeMutablePointer<Double>
    let h: UnsafeMutablePointer<Double>
    let hTrial: UnsafeMutablePointer<Double>
    let scale: UnsafeMutablePointer<Double>
    let step: UnsafeMutablePointer<Double>
    let a: UnsafeMutablePointer<Double>
    let rhs: UnsafeMutablePointer<Double>
    let dfdp: UnsafeMutablePointer<Double>
    let freeIndex: UnsafeMutablePointer<Int>

    init(model: Model, problem: FitProblem, x: UnsafePointer<Double>, y: UnsafePointer<Double>) {
        self.model = model
        np = problem.parameterCount
        nv = problem.variableCount
        n = problem.pointCount
        self.x = x
        self.y = y
        logResiduals = problem.residualSpace == .log
        if case .huber(let d) = problem.loss { huber = true; delta = d } else { huber = false; delta = .infinity }
        lower = problem.lower
        upper = problem.upper
        options = problem.options
        p = .allocate(capacity: np); pTrial = .allocate(capacity: np)
        g = .allocate(capacity: np); gTrial = .allocate(capacity: np)
        h = .allocate(capacity: np * np); hTrial = .allocate(capacity: np * np)
        scale = .allocate(capacity: np); step = .allocate(capacity: np)
        a = .allocate(capacity: np * np); rhs = .allocate(capacity: np)
        dfdp = .allocate(capacity: np); freeIndex = .allocate(capacity: np)
    }

    func deallocate() {
        for b in [p, pTrial, g, gTrial, h, hTrial, scale, step, a, rhs, dfdp] { b.deallocate() }
        freeIndex.deallocate()
    }

    /// F, g and H (upper triangle) at `params`; false when a model value or the objective is not finite.
    @inline(__always)
    func accumulate(_ params: UnsafePointer<Double>, _ w: UnsafePointer<Double>,
                    _ grad: UnsafeMutablePointer<Double>, _ hess: UnsafeMutablePointer<Double>) -> (Double, Bool) {
        for j in 0..<np { grad[j] = 0 }
        for j in 0..<(np * np) { hess[j] = 0 }
        var f = 0.0
        for i in 0..<n {
            let wi = w[i]
            if wi == 0 { continue }
            var value = model.evaluate(params, x + i * nv, dfdp)
            if logResiduals {
                // r = ln f - ln y; dr/dp = (df/dp) / f. Needs f > 0.
                if !(value > 0) { return (.nan, false) }
                let inv = 1 / value
                for j in 0..<np { dfdp[j] *= inv }
                value = Foundation.log(value)
            }
            let r = value - y[i]
            var psi = r, curvature = 1.0, rho = 0.5 * r * r
            if huber {
                let ar = abs(r)
                if ar > delta {
                    psi = r > 0 ? delta : -delta
                    curvature = delta / ar
                    rho = delta * (ar - 0.5 * delta)
                }
            }
            f += wi * rho
            let ws = wi * psi, wc = wi * curvature
            for j in 0..<np {
                let dj = dfdp[j]
                grad[j] += ws * dj
                let t = wc * dj
                for k in j..<np { hess[j * np + k] += t * dfdp[k] }
            }
        }
        if !f.isFinite { return (f, false) }
        for j in 0..<np where !grad[j].isFinite { return (f, false) }
        return (f, true)
    }

    /// Solves (H + lambda diag(D)) step = -g on the free parameters by Cholesky; false if not positive definite.
    @inline(__always)
    func solveDamped(_ lambda: Double, freeCount nf: Int) -> Bool {
        for u in 0..<nf {
            let j = freeIndex[u]
            for v in u..<nf {
                let k = freeIndex[v]
                a[u * nf + v] = h[j * np + k]  // j < k since freeIndex is increasing
            }
            a[u * nf + u] += lambda * scale[j]
            rhs[u] = -g[j]
        }
        // Cholesky A = L L^T, L stored in the lower triangle of a (read upper, write lower).
        for u in 0..<nf {
            for v in 0...u {
                var s = a[v * nf + u]
                for k in 0..<v { s -= a[u * nf + k] * a[v * nf + k] }
                if u == v {
                    if !(s > 0) { return false }
                    a[u * nf + u] = s.squareRoot()
                } else {
                    a[u * nf + v] = s / a[v * nf + v]
                }
            }
        }
        // Forward then back substitution.
        for u in 0..<nf {
            var s = rhs[u]
            for k in 0..<u { s -= a[u * nf + k] * rhs[k] }
            rhs[u] = s / a[u * nf + u]
        }
        for u in stride(from: nf - 1, through: 0, by: -1) {
            var s = rhs[u]
            for k in (u + 1)..<max(u + 1, nf) { s -= a[k * nf + u] * rhs[k] }
            rhs[u] = s / a[u * nf + u]
        }
        for j in 0..<np { step[j] = 0 }
        for u in 0..<nf { step[freeIndex[u]] = rhs[u] }
        return true
    }

    /// Runs one fit from `start` with effective point weights `w`. Writes the final parameters to `out`.
    func fit(start: UnsafePointer<Double>, weights w: UnsafePointer<Double>, out: UnsafeMutablePointer<Double>)
        -> (objective: Double, iterations: Int32, state: FitState)
    {
        for j in 0..<np { p[j] = min(max(start[j], lower[j]), upper[j]) }
        var (f, ok) = accumulate(p, w, g, h)
        if !ok {
            for j in 0..<np { out[j] = p[j] }
            return (.nan, 0, .nonFinite)
        }
        var maxScale = 0.0
        for j in 0..<np { scale[j] = h[j * np + j]; maxScale = max(maxScale, scale[j]) }
        // A parameter the data never informs (zero column) gets a unit scale, so damping still bounds it.
        for j in 0..<np where !(scale[j] > 0) { scale[j] = maxScale > 0 ? maxScale : 1 }
        var lambda = options.initialDamping
        var nu = 2.0
        var iterations: Int32 = 0
        var state = FitState.iterationLimit
        while true {
            // 2. free set and the gradient test.
            var nf = 0
            var gradientSmall = true
            let twoF = 2 * f
            for j in 0..<np {
                let held = (p[j] <= lower[j] && g[j] > 0) || (p[j] >= upper[j] && g[j] < 0)
                if held { continue }
                freeIndex[nf] = j
                nf += 1
                if abs(g[j]) > options.gtol * (twoF * scale[j]).squareRoot() { gradientSmall = false }
            }
            if gradientSmall { state = .convergedGradient; break }
            if Int(iterations) >= options.maxIterations { state = .iterationLimit; break }
            // 3. damped step; a matrix that is not positive definite raises the damping.
            if !solveDamped(lambda, freeCount: nf) {
                lambda *= nu
                nu *= 2
                if lambda > 1e32 || !lambda.isFinite { state = .singular; break }
                continue
            }
            // 4. projected trial point and its actual step.
            var stepNorm = 0.0, pNorm = 0.0
            for j in 0..<np {
                pTrial[j] = min(max(p[j] + step[j], lower[j]), upper[j])
                step[j] = pTrial[j] - p[j]
                stepNorm += step[j] * step[j]
                pNorm += p[j] * p[j]
            }
            stepNorm = stepNorm.squareRoot()
            pNorm = pNorm.squareRoot()
            if stepNorm <= options.xtol * (pNorm + options.xtol) { state = .convergedStep; break }
            // Predicted decrease of the quadratic model: -(g.dp + dp.H.dp / 2).
            var predicted = 0.0
            for j in 0..<np {
                var hs = 0.0
                for k in 0..<np { hs += (j <= k ? h[j * np + k] : h[k * np + j]) * step[k] }
                predicted -= step[j] * (g[j] + 0.5 * hs)
            }
            let (fTrial, okTrial) = accumulate(pTrial, w, gTrial, hTrial)
            iterations += 1
            // 5. accept or reject.
            if okTrial && fTrial < f {
                let actual = f - fTrial
                let rho = predicted > 0 ? actual / predicted : 0
                let small = actual <= options.ftol * f && predicted <= options.ftol * f
                f = fTrial
                for j in 0..<np { p[j] = pTrial[j]; g[j] = gTrial[j] }
                for j in 0..<(np * np) { h[j] = hTrial[j] }
                for j in 0..<np { scale[j] = max(scale[j], h[j * np + j]) }
                let t = 2 * rho - 1
                lambda *= max(1.0 / 3.0, 1 - t * t * t)
                nu = 2
                if small { state = .convergedObjective; break }
            } else {
                lambda *= nu
                nu *= 2
                if lambda > 1e32 || !lambda.isFinite { state = .convergedStep; break }
            }
        }
        for j in 0..<np { out[j] = p[j] }
        return (f, iterations, state)
    }
}
