import FitModels
import Foundation

/// Reweighting curvature kept for Huber's linear-zone residuals while fewer points than parameters are in
/// the quadratic zone (see LevenbergMarquardt; HUBER_LINEAR_CURVATURE in kernels/lm.cl).
let huberLinearCurvature = 0.5

/// One pass over the points: the objective F, its gradient g and the normal matrix H (upper triangle) at
/// given parameters. Two implementations of the same sums: `ScalarPass` (any model, the kernel's order) and
/// `VectorPass` (eight points per step, for models with `evaluate8`); they differ only in rounding.
protocol PointPass {
    /// Length the per-fit weight buffer must have (points, padded to whole vectors for `VectorPass`).
    var weightCount: Int { get }
    /// F, g and H at `params`; false when a model value or the objective is not finite.
    /// `huberActive` false: every residual is treated as quadratic (least squares, or Huber's phase 1).
    func accumulate(_ params: UnsafePointer<Double>, _ w: UnsafePointer<Double>, huberActive: Bool,
                    _ grad: UnsafeMutablePointer<Double>, _ hess: UnsafeMutablePointer<Double>) -> (Double, Bool)
    func deallocate()
}

/// The point loop one point at a time, in the same order as kernels/lm.cl.
struct ScalarPass<Model: FitModel>: PointPass {
    let model: Model
    let np: Int, nv: Int, n: Int
    let x: UnsafePointer<Double>
    let y: UnsafePointer<Double>
    let logResiduals: Bool
    let delta: Double
    let dfdp: UnsafeMutablePointer<Double>
    let hessLinear: UnsafeMutablePointer<Double>

    init(model: Model, problem: FitProblem, x: UnsafePointer<Double>, y: UnsafePointer<Double>) {
        self.model = model
        np = problem.parameterCount
        nv = problem.variableCount
        n = problem.pointCount
        self.x = x
        self.y = y
        logResiduals = problem.residualSpace == .log
        if case .huber(let d) = problem.loss { delta = d } else { delta = .infinity }
        dfdp = .allocate(capacity: np)
        hessLinear = .allocate(capacity: np * np)
    }

    var weightCount: Int { n }

    func deallocate() {
        dfdp.deallocate()
        hessLinear.deallocate()
    }

    /// F, g and H (upper triangle) at `params`; false when a model value or the objective is not finite.
    /// `huberActive` false: every residual is treated as quadratic (least squares, or Huber's phase 1).
    @inline(__always)
    func accumulate(_ params: UnsafePointer<Double>, _ w: UnsafePointer<Double>, huberActive: Bool,
                    _ grad: UnsafeMutablePointer<Double>, _ hess: UnsafeMutablePointer<Double>) -> (Double, Bool) {
        for j in 0..<np { grad[j] = 0 }
        for j in 0..<(np * np) { hess[j] = 0; hessLinear[j] = 0 }
        var f = 0.0
        var quadratic = 0
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
            let ar = abs(r)
            if !huberActive || ar <= delta {
                quadratic += 1
                f += wi * (0.5 * r * r)
                let ws = wi * r
                for j in 0..<np {
                    let dj = dfdp[j]
                    grad[j] += ws * dj
                    let t = wi * dj
                    for k in j..<np { hess[j * np + k] += t * dfdp[k] }
                }
            } else {
                f += wi * (delta * (ar - 0.5 * delta))
                let ws = wi * (r > 0 ? delta : -delta), wc = wi * (delta / ar)
                for j in 0..<np {
                    let dj = dfdp[j]
                    grad[j] += ws * dj
                    let t = wc * dj
                    for k in j..<np { hessLinear[j * np + k] += t * dfdp[k] }
                }
            }
        }
        if huberActive {
            let c = quadratic >= np ? 0.0 : huberLinearCurvature
            for j in 0..<(np * np) { hess[j] += c * hessLinear[j] }
        }
        if !f.isFinite { return (f, false) }
        for j in 0..<np where !grad[j].isFinite { return (f, false) }
        return (f, true)
    }
}

/// The point loop eight points at a time (`VectorizedFitModel.evaluate8`, vector exp and log). Same sums as
/// `ScalarPass`, added in another order; lanes with weight 0 (padding, points a bootstrap replicate left
/// out) contribute nothing, whatever the model gives there.
struct VectorPass<Model: VectorizedFitModel>: PointPass {
    let model: Model
    let np: Int, nv: Int, blocks: Int
    let logResiduals: Bool
    let delta: Double
    /// x of block b, variable v at xBlocks[b * nv + v]; y of block b at yBlocks[b]. Padding repeats the last point.
    let xBlocks: UnsafeMutablePointer<Lanes>
    let yBlocks: UnsafeMutablePointer<Lanes>
    let dfdp: UnsafeMutablePointer<Lanes>
    let grad8: UnsafeMutablePointer<Lanes>
    let hessQ: UnsafeMutablePointer<Lanes>
    let hessL: UnsafeMutablePointer<Lanes>

    init(model: Model, problem: FitProblem) {
        self.model = model
        np = problem.parameterCount
        nv = problem.variableCount
        let n = problem.pointCount
        blocks = (n + 7) / 8
        logResiduals = problem.residualSpace == .log
        if case .huber(let d) = problem.loss { delta = d } else { delta = .infinity }
        xBlocks = .allocate(capacity: blocks * nv)
        yBlocks = .allocate(capacity: blocks)
        for b in 0..<blocks {
            for lane in 0..<8 {
                let i = min(b * 8 + lane, n - 1)
                for v in 0..<nv { xBlocks[b * nv + v][lane] = problem.x[i * nv + v] }
                yBlocks[b][lane] = problem.y[i]
            }
        }
        dfdp = .allocate(capacity: np)
        grad8 = .allocate(capacity: np)
        hessQ = .allocate(capacity: np * np)
        hessL = .allocate(capacity: np * np)
    }

    var weightCount: Int { blocks * 8 }

    func deallocate() {
        xBlocks.deallocate(); yBlocks.deallocate(); dfdp.deallocate(); grad8.deallocate()
        hessQ.deallocate(); hessL.deallocate()
    }

    @inline(__always)
    func accumulate(_ params: UnsafePointer<Double>, _ w: UnsafePointer<Double>, huberActive: Bool,
                    _ grad: UnsafeMutablePointer<Double>, _ hess: UnsafeMutablePointer<Double>) -> (Double, Bool) {
        let zero = Lanes()
        for j in 0..<np { grad8[j] = zero }
        for j in 0..<(np * np) { hessQ[j] = zero; hessL[j] = zero }
        var f8 = zero
        var quadratic = 0
        let weightBytes = UnsafeRawPointer(w)
        for b in 0..<blocks {
            let wi = weightBytes.loadUnaligned(fromByteOffset: b &* 64, as: Lanes.self)
            let used = wi .!= 0
            if !any(used) { continue }
            let allUsed = all(used)
            var value = model.evaluate8(params, xBlocks + b * nv, dfdp)
            if logResiduals {
                // r = ln f - ln y; dr/dp = (df/dp) / f. Needs f > 0 where the point counts.
                if any(used .& .!(value .> 0)) { return (.nan, false) }
                if !allUsed { value.replace(with: 1, where: .!used) }
                let inv = 1 / value
                for j in 0..<np { dfdp[j] *= inv }
                value = vlog(value)
            }
            var r = value - yBlocks[b]
            // Unused lanes contribute exactly zero, even where the model is not finite there.
            if !allUsed {
                r.replace(with: 0, where: .!used)
                for j in 0..<np { dfdp[j].replace(with: 0, where: .!used) }
            }
            var rho = 0.5 * r * r
            var psi = r
            var wq = wi, wl = Lanes()
            if huberActive {
                let ar = r.replacing(with: -r, where: r .< 0)
                let quad = ar .<= delta
                let lin = .!quad
                for lane in 0..<8 where quad[lane] && used[lane] { quadratic &+= 1 }
                rho.replace(with: delta * (ar - 0.5 * delta), where: lin)
                psi.replace(with: Lanes(repeating: delta).replacing(with: -delta, where: r .< 0), where: lin)
                wq.replace(with: 0, where: lin)
                var curvature = delta / ar
                curvature.replace(with: 0, where: quad)
                wl = wi * curvature
            } else {
                quadratic &+= 8
            }
            f8 += wi * rho
            let ws = wi * psi
            for j in 0..<np {
                let dj = dfdp[j]
                grad8[j] += ws * dj
                let tq = wq * dj
                for k in j..<np { hessQ[j &* np &+ k] += tq * dfdp[k] }
                if huberActive {
                    let tl = wl * dj
                    for k in j..<np { hessL[j &* np &+ k] += tl * dfdp[k] }
                }
            }
        }
        let c = huberActive && quadratic < np ? huberLinearCurvature : 0
        for j in 0..<np {
            grad[j] = grad8[j].sum()
            for k in j..<np { hess[j * np + k] = hessQ[j * np + k].sum() + c * hessL[j * np + k].sum() }
        }
        let f = f8.sum()
        if !f.isFinite { return (f, false) }
        for j in 0..<np where !grad[j].isFinite { return (f, false) }
        return (f, true)
    }
}
