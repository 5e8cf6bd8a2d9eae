import Foundation
import Kernels

/// Compute law L = exp(a - alpha ln F) + E with F = D x FLOPs per token (kernels/model_compute_law.cl).
public struct ComputeLawModel: FitModel {
    public init() {}
    public let name = "compute-law"
    public let parameters = [
        ParameterSpec("a", lower: 0, start: StartRange(0, 15)),
        ParameterSpec("alpha", lower: 0, upper: 1, start: StartRange(0, 1)),
        ParameterSpec("E", lower: 0, start: StartRange(0, 2)),
    ]
    public let variableNames = ["F"]
    public let variableTransforms: [VariableTransform] = [.log]
    public var openCLSource: String { KernelSource.computeLaw }

    /// The model's maths, written once for both CPU loops (`Double`: one fit; `Lanes`: sixteen).
    @inlinable @inline(__always)
    public static func formula<R: ModelReal>(_ p: UnsafePointer<R>, _ x: UnsafePointer<R>, _ dfdp: UnsafeMutablePointer<R>) -> R {
        let t = R.exponential(p[0] - p[1] * x[0])
        dfdp[0] = t
        dfdp[1] = -x[0] * t
        dfdp[2] = R(constant: 1)
        return t + p[2]
    }

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        Self.formula(p, x, dfdp)
    }
}

extension ComputeLawModel: VectorizedFitModel {
    @inlinable public static var fixedParameterCount: Int { 3 }
    @inlinable public static var fixedVariableCount: Int { 1 }

    @inlinable @inline(__always)
    public func evaluateLanes(_ p: UnsafePointer<Lanes>, _ x: UnsafePointer<Lanes>, _ dfdp: UnsafeMutablePointer<Lanes>) -> Lanes {
        Self.formula(p, x, dfdp)
    }
}
