/// How one fit ended. A closed, stable table: the kernel gets the same numbers as generated defines
/// (ProgramSource.sharedDefines) and they are never renumbered. Usable fits (finite objective, parameters inside the bounds) are the converged states
/// and `iterationLimit`; `singular` and `nonFinite` carry no usable parameters.
public enum FitState: Int32, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// An accepted step lowered the objective by at most `ftol` relative: F_old - F_new <= ftol * F_new.
    case convergedObjective = 1
    /// The step was tiny, ||dp|| <= xtol * (||p|| + xtol), or no damping up to 1e16 found a lower objective.
    case convergedStep = 2
    /// The scaled projected gradient vanished: |g_j| <= gtol * sqrt(2 F D_j) for every free parameter
    /// (the cosine of the angle between the residuals and each Jacobian column, as in MINPACK).
    case convergedGradient = 3
    /// `maxIterations` trial steps were taken without meeting a convergence test.
    case iterationLimit = 4
    /// The damped normal equations could not be factorised even with damping 1e16.
    case singular = 5
    /// The model or the objective was not finite at the start point (or log residuals met f <= 0 there).
    case nonFinite = 6

    /// Whether the fit's parameters and objective are meaningful.
    public var isUsable: Bool {
        switch self {
        case .convergedObjective, .convergedStep, .convergedGradient, .iterationLimit: return true
        case .singular, .nonFinite: return false
        }
    }

    public var isConverged: Bool { self == .convergedObjective || self == .convergedStep || self == .convergedGradient }

    /// The short name used in tables, JSON and on the command line.
    public var description: String {
        switch self {
        case .convergedObjective: return "converged-objective"
        case .convergedStep: return "converged-step"
        case .convergedGradient: return "converged-gradient"
        case .iterationLimit: return "iteration-limit"
        case .singular: return "singular"
        case .nonFinite: return "non-finite"
        }
    }
}
