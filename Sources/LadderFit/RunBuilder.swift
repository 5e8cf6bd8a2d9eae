import CSVReading
import Foundation

/// Collects ladder rows into runs (in order of first appearance) and each run's checkpoints in step order,
/// whatever order the rows came in; says in `Ladder.notes` when it had to sort. A run with a row that gives
/// no step (the wide format allows it: a target known by one evaluation) is ordered by D, the tokens seen,
/// and that row's step is recorded as its row number. A row that repeats a
/// (run, step) in the wide format, or a (run, step, task) in the long one, fails naming both lines. A task
/// value not given at a checkpoint stays nil (validation reports it if the method needs it).
struct RunBuilder {
    struct Value { var loss: Double?; var accuracy: Double?; var taskCE: Double?; var line: Int }

    struct Checkpoint {
        var step: Double?
        var tokens: Double
        var c4: Double?
        var line: Int
        var values = [String: Value]()
    }

    struct PendingRun {
        var name: String
        var role: String
        var n: Double
        var flops: Double?
        var line: Int
        var checkpoints = [Checkpoint]()
        var byStep = [Double: Int]()
        /// The first row whose step (or D, see above) is below one already seen: (its line, its key, the larger key).
        var outOfOrder: (line: Int, key: Double, after: Double)?
        /// Steps are the order when every row gives one; otherwise the tokens seen.
        var ordersBySteps: Bool { checkpoints.allSatisfy { $0.step != nil } }
        func key(_ c: Checkpoint) -> Double { ordersBySteps ? c.step! : c.tokens }
    }

    let source: String
    var runs = [PendingRun]()
    var index = [String: Int]()
    var current = -1
    var currentCheckpoint = -1

    init(source: String) { self.source = source }

    mutating func begin(run name: String, role: String, n: Double, flops: Double?, line: Int) throws {
        guard !name.isEmpty else { throw InputError("\(source):\(line): column 'run' is empty; name the run") }
        guard role == "ladder" || role == "target" else {
            throw InputError("\(source):\(line): role '\(role)' must be 'ladder' or 'target'")
        }
        if let i = index[name] {
            guard runs[i].n == n else {
                throw InputError("\(source):\(line): run '\(name)' has N = \(fmtNumber(n)) here but \(fmtNumber(runs[i].n)) on line \(runs[i].line); one run has one N")
            }
            guard runs[i].role == role else {
                throw InputError("\(source):\(line): run '\(name)' has role '\(role)' here but '\(runs[i].role)' on line \(runs[i].line)")
            }
            current = i
        } else {
            index[name] = runs.count
            runs.append(PendingRun(name: name, role: role, n: n, flops: flops, line: line))
            current = runs.count - 1
        }
    }

    /// Starts (or, in the long format, returns to) the checkpoint at `step` of the current run.
    mutating func checkpoint(step: Double?, tokens: Double, c4: Double?, line: Int, oneRowPerStep: Bool) throws {
        var run = runs[current]
        defer { runs[current] = run }
        if let step, let i = run.byStep[step] {
            let first = run.checkpoints[i]
            if oneRowPerStep {
                throw InputError("\(source):\(line): run '\(run.name)' step \(fmtNumber(step)) appears twice (lines \(first.line) and \(line)); keep one row per checkpoint")
            }
            guard first.tokens == tokens else {
                throw InputError("\(source):\(line): run '\(run.name)' step \(fmtNumber(step)) has D = \(fmtNumber(tokens)) here but \(fmtNumber(first.tokens)) on line \(first.line); one checkpoint has one D")
            }
            currentCheckpoint = i
            return
        }
        if let step { run.byStep[step] = run.checkpoints.count }
        currentCheckpoint = run.checkpoints.count
        run.checkpoints.append(Checkpoint(step: step, tokens: tokens, c4: c4, line: line))
    }

    mutating func set(task: String, loss: Double?, accuracy: Double?, taskCE: Double?, line: Int) throws {
        let checkpoint = runs[current].checkpoints[currentCheckpoint]
        if let first = checkpoint.values[task] {
            throw InputError("\(source):\(line): run '\(runs[current].name)' step \(checkpoint.step.map(fmtNumber) ?? "(none)") task '\(task)' appears twice (lines \(first.line) and \(line)); keep one row")
        }
        runs[current].checkpoints[currentCheckpoint].values[task] = Value(loss: loss, accuracy: accuracy, taskCE: taskCE, line: line)
    }

    func ladder(tasks: [String], chance: [String: Double]) throws -> Ladder {
        var ladderRuns = [LadderRun](), targets = [LadderTarget]()
        var unordered = [PendingRun]()
        for var pending in runs {
            pending.outOfOrder = Self.firstOutOfOrder(pending)
            if pending.outOfOrder != nil { unordered.append(pending) }
            let run = Self.run(pending)
            if pending.role == "target" {
                targets.append(LadderTarget(name: run.name, n: run.n, d: run.finalTokens, flopsPerToken: run.flopsPerToken, run: run))
            } else {
                ladderRuns.append(run)
            }
        }
        var ladder = Ladder(runs: ladderRuns, targets: targets, tasks: tasks, chance: chance, source: source)
        if let first = unordered.first, let o = first.outOfOrder {
            let others = unordered.count > 1 ? " and \(unordered.count - 1) other run(s)" : ""
            let what = first.ordersBySteps ? "step" : "D"
            ladder.notes.append("\(source): rows of run '\(first.name)'\(others) are not in \(what) order (line \(o.line): \(what) \(fmtNumber(o.key)) after \(fmtNumber(o.after))); each run's checkpoints were sorted by \(what)")
        }
        return ladder
    }

    static func firstOutOfOrder(_ run: PendingRun) -> (line: Int, key: Double, after: Double)? {
        var largest = -Double.infinity
        for c in run.checkpoints {
            let key = run.key(c)
            if key < largest { return (c.line, key, largest) }
            largest = key
        }
        return nil
    }

    /// The run with its checkpoints in order (a stable sort; equal steps were rejected above).
    static func run(_ pending: PendingRun) -> LadderRun {
        let sorted = pending.checkpoints.enumerated().sorted { (pending.key($0.element), $0.offset) < (pending.key($1.element), $1.offset) }.map(\.element)
        var run = LadderRun(name: pending.name, n: pending.n, flopsPerToken: pending.flops, steps: sorted.map { $0.step ?? Double($0.line - 2) },
                            tokens: sorted.map(\.tokens), c4Loss: sorted.map(\.c4))
        let taskNames = Set(sorted.flatMap { $0.values.keys })
        for task in taskNames {
            run.tasks[task] = TaskSeries(loss: sorted.map { $0.values[task]?.loss }, accuracy: sorted.map { $0.values[task]?.accuracy },
                                         taskCE: sorted.map { $0.values[task]?.taskCE })
        }
        return run
    }
}
