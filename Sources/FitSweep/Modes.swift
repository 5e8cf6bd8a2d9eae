import Foundation

/// Separate modes among bootstrap replicates' best values of one parameter, found by a small, deterministic
/// test; when there are several, a mean and SD over the whole sample describe no replicate.
///
/// Replicate best fits split into modes when a model has two parameter sets for one curve (the sigmoid
/// a / (1 + exp(-k (x - x0))) + b is the same curve at (a, k, x0, b) and (-a, -k, x0, b + a)) and nothing
/// picks one of them: built-in models pick one (`FitModel.canonicalize`), expression models cannot.
///
/// The rule, for n finite values (`ModeRule` holds the numbers):
///
/// 1. **Too few to tell.** With n < `minimumCount` (20) the sample is one mode.
/// 2. **Gap rule.** Sort the values. Among the gaps between neighbours that leave at least
///    m = max(2, ceil(`minimumShare` x n)) values (5%) on each side, take the largest (the first, if tied).
///    Split there when gap > `gapRatio` (4) x s, where s is the larger robust spread of the two sides,
///    1.4826 x MAD (the median absolute deviation from the median, scaled to equal the SD of a normal sample),
///    and at least 1e-8 x the largest |value| of the two sides (differences below that are solver noise, so two
///    point masses closer than that are one mode). Each side is then tested again the same way (with the same
///    m), up to `maximumModes` modes.
/// 3. **Sign rule** (only when the gap rule found one mode). The values below and above zero (exact zeros in
///    neither) form two modes when each holds at least m values and the median of each is more than
///    `signRatio` (3) robust spreads from zero: a mirror pair whose groups are too wide for the gap rule but
///    both clearly away from zero.
///
/// Why it does not flag unimodal samples: for a normal sample the largest admissible gap is far below 4 SD
/// (the spread within each side is at least that of the 5% tail), and in a heavy-tailed sample the side
/// holding the tail has a large MAD itself. For a sample symmetric about zero, each half's median is about one
/// robust spread from zero (normal: 0.67 / 0.60; uniform: 0.5 / 0.37), far below 3.
///
/// Modes are listed by share, largest first (ties: lower centre first); each has its median as centre.
public enum Modes {
    /// The modes of `values` (non-finite values ignored); one mode when the rule finds no split, none for an
    /// empty sample.
    public static func detect(_ values: [Double], rule: ModeRule = ModeRule()) -> [Mode] {
        let v = values.filter(\.isFinite).sorted()
        let n = v.count
        guard n > 0 else { return [] }
        func mode(_ r: Range<Int>) -> Mode {
            Mode(centre: median(v[r]), share: Double(r.count) / Double(n), count: r.count)
        }
        guard n >= rule.minimumCount else { return [mode(0..<n)] }
        let m = max(2, Int((rule.minimumShare * Double(n)).rounded(.up)))

        var groups = [0..<n]
        // Breadth-first: split the first group that splits, until none does or the cap is reached.
        var changed = true
        while changed && groups.count < rule.maximumModes {
            changed = false
            for (g, r) in groups.enumerated() {
                if let cut = gapSplit(v, r, minimumSide: m, ratio: rule.gapRatio) {
                    groups.replaceSubrange(g...g, with: [r.lowerBound..<cut, cut..<r.upperBound])
                    changed = true
                    break
                }
            }
        }
        if groups.count == 1, let signs = signSplit(v, minimumSide: m, ratio: rule.signRatio) {
            return order(signs.map { r in mode(r) })
        }
        return order(groups.map(mode))
    }

    /// Where the gap rule splits `v[r]` (index of the first value of the upper side), or nil.
    static func gapSplit(_ v: [Double], _ r: Range<Int>, minimumSide m: Int, ratio: Double) -> Int? {
        guard r.count >= 2 * m else { return nil }
        var cut = -1, gap = -1.0
        for i in (r.lowerBound + m)...(r.upperBound - m) where v[i] - v[i - 1] > gap {
            gap = v[i] - v[i - 1]
            cut = i
        }
        let lower = r.lowerBound..<cut, upper = cut..<r.upperBound
        let noise = 1e-8 * max(abs(v[r.lowerBound]), abs(v[r.upperBound - 1]))
        let spread = max(robustSpread(v[lower]), robustSpread(v[upper]), noise)
        return gap > ratio * spread ? cut : nil
    }

    /// The negative and positive values of sorted `v` as two ranges when the sign rule applies, or nil.
    static func signSplit(_ v: [Double], minimumSide m: Int, ratio: Double) -> [Range<Int>]? {
        let firstZeroOrAbove = v.firstIndex { $0 >= 0 } ?? v.count
        let firstAbove = v.firstIndex { $0 > 0 } ?? v.count
        let negative = 0..<firstZeroOrAbove, positive = firstAbove..<v.count
        guard negative.count >= m, positive.count >= m else { return nil }
        for r in [negative, positive] where !(abs(median(v[r])) > ratio * robustSpread(v[r])) { return nil }
        return [negative, positive]
    }

    private static func order(_ modes: [Mode]) -> [Mode] {
        modes.sorted { $0.count != $1.count ? $0.count > $1.count : $0.centre < $1.centre }
    }

    /// Median of sorted values (mean of the middle two for an even count).
    static func median(_ sorted: ArraySlice<Double>) -> Double {
        let c = sorted.count, s = sorted.startIndex
        return c % 2 == 1 ? sorted[s + c / 2] : (sorted[s + c / 2 - 1] + sorted[s + c / 2]) / 2
    }

    /// 1.4826 x the median absolute deviation of sorted values (the SD for a normal sample); 0 for one value.
    static func robustSpread(_ sorted: ArraySlice<Double>) -> Double {
        guard sorted.count > 1 else { return 0 }
        let centre = median(sorted)
        return 1.4826 * median(ArraySlice(sorted.map { abs($0 - centre) }.sorted()))
    }
}

/// One mode of a sample: its median and the fraction of the sample in it.
public struct Mode: Sendable, Codable, Hashable {
    /// Median of the values in the mode.
    public var centre: Double
    /// Fraction of the (finite) values in the mode, in (0, 1].
    public var share: Double
    /// Number of values in the mode.
    public var count: Int

    public init(centre: Double, share: Double, count: Int) {
        self.centre = centre
        self.share = share
        self.count = count
    }
}

/// The numbers of the mode test (`Modes.detect`); the defaults are the documented rule.
public struct ModeRule: Sendable, Hashable {
    /// Fewer finite values than this are one mode (too few to tell).
    public var minimumCount: Int = 20
    /// Each mode holds at least max(2, ceil(minimumShare x n)) values.
    public var minimumShare: Double = 0.05
    /// Gap rule: split when gap > gapRatio x the larger robust spread (1.4826 x MAD) of the two sides.
    public var gapRatio: Double = 4
    /// Sign rule: both signs form modes when each side's |median| > signRatio x its robust spread.
    public var signRatio: Double = 3
    /// At most this many modes are reported.
    public var maximumModes: Int = 4

    public init() {}
}
