import Foundation

/// Linear or logarithmic axis.
public enum AxisKind: String, Sendable {
    case linear
    case log

    /// Log when the positive values span more than a decade (`ratio`), linear otherwise.
    public static func auto(_ values: [Double], ratio: Double = 10) -> AxisKind {
        let v = values.filter { $0.isFinite }
        guard let lo = v.min(), let hi = v.max(), lo > 0 else { return .linear }
        return hi / lo > ratio ? .log : .linear
    }
}

/// How tick labels are written.
public enum TickFormat: Sendable {
    /// Plain numbers with as many decimals as the tick step needs.
    case plain
    /// Value x 100 (for fractions shown in %).
    case percent
    /// Powers of ten as 10^k (log axes of quantities spanning many decades).
    case power
}

/// One tick: its data value and label.
public struct Tick: Sendable, Equatable {
    public var value: Double
    public var label: String
    public var major: Bool
}

/// Maps a data interval onto a pixel interval, linearly or in log10.
public struct Scale: Sendable {
    public var kind: AxisKind
    public var lo: Double
    public var hi: Double
    /// Pixel positions of lo and hi (for a y axis, lo maps to the bottom: pixelLo > pixelHi).
    public var pixelLo: Double
    public var pixelHi: Double
    public var format: TickFormat
    /// About how many labelled ticks a linear axis gets (narrow panels want fewer).
    public var tickTarget = 6

    /// A scale whose domain covers `values` (padded by `pad` of the span, linear; or to whole decades or
    /// nice sub-decade values, log), extended to nice tick values.
    public init(kind: AxisKind, covering values: [Double], pixels: (Double, Double), pad: Double = 0.05,
                format: TickFormat = .plain, includeZero: Bool = false, ticks: Int = 6) {
        self.kind = kind
        self.tickTarget = ticks
        self.pixelLo = pixels.0
        self.pixelHi = pixels.1
        self.format = format
        var v = values.filter { $0.isFinite && (kind == .linear || $0 > 0) }
        if includeZero { v.append(0) }
        if v.isEmpty { v = kind == .log ? [1, 10] : [0, 1] }
        var a = v.min()!, b = v.max()!
        switch kind {
        case .linear:
            if a == b { a -= a == 0 ? 1 : abs(a) * 0.1; b += b == 0 ? 1 : abs(b) * 0.1 }
            let span = b - a
            // Padded, not snapped to ticks: the data fills the area.
            lo = includeZero && a == 0 ? 0 : a - span * pad
            hi = b + span * pad
            if lo < 0 && values.allSatisfy({ !$0.isFinite || $0 >= 0 }) { lo = 0 }
        case .log:
            if a == b { a /= 2; b *= 2 }
            let la = log10(a), lb = log10(b)
            if lb - la >= 1.5 {
                lo = Double("1e\(Int(la.rounded(.down)))")!
                hi = Double("1e\(Int(lb.rounded(.up)))")!
            } else {
                // Less than ~1.5 decades: snap to 1-2-5 values around the data.
                lo = Scale.niceBelow(a / pow(10, (lb - la) * pad))
                hi = Scale.niceAbove(b * pow(10, (lb - la) * pad))
            }
        }
    }

    /// A scale with a given domain.
    public init(kind: AxisKind, domain: (Double, Double), pixels: (Double, Double), format: TickFormat = .plain) {
        self.kind = kind
        self.lo = domain.0
        self.hi = domain.1
        self.pixelLo = pixels.0
        self.pixelHi = pixels.1
        self.format = format
    }

    /// Pixel position of a data value.
    public func callAsFunction(_ v: Double) -> Double {
        let t: Double
        switch kind {
        case .linear: t = (v - lo) / (hi - lo)
        case .log: t = (log10(v) - log10(lo)) / (log10(hi) - log10(lo))
        }
        return pixelLo + t * (pixelHi - pixelLo)
    }

    public func contains(_ v: Double) -> Bool {
        let eps = (hi - lo) * 1e-9
        return v.isFinite && v >= lo - eps && v <= hi + eps && (kind == .linear || v > 0)
    }

    /// Major ticks (labelled) and, on log axes spanning few decades, unlabelled minor ticks.
    public var ticks: [Tick] {
        switch kind {
        case .linear:
            let step = linearStep
            let first = (lo / step - 1e-9).rounded(.up)
            let decimals = Scale.decimals(step, format)
            var out = [Tick]()
            var k = first
            while k * step <= hi + step * 1e-9 {
                let v = abs(k * step) < step * 1e-9 ? 0 : k * step
                out.append(Tick(value: v, label: label(v, decimals: decimals), major: true))
                k += 1
            }
            return out
        case .log:
            let a = log10(lo), b = log10(hi)
            let decades = b - a
            var out = [Tick]()
            if decades >= 1.5 {
                let stride = decades > 8 ? 2 : 1
                let first = Int((a - 1e-9).rounded(.up)), last = Int((b + 1e-9).rounded(.down))
                for e in first...last {
                    let major = (e - first) % stride == 0
                    out.append(Tick(value: Double("1e\(e)")!, label: major ? powerLabel(e) : "", major: major))
                }
                if decades <= 6 {
                    for e in Int(a.rounded(.down))...last {
                        for m in 2...9 {
                            // Under three decades, 2 and 5 get labels too.
                            let labelled = decades < 3 && (m == 2 || m == 5) && stride == 1
                            let v = Double("\(m)e\(e)")!
                            out.append(Tick(value: v, label: labelled ? label(v, decimals: max(0, -e - (format == .percent ? 2 : 0))) : "", major: labelled))
                        }
                    }
                }
                return out.filter { contains($0.value) }
            }
            // Within ~1.5 decades: 1, 2, 5 (or every integer multiple when narrower) labelled.
            let multiples: [Double] = decades < 0.5 ? [1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9] : [1, 2, 5]
            for e in Int(a.rounded(.down))...Int(b.rounded(.up)) {
                for m in multiples {
                    let v = m * pow(10, Double(e))
                    if contains(v) { out.append(Tick(value: v, label: label(v, decimals: max(0, -e + (m == 1.5 ? 1 : 0))), major: true)) }
                }
            }
            return out
        }
    }

    /// The tick step of a linear axis: the 1-2-5 step giving about `tickTarget` ticks, made coarser until the
    /// labels fit along the axis (about 7 px a character across, 18 px a label up).
    var linearStep: Double {
        let span = hi - lo, length = abs(pixelHi - pixelLo)
        guard span > 0, span.isFinite else { return 1 }
        let e = floor(log10(span / Double(max(tickTarget, 2))))
        var candidates = [Double]()
        for k in -1...2 { for m in [1.0, 2, 5] { candidates.append(m * pow(10, e + Double(k))) } }
        var best = candidates.min { abs(log(span / $0 / Double(tickTarget))) < abs(log(span / $1 / Double(tickTarget))) }!
        let vertical = pixelHi < pixelLo
        for step in candidates where step >= best {
            let count = (span / step).rounded(.down) + 1
            let decimals = Scale.decimals(step, format)
            let widest = [lo, hi].map { label($0, decimals: decimals).count }.max()!
            let need = vertical ? count * 18 : count * (Double(widest) * 7 + 12)
            best = step
            if length <= 1 || need <= length { break }
        }
        return best
    }

    /// Decimals that labels at multiples of `step` need.
    static func decimals(_ step: Double, _ format: TickFormat) -> Int {
        let shown = step * (format == .percent ? 100 : 1)
        let exponent = floor(log10(shown) + 1e-9)
        let mantissa = shown / pow(10, exponent)
        return max(0, -Int(exponent) + (abs(mantissa - mantissa.rounded()) > 1e-6 ? 1 : 0))
    }

    func label(_ v: Double, decimals: Int) -> String {
        let shown = format == .percent ? v * 100 : v
        if format == .power || abs(shown) >= 1e6 || (abs(shown) < 1e-4 && shown != 0) { return String(format: "%.0e", shown) }
        return String(format: "%.\(min(decimals, 6))f", shown)
    }

    func powerLabel(_ e: Int) -> String {
        if format == .percent { return label(pow(10, Double(e)), decimals: max(0, -e - 2)) }
        if format != .power && e >= -2 && e <= 3 { return label(pow(10, Double(e)), decimals: max(0, -e)) }
        return "10^\(e)"
    }

    static func niceBelow(_ v: Double) -> Double {
        let e = floor(log10(v)), f = v / pow(10, e)
        let m = [1.0, 1.5, 2, 3, 4, 5, 6, 7, 8, 9].last { $0 <= f + 1e-12 } ?? 1
        return m * pow(10, e)
    }

    static func niceAbove(_ v: Double) -> Double {
        let e = floor(log10(v)), f = v / pow(10, e)
        let m = [1.0, 1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10].first { $0 >= f - 1e-12 } ?? 10
        return m * pow(10, e)
    }
}
