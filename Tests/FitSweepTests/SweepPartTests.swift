import FitEngine
import FitModels
import FitSweep
import Foundation
import Testing
import TestSupport

/// Shards merged equal the single run exactly: any split, any merge order, any chunk size. Three problems:
/// the sigmoid from symmetric starts (mirror images, canonicalised at finish only), Misra1a from a given
/// start with bootstrap groups, and Misra1a capped at 3 iterations (unusable fits, replicates without a
/// usable start).
@Suite struct SweepPartTests {
    static func problems() throws -> [(FitProblem, SweepPlan)] {
        var sigmoid = SweepPlan()
        sigmoid.starts = 9
        sigmoid.bootstrap = 4
        sigmoid.seed = 11
        sigmoid.startRanges = [StartRange(-1, 1), StartRange(-8, 8), StartRange(0, 1), StartRange(-1, 1)]
        sigmoid.landscapeLimit = 4
        let x = (0..<40).map { Double($0) / 39 }
        let y = x.enumerated().map { i, x in 0.6 / (1 + exp(-6 * (x - 0.5))) + 0.2 + 0.04 * ((Double(i) * 0.618).truncatingRemainder(dividingBy: 1) - 0.5) }
        let s = try FitProblem(model: SigmoidModel(), points: x.map { [$0] }, y: y, lower: [-10, -50, -1, -10], upper: [10, 50, 2, 10])

        let data = try NISTData(name: "Misra1a")
        var misra = SweepPlan()
        misra.starts = 6
        misra.bootstrap = 2
        misra.seed = 5
        misra.givenStart = data.start1
        let m = try FitProblem(model: Misra1aModel(), points: data.x, y: data.y, groups: data.y.indices.map { $0 / 2 })
        var capped = SolverOptions()
        capped.maxIterations = 3
        let c = try FitProblem(model: Misra1aModel(), points: data.x, y: data.y, options: capped)
        return [(s, sigmoid), (m, misra), (c, misra)]
    }

    /// The result's content (no engine label or seconds), as sorted JSON: NaN compares equal to NaN here.
    static func content(_ r: SweepResult) throws -> String {
        struct Content: Encodable {
            var best: FitOutcome, spread: StartsSpread, given: FitOutcome?, replicates: [FitOutcome], states: [StateCount], fits: Int
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let c = Content(best: r.best, spread: r.spread, given: r.givenStartOutcome, replicates: r.replicates, states: r.allStates, fits: r.totalFits)
        return String(decoding: try encoder.encode(c), as: UTF8.self)
    }

    @Test func shardsMergedInAnyOrderEqualTheSingleRun() throws {
        let engine = CPUEngine()
        for (problem, plan) in try Self.problems() {
            let single = try Self.content(Sweep.run(problem, plan: plan, engine: engine))
            for n in [1, 2, 3, 7, plan.totalFits + 2] {
                var chunked = plan
                chunked.chunkSize = 4
                let parts = try (0..<n).map { try Sweep.runPart(problem, plan: chunked, shard: Shard(index: $0, count: n), engine: engine) }
                #expect(parts.reduce(0) { $0 + $1.fits } == plan.totalFits)
                // In order, reversed, and interleaved (odd shards merged first, then folded into the evens).
                let orders = [Array(0..<n), Array((0..<n).reversed()), (0..<n).filter { $0 % 2 == 1 } + (0..<n).filter { $0 % 2 == 0 }]
                for order in orders {
                    let merged = order.dropFirst().reduce(parts[order[0]]) { $0.merged(with: parts[$1], nearBestTolerance: plan.nearBestTolerance) }
                    #expect(try Self.content(Sweep.finish(problem, plan: plan, part: merged)) == single, "n = \(n), order \(order)")
                }
                // A pairwise tree (another grouping) gives the same too.
                var level = parts
                while level.count > 1 {
                    level = stride(from: 0, to: level.count, by: 2).map { i in
                        i + 1 < level.count ? level[i].merged(with: level[i + 1], nearBestTolerance: plan.nearBestTolerance) : level[i]
                    }
                }
                #expect(try Self.content(Sweep.finish(problem, plan: plan, part: level[0])) == single, "n = \(n), tree")
            }
        }
    }

    @Test func aMissingShardIsRefusedAtFinish() throws {
        let (problem, plan) = try Self.problems()[1]
        let part = try Sweep.runPart(problem, plan: plan, shard: Shard(index: 0, count: 2), engine: CPUEngine())
        #expect(throws: FitError.self) { try Sweep.finish(problem, plan: plan, part: part) }
    }

    @Test func shardRangesCoverTheFitsOnceInOrder() {
        for total in [1, 5, 20, 21, 1000] {
            for n in [1, 2, 7, 30] {
                let ranges = (0..<n).map { Shard(index: $0, count: n).fits(of: total) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == total)
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            }
        }
        #expect(Shard(parsing: "3/7") == Shard(index: 3, count: 7))
        for bad in ["7/7", "-1/2", "1/0", "1", "a/b", "1/2/3", ""] { #expect(Shard(parsing: bad) == nil, "\(bad)") }
    }
}
