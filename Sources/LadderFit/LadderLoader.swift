import CSVReading
import Foundation

/// Reads a ladder from the embedded data, a wide or long CSV, or a folder of OLMo per-run CSVs.
///
/// Formats (all: one row per evaluated checkpoint, rows of a run in training order):
/// - **Long CSV**: columns `run, N, D, step, task, loss, accuracy`; optional `taskce`, `c4_loss`,
///   `flops_per_token`, `role` (`ladder` or `target`); extra columns are ignored. One row per
///   (run, step, task).
/// - **Wide CSV** (the embedded data's format): `run, role, N, D, step, flops_per_token, c4_loss`, then
///   `TASK:loss, TASK:accuracy, TASK:taskce` for each task. One row per (run, step).
/// - **OLMo folder**: files `SIZE-MULTxC.csv` with the OLMo evaluation columns (see OLMoLayout).
public enum LadderLoader {
    /// The 16-run OLMo ladder with its 7B-4T and 13B-5T targets, shipped inside the binary.
    public static func embedded() throws -> Ladder {
        try wide(CSVTable(text: embeddedOLMoLadderCSV, source: "embedded OLMo ladder"), tasks: OLMoLayout.paperTasks,
                 chance: OLMoLayout.chance)
    }

    /// Reads a CSV file in the long or wide format (told apart by its header).
    public static func csv(_ url: URL, config: LadderConfig? = nil) throws -> Ladder {
        let table = try CSVTable(contentsOf: url)
        let isLong = table.hasColumn("task")
        var ladder = isLong ? try long(table) : try wide(table, tasks: nil, chance: [:])
        if let config { ladder = try config.apply(to: ladder) }
        return ladder
    }

    // MARK: wide

    static func wide(_ table: CSVTable, tasks wanted: [String]?, chance: [String: Double]) throws -> Ladder {
        let runCol = try table.column("run"), nCol = try table.column("N"), dCol = try table.column("D")
        let stepCol = table.hasColumn("step") ? try table.column("step") : nil
        let roleCol = table.hasColumn("role") ? try table.column("role") : nil
        let flopsCol = table.hasColumn("flops_per_token") ? try table.column("flops_per_token") : nil
        let c4Col = table.hasColumn("c4_loss") ? try table.column("c4_loss") : nil
        var taskNames = [String]()
        for name in table.header where name.hasSuffix(":loss") { taskNames.append(String(name.dropLast(5))) }
        guard !taskNames.isEmpty else {
            throw InputError("\(table.source): no TASK:loss columns; a wide ladder CSV needs TASK:loss and TASK:accuracy per task (or use the long format with a 'task' column)")
        }
        let taskCols = try taskNames.map { t in
            (loss: try table.column("\(t):loss"), accuracy: try table.column("\(t):accuracy"),
             taskCE: table.hasColumn("\(t):taskce") ? try table.column("\(t):taskce") : nil)
        }
        var builder = RunBuilder(source: table.source)
        for row in table.rows.indices {
            let name = table.string(row, runCol)
            let role = roleCol.map { table.string(row, $0) } ?? "ladder"
            let step = try stepCol.flatMap { try table.optionalNumber(row, $0) } ?? Double(row)
            try builder.begin(run: name, role: role, n: table.number(row, nCol), flops: flopsCol.flatMap { try table.optionalNumber(row, $0) },
                              line: table.line(row))
            builder.addCheckpoint(step: step, tokens: try table.number(row, dCol), c4: try c4Col.flatMap { try table.optionalNumber(row, $0) })
            for (t, cols) in zip(taskNames, taskCols) {
                builder.set(task: t, loss: try table.optionalNumber(row, cols.loss), accuracy: try table.optionalNumber(row, cols.accuracy),
                            taskCE: try cols.taskCE.flatMap { try table.optionalNumber(row, $0) })
            }
        }
        return try builder.ladder(tasks: wanted ?? taskNames, chance: chance)
    }

    // MARK: long

    static func long(_ table: CSVTable) throws -> Ladder {
        let runCol = try table.column("run"), nCol = try table.column("N"), dCol = try table.column("D")
        let stepCol = try table.column("step"), taskCol = try table.column("task")
        let lossCol = try table.column("loss"), accCol = try table.column("accuracy")
        let ceCol = table.hasColumn("taskce") ? try table.column("taskce") : nil
        let c4Col = table.hasColumn("c4_loss") ? try table.column("c4_loss") : nil
        let flopsCol = table.hasColumn("flops_per_token") ? try table.column("flops_per_token") : nil
        let roleCol = table.hasColumn("role") ? try table.column("role") : nil
        var builder = RunBuilder(source: table.source)
        var taskOrder = [String]()
        for row in table.rows.indices {
            let name = table.string(row, runCol)
            guard !name.isEmpty else { throw InputError("\(table.source):\(table.line(row)): column 'run' is empty") }
            let task = table.string(row, taskCol)
            guard !task.isEmpty else { throw InputError("\(table.source):\(table.line(row)): column 'task' is empty") }
            if !taskOrder.contains(task) { taskOrder.append(task) }
            let role = roleCol.map { table.string(row, $0) } ?? "ladder"
            try builder.begin(run: name, role: role, n: table.number(row, nCol), flops: try flopsCol.flatMap { try table.optionalNumber(row, $0) },
                              line: table.line(row))
            let step = try table.number(row, stepCol)
            if builder.currentStep != step {
                builder.addCheckpoint(step: step, tokens: try table.number(row, dCol), c4: try c4Col.flatMap { try table.optionalNumber(row, $0) })
            }
            builder.set(task: task, loss: try table.number(row, lossCol), accuracy: try table.number(row, accCol),
                        taskCE: try ceCol.flatMap { try table.optionalNumber(row, $0) })
        }
        return try builder.ladder(tasks: taskOrder, chance: [:])
    }
}

/// Collects rows into runs, keeping runs and checkpoints in file order. A task value not given at a
/// checkpoint stays nil (validation reports it if the method needs it).
struct RunBuilder {
    let source: String
    var runs = [LadderRun]()
    var roles = [String]()
    var index = [String: Int]()
    var current = -1
    var currentStep: Double? { current >= 0 ? runs[current].steps.last : nil }

    init(source: String) { self.source = source }

    mutating func begin(run name: String, role: String, n: Double, flops: Double?, line: Int) throws {
        guard role == "ladder" || role == "target" else {
            throw InputError("\(source):\(line): role '\(role)' must be 'ladder' or 'target'")
        }
        if let i = index[name] {
            if i != current && current >= 0 && runs[current].name != name {
                // Rows of a run must be contiguous, so checkpoints stay in training order.
                throw InputError("\(source):\(line): rows of run '\(name)' are not contiguous; keep each run's rows together in training order")
            }
            guard runs[i].n == n else { throw InputError("\(source):\(line): run '\(name)' has N = \(n) here but \(runs[i].n) above") }
            current = i
        } else {
            guard n > 0 else { throw InputError("\(source):\(line): run '\(name)' has N = \(n); N must be > 0") }
            index[name] = runs.count
            runs.append(LadderRun(name: name, n: n, flopsPerToken: flops))
            roles.append(role)
            current = runs.count - 1
        }
    }

    mutating func addCheckpoint(step: Double, tokens: Double, c4: Double?) {
        runs[current].steps.append(step)
        runs[current].tokens.append(tokens)
        runs[current].c4Loss.append(c4)
        for key in runs[current].tasks.keys {
            runs[current].tasks[key]!.loss.append(nil)
            runs[current].tasks[key]!.accuracy.append(nil)
            runs[current].tasks[key]!.taskCE.append(nil)
        }
    }

    mutating func set(task: String, loss: Double?, accuracy: Double?, taskCE: Double?) {
        let count = runs[current].steps.count
        if runs[current].tasks[task] == nil {
            let empty = [Double?](repeating: nil, count: count)
            runs[current].tasks[task] = TaskSeries(loss: empty, accuracy: empty, taskCE: empty)
        }
        runs[current].tasks[task]!.loss[count - 1] = loss
        runs[current].tasks[task]!.accuracy[count - 1] = accuracy
        runs[current].tasks[task]!.taskCE[count - 1] = taskCE
    }

    func ladder(tasks: [String], chance: [String: Double]) throws -> Ladder {
        var ladderRuns = [LadderRun](), targets = [LadderTarget]()
        for (run, role) in zip(runs, roles) {
            if role == "target" {
                targets.append(LadderTarget(name: run.name, n: run.n, d: run.finalTokens, flopsPerToken: run.flopsPerToken, run: run))
            } else {
                ladderRuns.append(run)
            }
        }
        return Ladder(runs: ladderRuns, targets: targets, tasks: tasks, chance: chance, source: source)
    }
}
