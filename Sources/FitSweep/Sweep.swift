import FitEngine
import FitModels
import Foundation

/// Runs a plan: fits are ordered (replicate, start), cut into chunks of `plan.chunkSize`, solved by the
/// engine, and reduced as each chunk finishes (best per replicate, spread of replicate 0), so memory stays
/// bounded by the chunk size, the replicate count and replicate 0's starts, never by the total fits.
/// Ties between equal objectives go to the lower start index, so the answer does not depend on chunking.
/// Best fits (and the near-best range) are reported in the model's canonical form (`FitModel.canonicalize`).
public enum Sweep {
    public static func run(
        _ problem: FitProblem, plan: SweepPlan, engine: any FitEngine,
        progress: FitProgress? = nil
    ) throws -> SweepResult {
        let np = problem.parameterCount
        try plan.validate(parameterCount: np)
        let ranges = plan.startRanges ?? problem.model.parameters.map(\.startRange)
        let clock = ContinuousClock.now
        let total = plan.totalFits
        let replicateCount = plan.bootstrap + 1

        var bestOf = [FitOutcome?](repeating: nil, count: replicateCount)
        var stateTally = [Int](repeating: 0, count: FitState.allCases.count + 1)
        var zeroStates = [Int](repeating: 0, count: FitState.allCases.count + 1)
        var zeroIterations = 0
        var landscape = [Double]()
        let landscapeStride = max(1, (plan.starts + plan.landscapeLimit - 1) / plan.landscapeLimit)
        // Near-best candidates of replicate 0, pruned whenever the best improves (exact, see StartsSpread).
        var nearBest = [(objective: Double, parameters: ArraySlice<Double>)]()
        var zeroBest = Double.infinity
        var givenStartOutcome: FitOutcome?

        var next = 0
        while next < total {
            let count = min(plan.chunkSize, total - next)
            var starts = [Double]()
            starts.reserveCapacity(count * np)
            var setOfFit = [Int32]()
            setOfFit.reserveCapacity(count)
            var multiplicity = [Double]()
            var setIndex = [Int: Int32]()
            for fit in next..<(next + count) {
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
            let results = try engine.solve(problem, starts: starts, weightSets: weightSets, progress: progress)
            for i in 0..<count {
                let fit = next + i
                let r = fit / plan.starts, s = fit % plan.starts
                let state = results.states[i]
                stateTally[Int(state.rawValue)] += 1
                let objective = state.isUsable ? results.objective[i] : .nan
                let params = results.parameters[i * np..<(i + 1) * np]
                if state.isUsable, objective < (bestOf[r]?.objective ?? .infinity) {
                    bestOf[r] = FitOutcome(parameters: Array(params), objective: objective,
                                           iterations: Int(results.iterations[i]), state: state, start: s)
                } else if bestOf[r] == nil && !state.isUsable && s == plan.starts - 1 {
                    // No usable start at all: keep the last start's outcome so the replicate reports its state.
                    bestOf[r] = FitOutcome(parameters: Array(params), objective: .nan,
                                           iterations: Int(results.iterations[i]), state: state, start: s)
                }
                guard r == 0 else { continue }
                if s == 0 && plan.givenStart != nil {
                    givenStartOutcome = FitOutcome(parameters: Array(params), objective: objective,
                                                   iterations: Int(results.iterations[i]), state: state, start: 0)
                }
                zeroStates[Int(state.rawValue)] += 1
                zeroIterations += Int(results.iterations[i])
                if s % landscapeStride == 0 { landscape.append(objective) }
                if state.isUsable {
                    if objective < zeroBest {
                        zeroBest = objective
                        nearBest.removeAll { $0.objective > zeroBest * (1 + plan.nearBestTolerance) }
                    }
                    if objective <= zeroBest * (1 + plan.nearBestTolerance) { nearBest.append((objective, params)) }
                }
            }
            next += count
        }

        // Every reported parameter set is in the model's canonical form (one of the mirror images of the same
        // curve, see FitModel.canonicalize) before any statistics, so means, SDs and ranges do not mix them.
        // The objective is unchanged: it is the same curve. Selection above ran on the raw fits, so ties and
        // chunking behave as before.
        func canonical(_ outcome: FitOutcome?) -> FitOutcome? {
            guard var o = outcome, problem.model.hasCanonicalForm else { return outcome }
            problem.model.canonicalize(&o.parameters, lower: problem.lower, upper: problem.upper)
            return o
        }
        bestOf = bestOf.map(canonical)
        givenStartOutcome = canonical(givenStartOutcome)

        let best = bestOf[0] ?? FitOutcome(parameters: [Double](repeating: .nan, count: np), objective: .nan,
                                            iterations: 0, state: .nonFinite, start: 0)
        var low = [Double](repeating: .nan, count: np), high = [Double](repeating: .nan, count: np)
        for (_, slice) in nearBest {
            var p = Array(slice)
            if problem.model.hasCanonicalForm { problem.model.canonicalize(&p, lower: problem.lower, upper: problem.upper) }
            for j in 0..<np {
                let v = p[j]
                low[j] = low[j].isNaN ? v : min(low[j], v)
                high[j] = high[j].isNaN ? v : max(high[j], v)
            }
        }
        func counts(_ tally: [Int]) -> [StateCount] { FitState.allCases.map { StateCount(state: $0, count: tally[Int($0.rawValue)]) } }
        let spread = StartsSpread(
            starts: plan.starts, reachedBest: nearBest.count, tolerance: plan.nearBestTolerance, states: counts(zeroStates),
            nearBestLow: low, nearBestHigh: high, meanIterations: Double(zeroIterations) / Double(plan.starts),
            objectives: landscape)
        let replicates = (1..<replicateCount).map { r in
            bestOf[r] ?? FitOutcome(parameters: [Double](repeating: .nan, count: np), objective: .nan, iterations: 0,
                                    state: .nonFinite, start: 0)
        }
        let elapsed = ContinuousClock.now - clock
        return SweepResult(
            parameterNames: problem.model.parameterNames, best: best, spread: spread, givenStartOutcome: givenStartOutcome, replicates: replicates,
            allStates: counts(stateTally), totalFits: total, engineLabel: engine.label,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}
