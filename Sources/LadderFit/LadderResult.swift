import FitModels
import FitEngine
import FitSweep
import Foundation

/// One step's fit for one task: the best of the starts, how the starts spread, the fit from the published
/// start for comparison, and the bootstrap distribution of each parameter.
public struct StepFit: Sendable, Codable {
    public var model: String
    public var parameterNames: [String]
    public var parameters: [Double]
    /// Sum of Huber (step 1, single step) or sum of squares (step 2) at the best fit.
    public var objective: Double
    public var state: FitState
    public var iterations: Int
    /// Mean relative error |pred - obs| / obs over the fitted points (ideal point excluded).
    public var fitError: Double
    public var points: Int
    public var starts: Int
    /// Starts whose objective came within `nearBestTolerance` (relative) of the best.
    public var startsReachedBest: Int
    public var nearBestTolerance: Double
    public var startStates: [StateCount]
    /// Range of each parameter among the starts that reached the best.
    public var nearBestLow: [Double]
    public var nearBestHigh: [Double]
    /// The published single-start fit, when multi-start ran with it as start 0.
    public var publishedStart: PublishedStartFit?
    /// Per parameter over usable bootstrap replicates (empty without bootstrap).
    public var bootstrap: [Distribution]
    public var usableReplicates: Int
    /// Best parameters of each usable bootstrap replicate, in replicate order (empty without bootstrap): the
    /// joint sets, for pointwise bands of the fitted curve (the parameters are correlated).
    public var replicateParameters: [[Double]]
    /// Objectives of the starts of the original data (a subset when there are many), for the landscape plot.
    public var startObjectives: [Double]
}

/// The fit from the paper's single start point, next to the multi-start best.
public struct PublishedStartFit: Sendable, Codable {
    public var parameters: [Double]
    public var objective: Double
    public var state: FitState
    /// (published - best) / published: how much lower multi-start went (0 when it found the same minimum).
    public var objectiveImprovement: Double
}

/// One task's prediction of one target.
public struct TargetPrediction: Sendable, Codable {
    public var target: String
    /// Actual intermediate (task loss) of the target, if known.
    public var actualX: Double?
    /// Step 1's prediction of the intermediate at the target's (N, D).
    public var predictedX: Double?
    public var predictedXBootstrap: Distribution?
    public var actualAccuracy: Double?
    /// Step 2 alone, evaluated at the actual intermediate.
    public var step2OnlyAccuracy: Double?
    /// The two-step prediction (or the single-step law's).
    public var predictedAccuracy: Double
    public var predictedAccuracyBootstrap: Distribution?
    /// The chained prediction from the published start points (when multi-start ran with them).
    public var publishedStartAccuracy: Double?
    /// (predicted - actual) x 100: accuracy points.
    public var errorPoints: Double? { actualAccuracy.map { (predictedAccuracy - $0) * 100 } }
    public var relativeLossError: Double? {
        guard let a = actualX, let p = predictedX else { return nil }
        return (p - a) / a
    }
}

public struct TaskResult: Sendable, Codable {
    public var task: String
    public var step1: StepFit?
    public var step2: StepFit?
    public var singleStep: StepFit?
    public var predictions: [TargetPrediction]
}

/// What produced a result, so a report can be reproduced from itself.
public struct LadderRunInfo: Sendable, Codable {
    public var source: String
    public var runs: [String]
    public var targets: [String]
    public var method: LadderMethod
    public var starts: Int
    public var bootstrap: Int
    public var seed: UInt64
    public var paper: Bool
    public var engine: String
    public var version: String
    public var fits: Int
    public var seconds: Double
}

public struct LadderResult: Sendable, Codable {
    public var info: LadderRunInfo
    public var tasks: [TaskResult]
}
