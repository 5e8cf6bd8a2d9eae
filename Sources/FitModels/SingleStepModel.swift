import Foundation
import Kernels

/// Single-step law Acc = p5 / (1 + exp(-(exp(a - alpha ln N) + exp(b - beta ln D) + E))) + p6
/// (kernels/model_single_step.cl). Bounds a, b, alpha, beta >= 0, E free, p5 in [-1, 0], p6 in [0, 1].
public struct SingleStepModel: FitModel {
    public init() {}
    public let name = "single-step"
    public let parameters = [
        ParameterSpec("a", lower: 0, start: StartRange(0, 15)),
        ParameterSpec("b", lower: 0, start: StartRange(0, 15)),
        ParameterSpec("alpha", lower: 0, start: StartRange(0, 1)),
        ParameterSpec("beta", lower: 0, start: StartRange(0, 1)),
        ParameterSpec("E", start: StartRange(-2, 2)),
        ParameterSpec("p5", lower: -1, upper: 0, start: StartRange(-1, 0)),
        ParameterSpec("p6", lower: 0, upper: 1, start: StartRange(0.5, 1)),
    ]
    public let variableNames = ["N", "D"]
    public let variableTransforms: [VariableTransform] = [.log, .log]
    public var openCLSource: String { KernelSource.singleStep }

    /// The model's maths, written once for both CPU loops (`Double`: one fit; `Lanes`: sixteen).
    @inlinable @inline(__always)
    public static func formula<R: ModelReal>(_ p: UnsafePointer<R>, _ x: UnsafePointer<R>, _ dfdp: UnsafeMutablePointer<R>) -> R {
        let one = R(constant: 1)
        let t1 = R.exponential(p[0] - p[2] * x[0])
        let t2 = R.exponential(p[1] - p[3] * x[1])
        let u = t1 + t2 + p[4]
        let s = one / (one + R.exponential(-u))
        let du = p[5] * s * (one - s)
        dfdp[0] = du * t1
        dfdp[1] = du * t2
        dfdp[2] = -du * x[0] * t1
        dfdp[3] = -du * x[1] * t2
        dfdp[4] = du
        dfdp[5] = s
        dfdp[6] = one
        return p[5] * s + p[6]
    }

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        Self.formula(p, x, dfdp)
    }
}

extension SingleStepModel: VectorizedFitModel {
    @inlinable public static var fixedParameterCount: Int { 7 }
    @inlinable public static var fixedVariableCount: Int { 2 }

    @inlinable @inline(__always)
    public func evaluateLanes(_ p: UnsafePointer<Lanes>, _ x: UnsafePointer<Lanes>, _ dfdp: UnsafeMutablePointer<Lanes>) -> Lanes {
        Self.formula(p, x, dfdp)
    }
}
