import CSVReading
import FitEngine
import FitModels
import FitSweep
import Foundation

/// How many fits the ladder job runs.
public struct LadderSettings: Sendable {
    /// Starts per fit; the published start is start 0, the rest random.
    public var starts = 16
    public var bootstrap = 100
    public var seed: UInt64 = 0
    public var chunkSize = SweepPlan.defaultChunkSize
    /// The paper's procedure exactly: the published single start, no multi-start.
    public var paper = false
    public var version = "dev"

    public init() {}

    /// Starts each fit runs: one under `paper`, else `starts` (the one place `paper` overrides it).
    public var effectiveStarts: Int { paper ? 1 : starts }
}

/// Fits the two-step law per task and predicts each target, with bootstrap over ladder runs.
///
/// Bootstrap: replicate r draws the ladder runs with replacement (a run's checkpoints move together); step 1
/// and step 2 of that replicate see the same draw (both problems group points by run index and the sweep's
/// resample is a function of (seed, r) only), and the chained prediction of replicate r uses both.
public struct LadderFitter {
    public let ladder: Ladder
    public let method: LadderMethod
    public let settings: LadderSettings
    public let engine: any FitEngine
    /// Advanced as fits are taken up (across all tasks and steps); see `plannedFits` for the total.
    public var progress: FitProgress?

    public init(ladder: Ladder, method: LadderMethod, settings: LadderSettings, engine: any FitEngine) {
        self.ladder = ladder
        self.method = method
        self.settings = settings
        self.engine = engine
    }

    /// The whole job on this machine: every sweep run, then assembled.
    public func run() throws -> LadderResult {
        let clock = ContinuousClock.now
        let sweeps = try sweeps()
        let results = try sweeps.map { try Sweep.run($0.problem, plan: $0.plan, engine: engine, progress: progress) }
        let elapsed = ContinuousClock.now - clock
        return assemble(sweeps, results: results, engineLabel: engine.label,
                        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// Shard `shard` of every sweep of the job, one part per sweep in `sweeps()` order.
    public func runParts(shard: Shard) throws -> [SweepPart] {
        try sweeps().map { try Sweep.runPart($0.problem, plan: $0.plan, shard: shard, engine: engine, progress: progress) }
    }

    /// The job's result from the merged parts of all its sweeps (in `sweeps()` order).
    public func finish(parts: [SweepPart], engineLabel: String, seconds: Double) throws -> LadderResult {
        let sweeps = try sweeps()
        guard parts.count == sweeps.count else {
            throw FitError.invalidProblem("\(parts.count) sweep parts for a job of \(sweeps.count) sweeps")
        }
        let results = try zip(sweeps, parts).map { try Sweep.finish($0.problem, plan: $0.plan, part: $1) }
        return assemble(sweeps, results: results, engineLabel: engineLabel, seconds: seconds)
    }

    /// The job's result from the finished sweeps, one per entry of `sweeps`.
    public func assemble(_ sweeps: [LadderSweep], results: [SweepResult], engineLabel: String, seconds: Double) -> LadderResult {
        func find(_ task: String, _ step: LadderSweep.Step) -> (StepFit, SweepResult)? {
            // The c4 intermediate's step 1 is one sweep (under the first task), shared by every task.
            let shared = step == .step1 && method.intermediate == .c4
            guard let i = sweeps.firstIndex(where: { $0.step == step && (shared || $0.task == task) }) else { return nil }
            return (stepFit(sweeps[i], results[i]), results[i])
        }
        let tasks = ladder.tasks.map { task -> TaskResult in
            if let single = find(task, .singleStep) {
                return TaskResult(task: task, step1: nil, step2: nil, singleStep: single.0,
                                  predictions: predictSingle(task: task, fit: single.0, sweep: single.1))
            }
            let step1 = find(task, .step1)!, step2 = find(task, .step2)!
            return TaskResult(task: task, step1: step1.0, step2: step2.0, singleStep: nil,
                              predictions: predict(task: task, step1: step1, step2: step2))
        }
        let info = LadderRunInfo(
            source: ladder.source, runs: ladder.runs.map(\.name), targets: ladder.targets.map(\.name), method: method,
            starts: settings.effectiveStarts, bootstrap: settings.bootstrap, seed: settings.seed, paper: settings.paper,
            engine: engineLabel, version: settings.version, fits: results.reduce(0) { $0 + $1.totalFits }, seconds: seconds)
        return LadderResult(info: info, tasks: tasks)
    }

    // MARK: steps

    /// The fits `run()` makes: per task, step 1 (shared by all tasks for the c4 intermediate) and step 2, or
    /// the single step; each `starts x (bootstrap + 1)`. With a shard, that shard's share.
    public func plannedFits(shard: Shard = .whole) -> Int {
        let perSweep = shard.fits(of: plan(start: [], ranges: nil).totalFits).count
        if method.singleStep { return ladder.tasks.count * perSweep }
        let step1Sweeps = method.intermediate == .c4 ? min(1, ladder.tasks.count) : ladder.tasks.count
        return (step1Sweeps + ladder.tasks.count) * perSweep
    }

    public var plannedFits: Int { plannedFits() }

    func plan(start: [Double], ranges: [StartRange]?) -> SweepPlan {
        var plan = SweepPlan()
        plan.starts = settings.effectiveStarts
        plan.bootstrap = settings.bootstrap
        plan.seed = settings.seed
        plan.chunkSize = settings.chunkSize
        plan.givenStart = start
        plan.startRanges = ranges
        return plan
    }

    /// The job's sweeps in run order: per task the single step, or step 1 (once for the c4 intermediate)
    /// and step 2. The ladder is validated first.
    public func sweeps() throws -> [LadderSweep] {
        try ladder.validate(needsTaskCE: method.intermediate == .taskCE, needsC4: method.intermediate == .c4,
                            needsFlops: method.step1Form == .compute)
        var sweeps = [LadderSweep]()
        for task in ladder.tasks {
            if method.singleStep {
                sweeps.append(try singleStepSweep(task: task))
                continue
            }
            if method.intermediate != .c4 || !sweeps.contains(where: { $0.step == .step1 }) {
                let problem = try step1Problem(task: task)
                sweeps.append(LadderSweep(task: task, step: .step1, problem: problem, plan: plan(start: method.step1Start, ranges: nil),
                                          observed: problem.y.map { exp($0) }))  // y holds ln L (log residuals)
            }
            let (problem, ideal) = try step2Problem(task: task)
            let count = problem.pointCount - (ideal ? 1 : 0)
            sweeps.append(LadderSweep(task: task, step: .step2, problem: problem,
                                      plan: plan(start: method.step2Start(chance: ladder.chanceLevel(task)), ranges: method.step2StartRanges),
                                      observed: Array(problem.y.prefix(count))))
        }
        return sweeps
    }

    /// Step 1 problem: one point per run, (N, D) or F -> the intermediate averaged over the last rows.
    public func step1Problem(task: String) throws -> FitProblem {
        let points = ladder.runs.map { method.step1Inputs(n: $0.n, d: $0.finalTokens, flopsPerToken: $0.flopsPerToken) }
        let y = try ladder.runs.map { try method.step1Value($0, task: task) }
        return try FitProblem(model: method.step1Model, points: points, y: y, groups: ladder.runs.indices.map { $0 },
                              groupCount: ladder.runs.count, loss: .huber(delta: method.huberDelta), residualSpace: .log,
                              lower: method.step1Lower, upper: method.step1Upper)
    }

    /// Step 2 problem: every kept checkpoint of every run, plus the ideal point (never resampled).
    public func step2Problem(task: String) throws -> (FitProblem, ideal: Bool) {
        var points = [[Double]](), y = [Double](), groups = [Int?]()
        for (r, run) in ladder.runs.enumerated() {
            let (x, acc) = try method.step2Points(run, task: task)
            points += x.map { [$0] }
            y += acc
            groups += [Int?](repeating: r, count: x.count)
        }
        if method.idealPoint {
            points.append([0])
            y.append(1)
            groups.append(nil)
        }
        let problem = try FitProblem(model: method.step2Model, points: points, y: y, groups: groups, groupCount: ladder.runs.count,
                                     loss: .leastSquares, residualSpace: .linear, lower: method.step2Lower, upper: method.step2Upper)
        return (problem, method.idealPoint)
    }

    func singleStepSweep(task: String) throws -> LadderSweep {
        let points = ladder.runs.map { [$0.n, $0.finalTokens] }
        let y = try ladder.runs.map { run -> Double in
            let acc = (run.tasks[task]?.accuracy ?? []).suffix(5)
            guard !acc.isEmpty, acc.allSatisfy({ $0 != nil }) else { throw InputError("run '\(run.name)': \(task) accuracy missing in its last 5 rows") }
            return acc.reduce(0) { $0 + $1! } / Double(acc.count)
        }
        let problem = try FitProblem(model: method.singleStepModel, points: points, y: y, groups: ladder.runs.indices.map { $0 },
                                     groupCount: ladder.runs.count, loss: .huber(delta: method.huberDelta), residualSpace: .log)
        return LadderSweep(task: task, step: .singleStep, problem: problem,
                           plan: plan(start: method.singleStepStart(chance: ladder.chanceLevel(task)), ranges: nil), observed: y)
    }

    /// Mean |pred - obs| / obs over the first `count` points (raw, untransformed observations).
    func fitError(_ problem: FitProblem, _ p: [Double], observed: [Double], count: Int) -> Double {
        let nv = problem.variableCount
        var grad = [Double](repeating: 0, count: problem.parameterCount)
        var total = 0.0
        for i in 0..<count {
            let value = p.withUnsafeBufferPointer { pp in
                problem.x.withUnsafeBufferPointer { xp in
                    grad.withUnsafeMutableBufferPointer { problem.model.evaluate(pp.baseAddress!, xp.baseAddress! + i * nv, $0.baseAddress!) }
                }
            }
            total += abs(value - observed[i]) / observed[i]
        }
        return total / Double(count)
    }

    func stepFit(_ step: LadderSweep, _ sweep: SweepResult) -> StepFit {
        let problem = step.problem
        let fitError = fitError(problem, sweep.best.parameters, observed: step.observed, count: step.observed.count)
        var published: PublishedStartFit?
        if !settings.paper, let g = sweep.givenStartOutcome {
            published = PublishedStartFit(parameters: g.parameters, objective: g.objective, state: g.state,
                                          objectiveImprovement: (g.objective - sweep.best.objective) / g.objective)
        }
        return StepFit(
            model: problem.model.name, parameterNames: problem.model.parameterNames, parameters: sweep.best.parameters,
            objective: sweep.best.objective, state: sweep.best.state, iterations: sweep.best.iterations, fitError: fitError,
            points: problem.pointCount, starts: sweep.spread.starts, startsReachedBest: sweep.spread.reachedBest,
            nearBestTolerance: sweep.spread.tolerance, startStates: sweep.spread.states, nearBestLow: sweep.spread.nearBestLow,
            nearBestHigh: sweep.spread.nearBestHigh, publishedStart: published,
            bootstrap: settings.bootstrap > 0 ? sweep.parameterDistributions() : [], usableReplicates: sweep.usableReplicates.count,
            replicateParameters: sweep.usableReplicates.map(\.parameters), startObjectives: sweep.spread.objectives)
    }

    // MARK: predictions

    func targetInputs(_ t: LadderTarget) -> [Double] { method.step1Inputs(n: t.n, d: t.d, flopsPerToken: t.flopsPerToken) }

    func actuals(_ t: LadderTarget, task: String) -> (x: Double?, accuracy: Double?) {
        var x: Double?, acc: Double?
        if let run = t.run { (x, acc) = method.actualValues(run, task: task) }
        return (x ?? t.actualLoss[task], acc ?? t.actualAccuracy[task])
    }

    func predict(task: String, step1: (StepFit, SweepResult), step2: (StepFit, SweepResult)) -> [TargetPrediction] {
        let m1 = method.step1Model, m2 = method.step2Model
        return ladder.targets.map { target in
            let inputs = targetInputs(target)
            let (actualX, actualAcc) = actuals(target, task: task)
            let predictedX = m1.value(parameters: step1.0.parameters, at: inputs)
            let chained = m2.value(parameters: step2.0.parameters, at: [predictedX])
            var xBoot: Distribution?, accBoot: Distribution?
            if settings.bootstrap > 0 {
                var xs = [Double](), accs = [Double]()
                for (a, b) in zip(step1.1.replicates, step2.1.replicates) where a.state.isUsable && b.state.isUsable {
                    let x = m1.value(parameters: a.parameters, at: inputs)
                    xs.append(x)
                    accs.append(m2.value(parameters: b.parameters, at: [x]))
                }
                xBoot = Distribution(xs)
                accBoot = Distribution(accs)
            }
            var publishedAcc: Double?
            if let p1 = step1.0.publishedStart, let p2 = step2.0.publishedStart, p1.state.isUsable, p2.state.isUsable {
                publishedAcc = m2.value(parameters: p2.parameters, at: [m1.value(parameters: p1.parameters, at: inputs)])
            }
            return TargetPrediction(
                target: target.name, actualX: actualX, predictedX: predictedX, predictedXBootstrap: xBoot, actualAccuracy: actualAcc,
                step2OnlyAccuracy: actualX.map { m2.value(parameters: step2.0.parameters, at: [$0]) }, predictedAccuracy: chained,
                predictedAccuracyBootstrap: accBoot, publishedStartAccuracy: publishedAcc)
        }
    }

    func predictSingle(task: String, fit: StepFit, sweep: SweepResult) -> [TargetPrediction] {
        let model = method.singleStepModel
        return ladder.targets.map { target in
            let inputs = [target.n, target.d]
            let (_, actualAcc) = actuals(target, task: task)
            var boot: Distribution?
            if settings.bootstrap > 0 {
                boot = Distribution(sweep.replicates.filter { $0.state.isUsable }.map { model.value(parameters: $0.parameters, at: inputs) })
            }
            var published: Double?
            if let p = fit.publishedStart, p.state.isUsable { published = model.value(parameters: p.parameters, at: inputs) }
            return TargetPrediction(
                target: target.name, actualX: nil, predictedX: nil, predictedXBootstrap: nil, actualAccuracy: actualAcc,
                step2OnlyAccuracy: nil, predictedAccuracy: model.value(parameters: fit.parameters, at: inputs),
                predictedAccuracyBootstrap: boot, publishedStartAccuracy: published)
        }
    }
}
