import Foundation
import Kernels

// The built-in models. Each `evaluate` mirrors, line for line, the OpenCL C file named in its comment;
// EngineAgreementTests run both on random points and parameters.

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

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        let t1 = exp(p[0] - p[2] * x[0])
        let t2 = exp(p[1] - p[3] * x[1])
        dfdp[0] = t1
        dfdp[1] = t2
        dfdp[2] = -x[0] * t1
        dfdp[3] = -x[1] * t2
        dfdp[4] = 1
        return t1 + t2 + p[4]
    }
}

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

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        let t = exp(p[0] - p[1] * x[0])
        dfdp[0] = t
        dfdp[1] = -x[0] * t
        dfdp[2] = 1
        return t + p[2]
    }
}

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

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        let d = x[0] - p[1]
        let s = 1 / (1 + exp(-p[2] * d))
        let ds = p[0] * s * (1 - s)
        dfdp[0] = s
        dfdp[1] = -p[2] * ds
        dfdp[2] = d * ds
        dfdp[3] = 1
        return p[0] * s + p[3]
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

    @inlinable
    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        let t1 = exp(p[0] - p[2] * x[0])
        let t2 = exp(p[1] - p[3] * x[1])
        let u = t1 + t2 + p[4]
        let s = 1 / (1 + exp(-u))
        let du = p[5] * s * (1 - s)
        dfdp[0] = du * t1
        dfdp[1] = du * t2
        dfdp[2] = -du * x[0] * t1
        dfdp[3] = -du * x[1] * t2
        dfdp[4] = du
        dfdp[5] = s
        dfdp[6] = 1
        return p[5] * s + p[6]
    }
}

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

/// The models available by name (`--model NAME`).
public enum BuiltinModels {
    public static let all: [any FitModel] = [
        LossLawModel(), ComputeLawModel(), SigmoidModel(), LogSigmoidModel(), SingleStepModel(),
        Misra1aModel(), ChwirutModel(),
    ]

    public static func named(_ name: String) -> (any FitModel)? {
        all.first { $0.name == name.lowercased() }
    }
}
