import Foundation
import Kernels

/// Step-1 loss law L = exp(a - alpha ln N) + exp(b - beta ln D) + E (kernels/model_loss_law.cl).
public struct LossLawModel: FitModel {
    public init() {}
    public let name = "loss-law"
    public let parameters = [
        ParameterSpec("a", lower: 0, start: StartRange(0, 15)),
        ParameterSpec("b", lower: 0, start: StartRange(0, 15)),
        ParameterSpec("alpha", lower: 0, start: StartRange(0, 1)),
        ParameterSpec("beta", lower: 0, start: StartRange(0, 1)),
        ParameterSpec("E", lower: 0, start: StartRange(0, 2)),
    ]
    public let variableNames = ["N", "D"]
    public let variableTransforms: [VariableTransform] = [.log, .log]
    public var openCLSource: String { KernelSource.lossLaw }

    /// The model's maths, written once for both CPU loops (`Double`: one fit; `Lanes`: sixteen).
    @inlinable @inline(__always)
    public static func formula<R: ModelReal>(_ p: UnsafePointer<R>, _ x: UnsafePointer<R>, _ dfdp: UnsafeMutablePointer<R>) -> R {
        let t1 = R.exponential(p[0] - p[2] * x[0])
        let t2 = R.exponential(p[1] - p[3] * x[1])
        dfdp[0] = t1
        dfdp[1] = t2
        dfdp[2] = -x[0] * t1
        dfdp[3] = -x[1] * t2
        dfdp[4] = R(constant: 1)
        return t1 + t2 + p[4]
    }

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        Self.formula(p, x, dfdp)
    }
}

extension LossLawModel: VectorizedFitModel {
    @inlinable public static var fixedParameterCount: Int { 5 }
    @inlinable public static var fixedVariableCount: Int { 2 }

    @inlinable @inline(__always)
    public func evaluateLanes(_ p: UnsafePointer<Lanes>, _ x: UnsafePointer<Lanes>, _ dfdp: UnsafeMutablePointer<Lanes>) -> Lanes {
        Self.formula(p, x, dfdp)
    }
}
