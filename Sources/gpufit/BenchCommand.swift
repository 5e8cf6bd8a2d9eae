import ArgumentParser
import FitEngine
import FitModels
import FitSweep
import Foundation
import LadderFit
import SafeOutput

/// The benchmark problems of docs/performance.md, run straight through an engine's `solve` (no sweep, no
/// bootstrap): B1 the MMLU ladder step 1, B2 the MMLU ladder step 2. One JSON line per repetition on stdout.
/// bench/run drives it; bench/README.md explains the fields.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the benchmark problems B1 (ladder step 1) and B2 (ladder step 2) on one engine.",
        discussion: """
        Prints one JSON line per repetition: engine, fits, seconds (the engine's solve calls only, after one
        warm-up solve), fits/s, the share of fits within 1e-6 relative of the best objective, the best
        objective, mean iterations, state counts, and the operation count per fit (and, with --peak-gflops,
        the ceiling in fits/s it implies). See bench/README.md.
        """,
        shouldDisplay: false)

    enum Problem: String, ExpressibleByArgument, CaseIterable {
        case b1, b2
    }

    @Option(name: .long, help: "b1 (ladder step 1: 16 points, 5 parameters, Huber on log residuals) or b2 (step 2: 1402 points, 4 parameters, least squares).")
    var problem: Problem = .b1

    @Option(name: .long, help: "Fits per repetition (default: 100000 for b1, 2000 for b2, or as many as --seconds asks).")
    var fits: Int?

    @Option(name: .long, help: "Size each repetition to take about this many seconds, from the rate of a warm-up solve (ignored with --fits).")
    var seconds: Double?

    @Option(name: .customLong("repeat"), help: "Timed repetitions (same starts each time).")
    var repetitions: Int = 3

    @Option(name: .long, help: "Seed of the counter-based start generator.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Task of the embedded ladder whose problems are used.")
    var task: String = "mmlu"

    @Option(name: .long, help: "Fits per engine call (0: all fits in one call).")
    var chunkSize: Int = 0

    @Option(name: .long, help: "Peak rate of the device in GFLOP/s, to print the ceiling in fits/s.")
    var peakGflops: Double?

    @Option(name: .long, help: "Write the problem (raw points, observations, bounds, start ranges, loss) as JSON to this file and exit.")
    var export: String?

    @Option(name: .long, help: "Write every fit of the first repetition (start, parameters, objective, iterations, state) as CSV to this file.")
    var dump: String?

    @OptionGroup var engineOptions: EngineOptions

    func validate() throws {
        if let f = fits, f < 1 { throw ValidationError("--fits \(f): must be at least 1") }
        if repetitions < 1 { throw ValidationError("--repeat \(repetitions): must be at least 1") }
        if let t = seconds, !(t > 0) { throw ValidationError("--seconds \(t): must be > 0") }
        if chunkSize < 0 { throw ValidationError("--chunk-size \(chunkSize): must be 0 or more") }
        if let p = peakGflops, !(p > 0) { throw ValidationError("--peak-gflops \(p): must be > 0") }
    }

    /// What one repetition printed.
    struct Line: Encodable {
        var problem: String
        var engine: String
        var precision: String
        var repetition: Int
        var fits: Int
        var points: Int
        var parameters: Int
        var seconds: Double
        var fitsPerSecond: Double
        var bestObjective: Double
        var reachedBestShare: Double
        var meanIterations: Double
        var states: [String: Int]
        var flopsPerIteration: Double
        var flopsPerFit: Double
        var peakGflops: Double?
        var ceilingFitsPerSecond: Double?
        var seed: UInt64

        enum CodingKeys: String, CodingKey {
            case problem, engine, precision, repetition, fits, points, parameters, seconds
            case fitsPerSecond = "fits_per_s", bestObjective = "best_objective", reachedBestShare = "reached_best_share"
            case meanIterations = "mean_iterations", states, flopsPerIteration = "flops_per_iteration"
            case flopsPerFit = "flops_per_fit", peakGflops = "peak_gflops", ceilingFitsPerSecond = "ceiling_fits_per_s", seed
        }
    }

    /// The exported problem, raw (before the model's variable transforms and the log of y).
    struct Export: Encodable {
        var problem: String
        var task: String
        var model: String
        var parameterNames: [String]
        var points: [[Double]]
        var y: [Double]
        var loss: String
        var huberDelta: Double?
        var residualSpace: String
        var lower: [Double?]
        var upper: [Double?]
        var startRanges: [[Double]]

        enum CodingKeys: String, CodingKey {
            case problem, task, model, points, y, loss, lower, upper
            case parameterNames = "parameter_names", huberDelta = "huber_delta", residualSpace = "residual_space"
            case startRanges = "start_ranges"
        }
    }

    /// The benchmark problem built exactly as the ladder job builds it, with its start ranges and the raw
    /// (untransformed) points and observations that `--export` writes for the scipy baselines.
    struct BenchProblem {
        let fit: FitProblem
        let ranges: [StartRange]
        let rawPoints: [[Double]]
        let rawY: [Double]
    }

    func run() throws {
        let bench = try makeProblem()
        if let export { return try write(bench, to: export) }
        let selection = try engineOptions.select(Console(quiet: engineOptions.quiet, progress: false, dataOnStdout: false))
        let engine = selection.engine
        let np = bench.fit.parameterCount
        var plan = SweepPlan()
        plan.seed = seed
        func drawStarts(_ count: Int) -> [Double] {
            var starts = [Double]()
            starts.reserveCapacity(count * np)
            for i in 0..<count { plan.startPoint(replicate: 0, start: i, ranges: bench.ranges, into: &starts) }
            return starts
        }
        let count = try fitsPerRepetition(engine, bench.fit, drawStarts)
        let starts = drawStarts(count)
        for rep in 1...repetitions {
            try printLine(try repetition(rep, engine: engine, problem: bench.fit, starts: starts, count: count))
        }
    }

    func makeProblem() throws -> BenchProblem {
        let ladder = try LadderLoader.embedded()
        guard ladder.tasks.contains(task) else {
            throw ValidationError("--task \(task): the embedded ladder has \(ladder.tasks.joined(separator: ", "))")
        }
        let method = LadderMethod()
        // The engine is only needed by `solve`; building the problems does not use it.
        let fitter = LadderFitter(ladder: ladder, method: method, settings: LadderSettings(), engine: CPUEngine(threads: 1))
        switch problem {
        case .b1:
            let fit = try fitter.step1Problem(task: task)
            return BenchProblem(fit: fit, ranges: fit.model.parameters.map(\.startRange),  // LossLawModel's: [0,15]x2, [0,1]x2, [0,2]
                           rawPoints: ladder.runs.map { method.step1Inputs(n: $0.n, d: $0.finalTokens, flopsPerToken: $0.flopsPerToken) },
                           rawY: try ladder.runs.map { try method.step1Value($0, task: task) })
        case .b2:
            let fit = try fitter.step2Problem(task: task).0
            // Identity transform and linear residuals: the points and y as given.
            return BenchProblem(fit: fit, ranges: method.step2StartRanges, rawPoints: (0..<fit.pointCount).map { [fit.x[$0]] }, rawY: fit.y)
        }
    }

    func write(_ bench: BenchProblem, to path: String) throws {
        let fit = bench.fit
        let delta = fit.loss.huberDelta
        let out = Export(
            problem: problem.rawValue, task: task, model: fit.model.name, parameterNames: fit.model.parameterNames,
            points: bench.rawPoints, y: bench.rawY, loss: delta == nil ? "lsq" : "huber", huberDelta: delta,
            residualSpace: fit.residualSpace.rawValue,
            lower: fit.lower.map { $0.isFinite ? $0 : nil }, upper: fit.upper.map { $0.isFinite ? $0 : nil },
            startRanges: bench.ranges.map { [$0.low, $0.high] })
        try OutputTarget(path, option: "--export").write(try encodeJSON(out))
    }

    /// `--fits`, or as many as `--seconds` allows: a tiny solve first builds (or loads) the OpenCL kernel and
    /// pages in the code; then solves of growing size (x8 each) until one takes 0.2 s give the rate.
    func fitsPerRepetition(_ engine: any FitEngine, _ fit: FitProblem, _ drawStarts: (Int) -> [Double]) throws -> Int {
        _ = try engine.solve(fit, starts: drawStarts(16), weightSets: nil)
        var warmFits = problem == .b1 ? 2048 : 64
        var warmRate = 0.0
        while true {
            let warmStarts = drawStarts(warmFits)
            let clock = ContinuousClock.now
            _ = try engine.solve(fit, starts: warmStarts, weightSets: nil)
            let s = Self.seconds(since: clock)
            warmRate = Double(warmFits) / max(s, 1e-9)
            if s >= 0.2 || fits != nil || seconds == nil || warmFits >= (problem == .b1 ? 1 << 22 : 1 << 17) { break }
            warmFits *= 8
        }
        guard fits == nil, let seconds else { return fits ?? (problem == .b1 ? 100_000 : 2_000) }
        // At most 10 million fits a repetition (host memory: starts and results, about 1 GB).
        let wanted = max(Double(problem == .b1 ? 1000 : 50), min(10_000_000, warmRate * seconds))
        let unit = pow(10, (log10(wanted)).rounded(.down) - 1)  // two significant digits
        return Int((wanted / unit).rounded() * unit)
    }

    /// One timed pass over all starts in chunks; the first also writes `--dump`.
    func repetition(_ rep: Int, engine: any FitEngine, problem fit: FitProblem, starts: [Double], count: Int) throws -> Line {
        let np = fit.parameterCount
        let chunk = chunkSize == 0 ? count : chunkSize
        var all = FitResults(parameterCount: np, count: 0)
        var seconds = 0.0
        var begin = 0
        while begin < count {
            let end = min(begin + chunk, count)
            let slice = begin == 0 && end == count ? starts : Array(starts[(begin * np)..<(end * np)])
            let clock = ContinuousClock.now
            let r = try engine.solve(fit, starts: slice, weightSets: nil)
            seconds += Self.seconds(since: clock)
            all.objective += r.objective
            all.iterations += r.iterations
            all.states += r.states
            if dump != nil && rep == 1 { all.parameters += r.parameters }
            begin = end
        }
        if let dump, rep == 1 { try OutputTarget(dump, option: "--dump").write(Self.dumpCSV(fit, starts: starts, results: all)) }
        let best = all.objective.filter(\.isFinite).min() ?? .nan
        let reached = best.isFinite ? all.objective.filter { $0 <= best * (1 + 1e-6) }.count : 0
        let meanIterations = Double(all.iterations.reduce(0) { $0 + Int($1) }) / Double(count)
        var stateCounts = [String: Int]()
        for s in all.states { stateCounts[s.description, default: 0] += 1 }
        let flops = FlopCount(problem: problem, pointCount: fit.pointCount, parameterCount: np)
        let perFit = flops.perFit(meanIterations: meanIterations)
        return Line(
            problem: problem.rawValue, engine: engine.label, precision: engine.precision.rawValue, repetition: rep,
            fits: count, points: fit.pointCount, parameters: np, seconds: seconds,
            fitsPerSecond: Double(count) / seconds, bestObjective: best, reachedBestShare: Double(reached) / Double(count),
            meanIterations: meanIterations, states: stateCounts, flopsPerIteration: flops.perIteration, flopsPerFit: perFit,
            peakGflops: peakGflops, ceilingFitsPerSecond: peakGflops.map { $0 * 1e9 / perFit }, seed: seed)
    }

    /// Every fit: its start, its end point, objective, iterations and state.
    static func dumpCSV(_ fit: FitProblem, starts: [Double], results: FitResults) -> String {
        let np = fit.parameterCount, names = fit.model.parameterNames
        var csv = (names.map { "start_\($0)" } + names + ["objective", "iterations", "state"]).joined(separator: ",") + "\n"
        for i in results.objective.indices {
            let row = (0..<np).map { "\(starts[i * np + $0])" } + (0..<np).map { "\(results.parameters[i * np + $0])" }
                + ["\(results.objective[i])", "\(results.iterations[i])", results.states[i].description]
            csv += row.joined(separator: ",") + "\n"
        }
        return csv
    }

    static func seconds(since clock: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - clock
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    func printLine(_ line: Line) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        FileHandle.standardOutput.write(try encoder.encode(line) + Data("\n".utf8))
    }
}

/// Floating-point operations of one LM fit of B1 or B2, counted on the algorithm of LevenbergMarquardt.swift
/// (kernels/lm.cl is the same): + - * / and sqrt are 1 flop each, an FMA 2, exp and log 20 each (roughly
/// what a vectorised polynomial implementation costs); compares, abs and selects are free.
///
/// A fit is one pass over the points at the start plus, per iteration (trial step), one damped solve and one
/// pass over the points at the trial point: flops/fit = pass x (iterations + 1) + solve x iterations.
/// Per point a pass computes the model value and its Jacobian, the residual and loss, and accumulates the
/// gradient (np FMAs) and the upper triangle of the normal matrix (np multiplies + np(np+1)/2 FMAs).
struct FlopCount {
    static let expCost = 20.0
    static let logCost = 20.0

    let pass: Double
    let solve: Double

    init(problem: BenchCommand.Problem, pointCount n: Int, parameterCount np: Int) {
        let p = Double(np)
        let accumulate = 2 * p + p + p * (p + 1)  // gradient FMAs, t = wc * dj, Hessian FMAs
        let perPoint: Double
        switch problem {
        case .b1:
            // Loss law: 2 x (FMA + exp) for t1, t2; dfdp[2], dfdp[3]: 2 multiplies; value: 2 adds.
            let model = 2 * (2 + FlopCount.expCost) + 2 + 2
            // Log residual: 1/f, np multiplies, log, r = ln f - ln y.
            let logResidual = 1 + p + FlopCount.logCost + 1
            // Huber (linear zone, the common case): delta/|r|, delta(|r| - delta/2); f += w rho; w psi, w h.
            let loss = 1.0 + 2 + 2 + 2
            perPoint = model + logResidual + loss + accumulate
        case .b2:
            // Sigmoid: d = x - x0, -k d, exp, 1 + e, 1 / (.), a s (1 - s) (3), dfdp[1] (2), dfdp[2] (1), a s + b (2).
            let model = 1 + 2 + FlopCount.expCost + 1 + 1 + 3 + 2 + 1 + 2
            // r = f - y, rho = r^2/2 (2), f += w rho (2), w psi, w h (2).
            let loss = 1.0 + 2 + 2 + 2
            perPoint = model + loss + accumulate
        }
        pass = perPoint * Double(n)
        // Damped solve on np free parameters: diagonal (2 np), Cholesky (sum_u sum_{v<=u} v FMAs, np(np-1)/2
        // divisions, np square roots), two triangular solves (np(np-1)/2 FMAs + np divisions each), projected
        // step and norms (5 np), predicted decrease (np^2 FMAs + 3 np), accept/damping update (~10).
        var cholFMA = 0.0
        for u in 0..<np { for v in 0...u { cholFMA += Double(v) } }
        let tri = p * (p - 1) / 2
        solve = 2 * p + (2 * cholFMA + tri + p) + 2 * (2 * tri + p) + 5 * p + (2 * p * p + 3 * p) + 10
    }

    /// One iteration: one solve and one pass over the points.
    var perIteration: Double { pass + solve }

    func perFit(meanIterations it: Double) -> Double { pass * (it + 1) + solve * it }
}
