import Foundation
import Kernels

/// TaskCE step 2: Acc = (-a) ln(1 - 1/(1 + exp(-k (x - x0)))) + 1 = a softplus(k (x - x0)) + 1
/// (kernels/model_log_sigmoid.cl). Bounds a <= 0, x0 >= 0, k >= 0.
///
/// No mirror image to canonicalize: softplus(-z) = softplus(z) - z, so flipping the sign of k adds a term linear
/// in x that no other parameter can absorb, and the default bounds (a <= 0, k >= 0) fix the signs anyway.
/// (Nor do the other built-in models have two parameter sets for one curve: their exponentials are positive,
/// so no sign flip of a parameter can be undone by another.)
public struct LogSigmoidModel: FitModel {
    public init() {}
    public let name = "log-sigmoid"
    public let parameters = [
        ParameterSpec("a", upper: 0, start: StartRange(-1, 0)),
        ParameterSpec("x0", lower: 0, start: StartRange(0, 2)),
        ParameterSpec("k", lower: 0, start: StartRange(0.5, 20)),
    ]
    public let variableNames = ["x"]
    public let variableTransforms: [VariableTransform] = [.identity]
    public var openCLSource: String { KernelSource.logSigmoid }

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        let d = x[0] - p[1]
        let z = p[2] * d
        let sp = max(z, 0) + log1p(exp(-abs(z)))
        let s = 1 / (1 + exp(-z))
        dfdp[0] = sp
        dfdp[1] = -p[0] * s * p[2]
        dfdp[2] = p[0] * s * d
        return p[0] * sp + 1
    }
}
