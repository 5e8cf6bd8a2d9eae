import CSVReading
import Foundation

/// Per-checkpoint metrics of one task: task loss (the paper's bits-per-byte), accuracy and TaskCE.
public struct TaskSeries: Sendable, Codable, Equatable {
    public var loss: [Double?]
    public var accuracy: [Double?]
    public var taskCE: [Double?]

    public init(loss: [Double?] = [], accuracy: [Double?] = [], taskCE: [Double?] = []) {
        self.loss = loss
        self.accuracy = accuracy
        self.taskCE = taskCE
    }
}

/// One training run: a ladder rung or a target model, with its evaluated checkpoints in training order.
public struct LadderRun: Sendable, Codable, Equatable {
    public var name: String
    /// Non-embedding parameters.
    public var n: Double
    /// Training FLOPs per token (for the compute variant); nil if unknown.
    public var flopsPerToken: Double?
    public var steps: [Double]
    /// Tokens seen at each checkpoint.
    public var tokens: [Double]
    /// C4 validation loss at each checkpoint (nil where missing).
    public var c4Loss: [Double?]
    public var tasks: [String: TaskSeries]

    public init(name: String, n: Double, flopsPerToken: Double? = nil, steps: [Double] = [], tokens: [Double] = [],
                c4Loss: [Double?] = [], tasks: [String: TaskSeries] = [:]) {
        self.name = name
        self.n = n
        self.flopsPerToken = flopsPerToken
        self.steps = steps
        self.tokens = tokens
        self.c4Loss = c4Loss
        self.tasks = tasks
    }

    public var checkpointCount: Int { steps.count }
    /// Tokens of the last checkpoint: the run's D.
    public var finalTokens: Double { tokens.last ?? .nan }
}

/// A model to predict: its size and tokens, and what is known of its actual results.
public struct LadderTarget: Sendable, Codable, Equatable {
    public var name: String
    public var n: Double
    public var d: Double
    public var flopsPerToken: Double?
    /// The target's own evaluated checkpoints, if available (actual values are derived from them).
    public var run: LadderRun?
    /// Actual values given directly (e.g. in a config), per task; used where `run` has none.
    public var actualLoss: [String: Double]
    public var actualAccuracy: [String: Double]

    public init(name: String, n: Double, d: Double, flopsPerToken: Double? = nil, run: LadderRun? = nil,
                actualLoss: [String: Double] = [:], actualAccuracy: [String: Double] = [:]) {
        self.name = name
        self.n = n
        self.d = d
        self.flopsPerToken = flopsPerToken
        self.run = run
        self.actualLoss = actualLoss
        self.actualAccuracy = actualAccuracy
    }
}

/// A model ladder: the runs the laws are fitted on, the targets to predict, and the tasks.
public struct Ladder: Sendable, Equatable {
    public var runs: [LadderRun]
    public var targets: [LadderTarget]
    /// Tasks to fit, in display order.
    public var tasks: [String]
    /// Chance-level accuracy per task (step 2's start point uses floor - 1); default 0.25.
    public var chance: [String: Double]
    /// Where the ladder came from, for reports.
    public var source: String
    /// What the loader did that the user should know (rows sorted into step order, ...), one sentence each.
    public var notes: [String] = []

    public init(runs: [LadderRun], targets: [LadderTarget], tasks: [String], chance: [String: Double] = [:], source: String) {
        self.runs = runs
        self.targets = targets
        self.tasks = tasks
        self.chance = chance
        self.source = source
    }

    public func chanceLevel(_ task: String) -> Double { chance[task] ?? 0.25 }

    /// The run the variance analysis uses by default: the largest (most parameters, then most tokens).
    public var largestRun: LadderRun? {
        runs.max { ($0.n, $0.finalTokens) < ($1.n, $1.finalTokens) }
    }

    /// Checks what the method needs and throws a one-line `InputError` naming the run, task and what to do.
    public func validate(needsTaskCE: Bool = false, needsC4: Bool = false, needsFlops: Bool = false) throws {
        guard runs.count >= 2 else { throw InputError("\(source): \(runs.count) ladder run(s); the fit needs at least 2 (better 16)") }
        guard !tasks.isEmpty else { throw InputError("\(source): no tasks to fit") }
        for run in runs {
            guard run.checkpointCount > 0 else { throw InputError("\(source): run '\(run.name)' has no rows; remove it or add its checkpoints") }
            guard run.n > 0, run.n.isFinite else { throw InputError("\(source): run '\(run.name)' has N = \(run.n); N must be > 0") }
            for (i, d) in run.tokens.enumerated() where !(d > 0 && d.isFinite) {
                throw InputError("\(source): run '\(run.name)' checkpoint \(i + 1) (step \(fmtNumber(run.steps[i]))) has D = \(d); tokens must be > 0")
            }
            if needsFlops && run.flopsPerToken == nil {
                throw InputError("\(source): run '\(run.name)' has no FLOPs per token; the compute variant needs flops_per_token")
            }
            if needsC4 {
                guard run.c4Loss.contains(where: { $0 != nil }) else {
                    throw InputError("\(source): run '\(run.name)' has no C4 loss; the c4 intermediate needs c4_loss")
                }
            }
            for task in tasks {
                guard let series = run.tasks[task] else {
                    throw InputError("\(source): task '\(task)' is missing from run '\(run.name)'; add its columns or drop the task")
                }
                try check(series.loss, "loss", task: task, run: run.name, positive: true)
                try check(series.accuracy, "accuracy", task: task, run: run.name, positive: false)
                if needsTaskCE { try check(series.taskCE, "taskce", task: task, run: run.name, positive: true) }
            }
        }
        for target in targets {
            guard target.n > 0, target.d > 0, target.n.isFinite, target.d.isFinite else {
                throw InputError("\(source): target '\(target.name)' has N = \(target.n), D = \(target.d); both must be > 0")
            }
            if needsFlops && target.flopsPerToken == nil {
                throw InputError("\(source): target '\(target.name)' has no FLOPs per token; the compute variant needs it")
            }
        }
    }

    private func check(_ values: [Double?], _ what: String, task: String, run: String, positive: Bool) throws {
        guard values.contains(where: { $0 != nil }) else {
            throw InputError("\(source): task '\(task)' has no \(what) values in run '\(run)'")
        }
        for (i, v) in values.enumerated() {
            guard let v else { continue }
            guard v.isFinite else { throw InputError("\(source): run '\(run)' checkpoint \(i + 1): \(task) \(what) = \(v) is not finite") }
            if positive && v <= 0 {
                throw InputError("\(source): run '\(run)' checkpoint \(i + 1): \(task) \(what) = \(v) must be > 0 (the fit takes its log)")
            }
        }
    }
}

func fmtNumber(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
