import FitModels

/// What a range of a sweep's fits reduces to, and all an exact merge needs: parts of disjoint ranges merge
/// (in any order) into the part of their union, and the part of all fits finishes into the `SweepResult`
/// (`Sweep.finish`). `Sweep.run` is one range, one part.
///
/// Exactness: a replicate's best is the usable fit of lowest objective, ties to the lower start (as in one
/// run); replicate 0's near-best set of one run is exactly {usable starts with objective <= best * (1 + tol)},
/// so each part keeps those within tolerance of its own best and a merge re-prunes against the joint best.
/// Parameters stay raw (not canonical) until `Sweep.finish`, so selection is that of one run.
public struct SweepPart: Sendable, Codable, Equatable {
    /// The best of one replicate among the part's fits.
    public struct Replicate: Sendable, Codable, Equatable {
        public var replicate: Int
        /// The usable fit of lowest objective (ties: lower start).
        public var best: FitOutcome?
        /// The last start's outcome when it was not usable: what the replicate reports if no start was usable.
        public var lastUnusable: FitOutcome?
    }

    /// A start of replicate 0 within tolerance of the part's best, or a landscape sample; keyed by start.
    public struct Start: Sendable, Codable, Equatable {
        public var start: Int
        public var objective: Double
        public var parameters: [Double]?
    }

    /// Replicate 0's starts in this part.
    public struct Original: Sendable, Codable, Equatable {
        /// Per `FitState` raw value, starts that ended in it.
        public var states: [Int]
        public var iterations = 0
        /// Lowest usable objective (infinity when none).
        public var best = Double.infinity
        /// Usable starts with objective <= best * (1 + nearBestTolerance), in start order.
        public var nearBest = [Start]()
        /// Objectives of the starts the landscape keeps (every `stride`-th), in start order.
        public var landscape = [Start]()
        /// The fit from the given start (start 0), when a start was given and it is in this part.
        public var givenStart: FitOutcome?
    }

    /// Fits this part ran.
    public var fits = 0
    /// States of all its fits, per `FitState` raw value.
    public var states = [Int](repeating: 0, count: FitState.allCases.count + 1)
    /// Replicates the part touched, in replicate order.
    public var replicates = [Replicate]()
    public var original: Original?
    /// The engine(s) and seconds; not part of the coded form (a part's content is deterministic).
    public var engineLabel = ""
    public var seconds = 0.0

    enum CodingKeys: String, CodingKey { case fits, states, replicates, original }

    public init() {}

    /// Adds fit (replicate r, start s); fits must come in increasing order of (r, s).
    mutating func add(replicate r: Int, start s: Int, state: FitState, objective: Double, parameters: ArraySlice<Double>,
                      iterations: Int, plan: SweepPlan, landscapeStride: Int) {
        fits += 1
        states[Int(state.rawValue)] += 1
        if replicates.last?.replicate != r { replicates.append(Replicate(replicate: r)) }
        let outcome = { FitOutcome(parameters: Array(parameters), objective: objective, iterations: iterations, state: state, start: s) }
        if state.isUsable, objective < (replicates[replicates.count - 1].best?.objective ?? .infinity) {
            replicates[replicates.count - 1].best = outcome()
        } else if !state.isUsable && s == plan.starts - 1 {
            replicates[replicates.count - 1].lastUnusable = outcome()
        }
        guard r == 0 else { return }
        var o = original ?? Original(states: [Int](repeating: 0, count: states.count))
        if s == 0 && plan.givenStart != nil { o.givenStart = outcome() }
        o.states[Int(state.rawValue)] += 1
        o.iterations += iterations
        if s % landscapeStride == 0 { o.landscape.append(Start(start: s, objective: objective)) }
        if state.isUsable {
            if objective < o.best {
                o.best = objective
                o.nearBest.removeAll { $0.objective > objective * (1 + plan.nearBestTolerance) }
            }
            if objective <= o.best * (1 + plan.nearBestTolerance) {
                o.nearBest.append(Start(start: s, objective: objective, parameters: Array(parameters)))
            }
        }
        original = o
    }

    /// The part of both ranges (which must not overlap): exact, in either order.
    public func merged(with other: SweepPart, nearBestTolerance: Double) -> SweepPart {
        var m = SweepPart()
        m.fits = fits + other.fits
        m.states = zip(states, other.states).map(+)
        m.replicates = Self.mergeReplicates(replicates, other.replicates)
        switch (original, other.original) {
        case let (a?, b?): m.original = a.merged(with: b, tolerance: nearBestTolerance)
        case let (a, b): m.original = a ?? b
        }
        m.engineLabel = [engineLabel, other.engineLabel].filter { !$0.isEmpty }.joined(separator: ", ")
        m.seconds = seconds + other.seconds
        return m
    }

    static func mergeReplicates(_ a: [Replicate], _ b: [Replicate]) -> [Replicate] {
        var out = [Replicate](), i = 0, j = 0
        out.reserveCapacity(a.count + b.count)
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].replicate < b[j].replicate) {
                out.append(a[i]); i += 1
            } else if i == a.count || b[j].replicate < a[i].replicate {
                out.append(b[j]); j += 1
            } else {
                out.append(Replicate(replicate: a[i].replicate, best: better(a[i].best, b[j].best),
                                     lastUnusable: a[i].lastUnusable ?? b[j].lastUnusable))
                i += 1; j += 1
            }
        }
        return out
    }

    /// The lower objective; on a tie the lower start (the one a single run meets first).
    static func better(_ a: FitOutcome?, _ b: FitOutcome?) -> FitOutcome? {
        guard let a else { return b }
        guard let b else { return a }
        return (b.objective, b.start) < (a.objective, a.start) ? b : a
    }
}

extension SweepPart.Original {
    func merged(with other: Self, tolerance: Double) -> Self {
        var m = Self(states: zip(states, other.states).map(+))
        m.iterations = iterations + other.iterations
        m.best = min(best, other.best)
        let limit = m.best * (1 + tolerance)
        m.nearBest = Self.byStart(nearBest, other.nearBest).filter { $0.objective <= limit }
        m.landscape = Self.byStart(landscape, other.landscape)
        m.givenStart = givenStart ?? other.givenStart
        return m
    }

    static func byStart(_ a: [SweepPart.Start], _ b: [SweepPart.Start]) -> [SweepPart.Start] {
        guard let last = a.last, let first = b.first, last.start > first.start else { return a + b }
        return (a + b).sorted { $0.start < $1.start }
    }
}
