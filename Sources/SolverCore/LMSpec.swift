/// Constants of gpufit's Levenberg-Marquardt spec (Sources/FitEngine/LevenbergMarquardt.swift says what
/// each step does). Every Swift implementation reads them from here, and the kernel gets them as defines
/// generated from here (`ProgramSource.sharedDefines`: PHASE1_FTOL, MAX_DAMPING, HUBER_LINEAR_CURVATURE,
/// DAMPING_FLOOR, SIZE_FLOOR, GRADIENT_FLOOR).
public enum LMSpec {
    /// Objective tolerance of the least-squares phase that precedes a Huber fit.
    public static let phase1Ftol = 1e-2
    /// Damping above which no step can lower the objective.
    public static let maxDamping = 1e16
    /// Floor of the damping's scale, in relative units: the damping term of parameter j is at least
    /// lambda dampingFloor max_k(D_k r_k^2) / r_j^2, where r_j = |p_j| / max_k |p_k| + `sizeFloor` is the size of
    /// p_j at the start of the phase relative to the largest. Moré's scaling alone (D_j = max H_jj) lets a
    /// parameter of little curvature take huge steps (B1: alpha runs off to 10^3 and the N term vanishes); a
    /// floor relative to max D alone (Nielsen's identity) freezes the parameters of small size when others are
    /// tiny (NIST Nelson: b2 ~ 1e-9). Measured in bench/RESULTS.md ("Every start counts").
    public static let dampingFloor = 1e-3
    /// Smallest relative size r_j of a parameter (so one at 0 still has a floor), relative to the largest |p_k|.
    public static let sizeFloor = 1e-3
    /// Floor of D in the gradient test, relative to the largest D (keeps the test defined).
    public static let gradientFloor = 1e-12
    /// Reweighting curvature kept for Huber's linear-zone residuals while fewer points than parameters are
    /// in the quadratic zone.
    public static let huberLinearCurvature = 0.5
}
