import ArgumentParser
import CSVReading
import FitEngine
import FitSweep
import Foundation
import LadderFit
import LadderReport
import SafeOutput

extension Intermediate: ExpressibleByArgument {}
extension Step1Form: ExpressibleByArgument {}
extension BudgetOrder: ExpressibleByArgument {}

/// Where the ladder comes from and what to fit: shared by `ladder` and `variance`.
struct LadderInputOptions: ParsableArguments {
    @Option(name: .long, help: "Ladder CSV: the long format (run,N,D,step,task,loss,accuracy[,taskce,c4_loss,flops_per_token,role]) or the wide one. Default: the embedded OLMo ladder.")
    var data: String?

    @Option(name: .long, help: "Folder of OLMo per-run CSVs (SIZE-MULTxC.csv), instead of --data.")
    var olmo: String?

    @Option(name: .long, help: "JSON config: tasks, runs, chance levels, targets (N, D, actual values). See README.")
    var config: String?

    @Option(name: .long, help: "Tasks to fit, comma-separated (default: all in the data or config).")
    var tasks: String?

    @Option(name: .long, help: "Targets to predict, comma-separated (default: all).")
    var targets: String?

    func validate() throws {
        if data != nil && olmo != nil { throw ValidationError("give --data or --olmo, not both") }
    }

    /// The ladder, with what the loader had to do (rows sorted by step, ...) said as notes on stderr.
    func load(_ console: Console) throws -> Ladder {
        let ladder = try load()
        for note in ladder.notes { console.note(note) }
        return ladder
    }

    func load() throws -> Ladder {
        var ladder: Ladder
        let config = try config.map { try LadderConfig.load(URL(fileURLWithPath: $0)) }
        if let data {
            ladder = try LadderLoader.csv(URL(fileURLWithPath: data), config: config)
        } else if let olmo {
            // Every OLMo task is read (the variance table lists them all); the paper's 8 are fitted by default.
            ladder = try OLMoLayout.load(folder: URL(fileURLWithPath: olmo), runs: config?.runs ?? OLMoLayout.paperRuns,
                                         tasks: OLMoLayout.allTasks)
            ladder.tasks = OLMoLayout.paperTasks
            if let config { ladder = try config.apply(to: ladder) }
        } else {
            ladder = try LadderLoader.embedded()
            if let config { ladder = try config.apply(to: ladder) }
        }
        if let tasks {
            let wanted = Self.list(tasks)
            for t in wanted where ladder.runs.allSatisfy({ $0.tasks[t] == nil }) {
                throw InputError.usage("--tasks: unknown task '\(t)'; the data has \(Set(ladder.runs.flatMap { $0.tasks.keys }).sorted().joined(separator: ", "))")
            }
            ladder.tasks = wanted
        }
        if let targets {
            let wanted = Self.list(targets)
            ladder.targets = try wanted.map { name in
                guard let t = ladder.targets.first(where: { $0.name == name }) else {
                    throw InputError.usage("--targets: unknown target '\(name)'; known: \(ladder.targets.map(\.name).joined(separator: ", ")) (add others in a --config)")
                }
                return t
            }
        }
        return ladder
    }

    /// Results-affecting options as arguments (paths as given), for a shard's fingerprint.
    var canonicalArguments: [String] {
        [("data", data), ("olmo", olmo), ("config", config), ("tasks", tasks), ("targets", targets)].compactMap { name, value in
            value.map { "--\(name)=\($0)" }
        }
    }

    /// The files the ladder is read from (every CSV of an --olmo folder), or the embedded ladder.
    func fingerprintInputs() throws -> [Fingerprint.Input] {
        var inputs = [Fingerprint.Input]()
        if let data { inputs.append(try Fingerprint.input(file: data)) } else if let olmo { inputs += try Fingerprint.inputs(folder: olmo) } else { inputs.append(Fingerprint.embeddedLadder) }
        if let config { inputs.append(try Fingerprint.input(file: config)) }
        return inputs
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// The method's variants, one option each.
struct MethodOptions: ParsableArguments {
    @Option(name: .long, help: "Intermediate feature: task-loss (the paper's method), c4, or taskce.")
    var intermediate: Intermediate = .taskLoss

    @Option(name: .long, help: "Step 1 over nd (N and D) or compute (C = D x FLOPs per token).")
    var step1: Step1Form = .nd

    @Flag(name: .long, help: "Single-step variant: accuracy straight from (N, D).")
    var singleStep = false

    @Flag(name: .long, help: "The paper's procedure exactly: its single start point per fit, no multi-start.")
    var paper = false

    var canonicalArguments: [String] {
        ["--intermediate=\(intermediate.rawValue)", "--step1=\(step1.rawValue)"] + (singleStep ? ["--single-step"] : []) + (paper ? ["--paper"] : [])
    }

    var method: LadderMethod {
        var m = LadderMethod()
        m.intermediate = intermediate
        m.step1Form = step1
        m.singleStep = singleStep
        return m
    }
}

/// How many fits a ladder run makes: shared by `ladder` and `variance`.
struct LadderSweepOptions: ParsableArguments {
    @Option(name: .long, help: "Start points per fit (the published start is start 0).")
    var starts: Int = 16

    @Option(name: .long, help: "Bootstrap replicates over ladder runs (0: none).")
    var bootstrap: Int = 100

    @Option(name: .long, help: "Seed of the counter-based generator: same seed, same answer on every device.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Fits per engine call (bounds memory; does not change results).")
    var chunkSize: Int = SweepPlan.defaultChunkSize

    func validate() throws {
        if let message = SweepPlan.check(starts: starts, bootstrap: bootstrap, chunkSize: chunkSize) { throw ValidationError(message) }
    }

    var canonicalArguments: [String] { ["--starts=\(starts)", "--bootstrap=\(bootstrap)", "--seed=\(seed)"] }

    func settings(paper: Bool) -> LadderSettings {
        var settings = LadderSettings()
        settings.starts = starts
        settings.bootstrap = bootstrap
        settings.seed = seed
        settings.chunkSize = chunkSize
        settings.paper = paper
        settings.version = GPUFitVersion.string
        return settings
    }
}

struct LadderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ladder",
        abstract: "Predict each task's accuracy at the target models from a model ladder, with intervals.",
        discussion: """
        Step 1 fits task loss L(N, D) = exp(a - alpha ln N) + exp(b - beta ln D) + E per task; step 2 fits \
        accuracy(L) as a sigmoid; the chained prediction is step 2 at step 1's predicted loss. Every fit runs \
        --starts start points (the paper's start among them) and --bootstrap resamples of the ladder runs.

        \(ExitStatus.helpText)
        """)

    @OptionGroup var input: LadderInputOptions
    @OptionGroup var methodOptions: MethodOptions
    @OptionGroup var sweep: LadderSweepOptions

    @Option(name: .long, help: "Ladder-budget sweep: refit on growing subsets of runs ordered by compute, size or multiplier.")
    var budget: BudgetOrder?

    @Option(name: .long, help: "Run whose last checkpoints give the checkpoint-noise measures (default: the largest).")
    var varianceRun: String?

    @Option(name: .long, help: "Checkpoints of that run the noise measures use.")
    var varianceLast: Int = 10

    @Option(name: .long, help: "Write the results as JSON to this file (atomically; - for standard output, the tables then go to stderr).")
    var json: String?

    @Option(name: .long, help: "Write the per-task, per-target table as CSV to this file (atomically; - for standard output, the tables then go to stderr).")
    var csv: String?

    @Option(name: .long, help: "Write report.html and the figures as SVG into this folder.")
    var report: String?

    @Option(name: .long, help: "Run only shard i of n (0 <= i < n) of every fit and write its part to --out; `gpufit merge` joins the parts.",
            transform: Shard.argument)
    var shard: Shard?

    @Option(name: .long, help: "With --shard: write the shard's part to this file (atomically; - for standard output).")
    var out: String?

    @OptionGroup var engineOptions: EngineOptions

    func validate() throws {
        guard let shard else {
            if out != nil { throw ValidationError("--out is where a --shard run writes its part; for the results use --json, --csv or --report") }
            return
        }
        if out == nil { throw ValidationError("--shard \(shard) needs --out FILE: where the shard's part is written") }
        for (name, value) in [("--json", json), ("--csv", csv), ("--report", report), ("--budget", budget?.rawValue)] where value != nil {
            throw ValidationError("--shard \(shard) writes only its part: give \(name) to `gpufit merge`\(name == "--budget" ? " (the budget sweep is not sharded; run it without --shard)" : "")")
        }
    }

    func run() throws { try execute(merged: nil) }

    /// The job: all of it here, one shard of it into a part (--shard), or, for `gpufit merge`, none of it
    /// (the sweeps come from the merged parts); whichever, the same checks before and the same outputs after.
    func execute(merged: PartSet?) throws {
        // Outputs are checked before anything is read or fitted; at most one of them may be standard output.
        let outputs = try LadderOutputs(json: json, csv: csv, report: report)
        let partOutput = try out.map { try OutputTarget($0, option: "--out") }
        let console = Console(quiet: engineOptions.quiet, progress: engineOptions.progress,
                              dataOnStdout: outputs.dataOnStdout || partOutput?.isStandardOutput == true)
        let ladder = try input.load(console)
        // The variance options are checked before the fit (a typo in --variance-run must not cost the run).
        _ = try VarianceReport.noiseRun(ladder: ladder, runName: varianceRun, lastCheckpoints: varianceLast, options: .ladder,
                                        requireRows: false)
        let settings = sweep.settings(paper: methodOptions.paper)
        guard let (result, selection) = try fit(ladder, settings: settings, console: console, partOutput: partOutput, merged: merged) else { return }
        try Self.requireUsableFits(result)
        let variance = try VarianceReport.analyse(ladder: ladder, runName: varianceRun, lastCheckpoints: varianceLast, result: result)
        var budgetResult: BudgetSweep?
        if let budget {
            budgetResult = try BudgetSweep.run(ladder: ladder, method: methodOptions.method, settings: settings,
                                               engine: selection.engine, order: budget)
        }
        let output = LadderOutput(ladder: ladder, result: result, variance: variance, budget: budgetResult, selection: selection)
        console.summary(output.text())
        try outputs.json?.write(try encodeJSON(output.json()))
        try outputs.csv?.write(output.csv())
        if let folder = outputs.report {
            try ReportWriter.write(ladder: ladder, method: methodOptions.method, result: result, variance: variance,
                                   to: folder, budget: budgetResult)
            if !engineOptions.quiet { Console.stderr("report: \((folder.path as NSString).appendingPathComponent("report.html"))\n") }
        }
    }
}

extension LadderCommand {
    /// The job's result: fitted here, or finished from merged parts; nil when this run was a shard (its part
    /// is written to --out).
    func fit(_ ladder: Ladder, settings: LadderSettings, console: Console, partOutput: OutputTarget?,
             merged: PartSet?) throws -> (LadderResult, EngineSelection)? {
        if let merged {
            let fitter = LadderFitter(ladder: ladder, method: methodOptions.method, settings: settings, engine: CPUEngine())
            let result = try fitter.finish(parts: merged.sweeps.indices.map(merged.sweep), engineLabel: merged.sweep(0).engineLabel,
                                           seconds: merged.seconds)
            return (result, merged.selection(precision: engineOptions.precision))
        }
        let selection = try engineOptions.select(console)
        var fitter = LadderFitter(ladder: ladder, method: methodOptions.method, settings: settings, engine: selection.engine)
        guard let shard, let partOutput else {
            let result = try console.fitting(label: "ladder", total: fitter.plannedFits) { progress in
                fitter.progress = progress
                return try fitter.run()
            }
            return (result, selection)
        }
        // The inputs are fingerprinted before the run: a file changed during it then fails the merge.
        let fingerprint = Fingerprint(seed: settings.seed, inputs: try input.fingerprintInputs(), arguments: canonicalArguments)
        let parts = try console.fitting(label: "ladder \(shard)", total: fitter.plannedFits(shard: shard)) { progress in
            fitter.progress = progress
            return try fitter.runParts(shard: shard)
        }
        try PartFile.write(command: "ladder", shard: shard, fingerprint: fingerprint, sweeps: parts, to: partOutput)
        console.summary(PartFile.summary(command: "ladder", shard: shard, fits: parts.reduce(0) { $0 + $1.fits },
                                         total: fitter.plannedFits, output: partOutput))
        return nil
    }

    /// The options that change results, as arguments `gpufit merge` parses again (paths as given: merge runs
    /// in the shard's directory). Outputs, --shard, the device and --chunk-size are left out.
    var canonicalArguments: [String] {
        input.canonicalArguments + methodOptions.canonicalArguments + sweep.canonicalArguments
            + (varianceRun.map { ["--variance-run=\($0)"] } ?? []) + ["--variance-last=\(varianceLast)", "--precision=\(engineOptions.precision.rawValue)"]
    }

    /// A task whose step found no usable fit fails the run (exit 1) with the task, the step and the states,
    /// instead of a table of NaN.
    static func requireUsableFits(_ result: LadderResult) throws {
        for task in result.tasks {
            for (step, fit) in [("step 1", task.step1), ("step 2", task.step2), ("single step", task.singleStep)] {
                guard let fit, !fit.state.isUsable else { continue }
                let states = fit.startStates.filter { $0.count > 0 }.map { "\($0.state) \($0.count)" }.joined(separator: ", ")
                throw FitFailure("task '\(task.task)' \(step): no start reached a usable fit (\(fit.starts) start(s): \(states)); check the task's values in the ladder data")
            }
        }
    }
}

/// The ladder's outputs, checked before the run: files or `-` (standard output, one of them at most).
struct LadderOutputs {
    let json: OutputTarget?
    let csv: OutputTarget?
    let report: OutputFolder?

    init(json: String?, csv: String?, report: String?) throws {
        self.json = try json.map { try OutputTarget($0, option: "--json") }
        self.csv = try csv.map { try OutputTarget($0, option: "--csv") }
        self.report = try report.map { try OutputFolder($0, option: "--report") }
        if self.json?.isStandardOutput == true && self.csv?.isStandardOutput == true {
            throw InputError.usage("--json - and --csv -: only one output can go to standard output")
        }
    }

    var dataOnStdout: Bool { json?.isStandardOutput == true || csv?.isStandardOutput == true }
}

struct VarianceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "variance",
        abstract: "Compare variance across tasks: checkpoint noise, bootstrap spread of predictions, multi-start spread.",
        discussion: "With --bootstrap 0 --starts 1 only the checkpoint-noise table is computed (no fits).\n\n" + ExitStatus.helpText)

    @OptionGroup var input: LadderInputOptions
    @OptionGroup var methodOptions: MethodOptions

    @Option(name: .customLong("run"), help: "Run whose last checkpoints give the noise measures (default: the largest ladder run).")
    var noiseRun: String?

    @Option(name: .long, help: "Checkpoints of that run the noise measures use.")
    var last: Int = 10

    @OptionGroup var sweep: LadderSweepOptions

    @Option(name: .long, help: "Write the variance comparison as JSON to this file (atomically; - for standard output).")
    var json: String?

    @OptionGroup var engineOptions: EngineOptions

    func run() throws {
        let output = try json.map { try OutputTarget($0, option: "--json") }
        let console = Console(quiet: engineOptions.quiet, progress: engineOptions.progress, dataOnStdout: output?.isStandardOutput == true)
        let ladder = try input.load(console)
        _ = try VarianceReport.noiseRun(ladder: ladder, runName: noiseRun, lastCheckpoints: last, options: .variance, requireRows: true)
        var result: LadderResult?
        if sweep.bootstrap > 0 || sweep.starts > 1 {
            let selection = try engineOptions.select(console)
            var fitter = LadderFitter(ladder: ladder, method: methodOptions.method, settings: sweep.settings(paper: methodOptions.paper),
                                      engine: selection.engine)
            result = try console.fitting(label: "variance", total: fitter.plannedFits) { progress in
                fitter.progress = progress
                return try fitter.run()
            }
        }
        let report = try VarianceReport.analyse(ladder: ladder, runName: noiseRun, lastCheckpoints: last, result: result,
                                                options: .variance, requireRows: true)
        console.summary(LadderOutput.varianceText(report, targets: ladder.targets.map(\.name)))
        try output?.write(try encodeJSON(report))
    }
}
