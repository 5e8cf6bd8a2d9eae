import CSVReading
import FitSweep
import Foundation

/// Variance compared across tasks from three sources side by side: checkpoint-to-checkpoint noise of one
/// run (the paper's measure), the bootstrap spread of each task's prediction, and how the multi-start fits
/// spread; with the correlation of each measure with the prediction error where actual values are known.
public struct VarianceReport: Sendable, Codable {
    public struct Row: Sendable, Codable {
        public var task: String
        public var lossSD: Double
        public var lossCV: Double
        public var accuracySD: Double
        public var accuracyCV: Double
        /// Per target: bootstrap SD of the predicted accuracy (nil without bootstrap or fits).
        public var predictionSD: [String: Double]
        /// Share of starts that reached the best objective, step 1 and step 2 (nil without fits).
        public var step1ReachedBest: Double?
        public var step2ReachedBest: Double?
        /// Per target: |error| in accuracy points (where the actual value is known).
        public var absoluteErrorPoints: [String: Double]
    }

    public struct Correlation: Sendable, Codable {
        public var measure: String
        public var target: String
        public var spearman: Double
        public var pearson: Double
        public var tasks: Int
    }

    /// The run whose last checkpoints give the noise measures, and how many.
    public var run: String
    public var lastCheckpoints: Int
    /// Sorted by accuracy CV, noisiest first.
    public var rows: [Row]
    public var correlations: [Correlation]

    /// Checkpoint noise of every task present in `run` (population SD and CV over its last n rows, on raw
    /// unsmoothed values), joined with the fits' measures from `result` when given.
    public static func analyse(ladder: Ladder, runName: String? = nil, lastCheckpoints n: Int = 10,
                               result: LadderResult? = nil) throws -> VarianceReport {
        let runs = ladder.runs + ladder.targets.compactMap(\.run)
        let run: LadderRun
        if let runName {
            guard let r = runs.first(where: { $0.name == runName }) else {
                throw InputError("no run '\(runName)' for the variance analysis; runs are \(runs.map(\.name).joined(separator: ", "))")
            }
            run = r
        } else {
            guard let r = ladder.largestRun else { throw InputError("\(ladder.source): no ladder runs") }
            run = r
        }
        guard n >= 2 else { throw InputError("--last \(n): the variance needs at least 2 checkpoints") }
        guard run.checkpointCount >= n else {
            throw InputError("run '\(run.name)' has \(run.checkpointCount) checkpoints; --last \(n) needs at least that many")
        }
        let taskNames = ladder.tasks + run.tasks.keys.filter { !ladder.tasks.contains($0) }.sorted()
        var rows = [Row]()
        for task in taskNames {
            guard let series = run.tasks[task] else { continue }
            let loss = series.loss.suffix(n).compactMap { $0 }, acc = series.accuracy.suffix(n).compactMap { $0 }
            guard loss.count == n, acc.count == n else { continue }
            let (lm, ls) = populationMeanSD(loss), (am, asd) = populationMeanSD(acc)
            var row = Row(task: task, lossSD: ls, lossCV: ls / lm, accuracySD: asd, accuracyCV: asd / am, predictionSD: [:],
                          step1ReachedBest: nil, step2ReachedBest: nil, absoluteErrorPoints: [:])
            if let fitted = result?.tasks.first(where: { $0.task == task }) {
                for p in fitted.predictions {
                    if let sd = p.predictedAccuracyBootstrap?.sd { row.predictionSD[p.target] = sd }
                    if let e = p.errorPoints { row.absoluteErrorPoints[p.target] = abs(e) }
                }
                let first = fitted.step1 ?? fitted.singleStep
                row.step1ReachedBest = first.map { Double($0.startsReachedBest) / Double($0.starts) }
                row.step2ReachedBest = fitted.step2.map { Double($0.startsReachedBest) / Double($0.starts) }
            }
            rows.append(row)
        }
        rows.sort { $0.accuracyCV > $1.accuracyCV }

        var correlations = [Correlation]()
        let targets = Set(rows.flatMap { $0.absoluteErrorPoints.keys }).sorted()
        let measures: [(String, (Row) -> Double?)] = [
            ("loss CV", { $0.lossCV }), ("accuracy CV", { $0.accuracyCV }), ("loss SD", { $0.lossSD }), ("accuracy SD", { $0.accuracySD }),
        ]
        for target in targets {
            var all = measures
            all.append(("bootstrap SD", { $0.predictionSD[target] }))
            all.append(("step-1 starts reaching best", { $0.step1ReachedBest }))
            for (name, measure) in all {
                let pairs = rows.compactMap { r -> (Double, Double)? in
                    guard let m = measure(r), let e = r.absoluteErrorPoints[target], m.isFinite else { return nil }
                    return (m, e)
                }
                guard pairs.count >= 3 else { continue }
                correlations.append(Correlation(measure: name, target: target, spearman: spearmanCorrelation(pairs.map(\.0), pairs.map(\.1)),
                                                pearson: pearsonCorrelation(pairs.map(\.0), pairs.map(\.1)), tasks: pairs.count))
            }
        }
        return VarianceReport(run: run.name, lastCheckpoints: n, rows: rows, correlations: correlations)
    }
}
