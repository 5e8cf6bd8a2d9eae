import CSVReading
import Foundation

/// The OLMo ladder's file layout (github.com/allenai/OLMo-ladder, `ladder-runs/`): one CSV per run named
/// `SIZE-MULTxC.csv`, with `_step`, `throughput/total_tokens` or `batch_size_in_tokens`, and evaluation
/// columns `eval/downstream_bpb/<stem>_rc_5shot_bpb` (task loss), `eval/downstream/<stem>_rc_5shot_len_norm`
/// (accuracy; BoolQ `_acc`), `eval/downstream_soft_log/<stem>_rc_5shot_soft_log` (TaskCE = minus it) and
/// `eval/c4_en-validation/CrossEntropyLoss`.
public enum OLMoLayout {
    /// Non-embedding parameters per size (from the OLMo configs).
    public static let parameters: [String: Double] = [
        "190M": 190_354_176, "370M": 371_262_464, "760M": 758_220_288, "1B": 1_279_395_840, "3B": 3_169_537_280,
        "7B": 6_887_575_552, "13B": 13_202_396_160,
    ]
    /// Training FLOPs per token per size (the compute variant).
    public static let flopsPerToken: [String: Double] = [
        "190M": 1_903_391_232, "370M": 3_443_922_944, "760M": 6_373_843_968, "1B": 10_109_071_360,
        "7B": 49_412_071_424, "13B": 91_335_915_520,
    ]
    /// The paper's 16 ladder runs, in order of size then token multiplier.
    public static let paperRuns = ["190M", "370M", "760M", "1B"].flatMap { s in ["1xC", "2xC", "5xC", "10xC"].map { "\(s)-\($0)" } }
    /// The paper's 8 tasks (in its table order), then the two more its variance table lists.
    public static let paperTasks = ["mmlu", "hellaswag", "arc_challenge", "arc_easy", "piqa", "csqa", "socialiqa", "openbookqa"]
    public static let allTasks = paperTasks + ["winogrande", "boolq"]
    /// Display names used by the paper's tables.
    public static let displayNames: [String: String] = [
        "mmlu": "MMLU", "hellaswag": "HellaSwag", "arc_challenge": "ARC-Challenge", "arc_easy": "ARC-Easy", "piqa": "PIQA",
        "csqa": "CommonsenseQA", "socialiqa": "Social IQa", "openbookqa": "OpenBookQA", "winogrande": "Winogrande", "boolq": "BoolQ",
    ]
    /// Chance-level accuracy (step 2's start uses floor - 1): 0.25 unless listed.
    public static let chance: [String: Double] = ["piqa": 0.5, "socialiqa": 1.0 / 3.0, "csqa": 0.2, "winogrande": 0.5, "boolq": 0.5]
    /// Column stems of each task; MMLU is the weighted mean of four (the weights apply to every metric).
    public static let stems: [String: [(stem: String, weight: Double)]] = [
        "mmlu": [("mmlu_stem_test", 0.215), ("mmlu_humanities_test", 0.335), ("mmlu_social_sciences_test", 0.219), ("mmlu_other_test", 0.231)],
        "hellaswag": [("hellaswag_val", 1)], "arc_challenge": [("arc_challenge_test", 1)], "arc_easy": [("arc_easy_test", 1)],
        "piqa": [("piqa_val", 1)], "csqa": [("csqa_val", 1)], "socialiqa": [("socialiqa_val", 1)],
        "openbookqa": [("openbookqa_test", 1)], "winogrande": [("winogrande_val", 1)], "boolq": [("boolq_val", 1)],
    ]
    /// The paper's targets: name, file, N, D.
    public static let paperTargets: [(name: String, file: String, size: String, d: Double)] = [
        ("7B-4T", "peteish7_eval_anneal.csv", "7B", 3_945_065_873_408),
        ("13B-5T", "peteish13_eval_final.csv", "13B", 5_000_088_518_656),
    ]

    /// Reads an OLMo-layout folder: the given runs (default the paper's 16) and, where their files exist,
    /// the paper's targets.
    public static func load(folder: URL, runs runNames: [String] = paperRuns, tasks: [String] = paperTasks) throws -> Ladder {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("\(folder.path): no such folder; --olmo takes a folder of SIZE-MULTxC.csv files")
        }
        var notes = [String]()
        let runs = try runNames.map { name -> LadderRun in
            let size = String(name.split(separator: "-").first ?? "")
            guard let n = parameters[size] else {
                throw InputError("run '\(name)': unknown size '\(size)'; OLMo sizes are \(parameters.keys.sorted().joined(separator: ", ")) (use the long CSV format for other ladders)")
            }
            let file = folder.appendingPathComponent("\(name).csv")
            return try readRun(file, name: name, n: n, flops: flopsPerToken[size], tasks: tasks, notes: &notes)
        }
        var targets = [LadderTarget]()
        for t in paperTargets {
            let file = folder.appendingPathComponent(t.file)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            let run = try readRun(file, name: t.name, n: parameters[t.size]!, flops: flopsPerToken[t.size], tasks: tasks, notes: &notes)
            targets.append(LadderTarget(name: t.name, n: run.n, d: t.d, flopsPerToken: run.flopsPerToken, run: run))
        }
        var ladder = Ladder(runs: runs, targets: targets, tasks: tasks, chance: chance, source: folder.path)
        ladder.notes = notes
        return ladder
    }

    static func readRun(_ url: URL, name: String, n: Double, flops: Double?, tasks: [String], notes: inout [String]) throws -> LadderRun {
        let table = try CSVTable(contentsOf: url)
        let stepCol = table.hasColumn("_step") ? try table.column("_step") : nil
        let tokensCol = table.hasColumn("throughput/total_tokens") ? try table.column("throughput/total_tokens") : nil
        let batchCol = table.hasColumn("batch_size_in_tokens") ? try table.column("batch_size_in_tokens") : nil
        guard tokensCol != nil || (stepCol != nil && batchCol != nil) else {
            throw InputError("\(url.path): needs 'throughput/total_tokens', or '_step' and 'batch_size_in_tokens', to know D")
        }
        let c4Col = table.hasColumn("eval/c4_en-validation/CrossEntropyLoss") ? try table.column("eval/c4_en-validation/CrossEntropyLoss") : nil
        var run = LadderRun(name: name, n: n, flopsPerToken: flops)
        for row in table.rows.indices {
            let step = try stepCol.map { try table.number(row, $0) } ?? Double(row)
            var tokens = try tokensCol.flatMap { try table.optionalNumber(row, $0) }
            if tokens == nil, let batchCol, let stepCol { tokens = try table.number(row, stepCol) * table.number(row, batchCol) }
            run.steps.append(step)
            run.tokens.append(tokens ?? .nan)
            run.c4Loss.append(try c4Col.flatMap { try table.optionalNumber(row, $0) })
        }
        for task in tasks {
            guard let parts = stems[task] else {
                throw InputError("task '\(task)' is not an OLMo task; known: \(allTasks.joined(separator: ", "))")
            }
            func metric(_ column: (String) -> String, negate: Bool = false, required: Bool) throws -> [Double?] {
                var values = [Double?](repeating: 0, count: table.rows.count)
                let total = parts.reduce(0) { $0 + $1.weight }
                for part in parts {
                    let name = column(part.stem)
                    guard table.hasColumn(name) else {
                        if required { _ = try table.column(name) }  // throws the missing-column error
                        return [Double?](repeating: nil, count: table.rows.count)
                    }
                    let c = try table.column(name)
                    for row in table.rows.indices {
                        guard let v = try table.optionalNumber(row, c), let acc = values[row] else { values[row] = nil; continue }
                        values[row] = acc + part.weight / total * (negate ? -v : v)
                    }
                }
                return values
            }
            let accuracySuffix = task == "boolq" ? "acc" : "len_norm"
            run.tasks[task] = TaskSeries(
                loss: try metric({ "eval/downstream_bpb/\($0)_rc_5shot_bpb" }, required: true),
                accuracy: try metric({ "eval/downstream/\($0)_rc_5shot_\(accuracySuffix)" }, required: true),
                taskCE: try metric({ "eval/downstream_soft_log/\($0)_rc_5shot_soft_log" }, negate: true, required: false))
        }
        return try inStepOrder(run, source: url.path, notes: &notes)
    }

    /// The run with its checkpoints sorted by step (said in a note when they were not); a step that
    /// appears twice fails naming both lines.
    static func inStepOrder(_ run: LadderRun, source: String, notes: inout [String]) throws -> LadderRun {
        let order = run.steps.indices.sorted { (run.steps[$0], $0) < (run.steps[$1], $1) }
        for (a, b) in zip(order, order.dropFirst()) where run.steps[a] == run.steps[b] {
            throw InputError("\(source):\(min(a, b) + 2): step \(fmtNumber(run.steps[a])) appears twice (lines \(min(a, b) + 2) and \(max(a, b) + 2)); keep one row per checkpoint")
        }
        guard order != Array(run.steps.indices) else { return run }
        notes.append("\(source): rows are not in step order; the checkpoints were sorted by step")
        var sorted = run
        sorted.steps = order.map { run.steps[$0] }
        sorted.tokens = order.map { run.tokens[$0] }
        sorted.c4Loss = order.map { run.c4Loss[$0] }
        for (task, series) in run.tasks {
            sorted.tasks[task] = TaskSeries(loss: order.map { series.loss[$0] }, accuracy: order.map { series.accuracy[$0] },
                                            taskCE: order.map { series.taskCE[$0] })
        }
        return sorted
    }
}
