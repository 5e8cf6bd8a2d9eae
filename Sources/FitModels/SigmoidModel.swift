import Foundation
import Kernels

/// Sigmoid Acc = a / (1 + exp(-k (x - x0))) + b (kernels/model_sigmoid.cl). Unbounded by default; the
/// ladder's step 2 bounds it (a in [-1, 0], x0 >= 0, k >= 0, b in [0, 1]).
///
/// Mirror image: since s(-z) = 1 - s(z) for s(z) = 1 / (1 + exp(-z)), (a, x0, k, b) and (-a, x0, -k, b + a)
/// give the same curve; the canonical form has k >= 0.
public struct SigmoidModel: FitModel {
    public init() {}
    public let name = "sigmoid"
    public let parameters = [
        ParameterSpec("a", start: StartRange(-1, 0)),
        ParameterSpec("x0", start: StartRange(0.2, 1.5)),
        ParameterSpec("k", start: StartRange(0.5, 20)),
        ParameterSpec("b", start: StartRange(0.5, 1)),
    ]
    public let variableNames = ["x"]
    public let variableTransforms: [VariableTransform] = [.identity]
    public var openCLSource: String { KernelSource.sigmoid }

    /// The model's maths, written once for both CPU loops (`Double`: one fit; `Lanes`: sixteen).
    @inlinable @inline(__always)
    public static func formula<R: ModelReal>(_ p: UnsafePointer<R>, _ x: UnsafePointer<R>, _ dfdp: UnsafeMutablePointer<R>) -> R {
        let one = R(constant: 1)
        let d = x[0] - p[1]
        let s = one / (one + R.exponential(-p[2] * d))
        let ds = p[0] * s * (one - s)
        dfdp[0] = s
        dfdp[1] = -p[2] * ds
        dfdp[2] = d * ds
        dfdp[3] = one
        return p[0] * s + p[3]
    }

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        Self.formula(p, x, dfdp)
    }

    public var hasCanonicalForm: Bool { true }

    /// Maps k < 0 to k > 0 by (a, x0, k, b) -> (-a, x0, -k, b + a) when the mapped point is within the bounds.
    public func canonicalize(_ p: inout [Double], lower: [Double], upper: [Double]) {
        guard p.count == 4, lower.count == 4, upper.count == 4, p[2] < 0 else { return }
        let mapped = [-p[0], p[1], -p[2], p[3] + p[0]]
        for j in 0..<4 where !(mapped[j] >= lower[j] && mapped[j] <= upper[j]) { return }
        p = mapped
    }
}

extension SigmoidModel: VectorizedFitModel {
    @inlinable public static var fixedParameterCount: Int { 4 }
    @inlinable public static var fixedVariableCount: Int { 1 }

    @inlinable @inline(__always)
    public func evaluateLanes(_ p: UnsafePointer<Lanes>, _ x: UnsafePointer<Lanes>, _ dfdp: UnsafeMutablePointer<Lanes>) -> Lanes {
        Self.formula(p, x, dfdp)
    }
}
