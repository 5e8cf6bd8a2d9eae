import FitModels
import Foundation
import SolverCore

/// One pass over the points for one fit: the objective F, its gradient g and the normal matrix H (upper
/// triangle) at given parameters. `ScalarPass` (any model, the kernel's order) is the one implementation;
/// `LanePass` (module FitLanes) computes the same sums in the same order for sixteen fits at once (one per lane).
protocol PointPass {
    /// Length the per-fit weight buffer must have.
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
        delta = problem.loss.huberDelta ?? .infinity
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
            let c = quadratic >= np ? 0.0 : LMSpec.huberLinearCurvature
            for j in 0..<(np * np) { hess[j] += c * hessLinear[j] }
        }
        if !f.isFinite { return (f, false) }
        for j in 0..<np where !grad[j].isFinite { return (f, false) }
        return (f, true)
    }
}
