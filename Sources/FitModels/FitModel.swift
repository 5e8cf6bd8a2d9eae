import Foundation

/// A model y = f(x; p) with an analytic gradient in p, implemented once in Swift (CPU engine) and once in
/// OpenCL C (kernel engine). The two must compute the same function; `EngineAgreementTests` holds them together.
///
/// The OpenCL source defines exactly one function,
///
///     REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp);
///
/// which returns f and writes df/dp_j into dfdp[0..<NPARAMS]. `x` holds the point's variables after
/// `variableTransforms` were applied on the host (so a law in ln N is fed ln N once, not N every iteration).
public protocol FitModel: Sendable {
    /// Stable name: used by `--model`, in outputs and in the program cache key.
    var name: String { get }
    /// Parameters in the order of p, with default bounds and default start ranges.
    var parameters: [ParameterSpec] { get }
    /// Names of the independent variables, in the order of x (before transforms).
    var variableNames: [String] { get }
    /// Transform applied once on the host to each variable before fitting (same order as `variableNames`).
    var variableTransforms: [VariableTransform] { get }
    /// OpenCL C source defining `model_eval` (see above).
    var openCLSource: String { get }
    /// f(x; p), writing df/dp into `dfdp`. `x` is already transformed.
    func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double
    /// Whether `canonicalize` picks one of several parameter sets that give the same curve (default false).
    var hasCanonicalForm: Bool { get }
    /// Replaces `p` by the canonical one of the parameter sets giving the same curve, when that one lies within
    /// [lower, upper]; otherwise leaves `p` as it is. The model's values, hence the objective, do not change.
    /// Default: no change. The sweep applies it to every best fit before any statistics.
    func canonicalize(_ p: inout [Double], lower: [Double], upper: [Double])
}

extension FitModel {
    public var hasCanonicalForm: Bool { false }
    public func canonicalize(_ p: inout [Double], lower: [Double], upper: [Double]) {}
}

extension FitModel {
    public var parameterCount: Int { parameters.count }
    public var variableCount: Int { variableNames.count }
    public var parameterNames: [String] { parameters.map(\.name) }

    /// f at one point without the gradient (allocates; for reporting and predictions, not hot loops).
    public func value(parameters p: [Double], at x: [Double]) -> Double {
        precondition(p.count == parameterCount && x.count == variableCount)
        let tx = zip(x, variableTransforms).map { $1.apply($0) }
        var grad = [Double](repeating: 0, count: parameterCount)
        return p.withUnsafeBufferPointer { pp in
            tx.withUnsafeBufferPointer { xp in
                grad.withUnsafeMutableBufferPointer { gp in evaluate(pp.baseAddress!, xp.baseAddress!, gp.baseAddress!) }
            }
        }
    }
}

/// One parameter: its name, default box bounds and the default range start points are drawn from.
public struct ParameterSpec: Sendable, Hashable, Codable {
    public var name: String
    /// Default lower bound (-infinity: none).
    public var lower: Double
    /// Default upper bound (+infinity: none).
    public var upper: Double
    /// Default range for random start points.
    public var startRange: StartRange

    public init(_ name: String, lower: Double = -.infinity, upper: Double = .infinity, start: StartRange) {
        self.name = name
        self.lower = lower
        self.upper = upper
        self.startRange = start
    }
}

/// Where random start points of one parameter are drawn from.
public struct StartRange: Sendable, Hashable, Codable {
    public var low: Double
    public var high: Double
    /// Log-uniform (for scale parameters spanning decades; needs 0 < low <= high, or low <= high < 0 for a
    /// negative scale, drawn log-uniform in magnitude with the sign kept) instead of uniform.
    public var logUniform: Bool

    public init(_ low: Double, _ high: Double, logUniform: Bool = false) {
        self.low = low
        self.high = high
        self.logUniform = logUniform
    }

    /// Whether a log-uniform range is usable: both ends non-zero and of one sign.
    public var isValidLogRange: Bool { (low > 0 && high >= low) || (high < 0 && low <= high) }

    /// Random starts around a given value: log-uniform over a decade each side with its sign kept, or
    /// uniform over [-1, 1] for zero (the rule `gpufit fit` applies when --start is given).
    public static func around(_ value: Double) -> StartRange {
        if value == 0 { return StartRange(-1, 1) }
        let m = abs(value)
        return value > 0 ? StartRange(m / 10, m * 10, logUniform: true) : StartRange(-m * 10, -m / 10, logUniform: true)
    }

    /// How a range reads in summaries: "[0, 15]" or "[1e-05, 0.01] log-uniform".
    public var summary: String {
        func f(_ v: Double) -> String { String(format: "%g", v) }
        return "[\(f(low)), \(f(high))]\(logUniform ? " log-uniform" : "")"
    }

    /// Maps u in [0, 1) to a value in the range.
    @inlinable public func value(at u: Double) -> Double {
        if logUniform {
            if high < 0 {
                let l = log(-high), h = log(-low)
                return -exp(l + (h - l) * u)
            }
            let l = log(low), h = log(high)
            return exp(l + (h - l) * u)
        }
        return low + (high - low) * u
    }
}

/// A transform applied to an independent variable once, on the host, before fitting.
public enum VariableTransform: String, Sendable, Codable {
    case identity
    /// Natural log (the variable must be > 0).
    case log

    public func apply(_ v: Double) -> Double {
        switch self {
        case .identity: return v
        case .log: return Foundation.log(v)
        }
    }
}
