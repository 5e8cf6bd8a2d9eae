import FitModels
import Foundation

/// Eight fits side by side, one per lane of a `Lanes` vector: every step of the point loop serves all eight,
/// each lane with its own parameters, weights and objective (least squares or Huber). Each lane's iteration
/// is its own `LMIteration`, the same code the one-fit-at-a-time loop runs; a lane whose fit stops takes the
/// next fit at once, so lanes never wait for each other. A fit's result depends only on its start and
/// weights, never on which lane or which neighbours it ran with.
///
/// Why lanes hold fits and not points: the ladder's problems are small (16 points on step 1), so a vector
/// across points is mostly padding, horizontal sums and per-fit set-up; across fits every operation of
/// the pass (model, exp, log, Huber, the normal matrix) is vector work, whatever the point count.
struct LanePass<Model: VectorizedFitModel> {
    let model: Model
    let np: Int, nv: Int, n: Int
    let logResiduals: Bool
    let delta: Double
    /// Transformed points, point-major (the problem's x), and observations.
    let x: UnsafeMutablePointer<Double>
    let y: UnsafeMutablePointer<Double>
    /// Inputs per lane: parameters (np vectors) and point weights (n vectors, 0 in a lane that leaves the point out).
    let params: UnsafeMutablePointer<Lanes>
    let weights: UnsafeMutablePointer<Lanes>
    /// Outputs per lane: gradient (np) and normal matrix (upper triangle of np x np, row-major).
    let grad: UnsafeMutablePointer<Lanes>
    let hess: UnsafeMutablePointer<Lanes>
    // Scratch: the point broadcast to all lanes, df/dp, and Huber's linear-zone matrix.
    let xLane: UnsafeMutablePointer<Lanes>
    let dfdp: UnsafeMutablePointer<Lanes>
    let hessLinear: UnsafeMutablePointer<Lanes>

    init(model: Model, problem: FitProblem) {
        self.model = model
        np = problem.parameterCount
        nv = problem.variableCount
        n = problem.pointCount
        logResiduals = problem.residualSpace == .log
        if case .huber(let d) = problem.loss { delta = d } else { delta = .infinity }
        x = .allocate(capacity: n * nv)
        x.initialize(from: problem.x, count: n * nv)
        y = .allocate(capacity: n)
        y.initialize(from: problem.y, count: n)
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

    func deallocate() {
        for b in [params, weights, grad, hess, hessLinear, xLane, dfdp] { b.deallocate() }
        x.deallocate(); y.deallocate()
    }

    /// F of each lane, with g and H in `grad` and `hess`, at `params`; a lane is not ok when a model value
    /// (log residuals: a value <= 0) or its objective or gradient is not finite. `huber`: the lanes whose
    /// phase uses the Huber objective (the others treat every residual as quadratic). The sums run over the
    /// points in order, as `ScalarPass` does for one fit.
    @inline(__always)
    func accumulate(huber: LaneMask) -> (f: Lanes, ok: LaneMask) {
        let zero = Lanes()
        for j in 0..<np { grad[j] = zero }
        for j in 0..<np { for k in j..<np { hess[j &* np &+ k] = zero; hessLinear[j &* np &+ k] = zero } }
        let anyHuber = anyLane(huber)
        var f = zero
        var quadratic = zero
        var bad = LaneMask(repeating: false)
        for i in 0..<n {
            let wi = weights[i]
            let used = wi .!= 0
            if !anyLane(used) { continue }
            for v in 0..<nv { xLane[v] = Lanes(repeating: x[i &* nv &+ v]) }
            var value = model.evaluate8(params, xLane, dfdp)
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
            let c = Lanes(repeating: huberLinearCurvature).replacing(with: 0, where: .!huber .| (quadratic .>= Double(np)))
            for j in 0..<np { for k in j..<np { hess[j &* np &+ k] += c * hessLinear[j &* np &+ k] } }
        }
        return (f, finite .& .!bad)
    }
}

/// How the lane engine runs the LM iteration of its eight lanes: as one `LaneIteration` on vectors (the
/// default), or as eight scalar `LMIteration`s fed from the same pass (kept to test that the two agree bit for
/// bit).
enum LaneLogic: Sendable { case vector, scalarPerLane }

/// Hands out the fits of a batch in blocks, for workers that refill lanes one fit at a time.
struct FitFeed {
    let nextBlock: AtomicCounter
    let blockSize: Int
    let fits: Int
    var next = 0, end = 0, exhausted = false

    /// The next fit for this worker, or nil when the batch is used up.
    mutating func take() -> Int? {
        if exhausted { return nil }
        if next == end {
            let begin = nextBlock.next() * blockSize
            if begin >= fits { exhausted = true; return nil }
            next = begin
            end = min(begin + blockSize, fits)
        }
        next += 1
        return next - 1
    }
}

extension CPUEngine {
    /// Writes lane `lane`'s effective weights for weight set `set` (-1: the problem's weights).
    static func setLaneWeights(_ weights: UnsafeMutablePointer<Lanes>, lane: Int, set: Int32, problem: FitProblem, weightSets: WeightSets?) {
        for i in 0..<problem.pointCount {
            let group = Int(problem.groups[i])
            let m = set < 0 || group < 0 ? 1.0 : weightSets!.multiplicity[Int(set) * problem.groupCount + group]
            weights[i][lane] = problem.weights[i] * m
        }
    }

    /// The lane engine's worker loop with the iteration on vectors: takes fits from `feed` and keeps eight
    /// lanes busy.
    static func runLaneVectors<Model: VectorizedFitModel>(
        model: Model, problem: FitProblem, starts: UnsafePointer<Double>, weightSets: WeightSets?,
        feed: inout FitFeed, out: UnsafeOutput
    ) {
        let np = problem.parameterCount
        let pass = LanePass(model: model, problem: problem)
        var lm = LaneIteration(problem: problem)
        defer { lm.deallocate(); pass.deallocate() }
        var laneFit = [Int](repeating: -1, count: 8)
        var laneSet = [Int32](repeating: -2, count: 8)
        var active = LaneMask(repeating: false)
        while true {
            for lane in 0..<8 where laneFit[lane] < 0 {
                guard let fit = feed.take() else { break }
                let set = weightSets?.setOfFit[fit] ?? -1
                if set != laneSet[lane] {
                    laneSet[lane] = set
                    setLaneWeights(pass.weights, lane: lane, set: set, problem: problem, weightSets: weightSets)
                }
                lm.begin(lane: lane, start: starts + fit * np)
                laneFit[lane] = fit
                active[lane] = true
            }
            if !anyLane(active) { break }
            lm.writePendingPoints(into: pass.params)
            let (f, ok) = pass.accumulate(huber: active .& lm.huberActive)
            let stopped = lm.consume(f, ok: ok, active: active, gPass: pass.grad, hPass: pass.hess)
            guard anyLane(stopped) else { continue }
            for lane in 0..<8 where stopped[lane] {
                let fit = laneFit[lane]
                let state = FitState(rawValue: Int32(lm.state[lane]))!
                for j in 0..<np { out.parameters[fit * np + j] = lm.p[j][lane] }
                out.objective[fit] = state.isUsable ? problem.reportedObjective(internal: lm.f[lane]) : .nan
                out.iterations[fit] = Int32(lm.iterations[lane])
                out.states[fit] = state
                laneFit[lane] = -1
                active[lane] = false
            }
        }
    }

    /// The lane engine's worker loop with eight scalar `LMIteration`s (see `LaneLogic`).
    static func runLanes<Model: VectorizedFitModel>(
        model: Model, problem: FitProblem, starts: UnsafePointer<Double>, weightSets: WeightSets?,
        feed: inout FitFeed, out: UnsafeOutput
    ) {
        let np = problem.parameterCount
        let pass = LanePass(model: model, problem: problem)
        let bounds = BoundsBuffer(problem)
        let slots = UnsafeMutablePointer<LMIteration>.allocate(capacity: 8)
        for lane in 0..<8 { (slots + lane).initialize(to: LMIteration(problem: problem, lower: bounds.lower, upper: bounds.upper)) }
        defer {
            for lane in 0..<8 { slots[lane].deallocate() }
            slots.deinitialize(count: 8); slots.deallocate()
            pass.deallocate()
        }
        var laneFit = [Int](repeating: -1, count: 8)
        var laneSet = [Int32](repeating: -2, count: 8)
        while true {
            // Empty lanes take the next fits.
            var firstActive = -1
            for lane in 0..<8 {
                if laneFit[lane] < 0, let fit = feed.take() {
                    let set = weightSets?.setOfFit[fit] ?? -1
                    if set != laneSet[lane] {
                        laneSet[lane] = set
                        setLaneWeights(pass.weights, lane: lane, set: set, problem: problem, weightSets: weightSets)
                    }
                    slots[lane].begin(start: starts + fit * np)
                    laneFit[lane] = fit
                }
                if laneFit[lane] >= 0 && firstActive < 0 { firstActive = lane }
            }
            if firstActive < 0 { break }
            // Each lane's pending point; an idle lane repeats an active one's (its result is not used).
            var huber = LaneMask(repeating: false)
            for lane in 0..<8 {
                let source = laneFit[lane] >= 0 ? lane : firstActive
                let point = slots[source].pendingPoint
                for j in 0..<np { pass.params[j][lane] = point[j] }
                huber[lane] = laneFit[lane] >= 0 && slots[lane].huberActive
            }
            let (f, ok) = pass.accumulate(huber: huber)
            for lane in 0..<8 where laneFit[lane] >= 0 {
                let slot = slots + lane
                let gTrial = slot.pointee.gTrial, hTrial = slot.pointee.hTrial
                for j in 0..<np {
                    gTrial[j] = pass.grad[j][lane]
                    for k in j..<np { hTrial[j * np + k] = pass.hess[j * np + k][lane] }
                }
                if !slot.pointee.consume(f[lane], ok: ok[lane]) {
                    let fit = laneFit[lane]
                    let state = slot.pointee.state
                    for j in 0..<np { out.parameters[fit * np + j] = slot.pointee.p[j] }
                    out.objective[fit] = state.isUsable ? problem.reportedObjective(internal: slot.pointee.f) : .nan
                    out.iterations[fit] = slot.pointee.iterations
                    out.states[fit] = state
                    laneFit[lane] = -1
                }
            }
        }
    }
}
