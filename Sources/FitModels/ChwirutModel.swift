import Foundation
import Kernels

/// NIST StRD Chwirut1 and Chwirut2: y = exp(-b1 x) / (b2 + b3 x) (kernels/model_chwirut.cl).
public struct ChwirutModel: FitModel {
    public init() {}
    public let name = "chwirut"
    public let parameters = [
        ParameterSpec("b1", start: StartRange(0.01, 1, logUniform: true)),
        ParameterSpec("b2", start: StartRange(1e-4, 0.1, logUniform: true)),
        ParameterSpec("b3", start: StartRange(1e-3, 0.1, logUniform: true)),
    ]
    public let variableNames = ["x"]
    public let variableTransforms: [VariableTransform] = [.identity]
    public var openCLSource: String { KernelSource.chwirut }

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        let e = exp(-p[0] * x[0])
        let d = p[1] + p[2] * x[0]
        let f = e / d
        dfdp[0] = -x[0] * f
        dfdp[1] = -f / d
        dfdp[2] = -x[0] * f / d
        return f
    }
}
