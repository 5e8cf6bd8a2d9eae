import Foundation
import Kernels

/// NIST StRD Misra1a: y = b1 (1 - exp(-b2 x)) (kernels/model_misra1a.cl).
public struct Misra1aModel: FitModel {
    public init() {}
    public let name = "misra1a"
    public let parameters = [
        ParameterSpec("b1", start: StartRange(10, 1000, logUniform: true)),
        ParameterSpec("b2", start: StartRange(1e-5, 1e-2, logUniform: true)),
    ]
    public let variableNames = ["x"]
    public let variableTransforms: [VariableTransform] = [.identity]
    public var openCLSource: String { KernelSource.misra1a }

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        let e = exp(-p[1] * x[0])
        dfdp[0] = 1 - e
        dfdp[1] = p[0] * x[0] * e
        return p[0] * (1 - e)
    }
}
