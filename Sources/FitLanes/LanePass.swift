import FitModels
import SolverCore

/// Sixteen fits side by side, one per lane of a `Lanes` vector: every step of the point loop serves them all,
/// each lane with its own parameters, weights and objective (least squares or Huber). Each lane's iteration
/// is its own `LMIteration`, the same code the one-fit-at-a-time loop runs; a lane whose fit stops takes the
/// next fit at once, so lanes never wait for each other. A fit's result depends only on its start and
/// weights, never on which lane or which neighbours it ran with.
///
/// Why lanes hold fits and not points: the ladder's problems are small (16 points on step 1), so a vector
/// across points is mostly padding, horizontal sums and per-fit set-up; across fits every operation of
/// the pass (model, exp, log, Huber, the normal matrix) is vector work, whatever the point count.
public struct LanePass<Model: VectorizedFitModel> {
    let model: Model
    /// Parameter and variable counts as compile-time constants of the model, so that the specialised loops
    /// over them unroll (with counts read at run time the loops over the normal matrix's upper triangle,
    /// 10 or 15 entries, were a third of the pass in branches and remainders).
    @inline(__always) var np: Int { Model.fixedParameterCount }
    @inline(__always) var nv: Int { Model.fixedVariableCount }
    let n: Int
    let logResiduals: Bool
    let delta: Double
    /// Transformed points, point-major (the problem's x), and observations.
    let x: UnsafeMutablePointer<Double>
    let y: UnsafeMutablePointer<Double>
    /// Inputs per lane: parameters (np vectors) and point weights (n vectors, 0 in a lane that leaves the point out).
    public let params: UnsafeMutablePointer<Lanes>
    public let weights: UnsafeMutablePointer<Lanes>
    /// Outputs per lane: gradient (np) and normal matrix (upper triangle of np x np, row-major).
    public let grad: UnsafeMutablePointer<Lanes>
    public let hess: UnsafeMutablePointer<Lanes>
    // Scratch: the point broadcast to all lanes, df/dp, and Huber's linear-zone matrix.
    let xLane: UnsafeMutablePointer<Lanes>
    let dfdp: UnsafeMutablePointer<Lanes>
    let hessLinear: UnsafeMutablePointer<Lanes>

    public init(model: Model, job: LaneJob) {
        self.model = model
        precondition(job.parameterCount == Model.fixedParameterCount && job.variableCount == Model.fixedVariableCount)
        let np = Model.fixedParameterCount, nv = Model.fixedVariableCount, n = job.pointCount
        self.n = n
        logResiduals = job.logResiduals
        delta = job.huberDelta ?? .infinity
        x = .allocate(capacity: n * nv)
        x.initialize(from: job.x, count: n * nv)
        y = .allocate(capacity: n)
        y.initialize(from: job.y, count: n)
        params = .allocate(capacity: np)
        params.initialize(repeating: Lanes(), count: np)
        weights = .allocate(capacity: n)
        weights.initialize(repeating: Lanes(), count: n)
        grad = .allocate(capacity: np)
        hess = .allocate(capacity: np * np)
        hessLinear = .allocate(capacity: np * np)
        hess.initialize(repeating: Lanes(), count: np * np)
        hessLinear.initialize(repeating: Lanes(), count: np * np)
        xLane = .allocate(capacity: nv)
        dfdp = .allocate(capacity: np)
    }

    public func deallocate() {
        for b in [params, weights, grad, hess, hessLinear, xLane, dfdp] { b.deallocate() }
        x.deallocate(); y.deallocate()
    }

    /// F of each lane, with g and H in `grad` and `hess`, at `params`; a lane is not ok when a model value
    /// (log residuals: a value <= 0) or its objective or gradient is not finite. `huber`: the lanes whose
    /// phase uses the Huber objective (the others treat every residual as quadratic). The sums run over the
    /// points in order, as `ScalarPass` does for one fit. Long on purpose: one loop over the points, kept
    /// whole so the compiler keeps its accumulators in registers and a reader can set it beside ScalarPass.
    @inline(__always)
    public func accumulate(huber: LaneMask) -> (f: Lanes, ok: LaneMask) {
        let zero = Lanes()
        for j in 0..<np { grad[j] = zero }
        let anyHuber = anyLane(huber)
        for j in 0..<np {
            for k in j..<np {
                hess[j &* np &+ k] = zero
                if anyHuber { hessLinear[j &* np &+ k] = zero }  // only read when some lane is Huber
            }
        }
        var f = zero
        var quadratic = zero
        var bad = LaneMask(repeating: false)
        for i in 0..<n {
            let wi = weights[i]
            let used = wi .!= 0
            if !anyLane(used) { continue }
            for v in 0..<nv { xLane[v] = Lanes(repeating: x[i &* nv &+ v]) }
            var value = model.evaluateLanes(params, xLane, dfdp)
            if logResiduals {
                // r = ln f - ln y; dr/dp = (df/dp) / f. Needs f > 0 where the point counts.
                let positive = value .> 0
                if !allLanes(positive) {
                    bad .|= used .& .!positive
                    value.replace(with: 1, where: .!positive)
                }
                let inv = 1 / value
                for j in 0..<np { dfdp[j] *= inv }
                value = vlog(value)
            }
            var r = value - y[i]
            // Lanes that leave the point out contribute exactly zero, whatever the model gives there.
            if !allLanes(used) {
                r.replace(with: 0, where: .!used)
                for j in 0..<np { dfdp[j].replace(with: 0, where: .!used) }
            }
            var rho = 0.5 * r * r
            var psi = r
            var wq = wi, wl = zero
            if anyHuber {
                let ar = r.replacing(with: -r, where: r .< 0)
                let linear = huber .& (ar .> delta)
                quadratic += Lanes(repeating: 1).replacing(with: 0, where: linear .| .!used)
                rho.replace(with: delta * (ar - 0.5 * delta), where: linear)
                psi.replace(with: Lanes(repeating: delta).replacing(with: -delta, where: r .< 0), where: linear)
                wq.replace(with: 0, where: linear)
                wl = (wi * (delta / ar)).replacing(with: 0, where: .!linear)
            }
            f += wi * rho
            let ws = wi * psi
            for j in 0..<np {
                let dj = dfdp[j]
                grad[j] += ws * dj
                let tq = wq * dj
                for k in j..<np { hess[j &* np &+ k] += tq * dfdp[k] }
                if anyHuber {
                    let tl = wl * dj
                    for k in j..<np { hessLinear[j &* np &+ k] += tl * dfdp[k] }
                }
            }
        }
        var finite = (f - f) .== 0
        for j in 0..<np { finite .&= (grad[j] - grad[j]) .== 0 }
        if anyHuber {
            // Reweighting's curvature in the linear zone while fewer points than parameters are quadratic.
            let c = Lanes(repeating: LMSpec.huberLinearCurvature).replacing(with: 0, where: .!huber .| (quadratic .>= Double(np)))
            for j in 0..<np { for k in j..<np { hess[j &* np &+ k] += c * hessLinear[j &* np &+ k] } }
        }
        return (f, finite .& .!bad)
    }

    /// Sets lane `lane`'s point weights to those of weight set `set` (-1: the base weights).
    public func setWeights(lane: Int, set: Int32, job: LaneJob) {
        for i in 0..<n { weights[i][lane] = job.weight(point: i, set: set) }
    }
}
