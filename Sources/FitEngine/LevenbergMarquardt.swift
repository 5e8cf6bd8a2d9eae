import FitModels
import Foundation
import SolverCore

/// The Levenberg-Marquardt iteration of gpufit, Swift side. kernels/lm.cl is the same algorithm, step for
/// step, with the same names; change both or neither (EngineAgreementTests hold them together).
///
/// Objective F(p) = sum_i w_i rho(r_i), r_i = f(x_i; p) - y_i (or ln f - ln y), rho(r) = r^2/2 or Huber_delta(r).
/// Damping and its update: Madsen, Nielsen & Tingleff, "Methods for non-linear least squares problems" (2004),
/// sec. 3.2; the scaling D: Moré, "The Levenberg-Marquardt algorithm: implementation and theory" (1978).
///
/// A fit runs in up to two phases that share one iteration cap:
///  - Huber only, phase 1: plain least squares on the same residuals, stopped loosely (`LMSpec.phase1Ftol`). It puts
///    the fit in the right basin quickly; Huber from a far start crawls.
///  - Phase 2 (or the only phase for least squares): the real objective. For Huber the normal matrix is
///    H = H_Q + c H_L, H_Q = sum over quadratic-zone points (|r| <= delta) of w J J^T and H_L = sum over the
///    linear zone of w (delta/|r|) J J^T; c = 0 once at least as many points as parameters sit in the
///    quadratic zone (then Gauss-Newton on the true Huber curvature converges fast), else
///    `LMSpec.huberLinearCurvature` (reweighting's curvature, halved). Measured on the B1 benchmark: 48 trial steps
///    per fit instead of 120 for plain reweighting, with the same share of starts reaching the optimum.
/// Per trial step, in a phase:
///  1. free set: a parameter on a bound whose gradient points out of the box is held for this step (without
///     this, step 2 of the ladder, whose optimum has b on its bound, crawls for 100+ steps);
///  2. gradient test (D floored at `LMSpec.gradientFloor` max D); solve (H + lambda diag(D')) dp = -g on the
///     free set by Cholesky, D_j = max over the phase of H_jj, D'_j = max(D_j, `LMSpec.dampingFloor`
///     max_k(D_k s_k) / s_j) with s_j the squared relative size of p_j at the phase start (`relativeSize`); a
///     failed factorisation raises lambda without a pass;
///  3. the step truncated to the box (a component pushing out of the bound it sits on is dropped, the rest
///     scaled back to the first bound crossed, so the direction is kept; what sets the reach lands exactly
///     on its bound), p' = p + t dp; step test (full steps only); one pass over the points at p' (one
///     "iteration");
///  4. accept if F(p') < F(p) and the model predicted a decrease: lambda *= max(1/3, 1 - (2 rho - 1)^3),
///     nu = 2, rho = actual / predicted decrease; then the objective test; else lambda *= nu, nu *= 2.
/// Stopping tests are listed on `FitState`.
///
/// The iteration is written as a resumable state machine (`LMIteration`): it asks for one pass over the
/// points at a point of its choosing, and consumes the pass's F, g and H. The point loop is not part of it,
/// so one spec drives both CPU point loops: one fit at a time (`LevenbergMarquardt` with a `PointPass`) and
/// sixteen fits side by side in vector lanes (module FitLanes: `LanePass`, and `LaneIteration`, this iteration
/// on vectors, bit for bit the same per lane).
struct LMIteration {
    let np: Int
    let huber: Bool
    let lower: UnsafePointer<Double>
    let upper: UnsafePointer<Double>
    let options: SolverOptions

    // Workspace, owned by this fit slot.
    let p: UnsafeMutablePointer<Double>
    let pTrial: UnsafeMutablePointer<Double>
    let g: UnsafeMutablePointer<Double>
    let h: UnsafeMutablePointer<Double>
    /// Where the pass writes its gradient and normal matrix (upper triangle, np x np row-major).
    let gTrial: UnsafeMutablePointer<Double>
    let hTrial: UnsafeMutablePointer<Double>
    let scale: UnsafeMutablePointer<Double>
    /// Squared size of each parameter at the start of the phase relative to the largest (see `LMSpec.dampingFloor`).
    let relativeSize: UnsafeMutablePointer<Double>
    let step: UnsafeMutablePointer<Double>
    let a: UnsafeMutablePointer<Double>
    let rhs: UnsafeMutablePointer<Double>
    let freeIndex: UnsafeMutablePointer<Int>

    // State of the fit in progress.
    private(set) var f = Double.nan
    private(set) var iterations: Int32 = 0
    private(set) var state = FitState.iterationLimit
    /// Objective of the current phase: Huber (true) or least squares on the same residuals (false).
    private(set) var huberActive = false
    /// Whether the pending pass is at `pTrial` (a trial step) or at `p` (the start of a phase).
    private(set) var pendingIsTrial = false
    private var ftol = 0.0
    private var lambda = 0.0
    private var nu = 2.0
    private var predicted = 0.0

    init(problem: FitProblem, lower: UnsafePointer<Double>, upper: UnsafePointer<Double>) {
        np = problem.parameterCount
        if case .huber = problem.loss { huber = true } else { huber = false }
        self.lower = lower
        self.upper = upper
        options = problem.options
        p = .allocate(capacity: np); pTrial = .allocate(capacity: np)
        g = .allocate(capacity: np); gTrial = .allocate(capacity: np)
        h = .allocate(capacity: np * np); hTrial = .allocate(capacity: np * np)
        scale = .allocate(capacity: np); relativeSize = .allocate(capacity: np); step = .allocate(capacity: np)
        a = .allocate(capacity: np * np); rhs = .allocate(capacity: np)
        freeIndex = .allocate(capacity: np)
        h.initialize(repeating: 0, count: np * np)
        hTrial.initialize(repeating: 0, count: np * np)
    }

    func deallocate() {
        for b in [p, pTrial, g, gTrial, h, hTrial, scale, relativeSize, step, a, rhs] { b.deallocate() }
        freeIndex.deallocate()
    }

    /// The point the next pass must be run at, and with which objective (`huberActive`).
    var pendingPoint: UnsafePointer<Double> { UnsafePointer(pendingIsTrial ? pTrial : p) }

    /// Starts a fit at `start` (clamped into the box); a pass at `pendingPoint` is due next.
    mutating func begin(start: UnsafePointer<Double>) {
        for j in 0..<np { p[j] = min(max(start[j], lower[j]), upper[j]) }
        iterations = 0
        f = .nan
        state = .iterationLimit
        huberActive = false
        ftol = huber ? LMSpec.phase1Ftol : options.ftol
        pendingIsTrial = false
    }

    /// Takes the pass at `pendingPoint` (F = `fPass`, its gradient and matrix in gTrial and hTrial; `ok`
    /// false when it was not finite). Returns true when another pass is due, false when the fit has stopped
    /// (then `f`, `iterations`, `state` and `p` hold its outcome).
    @inline(__always)
    mutating func consume(_ fPass: Double, ok: Bool) -> Bool {
        if !pendingIsTrial {
            // Start of a phase, with fresh damping and scaling.
            if !ok { f = .nan; state = .nonFinite; return false }
            f = fPass
            for j in 0..<np { g[j] = gTrial[j] }
            for j in 0..<(np * np) { h[j] = hTrial[j] }
            for j in 0..<np { scale[j] = h[j * np + j] }
            var largest = 0.0
            for j in 0..<np { largest = max(largest, abs(p[j])) }
            if !(largest > 0) { largest = 1 }
            for j in 0..<np {
                let r = abs(p[j]) / largest + LMSpec.sizeFloor
                relativeSize[j] = r * r
            }
            lambda = options.initialDamping
            nu = 2
        } else {
            iterations += 1
            // 4. accept or reject.
            if ok && predicted > 0 && fPass < f {
                let actual = f - fPass
                let rho = actual / predicted
                f = fPass
                for j in 0..<np { p[j] = pTrial[j]; g[j] = gTrial[j] }
                for j in 0..<(np * np) { h[j] = hTrial[j] }
                let t = 2 * rho - 1
                lambda *= max(1.0 / 3.0, 1 - t * t * t)
                nu = 2
                if actual <= ftol * f { return endPhase(.convergedObjective) }
            } else {
                lambda *= nu
                nu *= 2
                // No damping finds a lower objective: the fit sits at a minimum to rounding.
                if !(lambda <= LMSpec.maxDamping) { return endPhase(.convergedStep) }
            }
        }
        return planTrial()
    }

    /// Steps 1-3: the next trial point, or the end of the phase.
    @inline(__always)
    private mutating func planTrial() -> Bool {
        while true {
            // 1. free set and the gradient test.
            var nf = 0
            var gradientSmall = true
            var maxScale = 0.0, maxSized = 0.0
            for j in 0..<np {
                scale[j] = max(scale[j], h[j * np + j])
                maxScale = max(maxScale, scale[j])
                maxSized = max(maxSized, scale[j] * relativeSize[j])
            }
            let scaleFloor = LMSpec.gradientFloor * max(maxScale, 1e-300)
            let twoF = 2 * f
            for j in 0..<np {
                let held = (p[j] <= lower[j] && g[j] > 0) || (p[j] >= upper[j] && g[j] < 0)
                if held { continue }
                freeIndex[nf] = j
                nf += 1
                if abs(g[j]) > options.gtol * (twoF * max(scale[j], scaleFloor)).squareRoot() { gradientSmall = false }
            }
            if gradientSmall { return endPhase(.convergedGradient) }
            if Int(iterations) >= options.maxIterations { return endPhase(.iterationLimit) }
            // 2. damped step; a matrix that is not positive definite raises the damping.
            if !solveDamped(lambda, maxSized: maxSized, freeCount: nf) {
                lambda *= nu
                nu *= 2
                if !(lambda <= LMSpec.maxDamping) { return endPhase(.singular) }
                continue
            }
            // 3. the step truncated to the box, the trial point and the actual step.
            var reach = 1.0
            for j in 0..<np {
                if (p[j] <= lower[j] && step[j] < 0) || (p[j] >= upper[j] && step[j] > 0) { step[j] = 0 }
                let q = p[j] + step[j]
                if q < lower[j] {
                    reach = min(reach, (lower[j] - p[j]) / step[j])
                } else if q > upper[j] {
                    reach = min(reach, (upper[j] - p[j]) / step[j])
                }
            }
            var stepNorm = 0.0, pNorm = 0.0
            for j in 0..<np {
                let q = p[j] + step[j]
                var trial = min(max(p[j] + reach * step[j], lower[j]), upper[j])
                // What sets the reach lands on its bound exactly, not a rounding error inside it (from where the
                // next step would be truncated to nothing).
                if q < lower[j] && (lower[j] - p[j]) / step[j] == reach {
                    trial = lower[j]
                } else if q > upper[j] && (upper[j] - p[j]) / step[j] == reach {
                    trial = upper[j]
                }
                pTrial[j] = trial
                step[j] = trial - p[j]
                stepNorm += step[j] * step[j]
                pNorm += p[j] * p[j]
            }
            // A truncated step is short because of the box, not because the fit converged.
            if !(reach < 1) && stepNorm.squareRoot() <= options.xtol * (pNorm.squareRoot() + options.xtol) {
                return endPhase(.convergedStep)
            }
            // Predicted decrease of the quadratic model: -(g.dp + dp.H.dp / 2).
            predicted = 0.0
            for j in 0..<np {
                var hs = 0.0
                for k in 0..<np { hs += (j <= k ? h[j * np + k] : h[k * np + j]) * step[k] }
                predicted -= step[j] * (g[j] + 0.5 * hs)
            }
            pendingIsTrial = true
            return true
        }
    }

    /// A phase stopped with `reason`. A Huber fit's least-squares phase hands over to the Huber phase (from
    /// the same point, a pass with the Huber objective first) unless the fit failed.
    private mutating func endPhase(_ reason: FitState) -> Bool {
        if huber && !huberActive && reason != .nonFinite && reason != .singular {
            huberActive = true
            ftol = options.ftol
            pendingIsTrial = false
            return true
        }
        state = reason
        return false
    }

    /// Solves (H + lambda diag(D')) step = -g on the free parameters by Cholesky (D' in step 2 of the type's
    /// comment); false if not positive definite.
    @inline(__always)
    private func solveDamped(_ lambda: Double, maxSized: Double, freeCount nf: Int) -> Bool {
        for u in 0..<nf {
            let j = freeIndex[u]
            for v in u..<nf {
                let k = freeIndex[v]
                a[u * nf + v] = h[j * np + k]  // j < k since freeIndex is increasing
            }
            a[u * nf + u] += lambda * max(scale[j], LMSpec.dampingFloor * maxSized / relativeSize[j])
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
}

/// Box bounds copied into buffers that outlive the worker's solvers.
final class BoundsBuffer: @unchecked Sendable {
    let lower: UnsafeMutablePointer<Double>
    let upper: UnsafeMutablePointer<Double>
    init(_ problem: FitProblem) {
        lower = .allocate(capacity: problem.parameterCount)
        upper = .allocate(capacity: problem.parameterCount)
        lower.initialize(from: problem.lower, count: problem.parameterCount)
        upper.initialize(from: problem.upper, count: problem.parameterCount)
    }
    deinit { lower.deallocate(); upper.deallocate() }
}

/// One fit at a time: `LMIteration` fed by a `PointPass`.
struct LevenbergMarquardt<Pass: PointPass> {
    let pass: Pass
    let bounds: BoundsBuffer
    var iteration: LMIteration

    init(pass: Pass, problem: FitProblem) {
        self.pass = pass
        bounds = BoundsBuffer(problem)
        iteration = LMIteration(problem: problem, lower: bounds.lower, upper: bounds.upper)
    }

    func deallocate() {
        iteration.deallocate()
        pass.deallocate()
    }

    /// Runs one fit from `start` with effective point weights `w`. Writes the final parameters to `out`.
    mutating func fit(start: UnsafePointer<Double>, weights w: UnsafePointer<Double>, out: UnsafeMutablePointer<Double>)
        -> (objective: Double, iterations: Int32, state: FitState)
    {
        iteration.begin(start: start)
        while true {
            let (f, ok) = pass.accumulate(iteration.pendingPoint, w, huberActive: iteration.huberActive,
                                          iteration.gTrial, iteration.hTrial)
            if !iteration.consume(f, ok: ok) { break }
        }
        for j in 0..<iteration.np { out[j] = iteration.p[j] }
        return (iteration.f, iteration.iterations, iteration.state)
    }
}
