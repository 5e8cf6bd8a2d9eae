import CSVReading
import Foundation

/// Reads a ladder from the embedded data, a wide or long CSV, or a folder of OLMo per-run CSVs.
///
/// Formats (all: one row per evaluated checkpoint; a run's rows may come in any order and are sorted by
/// `step`, which the ladder's notes then say):
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
        for cols in taskCols { try RowChecks.accuracyColumn(table, cols.accuracy) }
        var builder = RunBuilder(source: table.source)
        for row in table.rows.indices {
            let role = roleCol.map { table.string(row, $0) } ?? "ladder"
            // An empty step (or no step column) leaves the checkpoint's place to its D (see RunBuilder).
            let step = try stepCol.flatMap { table.string(row, $0).isEmpty ? nil : try RowChecks.step(table, row, $0) }
            try builder.begin(run: table.string(row, runCol), role: role, n: RowChecks.positive(table, row, nCol),
                              flops: flopsCol.flatMap { try RowChecks.optionalPositive(table, row, $0) }, line: table.line(row))
            try builder.checkpoint(step: step, tokens: RowChecks.positive(table, row, dCol),
                                   c4: c4Col.flatMap { try RowChecks.optionalPositive(table, row, $0) }, line: table.line(row), oneRowPerStep: true)
            for (t, cols) in zip(taskNames, taskCols) {
                try builder.set(task: t, loss: RowChecks.optionalPositive(table, row, cols.loss), accuracy: table.optionalNumber(row, cols.accuracy),
                                taskCE: cols.taskCE.flatMap { try RowChecks.optionalPositive(table, row, $0) }, line: table.line(row))
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
        try RowChecks.accuracyColumn(table, accCol)
        var builder = RunBuilder(source: table.source)
        var taskOrder = [String]()
        for row in table.rows.indices {
            let task = table.string(row, taskCol)
            guard !task.isEmpty else { throw InputError("\(table.source):\(table.line(row)): column 'task' is empty") }
            if !taskOrder.contains(task) { taskOrder.append(task) }
            let role = roleCol.map { table.string(row, $0) } ?? "ladder"
            try builder.begin(run: table.string(row, runCol), role: role, n: RowChecks.positive(table, row, nCol),
                              flops: flopsCol.flatMap { try RowChecks.optionalPositive(table, row, $0) }, line: table.line(row))
            try builder.checkpoint(step: RowChecks.step(table, row, stepCol), tokens: RowChecks.positive(table, row, dCol),
                                   c4: c4Col.flatMap { try RowChecks.optionalPositive(table, row, $0) }, line: table.line(row), oneRowPerStep: false)
            try builder.set(task: task, loss: RowChecks.positive(table, row, lossCol), accuracy: table.number(row, accCol),
                            taskCE: ceCol.flatMap { try RowChecks.optionalPositive(table, row, $0) }, line: table.line(row))
        }
        return try builder.ladder(tasks: taskOrder, chance: [:])
    }
}
