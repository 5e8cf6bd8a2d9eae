import FitEngine
import FitSweep

/// One sweep of the ladder job: a task's step 1, step 2 or single step, with what its fit error compares
/// against. The job is a fixed list of these (`LadderFitter.sweeps()`), so a shard's parts line up with it.
public struct LadderSweep: Sendable {
    public enum Step: String, Sendable, Codable { case step1, step2, singleStep }

    /// The task (for the c4 intermediate's shared step 1: the first task).
    public let task: String
    public let step: Step
    public let problem: FitProblem
    public let plan: SweepPlan
    /// Raw observations of the fitted points the fit error is taken over (step 2: the ideal point left out).
    public let observed: [Double]
}
