/// Shard `index` of `count` (0 <= index < count): a deterministic slice of a sweep's fits.
///
/// A sweep numbers its fits `replicate * starts + start`; shard i takes the contiguous range
/// [i * total / n, (i + 1) * total / n). So shards split replicates, and the starts of one replicate when
/// replicates are fewer than shards; every fit is computed exactly as the single run computes it, because
/// start points and resamples are pure functions of (seed, replicate, start).
public struct Shard: Sendable, Codable, Hashable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// The whole sweep: shard 0 of 1.
    public static let whole = Shard(index: 0, count: 1)

    public init(index: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(index), "shard \(index)/\(count)")
        self.index = index
        self.count = count
    }

    /// Parses "i/n" with n >= 1 and 0 <= i < n; nil otherwise.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else { return nil }
        self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// This shard's fits among `total`: [index * total / count, (index + 1) * total / count).
    public func fits(of total: Int) -> Range<Int> { bound(total, index)..<bound(total, index + 1) }

    /// floor(total * k / count) without overflowing: with total = q * count + r it is q * k + r * k / count.
    private func bound(_ total: Int, _ k: Int) -> Int {
        let q = total / count, r = total % count
        return q * k + r * k / count
    }
}
