import Foundation

/// Mean, SD and percentiles of a sample, as reported for bootstrap replicates.
public struct Distribution: Sendable, Codable, Hashable {
    public var count: Int
    public var mean: Double
    /// Sample standard deviation (n - 1); 0 for fewer than two values.
    public var sd: Double
    public var p025: Double
    public var p50: Double
    public var p975: Double

    /// Summarises the finite values; NaN fields when there are none.
    public init(_ values: [Double]) {
        let v = values.filter(\.isFinite).sorted()
        count = v.count
        guard !v.isEmpty else { mean = .nan; sd = .nan; p025 = .nan; p50 = .nan; p975 = .nan; return }
        mean = v.reduce(0, +) / Double(v.count)
        let m = mean
        sd = v.count > 1 ? (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot() : 0
        p025 = Distribution.quantile(v, 0.025)
        p50 = Distribution.quantile(v, 0.5)
        p975 = Distribution.quantile(v, 0.975)
    }

    /// Linear interpolation between order statistics (numpy's default, "type 7").
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let h = Double(sorted.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}

/// Population standard deviation and mean (the paper's checkpoint-noise measure uses the population SD).
public func populationMeanSD(_ values: [Double]) -> (mean: Double, sd: Double) {
    guard !values.isEmpty else { return (.nan, .nan) }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return (mean, variance.squareRoot())
}

/// Pearson correlation of two equally long samples; NaN when either is constant or they are too short.
public func pearsonCorrelation(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count, a.count > 2 else { return .nan }
    let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
    guard saa > 0, sbb > 0 else { return .nan }
    return sab / (saa * sbb).squareRoot()
}

/// Spearman rank correlation (Pearson on average ranks); NaN when undefined.
public func spearmanCorrelation(_ a: [Double], _ b: [Double]) -> Double {
    func ranks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var r = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
            for k in i...j { r[order[k]] = Double(i + j) / 2 + 1 }
            i = j + 1
        }
        return r
    }
    return pearsonCorrelation(ranks(a), ranks(b))
}
