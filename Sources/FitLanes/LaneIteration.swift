import FitModels
import SolverCore

/// `LMIteration` (Sources/FitEngine/LevenbergMarquardt.swift) for sixteen fits at once, one per lane of
/// `Lanes`: the same steps in the same order with the same floating-point operations, so each lane ends bit
/// for bit where `LMIteration` ends for that fit given the same passes (LaneIterationTests hold the two together). Where `LMIteration` branches, every lane takes
/// its own branch through masks. A parameter held on its bound enters the solve as an identity row and
/// column with right-hand side 0: the Cholesky factor of the free part is then exactly the one of the
/// compacted free-set matrix (the extra terms are exact zeros), so no per-lane index lists are needed.
///
/// Per lane: `pendingIsTrial` says whether the next pass is at `pTrial` or at `p`; `consume` takes the pass
/// (F per lane, g and H in the pass's buffers) for the active lanes and returns the lanes whose fit stopped.
struct LaneIteration<Model: VectorizedFitModel> {
    /// A compile-time constant of the model, so that the loops of the solve unroll (see `LanePass.np`).
    @inline(__always) var np: Int { Model.fixedParameterCount }
    let huber: Bool
    let job: LaneJob
    let lower: UnsafeMutablePointer<Lanes>
    let upper: UnsafeMutablePointer<Lanes>
    let p: UnsafeMutablePointer<Lanes>
    let pTrial: UnsafeMutablePointer<Lanes>
    let g: UnsafeMutablePointer<Lanes>
    /// Upper triangle of np x np, row-major (like the pass's `hess`).
    let h: UnsafeMutablePointer<Lanes>
    let scale: UnsafeMutablePointer<Lanes>
    /// Squared relative size of each parameter at the phase start (`LMIteration.relativeSize`).
    let relativeSize: UnsafeMutablePointer<Lanes>
    let step: UnsafeMutablePointer<Lanes>
    let a: UnsafeMutablePointer<Lanes>
    let rhs: UnsafeMutablePointer<Lanes>
    let free: UnsafeMutablePointer<LaneMask>

    private(set) var f = Lanes(repeating: .nan)
    private(set) var iterations = Lanes()
    /// `FitState` raw value of each lane's outcome (valid once the lane stopped).
    private(set) var state = Lanes(repeating: Double(FitState.iterationLimit.rawValue))
    private(set) var huberActive = LaneMask(repeating: false)
    private(set) var pendingIsTrial = LaneMask(repeating: false)
    private var ftol = Lanes()
    private var lambda = Lanes()
    private var nu = Lanes(repeating: 2)
    private var predicted = Lanes()
    private var finished = LaneMask(repeating: false)

    init(job: LaneJob) {
        let np = Model.fixedParameterCount
        huber = job.huberDelta != nil
        self.job = job
        func vectors(_ count: Int) -> UnsafeMutablePointer<Lanes> {
            let b = UnsafeMutablePointer<Lanes>.allocate(capacity: count)
            b.initialize(repeating: Lanes(), count: count)
            return b
        }
        lower = vectors(np); upper = vectors(np)
        for j in 0..<np { lower[j] = Lanes(repeating: job.lower[j]); upper[j] = Lanes(repeating: job.upper[j]) }
        p = vectors(np); pTrial = vectors(np); g = vectors(np); h = vectors(np * np)
        scale = vectors(np); relativeSize = vectors(np); step = vectors(np); a = vectors(np * np); rhs = vectors(np)
        free = .allocate(capacity: np)
        free.initialize(repeating: LaneMask(repeating: true), count: np)
    }

    func deallocate() {
        for b in [lower, upper, p, pTrial, g, h, scale, relativeSize, step, a, rhs] { b.deallocate() }
        free.deallocate()
    }

    /// Starts a fit in `lane` at `start` (clamped into the box); a pass at `p` is due next for that lane.
    mutating func begin(lane: Int, start: UnsafePointer<Double>) {
        for j in 0..<np { p[j][lane] = min(max(start[j], lower[j][lane]), upper[j][lane]) }
        iterations[lane] = 0
        f[lane] = .nan
        state[lane] = Double(FitState.iterationLimit.rawValue)
        huberActive[lane] = false
        ftol[lane] = huber ? LMSpec.phase1Ftol : job.ftol
        pendingIsTrial[lane] = false
    }

    /// The point each lane's next pass must be run at.
    @inline(__always)
    func writePendingPoints(into params: UnsafeMutablePointer<Lanes>) {
        for j in 0..<np { params[j] = p[j].replacing(with: pTrial[j], where: pendingIsTrial) }
    }

    /// Takes a pass for the `active` lanes (F per lane in `fPass`, gradient and matrix in `gPass`/`hPass`,
    /// `ok` false where it was not finite). Returns the lanes whose fit stopped: their `f`, `iterations`,
    /// `state` and `p` hold the outcome. The other active lanes have their next pending point.
    @inline(__always)
    mutating func consume(_ fPass: Lanes, ok: LaneMask, active: LaneMask,
                          gPass: UnsafeMutablePointer<Lanes>, hPass: UnsafeMutablePointer<Lanes>) -> LaneMask {
        finished = LaneMask(repeating: false)
        var planning = LaneMask(repeating: false)
        let starting = active .& .!pendingIsTrial
        let trial = active .& pendingIsTrial
        if anyLane(starting) {
            // Start of a phase, with fresh damping and scaling.
            let failed = starting .& .!ok
            f.replace(with: .nan, where: failed)
            stop(failed, .nonFinite)
            let go = starting .& ok
            f.replace(with: fPass, where: go)
            for j in 0..<np {
                g[j].replace(with: gPass[j], where: go)
                for k in j..<np { h[j &* np &+ k].replace(with: hPass[j &* np &+ k], where: go) }
                scale[j].replace(with: h[j &* np &+ j], where: go)
            }
            var largest = Lanes()
            for j in 0..<np { largest = laneMax(largest, laneAbs(p[j])) }
            largest.replace(with: 1, where: .!(largest .> 0))
            for j in 0..<np {
                let r = laneAbs(p[j]) / largest + LMSpec.sizeFloor
                relativeSize[j].replace(with: r * r, where: go)
            }
            lambda.replace(with: job.initialDamping, where: go)
            nu.replace(with: 2, where: go)
            planning .|= go
        }
        if anyLane(trial) {
            iterations.replace(with: iterations + 1, where: trial)
            // 4. accept or reject.
            let accept = trial .& ok .& (predicted .> 0) .& (fPass .< f)
            let reject = trial .& .!accept
            let actual = f - fPass
            let rho = actual / predicted
            f.replace(with: fPass, where: accept)
            for j in 0..<np {
                p[j].replace(with: pTrial[j], where: accept)
                g[j].replace(with: gPass[j], where: accept)
                for k in j..<np { h[j &* np &+ k].replace(with: hPass[j &* np &+ k], where: accept) }
            }
            let t = 2 * rho - 1
            lambda.replace(with: lambda * laneMax(Lanes(repeating: 1.0 / 3.0), 1 - t * t * t), where: accept)
            nu.replace(with: 2, where: accept)
            let objectiveDone = accept .& (actual .<= ftol * f)
            lambda.replace(with: lambda * nu, where: reject)
            nu.replace(with: nu * 2, where: reject)
            // No damping finds a lower objective: the fit sits at a minimum to rounding.
            let dampingDone = reject .& .!(lambda .<= LMSpec.maxDamping)
            endPhase(objectiveDone, .convergedObjective)
            endPhase(dampingDone, .convergedStep)
            planning .|= trial .& .!objectiveDone .& .!dampingDone
        }
        planTrial(planning)
        return finished
    }

    /// Steps 1-3 for the `planning` lanes: the next trial point, or the end of the phase. A lane whose
    /// factorisation fails raises its damping and goes round again without a pass, as in `LMIteration`.
    /// Long on purpose: it reads block for block beside `LMIteration`'s steps 1-3 (and lm.cl's), which the
    /// bit-for-bit agreement tests hold together; split, the correspondence would be hard to check by eye.
    @inline(__always)
    private mutating func planTrial(_ lanes: LaneMask) {
        var planning = lanes
        let zero = Lanes()
        while anyLane(planning) {
            // 1. free set and the gradient test.
            var maxScale = zero, maxSized = zero
            for j in 0..<np {
                scale[j].replace(with: laneMax(scale[j], h[j &* np &+ j]), where: planning)
                maxScale = laneMax(maxScale, scale[j])
                maxSized = laneMax(maxSized, scale[j] * relativeSize[j])
            }
            let scaleFloor = LMSpec.gradientFloor * laneMax(maxScale, Lanes(repeating: 1e-300))
            let twoF = 2 * f
            var gradientSmall = LaneMask(repeating: true)
            for j in 0..<np {
                let held = ((p[j] .<= lower[j]) .& (g[j] .> 0)) .| ((p[j] .>= upper[j]) .& (g[j] .< 0))
                free[j] = .!held
                let absG = laneAbs(g[j])
                let bound = job.gtol * (twoF * laneMax(scale[j], scaleFloor)).squareRoot()
                gradientSmall .&= .!(free[j] .& (absG .> bound))
            }
            let gradientDone = planning .& gradientSmall
            endPhase(gradientDone, .convergedGradient)
            planning .&= .!gradientDone
            let capDone = planning .& (iterations .>= Double(job.maxIterations))
            endPhase(capDone, .iterationLimit)
            planning .&= .!capDone
            if !anyLane(planning) { break }
            // 2. damped step on the free set; a matrix that is not positive definite raises the damping.
            for u in 0..<np {
                for v in u..<np {
                    let both = free[u] .& free[v]
                    a[u &* np &+ v] = h[u &* np &+ v].replacing(with: u == v ? 1 : 0, where: .!both)
                }
                a[u &* np &+ u].replace(with: a[u &* np &+ u] + lambda * laneMax(scale[u], LMSpec.dampingFloor * maxSized / relativeSize[u]),
                                           where: free[u])
                rhs[u] = (-g[u]).replacing(with: 0, where: .!free[u])
            }
            // Cholesky A = L L^T, L in the lower triangle of a (read upper, write lower).
            var failed = LaneMask(repeating: false)
            for u in 0..<np {
                for v in 0...u {
                    var s = a[v &* np &+ u]
                    for k in 0..<v { s -= a[u &* np &+ k] * a[v &* np &+ k] }
                    if u == v {
                        failed .|= .!(s .> 0)
                        a[u &* np &+ u] = s.squareRoot()
                    } else {
                        a[u &* np &+ v] = s / a[v &* np &+ v]
                    }
                }
            }
            for u in 0..<np {
                var s = rhs[u]
                for k in 0..<u { s -= a[u &* np &+ k] * rhs[k] }
                rhs[u] = s / a[u &* np &+ u]
            }
            for u in stride(from: np - 1, through: 0, by: -1) {
                var s = rhs[u]
                for k in (u + 1)..<max(u + 1, np) { s -= a[k &* np &+ u] * rhs[k] }
                rhs[u] = s / a[u &* np &+ u]
            }
            let solveFailed = planning .& failed
            lambda.replace(with: lambda * nu, where: solveFailed)
            nu.replace(with: nu * 2, where: solveFailed)
            let singular = solveFailed .& .!(lambda .<= LMSpec.maxDamping)
            endPhase(singular, .singular)
            let solved = planning .& .!failed
            // 3. the step truncated to the box, the trial point and the actual step.
            var reach = Lanes(repeating: 1)
            for j in 0..<np {
                var dp = rhs[j].replacing(with: 0, where: .!free[j])
                let outward = ((p[j] .<= lower[j]) .& (dp .< 0)) .| ((p[j] .>= upper[j]) .& (dp .> 0))
                dp.replace(with: 0, where: outward)
                rhs[j] = dp
                let q = p[j] + dp
                let below = q .< lower[j], above = .!below .& (q .> upper[j])
                reach.replace(with: laneMin(reach, (lower[j] - p[j]) / dp), where: below)
                reach.replace(with: laneMin(reach, (upper[j] - p[j]) / dp), where: above)
            }
            var stepNorm = zero, pNorm = zero
            for j in 0..<np {
                let dp = rhs[j], q = p[j] + dp
                var trialJ = laneMin(laneMax(p[j] + reach * dp, lower[j]), upper[j])
                let below = q .< lower[j], above = .!below .& (q .> upper[j])
                trialJ.replace(with: lower[j], where: below .& ((lower[j] - p[j]) / dp .== reach))
                trialJ.replace(with: upper[j], where: above .& ((upper[j] - p[j]) / dp .== reach))
                pTrial[j].replace(with: trialJ, where: solved)
                step[j] = pTrial[j] - p[j]
                stepNorm += step[j] * step[j]
                pNorm += p[j] * p[j]
            }
            let stepDone = solved .& .!(reach .< 1) .& (stepNorm.squareRoot() .<= job.xtol * (pNorm.squareRoot() + job.xtol))
            endPhase(stepDone, .convergedStep)
            let ready = solved .& .!stepDone
            // Predicted decrease of the quadratic model: -(g.dp + dp.H.dp / 2).
            var pred = zero
            for j in 0..<np {
                var hs = zero
                for k in 0..<np { hs += (j <= k ? h[j &* np &+ k] : h[k &* np &+ j]) * step[k] }
                pred -= step[j] * (g[j] + 0.5 * hs)
            }
            predicted.replace(with: pred, where: ready)
            pendingIsTrial.replace(with: true, where: ready)
            planning = solveFailed .& .!singular
        }
    }

    /// The phase of the `lanes` stopped with `reason` (see `LMIteration.endPhase`).
    @inline(__always)
    private mutating func endPhase(_ lanes: LaneMask, _ reason: FitState) {
        guard anyLane(lanes) else { return }
        var stopping = lanes
        if huber && reason != .nonFinite && reason != .singular {
            let toHuber = lanes .& .!huberActive
            huberActive .|= toHuber
            ftol.replace(with: job.ftol, where: toHuber)
            pendingIsTrial.replace(with: false, where: toHuber)
            stopping .&= .!toHuber
        }
        stop(stopping, reason)
    }

    @inline(__always)
    private mutating func stop(_ lanes: LaneMask, _ reason: FitState) {
        state.replace(with: Double(reason.rawValue), where: lanes)
        finished .|= lanes
    }
}

/// Swift's `max(x, y)` lane by lane, NaN and signed zeros included: y >= x ? y : x.
@inline(__always) func laneMax(_ x: Lanes, _ y: Lanes) -> Lanes { x.replacing(with: y, where: y .>= x) }
/// Swift's `abs(x)` lane by lane (for the finite values it is used on).
@inline(__always) func laneAbs(_ x: Lanes) -> Lanes { x.replacing(with: -x, where: x .< 0) }
/// Swift's `min(x, y)` lane by lane: y < x ? y : x.
@inline(__always) func laneMin(_ x: Lanes, _ y: Lanes) -> Lanes { x.replacing(with: y, where: y .< x) }
