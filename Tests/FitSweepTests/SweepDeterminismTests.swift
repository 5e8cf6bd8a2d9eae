import FitEngine
import FitModels
import FitSweep
import Numerics
import Testing
import TestSupport

/// Same seed, same answer: on one engine bit for bit whatever the chunking; across engines to 1e-9.
@Suite struct SweepDeterminismTests {
    static func misra(bootstrapGroups: Bool = false) throws -> FitProblem {
        let data = try NISTData(name: "Misra1a")
        return try FitProblem(model: Misra1aModel(), points: data.x, y: data.y,
                              groups: bootstrapGroups ? data.y.indices.map { $0 / 2 } : nil)
    }

    static func plan(chunk: Int) -> SweepPlan {
        var plan = SweepPlan()
        plan.starts = 40
        plan.bootstrap = 12
        plan.seed = 20261128
        plan.chunkSize = chunk
        return plan
    }

    @Test(arguments: TestEngines.all)
    func chunkSizeChangesNothing(engine: TestEngine) throws {
        let problem = try Self.misra(bootstrapGroups: true)
        let e = try engine.make()
        let a = try Sweep.run(problem, plan: Self.plan(chunk: 1 << 18), engine: e)
        let b = try Sweep.run(problem, plan: Self.plan(chunk: 7), engine: e)
        let c = try Sweep.run(problem, plan: Self.plan(chunk: 40), engine: e)
        for other in [b, c] {
            #expect(other.best == a.best)
            #expect(other.replicates == a.replicates)
            #expect(other.spread.reachedBest == a.spread.reachedBest)
            #expect(other.allStates == a.allStates)
        }
    }

    /// Chwirut2 with bootstrap over groups of points: the best fit of every replicate has the same objective to
    /// 1e-12 on both engines, and the same parameters to 1e-7. Parameters cannot agree more closely than the
    /// objective resolves them: near the minimum F changes by one rounding unit over a relative parameter
    /// change of about sqrt(eps) x (conditioning), so two correct solvers, or two starts on one engine,
    /// stop up to ~1e-8 apart.
    @Test func enginesGiveTheSameBestFits() throws {
        let data = try NISTData(name: "Chwirut2")
        let problem = try FitProblem(model: ChwirutModel(), points: data.x, y: data.y, groups: data.y.indices.map { $0 / 3 })
        var plan = Self.plan(chunk: 100)
        plan.givenStart = data.start2
        let cpu = try Sweep.run(problem, plan: plan, engine: CPUEngine())
        for gpu in TestEngines.openCL {
            plan.chunkSize = 333
            let other = try Sweep.run(problem, plan: plan, engine: gpu.make())
            func close(_ x: FitOutcome, _ y: FitOutcome) -> Bool {
                zip(x.parameters, y.parameters).allSatisfy { $0.isApproximatelyEqual(to: $1, relativeTolerance: 1e-7) }
                    && x.objective.isApproximatelyEqual(to: y.objective, relativeTolerance: 1e-12)
            }
            #expect(close(cpu.best, other.best), "\(cpu.best) vs \(other.best)")
            for (x, y) in zip(cpu.replicates, other.replicates) { #expect(close(x, y), "\(x) vs \(y)") }
        }
    }

    @Test func aDifferentSeedGivesDifferentStartsAndResamples() {
        var p = Self.plan(chunk: 10)
        var a = [Double](), b = [Double]()
        p.startPoint(replicate: 1, start: 3, ranges: Misra1aModel().parameters.map(\.startRange), into: &a)
        let ra = p.resample(replicate: 1, groupCount: 16)
        p.seed += 1
        p.startPoint(replicate: 1, start: 3, ranges: Misra1aModel().parameters.map(\.startRange), into: &b)
        #expect(a != b)
        #expect(ra != p.resample(replicate: 1, groupCount: 16))
    }

    @Test func drawsArePureFunctionsOfTheirCounters() {
        let forward = (0..<1000).map { CounterRandom.uniform(seed: 7, stream: .startPoint, replicate: 2, index: $0) }
        let backward = (0..<1000).reversed().map { CounterRandom.uniform(seed: 7, stream: .startPoint, replicate: 2, index: $0) }
        #expect(forward == Array(backward.reversed()))
        #expect(forward.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = forward.reduce(0, +) / 1000
        #expect(abs(mean - 0.5) < 0.05)
    }

    @Test func resamplesDrawEveryGroupWithReplacement() {
        let plan = Self.plan(chunk: 1)
        var total = [Double](repeating: 0, count: 16)
        for r in 1...400 {
            let m = plan.resample(replicate: r, groupCount: 16)
            #expect(m.reduce(0, +) == 16)
            for g in 0..<16 { total[g] += m[g] }
        }
        // Each group is drawn about once per replicate on average.
        #expect(total.allSatisfy { abs($0 / 400 - 1) < 0.2 })
    }

    @Test func givenStartIsStartZeroOfEveryReplicate() throws {
        var plan = Self.plan(chunk: 50)
        plan.givenStart = [500, 1e-4]
        let result = try Sweep.run(try Self.misra(), plan: plan, engine: CPUEngine())
        let given = try #require(result.givenStartOutcome)
        #expect(given.start == 0)
        // NIST start 1 reaches the certified minimum, so the best can be no lower than it by more than rounding.
        #expect(result.best.objective <= given.objective)
        #expect(given.objective.isApproximatelyEqual(to: result.best.objective, relativeTolerance: 1e-9))
    }

    @Test func spreadCountsStartsWithinTheTolerance() throws {
        let problem = try Self.misra()
        var plan = Self.plan(chunk: 64)
        plan.bootstrap = 0
        plan.starts = 64
        let result = try Sweep.run(problem, plan: plan, engine: CPUEngine())
        // The same starts solved directly, counted by hand.
        var starts = [Double]()
        let ranges = Misra1aModel().parameters.map(\.startRange)
        for s in 0..<64 { plan.startPoint(replicate: 0, start: s, ranges: ranges, into: &starts) }
        let direct = try CPUEngine().solve(problem, starts: starts, weightSets: nil)
        let best = direct.objective.filter { !$0.isNaN }.min()!
        #expect(result.best.objective == best)
        #expect(result.spread.reachedBest == direct.objective.filter { $0 <= best * (1 + 1e-6) }.count)
        #expect(result.spread.states.map(\.count).reduce(0, +) == 64)
        #expect(result.spread.objectives.count == 64)
    }
}
