import FitModels
import FitEngine

/// One fit's outcome.
public struct FitOutcome: Sendable, Codable, Hashable {
    public var parameters: [Double]
    public var objective: Double
    public var iterations: Int
    public var state: FitState
    /// Which start of its replicate it came from.
    public var start: Int
}

/// How the starts of replicate 0 (the data as given) spread.
public struct StartsSpread: Sendable, Codable {
    public var starts: Int
    /// Starts whose objective <= best * (1 + tolerance).
    public var reachedBest: Int
    public var tolerance: Double
    /// Per state, the number of starts that ended in it (in `FitState` order; all states listed).
    public var states: [StateCount]
    /// Per parameter, the range among starts that reached the best.
    public var nearBestLow: [Double]
    public var nearBestHigh: [Double]
    /// Mean iterations per start.
    public var meanIterations: Double
    /// Objectives of the starts (all, or an evenly spaced subset of `landscapeLimit`), in start order.
    public var objectives: [Double]
}

public struct StateCount: Sendable, Codable, Hashable {
    public var state: FitState
    public var count: Int
}

/// Everything a sweep produces.
public struct SweepResult: Sendable {
    public var parameterNames: [String]
    /// The best fit on the data as given (replicate 0).
    public var best: FitOutcome
    public var spread: StartsSpread
    /// Replicate 0's fit from the given start (`SweepPlan.givenStart`), if one was given.
    public var givenStartOutcome: FitOutcome?
    /// The best fit of each bootstrap replicate, in replicate order (1...R).
    public var replicates: [FitOutcome]
    /// States of all fits, replicates included.
    public var allStates: [StateCount]
    public var totalFits: Int
    public var engineLabel: String
    public var seconds: Double

    /// Usable bootstrap replicates (their best fit is usable).
    public var usableReplicates: [FitOutcome] { replicates.filter { $0.state.isUsable } }

    /// Distribution over usable replicates of each parameter.
    public func parameterDistributions() -> [Distribution] {
        let usable = usableReplicates
        return parameterNames.indices.map { j in Distribution(usable.map { $0.parameters[j] }) }
    }

    /// Modes over usable replicates of each parameter (`Modes.detect`): one mode per parameter unless the
    /// replicates' best values fall into separate groups.
    public func parameterModes(rule: ModeRule = ModeRule()) -> [[Mode]] {
        let usable = usableReplicates
        return parameterNames.indices.map { j in Modes.detect(usable.map { $0.parameters[j] }, rule: rule) }
    }
}
