import ArgumentParser
import CSVReading
import FitEngine
import FitModels
import FitSweep
import Foundation
import LadderFit
import ModelExpressions
import SafeOutput

struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a model to a CSV file from many starts, with bootstrap intervals.",
        discussion: """
        The model is a built-in name (\(BuiltinModels.all.map(\.name).joined(separator: ", "))) or an expression \
        such as 'b1*(1-exp(-b2*x))' with --params b1,b2; variables are the --x column names.

        Objective: sum of w r^2 (lsq) or of w Huber(r) (huber:DELTA), r = f - y or ln f - ln y (--log-residuals).

        Example: gpufit fit misra1a.csv --model misra1a --x x --y y --starts 1000 --bootstrap 200

        \(ExitStatus.helpText)
        """)

    @Argument(help: "CSV file with a header line.")
    var file: String

    @Option(name: .long, help: "Built-in model name, or an expression in the --params and --x names.")
    var model: String

    @Option(name: .long, help: "Parameter names of an expression model, comma-separated, in order.")
    var params: String?

    @Option(name: .customLong("x"), help: "Column(s) of the independent variable(s), comma-separated.")
    var xColumns: String

    @Option(name: .customLong("y"), help: "Column of the observations.")
    var yColumn: String

    @Option(name: .customLong("group"), help: "Column whose equal values are resampled together by the bootstrap.")
    var groupColumn: String?

    @Option(name: .customLong("weight"), help: "Column of per-point weights (>= 0).")
    var weightColumn: String?

    @Option(name: .long, help: "lsq, or huber:DELTA. (default: lsq)", transform: Loss.argument)
    var loss: Loss = .leastSquares

    @Flag(name: .long, help: "Fit ln f against ln y (needs f > 0 and y > 0).")
    var logResiduals = false

    @Option(name: .long, parsing: .unconditional,
            help: "Bounds per parameter, comma-separated LOW:HIGH (either side may be empty), e.g. '0:,0:,0:1' or '-5:5'. (default: the model's; none for an expression)")
    var bounds: String?

    @Option(name: .long, parsing: .unconditional, help: "A given start point v1,v2,... (negative values as they are: --start -2000,50,0.8); start 0 of every replicate.")
    var start: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp(
        "Random start ranges per parameter, LOW:HIGH or LOW:HIGH:log, comma-separated.",
        discussion: "(default: around --start when given, log-uniform over a decade each side with the sign kept, [-1, 1] for a zero; else the built-in model's ranges; else [-1, 1] for an expression)"))
    var startRange: String?

    @Option(name: .long, parsing: .unconditional, help: "Points to predict at with intervals: x values separated by ';' (variables by ','), e.g. '100;800' or '-3'.")
    var predict: String?

    @Option(name: .long, help: "Write the full result as JSON to this file (atomically; - for standard output, the summary then goes to stderr); with --shard, the shard's part.")
    var out: String?

    @Option(name: .long, help: "Run only shard i of n (0 <= i < n) and write its part to --out; `gpufit merge` joins the parts.",
            transform: Shard.argument)
    var shard: Shard?

    @Option(name: .long, help: "Iteration cap per fit (1...1000000).")
    var maxIterations: Int = SolverOptions().maxIterations

    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var sweepOptions: SweepOptions

    func validate() throws {
        guard (1...1_000_000).contains(maxIterations) else {
            throw ValidationError("--max-iterations \(maxIterations): must be >= 1 and <= 1000000")
        }
        if let shard, out == nil { throw ValidationError("--shard \(shard) needs --out FILE: where the shard's part is written") }
    }

    func run() throws { try execute(merged: nil) }

    /// The job: all of it here, one shard of it into a part (--shard), or, for `gpufit merge`, none of it
    /// (the sweep comes from the merged parts); whichever, the same checks before and the same outputs after.
    func execute(merged: PartSet?) throws {
        // Everything that can be checked without the data is checked first, outputs included, so a typo
        // costs nothing.
        let xNames = xColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let fitModel = try resolveModel(variables: xNames)
        let np = fitModel.parameterCount
        let (lower, upper) = try parseBounds(np: np, model: fitModel)
        let givenStart = try start.map { try parseNumbers($0, count: np, what: "--start") }
        let ranges = try startRange.map { try parseRanges($0, np: np) }
        let predictions = try parsePredictions(variables: xNames.count)
        let output = try out.map { try OutputTarget($0, option: "--out") }
        let console = Console(quiet: engineOptions.quiet, progress: engineOptions.progress, dataOnStdout: output?.isStandardOutput == true)

        let data = try readData(model: fitModel, xNames: xNames)
        var options = SolverOptions()
        options.maxIterations = maxIterations
        let problem = try FitProblem(
            model: fitModel, points: data.points, y: data.y, weights: data.weights, groups: data.groups, loss: loss, residualSpace: logResiduals ? .log : .linear,
            lower: lower, upper: upper, options: options)

        var plan = SweepPlan()
        plan.starts = sweepOptions.starts ?? (start == nil ? 100 : 1)
        plan.bootstrap = sweepOptions.bootstrap ?? 0
        plan.seed = sweepOptions.seed
        plan.chunkSize = sweepOptions.chunkSize
        plan.givenStart = givenStart
        plan.startRanges = ranges ?? givenStart.map { $0.map(StartRange.around) }
        let rangeRule = ranges != nil ? "--start-range" : givenStart != nil ? "around --start" : fitModel is ExpressionModel ? "default [-1, 1]" : "the model's"
        if let expression = fitModel as? ExpressionModel {
            // Fail before spending the batch when the model is not finite at the given start.
            if let givenStart { try expression.checkFinite(parameters: givenStart, x: data.points[0]) }
        }

        guard let (result, selection) = try sweep(problem, plan: plan, console: console, output: output, merged: merged) else { return }
        let diagnosis = FitDiagnosis(problem: problem, plan: plan, result: result, file: file, yColumn: yColumn, line: data.table.line)
        guard result.best.state.isUsable else { throw FitFailure(diagnosis.cause) }
        let report = FitReport(file: file, model: fitModel, problem: problem, plan: plan, result: result,
                               selection: selection, predictions: predictions, rangeRule: rangeRule)
        console.summary(report.text())
        if let warning = diagnosis.iterationLimitWarning { console.warn(warning) }
        try output?.write(try encodeJSON(report.json()))
    }

    /// The sweep's result: run here, or finished from merged parts; nil when this run was a shard (its part
    /// is written to --out).
    private func sweep(_ problem: FitProblem, plan: SweepPlan, console: Console, output: OutputTarget?,
                       merged: PartSet?) throws -> (SweepResult, EngineSelection)? {
        if let merged {
            return (try Sweep.finish(problem, plan: plan, part: merged.sweep(0)), merged.selection(precision: engineOptions.precision))
        }
        let selection = try engineOptions.select(console)
        guard let shard, let output else {
            let result = try console.fitting(label: "fit", total: plan.totalFits) { progress in
                try Sweep.run(problem, plan: plan, engine: selection.engine, progress: progress)
            }
            return (result, selection)
        }
        // The inputs are fingerprinted before the run: a file changed during it then fails the merge.
        let fingerprint = Fingerprint(seed: plan.seed, inputs: [try Fingerprint.input(file: file)], arguments: canonicalArguments())
        let part = try console.fitting(label: "fit \(shard)", total: shard.fits(of: plan.totalFits).count) { progress in
            try Sweep.runPart(problem, plan: plan, shard: shard, engine: selection.engine, progress: progress)
        }
        try PartFile.write(command: "fit", shard: shard, fingerprint: fingerprint, sweeps: [part], to: output)
        console.summary(PartFile.summary(command: "fit", shard: shard, fits: part.fits, total: plan.totalFits, output: output))
        return nil
    }

    /// The options that change results, as arguments `gpufit merge` parses again (the file as given: merge
    /// runs in the shard's directory). Outputs, --shard, the device and --chunk-size are left out.
    func canonicalArguments() -> [String] {
        var a = ["--model=\(model)"]
        func add(_ name: String, _ value: String?) { if let value { a.append("--\(name)=\(value)") } }
        add("params", params); add("x", xColumns); add("y", yColumn); add("group", groupColumn); add("weight", weightColumn)
        add("loss", loss.description)
        if logResiduals { a.append("--log-residuals") }
        add("bounds", bounds); add("start", start); add("start-range", startRange); add("predict", predict)
        add("max-iterations", String(maxIterations)); add("precision", engineOptions.precision.rawValue)
        add("starts", sweepOptions.starts.map(String.init)); add("bootstrap", sweepOptions.bootstrap.map(String.init))
        add("seed", String(sweepOptions.seed))
        return a + ["--", file]
    }

    /// The columns the fit reads, checked row by row (positive where the model or --log-residuals takes a
    /// log, weights >= 0), with --group's labels numbered in order of appearance.
    private func readData(model fitModel: any FitModel, xNames: [String]) throws
        -> (table: CSVTable, points: [[Double]], y: [Double], weights: [Double]?, groups: [Int]?) {
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: file))
        let xIndex = try xNames.map { try table.column($0) }
        let yIndex = try table.column(yColumn)
        let gIndex = try groupColumn.map { try table.column($0) }
        let wIndex = try weightColumn.map { try table.column($0) }
        guard !table.rows.isEmpty else { throw InputError("\(file): no data rows; add rows below the header") }
        var points = [[Double]](), y = [Double](), weights = [Double](), groups = [Int]()
        var groupIDs = [String: Int]()
        for row in table.rows.indices {
            let xs = try xIndex.map { try table.number(row, $0) }
            for (v, value) in xs.enumerated() where fitModel.variableTransforms[v] == .log && value <= 0 {
                throw InputError("\(file):\(table.line(row)): column '\(xNames[v])' = \(value) must be > 0 (model '\(fitModel.name)' takes its log)")
            }
            let yv = try table.number(row, yIndex)
            if logResiduals && yv <= 0 {
                throw InputError("\(file):\(table.line(row)): column '\(yColumn)' = \(yv) must be > 0 with --log-residuals")
            }
            points.append(xs)
            y.append(yv)
            if let wIndex {
                let w = try table.number(row, wIndex)
                guard w >= 0 else { throw InputError("\(file):\(table.line(row)): weight \(w) must be >= 0") }
                weights.append(w)
            }
            if let gIndex {
                let key = table.string(row, gIndex)
                groups.append(groupIDs[key] ?? { let id = groupIDs.count; groupIDs[key] = id; return id }())
            }
        }
        return (table, points, y, wIndex == nil ? nil : weights, gIndex == nil ? nil : groups)
    }

    private func resolveModel(variables: [String]) throws -> any FitModel {
        if let builtin = BuiltinModels.named(model) {
            guard params == nil || params!.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) == builtin.parameterNames else {
                throw InputError.usage("--params: built-in model '\(builtin.name)' has parameters \(builtin.parameterNames.joined(separator: ","))")
            }
            guard variables.count == builtin.variableCount else {
                throw InputError.usage("--x: model '\(builtin.name)' needs \(builtin.variableCount) column(s) (\(builtin.variableNames.joined(separator: ", "))), got \(variables.count)")
            }
            return builtin
        }
        guard let params else {
            throw InputError.usage("--model '\(model)' is not a built-in model (\(BuiltinModels.all.map(\.name).joined(separator: ", "))); for an expression give its parameters with --params")
        }
        let names = params.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return try ExpressionModel(model, parameters: names, variables: variables)
    }

    private func parseNumbers(_ text: String, count: Int, what: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == count else { throw InputError.usage("\(what): \(parts.count) values given, the model has \(count) parameters") }
        return try parts.map {
            guard let v = Double($0), v.isFinite else { throw InputError.usage("\(what): '\($0)' is not a finite number") }
            return v
        }
    }

    private func parseBounds(np: Int, model: any FitModel) throws -> ([Double], [Double]) {
        guard let bounds else { return (model.parameters.map(\.lower), model.parameters.map(\.upper)) }
        let parts = bounds.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == np else { throw InputError.usage("--bounds: \(parts.count) entries, the model has \(np) parameters (\(model.parameterNames.joined(separator: ",")))") }
        var lower = [Double](), upper = [Double]()
        for (j, part) in parts.enumerated() {
            let sides = part.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard sides.count == 2 else { throw InputError.usage("--bounds entry \(j + 1) '\(part)': write LOW:HIGH, e.g. 0: or 0:1 or :") }
            func side(_ s: String, _ empty: Double) throws -> Double {
                if s.isEmpty { return empty }
                guard let v = Double(s), !v.isNaN else { throw InputError.usage("--bounds entry \(j + 1): '\(s)' is not a number") }
                return v
            }
            let lo = try side(sides[0], -.infinity), hi = try side(sides[1], .infinity)
            guard lo <= hi else { throw InputError.usage("--bounds entry \(j + 1): low \(lo) > high \(hi)") }
            lower.append(lo); upper.append(hi)
        }
        return (lower, upper)
    }

    private func parseRanges(_ text: String, np: Int) throws -> [StartRange] {
        let parts = text.split(separator: ",").map(String.init)
        guard parts.count == np else { throw InputError.usage("--start-range: \(parts.count) entries, the model has \(np) parameters") }
        return try parts.enumerated().map { j, part in
            let f = part.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == 2 || (f.count == 3 && f[2] == "log"), let lo = Double(f[0]), let hi = Double(f[1]), lo.isFinite, hi.isFinite, lo <= hi else {
                throw InputError.usage("--start-range entry \(j + 1) '\(part)': write LOW:HIGH or LOW:HIGH:log with finite LOW <= HIGH")
            }
            let range = StartRange(lo, hi, logUniform: f.count == 3)
            if range.logUniform && !range.isValidLogRange {
                throw InputError.usage("--start-range entry \(j + 1): a log range needs LOW and HIGH non-zero and of one sign")
            }
            return range
        }
    }

    private func parsePredictions(variables: Int) throws -> [[Double]] {
        guard let predict else { return [] }
        return try predict.split(separator: ";").map { point in
            let values = try point.split(separator: ",").map { s -> Double in
                guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw InputError.usage("--predict: '\(s)' is not a finite number")
                }
                return v
            }
            guard values.count == variables else { throw InputError.usage("--predict: point '\(point)' has \(values.count) values; the model has \(variables) variable(s)") }
            return values
        }
    }
}
