/// Constants of gpufit's Levenberg-Marquardt spec (Sources/FitEngine/LevenbergMarquardt.swift says what
/// each step does). Every Swift implementation reads them from here, and the kernel gets them as defines
/// generated from here (`ProgramSource.sharedDefines`: PHASE1_FTOL, MAX_DAMPING, HUBER_LINEAR_CURVATURE).
public enum LMSpec {
    /// Objective tolerance of the least-squares phase that precedes a Huber fit.
    public static let phase1Ftol = 1e-2
    /// Damping above which no step can lower the objective.
    public static let maxDamping = 1e16
    /// Reweighting curvature kept for Huber's linear-zone residuals while fewer points than parameters are
    /// in the quadratic zone.
    public static let huberLinearCurvature = 0.5
}
