import CSVReading
import FitEngine
import Foundation

/// In which order the ladder-budget sweep adds runs.
public enum BudgetOrder: String, Sendable, Codable, CaseIterable {
    /// Cheapest first: N x D of the final checkpoint.
    case compute
    /// Smallest model first, then fewest tokens.
    case size
    /// Smallest token multiplier (D / N) first, then smallest model.
    case multiplier
}

/// The ladder-budget variant: refit on growing subsets of the runs and watch each target's error change.
public struct BudgetSweep: Sendable, Codable {
    public struct Step: Sendable, Codable {
        /// Runs used, in order.
        public var runs: [String]
        /// Share of the full ladder's training compute (sum of N x D) these runs cost.
        public var computeShare: Double
        /// Per task, per target: predicted accuracy and error in points (nil without an actual value).
        public var predictions: [String: [String: TargetPrediction]]
        /// Per target: mean |error| in points over the tasks with an actual value.
        public var meanAbsoluteErrorPoints: [String: Double]
    }

    public var order: BudgetOrder
    public var steps: [Step]

    public static func orderedRuns(_ runs: [LadderRun], by order: BudgetOrder) -> [LadderRun] {
        runs.sorted { a, b in
            switch order {
            case .compute: return a.n * a.finalTokens < b.n * b.finalTokens
            case .size: return (a.n, a.finalTokens) < (b.n, b.finalTokens)
            case .multiplier: return (a.finalTokens / a.n, a.n) < (b.finalTokens / b.n, b.n)
            }
        }
    }

    /// Fits every prefix of the ordered runs with at least one more run than step 1 has parameters.
    /// No bootstrap (the point is the trend); multi-start as in `settings`.
    public static func run(ladder: Ladder, method: LadderMethod, settings: LadderSettings, engine: any FitEngine,
                           order: BudgetOrder) throws -> BudgetSweep {
        let ordered = orderedRuns(ladder.runs, by: order)
        let minimum = (method.singleStep ? method.singleStepModel : method.step1Model).parameterCount + 1
        guard ordered.count >= minimum else {
            throw InputError("the budget sweep needs at least \(minimum) runs; the ladder has \(ordered.count)")
        }
        let total = ordered.reduce(0) { $0 + $1.n * $1.finalTokens }
        var quiet = settings
        quiet.bootstrap = 0
        var steps = [Step]()
        for k in minimum...ordered.count {
            var sub = ladder
            sub.runs = Array(ordered.prefix(k))
            let result = try LadderFitter(ladder: sub, method: method, settings: quiet, engine: engine).run()
            var predictions = [String: [String: TargetPrediction]]()
            var errors = [String: [Double]]()
            for task in result.tasks {
                for p in task.predictions {
                    predictions[task.task, default: [:]][p.target] = p
                    if let e = p.errorPoints { errors[p.target, default: []].append(abs(e)) }
                }
            }
            steps.append(Step(runs: sub.runs.map(\.name), computeShare: sub.runs.reduce(0) { $0 + $1.n * $1.finalTokens } / total,
                              predictions: predictions,
                              meanAbsoluteErrorPoints: errors.mapValues { $0.reduce(0, +) / Double($0.count) }))
        }
        return BudgetSweep(order: order, steps: steps)
    }
}
