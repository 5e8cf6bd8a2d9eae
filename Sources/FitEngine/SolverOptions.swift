/// Tolerances and limits of the Levenberg-Marquardt iteration (kernels/lm.cl and LevenbergMarquardt.swift).
/// Each test is stated with its exact inequality on `FitState`.
public struct SolverOptions: Sendable, Hashable, Codable {
    /// Relative objective decrease below which an accepted step ends the fit (`FitState.convergedObjective`).
    public var ftol: Double = 1e-14
    /// Relative step length below which the fit ends (`FitState.convergedStep`).
    public var xtol: Double = 1e-12
    /// Scaled gradient below which the fit ends (`FitState.convergedGradient`).
    public var gtol: Double = 1e-12
    /// Trial steps (each one pass over the points) before `FitState.iterationLimit`.
    public var maxIterations: Int = 200
    /// Initial damping relative to the scaled normal matrix (Marquardt's lambda_0; set anew in each phase).
    public var initialDamping: Double = 1e-3

    public init() {}

    /// Throws a one-line error naming the field and its allowed range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ value: Any, _ rule: String) throws {
            if !ok { throw FitError.invalidOption("\(field) = \(value); must be \(rule)") }
        }
        try check(ftol >= 0 && ftol < 1, "ftol", ftol, "in [0, 1)")
        try check(xtol >= 0 && xtol < 1, "xtol", xtol, "in [0, 1)")
        try check(gtol >= 0 && gtol < 1, "gtol", gtol, "in [0, 1)")
        try check(maxIterations >= 1 && maxIterations <= 1_000_000, "maxIterations", maxIterations, "in 1...1000000")
        try check(initialDamping > 0 && initialDamping.isFinite, "initialDamping", initialDamping, "> 0")
    }
}

/// The loss applied to each residual r.
public enum Loss: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Objective sum w r^2 (the residual sum of squares).
    case leastSquares
    /// Objective sum w Huber_delta(r), Huber_d(r) = r^2/2 for |r| <= d, d(|r| - d/2) otherwise.
    case huber(delta: Double)

    public var description: String {
        switch self {
        case .leastSquares: return "lsq"
        case .huber(let d): return "huber:\(d)"
        }
    }

    /// Huber's delta, nil for least squares.
    @inlinable public var huberDelta: Double? {
        if case .huber(let d) = self { return d }
        return nil
    }

    /// Parses `lsq` or `huber:DELTA`.
    public init?(parsing text: String) {
        let t = text.lowercased()
        if t == "lsq" || t == "least-squares" { self = .leastSquares; return }
        if t.hasPrefix("huber:"), let d = Double(t.dropFirst(6)), d > 0, d.isFinite { self = .huber(delta: d); return }
        return nil
    }
}

/// Where residuals are taken: r = f - y, or r = ln f - ln y (needs f > 0 and y > 0).
public enum ResidualSpace: String, Sendable, Hashable, Codable {
    case linear
    case log
}

/// Floating-point precision of a computation.
public enum Precision: String, Sendable, Hashable, Codable, CaseIterable {
    case fp64
    case fp32
}
