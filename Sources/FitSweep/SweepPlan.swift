import FitEngine
import FitModels

/// What a sweep runs: for replicate 0 (the data as given) and for each of `bootstrap` resamples, `starts`
/// fits from different start points, keeping the best per replicate.
public struct SweepPlan: Sendable {
    /// Start points per replicate (>= 1).
    public var starts: Int = 100
    /// Bootstrap replicates in addition to the original data (>= 0).
    public var bootstrap: Int = 0
    public var seed: UInt64 = 0
    /// Ranges random starts are drawn from, one per parameter (default: the model's).
    public var startRanges: [StartRange]? = nil
    /// A given start point; when set it is start 0 of every replicate, the rest are random.
    public var givenStart: [Double]? = nil
    /// Fits per engine call: bounds host and device memory whatever the total.
    public var chunkSize: Int = SweepPlan.defaultChunkSize
    /// A start "reached the best" when its objective <= best * (1 + nearBestTolerance).
    public var nearBestTolerance: Double = 1e-6
    /// Objectives of replicate 0 kept for the multi-start landscape (an evenly spaced subset beyond this).
    public var landscapeLimit: Int = 100_000

    public init() {}

    /// The limits and defaults every command shows and checks (one home: the CLI's options use these).
    public static let startsLimit = 1...100_000_000
    public static let bootstrapLimit = 0...10_000_000
    public static let defaultChunkSize = 1 << 18

    public var totalFits: Int { starts * (bootstrap + 1) }

    public func validate(parameterCount: Int) throws {
        func fail(_ m: String) -> FitError { FitError.invalidOption(m) }
        if let message = Self.check(starts: starts, bootstrap: bootstrap, chunkSize: chunkSize) { throw fail(message) }
        if let r = startRanges {
            guard r.count == parameterCount else { throw fail("start ranges: \(r.count) given, model has \(parameterCount) parameters") }
            for (j, range) in r.enumerated() {
                guard range.low.isFinite, range.high.isFinite, range.low <= range.high else {
                    throw fail("start range \(j + 1) = \(range.low)..\(range.high); must be finite with low <= high")
                }
                if range.logUniform && !range.isValidLogRange { throw fail("log-uniform start range \(j + 1) needs both ends non-zero and of one sign") }
            }
        }
        if let s = givenStart {
            guard s.count == parameterCount else { throw fail("start has \(s.count) values; model has \(parameterCount) parameters") }
            guard s.allSatisfy(\.isFinite) else { throw fail("start has a non-finite value") }
        }
    }

    /// What is wrong with these sizes, in the CLI's option names, or nil.
    public static func check(starts: Int, bootstrap: Int, chunkSize: Int) -> String? {
        if !startsLimit.contains(starts) { return "--starts \(starts): must be >= \(startsLimit.lowerBound) and <= \(startsLimit.upperBound)" }
        if !bootstrapLimit.contains(bootstrap) { return "--bootstrap \(bootstrap): must be >= \(bootstrapLimit.lowerBound) and <= \(bootstrapLimit.upperBound)" }
        if chunkSize < 1 { return "--chunk-size \(chunkSize): must be >= 1" }
        return nil
    }

    /// Start point of (replicate, start), a pure function of the seed and those two integers.
    public func startPoint(replicate: Int, start: Int, ranges: [StartRange], into out: inout [Double]) {
        if start == 0, let given = givenStart {
            out.append(contentsOf: given)
            return
        }
        for (j, range) in ranges.enumerated() {
            let u = CounterRandom.uniform(seed: seed, stream: .startPoint, replicate: replicate, index: start, component: j)
            out.append(range.value(at: u))
        }
    }

    /// Group multiplicities of bootstrap replicate r >= 1: groupCount draws with replacement, each a pure
    /// function of (seed, r, draw).
    public func resample(replicate: Int, groupCount: Int) -> [Double] {
        var m = [Double](repeating: 0, count: groupCount)
        for draw in 0..<groupCount {
            let u = CounterRandom.uniform(seed: seed, stream: .bootstrap, replicate: replicate, index: draw)
            m[min(Int(u * Double(groupCount)), groupCount - 1)] += 1
        }
        return m
    }
}
