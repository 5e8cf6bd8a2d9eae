import FitEngine
import FitModels
import Foundation

/// Runs a plan: fits are ordered (replicate, start), cut into chunks of `plan.chunkSize`, solved by the
/// engine, and reduced as each chunk finishes into a `SweepPart` (best per replicate, spread of replicate 0),
/// so memory stays bounded by the chunk size, the replicates touched and replicate 0's starts, never by the
/// total fits. Ties between equal objectives go to the lower start index, so the answer does not depend on
/// chunking, nor on how the fits are split into shards (`runPart`, `SweepPart.merged`, `finish`).
/// Best fits (and the near-best range) are reported in the model's canonical form (`FitModel.canonicalize`).
public enum Sweep {
    /// The whole sweep: one range, one part, finished.
    public static func run(
        _ problem: FitProblem, plan: SweepPlan, engine: any FitEngine,
        progress: FitProgress? = nil
    ) throws -> SweepResult {
        try finish(problem, plan: plan, part: runPart(problem, plan: plan, shard: .whole, engine: engine, progress: progress))
    }

    /// Runs shard `shard` of the plan's fits (`Shard.fits(of:)`) into a part.
    public static func runPart(
        _ problem: FitProblem, plan: SweepPlan, shard: Shard, engine: any FitEngine,
        progress: FitProgress? = nil
    ) throws -> SweepPart {
        let np = problem.parameterCount
        try plan.validate(parameterCount: np)
        let ranges = plan.startRanges ?? problem.model.parameters.map(\.startRange)
        let clock = ContinuousClock.now
        let fits = shard.fits(of: plan.totalFits)
        var part = SweepPart()
        var next = fits.lowerBound
        while next < fits.upperBound {
            let chunk = next..<min(next + plan.chunkSize, fits.upperBound)
            let (starts, weightSets) = batch(chunk, problem: problem, plan: plan, ranges: ranges)
            let results = try engine.solve(problem, starts: starts, weightSets: weightSets, progress: progress)
            for (i, fit) in chunk.enumerated() {
                let state = results.states[i]
                part.add(replicate: fit / plan.starts, start: fit % plan.starts, state: state,
                         objective: state.isUsable ? results.objective[i] : .nan,
                         parameters: results.parameters[i * np..<(i + 1) * np], iterations: Int(results.iterations[i]),
                         plan: plan, landscapeStride: landscapeStride(plan))
            }
            next = chunk.upperBound
        }
        let elapsed = ContinuousClock.now - clock
        part.engineLabel = engine.label
        part.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return part
    }

    /// Every `landscapeStride`-th start of replicate 0 is kept for the landscape (at most `landscapeLimit`).
    static func landscapeStride(_ plan: SweepPlan) -> Int { max(1, (plan.starts + plan.landscapeLimit - 1) / plan.landscapeLimit) }

    /// Start points and weight sets of one chunk of fits: a resample is drawn once per replicate in the chunk.
    static func batch(_ chunk: Range<Int>, problem: FitProblem, plan: SweepPlan, ranges: [StartRange]) -> ([Double], WeightSets?) {
        var starts = [Double]()
        starts.reserveCapacity(chunk.count * problem.parameterCount)
        var setOfFit = [Int32]()
        setOfFit.reserveCapacity(chunk.count)
        var multiplicity = [Double]()
        var setIndex = [Int: Int32]()
        for fit in chunk {
            let r = fit / plan.starts, s = fit % plan.starts
            plan.startPoint(replicate: r, start: s, ranges: ranges, into: &starts)
            if r == 0 {
                setOfFit.append(-1)
            } else if let k = setIndex[r] {
                setOfFit.append(k)
            } else {
                let k = Int32(setIndex.count)
                setIndex[r] = k
                multiplicity += plan.resample(replicate: r, groupCount: problem.groupCount)
                setOfFit.append(k)
            }
        }
        let weightSets = setIndex.isEmpty ? nil
            : WeightSets(groupCount: problem.groupCount, multiplicity: multiplicity, setOfFit: setOfFit)
        return (starts, weightSets)
    }

    /// The result of the part of all the plan's fits (one run's, or shards' merged).
    ///
    /// Throws `FitError.invalidProblem` when the part does not hold every fit of the plan.
    public static func finish(_ problem: FitProblem, plan: SweepPlan, part: SweepPart) throws -> SweepResult {
        let np = problem.parameterCount
        let replicateCount = plan.bootstrap + 1
        guard part.fits == plan.totalFits, part.replicates.count == replicateCount, let original = part.original else {
            throw FitError.invalidProblem("a sweep part holds \(part.fits) of \(plan.totalFits) fits; every shard must be merged")
        }
        // Every reported parameter set is in the model's canonical form (one of the mirror images of the same
        // curve, see FitModel.canonicalize) before any statistics, so means, SDs and ranges do not mix them.
        // The objective is unchanged: it is the same curve. Selection ran on the raw fits, so ties, chunking
        // and shards behave as before.
        func canonical(_ p: [Double]) -> [Double] {
            guard problem.model.hasCanonicalForm else { return p }
            var p = p
            problem.model.canonicalize(&p, lower: problem.lower, upper: problem.upper)
            return p
        }
        func canonical(_ outcome: FitOutcome?) -> FitOutcome? { outcome.map { var o = $0; o.parameters = canonical(o.parameters); return o } }
        let failed = FitOutcome(parameters: [Double](repeating: .nan, count: np), objective: .nan, iterations: 0, state: .nonFinite, start: 0)
        let bestOf = part.replicates.map { canonical($0.best ?? $0.lastUnusable) ?? failed }

        var low = [Double](repeating: .nan, count: np), high = [Double](repeating: .nan, count: np)
        for near in original.nearBest {
            let p = canonical(near.parameters ?? [])
            for j in 0..<np {
                low[j] = low[j].isNaN ? p[j] : min(low[j], p[j])
                high[j] = high[j].isNaN ? p[j] : max(high[j], p[j])
            }
        }
        func counts(_ tally: [Int]) -> [StateCount] { FitState.allCases.map { StateCount(state: $0, count: tally[Int($0.rawValue)]) } }
        let spread = StartsSpread(
            starts: plan.starts, reachedBest: original.nearBest.count, tolerance: plan.nearBestTolerance, states: counts(original.states),
            nearBestLow: low, nearBestHigh: high, meanIterations: Double(original.iterations) / Double(plan.starts),
            objectives: original.landscape.map(\.objective))
        return SweepResult(
            parameterNames: problem.model.parameterNames, best: bestOf[0], spread: spread,
            givenStartOutcome: canonical(original.givenStart), replicates: Array(bestOf.dropFirst()),
            allStates: counts(part.states), totalFits: plan.totalFits, engineLabel: part.engineLabel, seconds: part.seconds)
    }
}
