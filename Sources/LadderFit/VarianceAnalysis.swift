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
        /// nil when undefined (the measure or the error is the same for every task); `undefinedReason` says which.
        public var spearman: Double?
        public var pearson: Double?
        public var tasks: Int
        public var undefinedReason: String?
    }

    /// The option names that set the run and the checkpoint count, so messages name options that exist
    /// (`ladder` has --variance-run/--variance-last, `variance` has --run/--last).
    public struct OptionNames: Sendable {
        public var run: String
        public var last: String
        public init(run: String, last: String) { self.run = run; self.last = last }
        public static let ladder = OptionNames(run: "--variance-run", last: "--variance-last")
        public static let variance = OptionNames(run: "--run", last: "--last")
    }

    /// The run whose last checkpoints give the noise measures, and how many were used.
    public var run: String
    public var lastCheckpoints: Int
    /// How many were asked for (more than `lastCheckpoints` when the run has fewer).
    public var requestedCheckpoints: Int
    /// Sorted by accuracy CV, noisiest first; empty when the run has fewer than 2 checkpoints.
    public var rows: [Row]
    public var correlations: [Correlation]
    /// What the analysis had to do differently from what was asked, in words (printed as notes).
    public var notes: [String]

    /// Checkpoint noise of every task present in `run` (population SD and CV over its last n rows, on raw
    /// unsmoothed values), joined with the fits' measures from `result` when given.
    /// A run with fewer checkpoints than asked for uses all it has (said in `notes`); with fewer than 2 the
    /// table is empty (and `requireRows` makes that an error, for the `variance` command whose whole output it is).
    public static func analyse(ladder: Ladder, runName: String? = nil, lastCheckpoints requested: Int = 10,
                               result: LadderResult? = nil, options: OptionNames = .ladder,
                               requireRows: Bool = false) throws -> VarianceReport {
        let run = try noiseRun(ladder: ladder, runName: runName, lastCheckpoints: requested, options: options, requireRows: requireRows)
        var notes = [String]()
        let n = min(requested, run.checkpointCount)
        if n < 2 {
            notes.append(fewCheckpoints(run, options) + "; the variance table is left out")
            return VarianceReport(run: run.name, lastCheckpoints: run.checkpointCount, requestedCheckpoints: requested, rows: [],
                                  correlations: [], notes: notes)
        }
        if n < requested {
            notes.append("run '\(run.name)' has \(run.checkpointCount) checkpoints; the checkpoint noise uses all \(n) (\(options.last) \(requested) asked for more)")
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
                correlations.append(correlation(name, target: target, measures: pairs.map(\.0), errors: pairs.map(\.1)))
            }
        }
        return VarianceReport(run: run.name, lastCheckpoints: n, requestedCheckpoints: requested, rows: rows,
                              correlations: correlations, notes: notes)
    }

    /// The run whose checkpoints give the noise measures, with the options checked (a command checks them
    /// this way before it fits, so a typo costs nothing): a named run must exist, `--last` must be >= 2, and
    /// with `requireRows` the run must have 2 checkpoints.
    public static func noiseRun(ladder: Ladder, runName: String?, lastCheckpoints requested: Int, options: OptionNames,
                                requireRows: Bool) throws -> LadderRun {
        let runs = ladder.runs + ladder.targets.compactMap(\.run)
        let run: LadderRun
        if let runName {
            guard let r = runs.first(where: { $0.name == runName }) else {
                throw InputError.usage("\(options.run) \(runName): no such run; runs are \(runs.map(\.name).joined(separator: ", "))")
            }
            run = r
        } else {
            guard let r = ladder.largestRun else { throw InputError("\(ladder.source): no ladder runs") }
            run = r
        }
        guard requested >= 2 else { throw InputError.usage("\(options.last) \(requested): the checkpoint noise needs at least 2 checkpoints") }
        if requireRows && run.checkpointCount < 2 { throw InputError(fewCheckpoints(run, options)) }
        return run
    }

    static func fewCheckpoints(_ run: LadderRun, _ options: OptionNames) -> String {
        "run '\(run.name)' has \(run.checkpointCount) checkpoint(s); the checkpoint noise needs at least 2 (choose another run with \(options.run))"
    }

    /// A correlation, or n/a with the reason when one side is the same for every task (e.g. starts reaching
    /// the best under --paper, where every fit has one start).
    public static func correlation(_ measure: String, target: String, measures: [Double], errors: [Double]) -> Correlation {
        var reason: String?
        if Set(measures).count < 2 { reason = "\(measure) is the same for every task" }
        else if Set(errors).count < 2 { reason = "|error| at \(target) is the same for every task" }
        var c = Correlation(measure: measure, target: target, spearman: nil, pearson: nil, tasks: measures.count, undefinedReason: reason)
        if reason == nil {
            let s = spearmanCorrelation(measures, errors), p = pearsonCorrelation(measures, errors)
            if s.isFinite && p.isFinite { c.spearman = s; c.pearson = p } else { c.undefinedReason = "not defined for these values" }
        }
        return c
    }
}
