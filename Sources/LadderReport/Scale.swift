import Foundation

// A tiny SVG plotting layer: scales with nice ticks (linear and log), a plot area with axes, grid and a legend,
// and the marks the figures need (polylines, markers, error bars, bands, text). Everything is plain SVG 1.1
// text; every data mark carries its data coordinates as data-x / data-y so tests (and readers of the file)
// can check that it sits where the data says.

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

/// Marker shapes.
public enum MarkerShape: String, Sendable {
    case circle, square, diamond, triangle, cross, star
}

/// A legend entry: a line, a marker, a band swatch, or a marker with an interval line.
public struct LegendEntry: Sendable {
    public var label: String
    public var color: String
    public var shape: MarkerShape?
    public var filled = true
    public var line = false
    public var dashed = false
    public var band = false

    public init(_ label: String, color: String, shape: MarkerShape? = nil, filled: Bool = true, line: Bool = false,
                dashed: Bool = false, band: Bool = false) {
        self.label = label
        self.color = color
        self.shape = shape
        self.filled = filled
        self.line = line
        self.dashed = dashed
        self.band = band
    }
}

/// Colour-blind-safe palette (Okabe & Ito) plus greys.
public enum Palette {
    public static let series = ["#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#E69F00", "#D55E00", "#F0E442", "#000000"]
    /// Ladder model sizes, small to large: light to dark blue-green-purple.
    public static let sizes = ["#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#8C6BB1", "#332288"]
    /// Targets: orange, vermillion, then the rest.
    public static let targets = ["#E69F00", "#D55E00", "#882255", "#117733"]
    public static let grid = "#e4e4e4"
    public static let axis = "#333333"
    public static let muted = "#9a9a9a"

    public static func size(_ i: Int) -> String { sizes[i % sizes.count] }
    public static func target(_ i: Int) -> String { targets[i % targets.count] }
}

/// Escapes text for XML content and attribute values.
public func xmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}

/// Pixel coordinates with two decimals.
func px(_ v: Double) -> String { v.isFinite ? String(format: "%.2f", v) : "0" }
/// Data values in attributes: the shortest text that reads back as the same Double.
func dv(_ v: Double) -> String { v.isFinite ? v.description : "nan" }

/// An SVG document under construction: a fixed-size canvas of fragments.
public struct SVGCanvas {
    public let width: Double
    public let height: Double
    /// Prefix of ids in this document (several SVGs are inlined into one HTML page).
    public let id: String
    public var title: String
    var defs = [String]()
    var body = [String]()

    public init(width: Double, height: Double, id: String, title: String) {
        self.width = width
        self.height = height
        self.id = id
        self.title = title
    }

    public mutating func add(_ fragment: String) { body.append(fragment) }
    mutating func define(_ fragment: String) { defs.append(fragment) }

    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 13, anchor: String = "start", weight: String? = nil,
                              color: String = Palette.axis, rotate: Double? = nil, cls: String? = nil) {
        var attrs = "x=\"\(px(x))\" y=\"\(px(y))\" font-size=\"\(px(size))\" text-anchor=\"\(anchor)\" fill=\"\(color)\""
        if let weight { attrs += " font-weight=\"\(weight)\"" }
        if let rotate { attrs += " transform=\"rotate(\(px(rotate)) \(px(x)) \(px(y)))\"" }
        if let cls { attrs += " class=\"\(cls)\"" }
        body.append("<text \(attrs)>\(richText(s, size: size))</text>")
    }

    /// The complete document.
    public func render() -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" id=\"\(xmlEscape(id))\" width=\"\(px(width))\" height=\"\(px(height))\" "
        out += "viewBox=\"0 0 \(px(width)) \(px(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        out += "<title>\(xmlEscape(title))</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(px(width))\" height=\"\(px(height))\" fill=\"#ffffff\"/>\n"
        if !defs.isEmpty { out += "<defs>\n" + defs.joined(separator: "\n") + "\n</defs>\n" }
        out += body.joined(separator: "\n")
        out += "\n</svg>\n"
        return out
    }
}

/// Text with "x^k" written as a superscript (k: letters, digits, minus signs), as flat tspans.
func richText(_ s: String, size: Double) -> String {
    guard s.contains("^") else { return xmlEscape(s) }
    let up = px(size * 0.4), down = px(-size * 0.4), small = px(size * 0.72)
    var out = "", rest = Substring(s), raised = false
    while let r = rest.range(of: "^") {
        let text = xmlEscape(String(rest[..<r.lowerBound]))
        out += raised ? "<tspan dy=\"\(up)\">\(text)</tspan>" : text
        rest = rest[r.upperBound...]
        var exponent = ""
        while let c = rest.first, c == "-" || c == "\u{2212}" || c.isNumber || c.isLetter { exponent.append(c); rest.removeFirst() }
        out += "<tspan dy=\"\(down)\" font-size=\"\(small)\">\(xmlEscape(exponent.replacingOccurrences(of: "-", with: "\u{2212}")))</tspan>"
        raised = true
    }
    if !rest.isEmpty { out += "<tspan dy=\"\(up)\">\(xmlEscape(String(rest)))</tspan>" }
    return out
}

/// A rectangular plot area with an x and a y scale, drawn onto a canvas.
public struct PlotArea {
    public var left: Double
    public var top: Double
    public var width: Double
    public var height: Double
    public var x: Scale
    public var y: Scale
    /// Id of this area's clip path (marks that may leave the area are clipped to it).
    public var clipID: String

    public var right: Double { left + width }
    public var bottom: Double { top + height }

    /// Builds the scales over the given data.
    public init(left: Double, top: Double, width: Double, height: Double, x: Scale, y: Scale, clipID: String) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
        self.x = x
        self.y = y
        self.clipID = clipID
        self.x.pixelLo = left
        self.x.pixelHi = left + width
        self.y.pixelLo = top + height
        self.y.pixelHi = top
    }

    /// Frame, grid, ticks and axis labels. `xLabel` / `yLabel` nil: no label. `yTicks` false: a categorical y
    /// axis (no ticks or grid lines; the figure writes its own row labels).
    public func drawAxes(on c: inout SVGCanvas, xLabel: String?, yLabel: String?, xTicks: Bool = true, yTicks: Bool = true) {
        c.define("<clipPath id=\"\(clipID)\"><rect x=\"\(px(left))\" y=\"\(px(top))\" width=\"\(px(width))\" height=\"\(px(height))\"/></clipPath>")
        var g = ["<g class=\"axes\">"]
        g.append("<rect x=\"\(px(left))\" y=\"\(px(top))\" width=\"\(px(width))\" height=\"\(px(height))\" fill=\"#fbfbfb\" stroke=\"none\"/>")
        // x axis
        g.append("<g class=\"axis x\" data-kind=\"\(x.kind.rawValue)\" data-min=\"\(dv(x.lo))\" data-max=\"\(dv(x.hi))\">")
        for t in x.ticks {
            let p = x(t.value)
            g.append("<g class=\"tick\(t.major ? "" : " minor")\" data-value=\"\(dv(t.value))\">")
            g.append("<line x1=\"\(px(p))\" y1=\"\(px(top))\" x2=\"\(px(p))\" y2=\"\(px(bottom))\" stroke=\"\(Palette.grid)\" stroke-width=\"\(t.major ? 1 : 0.5)\"/>")
            g.append("<line x1=\"\(px(p))\" y1=\"\(px(bottom))\" x2=\"\(px(p))\" y2=\"\(px(bottom + (t.major ? 5 : 3)))\" stroke=\"\(Palette.axis)\" stroke-width=\"1\"/>")
            if xTicks && !t.label.isEmpty {
                g.append("<text x=\"\(px(p))\" y=\"\(px(bottom + 19))\" font-size=\"12\" text-anchor=\"middle\" fill=\"\(Palette.axis)\">\(richText(t.label, size: 12))</text>")
            }
            g.append("</g>")
        }
        if let xLabel {
            g.append("<text class=\"label\" x=\"\(px(left + width / 2))\" y=\"\(px(bottom + 40))\" font-size=\"13\" text-anchor=\"middle\" fill=\"\(Palette.axis)\">\(richText(xLabel, size: 13))</text>")
        }
        g.append("</g>")
        // y axis
        g.append("<g class=\"axis y\" data-kind=\"\(y.kind.rawValue)\" data-min=\"\(dv(y.lo))\" data-max=\"\(dv(y.hi))\">")
        for t in yTicks ? y.ticks : [] {
            let p = y(t.value)
            g.append("<g class=\"tick\(t.major ? "" : " minor")\" data-value=\"\(dv(t.value))\">")
            g.append("<line x1=\"\(px(left))\" y1=\"\(px(p))\" x2=\"\(px(right))\" y2=\"\(px(p))\" stroke=\"\(Palette.grid)\" stroke-width=\"\(t.major ? 1 : 0.5)\"/>")
            g.append("<line x1=\"\(px(left - (t.major ? 5 : 3)))\" y1=\"\(px(p))\" x2=\"\(px(left))\" y2=\"\(px(p))\" stroke=\"\(Palette.axis)\" stroke-width=\"1\"/>")
            if !t.label.isEmpty {
                g.append("<text x=\"\(px(left - 8))\" y=\"\(px(p + 4))\" font-size=\"12\" text-anchor=\"end\" fill=\"\(Palette.axis)\">\(richText(t.label, size: 12))</text>")
            }
            g.append("</g>")
        }
        if let yLabel {
            let lx = left - 52, ly = top + height / 2
            g.append("<text class=\"label\" x=\"\(px(lx))\" y=\"\(px(ly))\" font-size=\"13\" text-anchor=\"middle\" fill=\"\(Palette.axis)\" transform=\"rotate(-90 \(px(lx)) \(px(ly)))\">\(richText(yLabel, size: 13))</text>")
        }
        g.append("</g>")
        g.append("<rect x=\"\(px(left))\" y=\"\(px(top))\" width=\"\(px(width))\" height=\"\(px(height))\" fill=\"none\" stroke=\"\(Palette.axis)\" stroke-width=\"1\"/>")
        g.append("</g>")
        c.add(g.joined(separator: "\n"))
    }

    /// A line through the points (non-finite or out-of-domain points break it), clipped to the area.
    public func polyline(_ points: [(Double, Double)], color: String, width: Double = 2, dashed: Bool = false,
                         series: String, cls: String = "curve") -> String {
        var runs = [[String]](), current = [String]()
        for (a, b) in points {
            if a.isFinite && b.isFinite && (x.kind == .linear || a > 0) && (y.kind == .linear || b > 0) {
                current.append("\(px(x(a))),\(px(y(b)))")
            } else if !current.isEmpty { runs.append(current); current = [] }
        }
        if !current.isEmpty { runs.append(current) }
        let dash = dashed ? " stroke-dasharray=\"7 4\"" : ""
        return runs.filter { $0.count > 1 }.map {
            "<polyline class=\"\(cls)\" data-series=\"\(xmlEscape(series))\" points=\"\($0.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(px(width))\" stroke-linejoin=\"round\"\(dash) clip-path=\"url(#\(clipID))\"/>"
        }.joined(separator: "\n")
    }

    /// A filled band between lo(x) and hi(x), clipped to the area.
    public func band(xs: [Double], lo: [Double], hi: [Double], color: String, opacity: Double = 0.22, series: String) -> String {
        var upper = [String](), lower = [String]()
        for i in xs.indices where xs[i].isFinite && lo[i].isFinite && hi[i].isFinite {
            upper.append("\(px(x(xs[i]))),\(px(y(hi[i])))")
            lower.append("\(px(x(xs[i]))),\(px(y(lo[i])))")
        }
        guard upper.count > 1 else { return "" }
        return "<polygon class=\"band\" data-series=\"\(xmlEscape(series))\" points=\"\((upper + lower.reversed()).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"\(px(opacity))\" stroke=\"none\" clip-path=\"url(#\(clipID))\"/>"
    }

    /// A marker at a data point, with its data coordinates (and any extra data- attributes).
    public func marker(_ a: Double, _ b: Double, shape: MarkerShape, color: String, size: Double = 5, filled: Bool = true,
                       opacity: Double = 1, series: String, cls: String = "point", extra: [(String, String)] = []) -> String {
        let cx = x(a), cy = y(b)
        var attrs = "class=\"\(cls)\" data-series=\"\(xmlEscape(series))\" data-x=\"\(dv(a))\" data-y=\"\(dv(b))\""
        for (k, v) in extra { attrs += " data-\(k)=\"\(xmlEscape(v))\"" }
        return markerShape(cx, cy, shape: shape, color: color, size: size, filled: filled, opacity: opacity, attrs: attrs)
    }

    /// Many small circles of one series in one group (the series, colour and opacity set once on the group).
    public func dots(_ points: [(Double, Double)], color: String, size: Double, opacity: Double = 1, series: String) -> String {
        var out = ["<g class=\"series\" data-series=\"\(xmlEscape(series))\" fill=\"\(color)\" fill-opacity=\"\(px(opacity))\" stroke=\"none\">"]
        for (a, b) in points where a.isFinite && b.isFinite {
            out.append("<circle class=\"point\" data-x=\"\(String(format: "%.7g", a))\" data-y=\"\(String(format: "%.7g", b))\" cx=\"\(px(x(a)))\" cy=\"\(px(y(b)))\" r=\"\(px(size))\"/>")
        }
        out.append("</g>")
        return out.joined(separator: "\n")
    }

    /// An interval from `from` to `to` at a fixed other coordinate, with end caps.
    public func errorBar(at fixed: Double, from: Double, to: Double, vertical: Bool, color: String, series: String, width: Double = 1.6, cap: Double = 4) -> String {
        guard from.isFinite, to.isFinite, fixed.isFinite else { return "" }
        let attrs = "class=\"interval\" data-series=\"\(xmlEscape(series))\" data-from=\"\(dv(from))\" data-to=\"\(dv(to))\" stroke=\"\(color)\" stroke-width=\"\(px(width))\""
        if vertical {
            let p = x(fixed), a = y(from), b = y(to)
            return "<g \(attrs)><line x1=\"\(px(p))\" y1=\"\(px(a))\" x2=\"\(px(p))\" y2=\"\(px(b))\"/><line x1=\"\(px(p - cap))\" y1=\"\(px(a))\" x2=\"\(px(p + cap))\" y2=\"\(px(a))\"/><line x1=\"\(px(p - cap))\" y1=\"\(px(b))\" x2=\"\(px(p + cap))\" y2=\"\(px(b))\"/></g>"
        }
        let p = y(fixed), a = x(from), b = x(to)
        return "<g \(attrs)><line x1=\"\(px(a))\" y1=\"\(px(p))\" x2=\"\(px(b))\" y2=\"\(px(p))\"/><line x1=\"\(px(a))\" y1=\"\(px(p - cap))\" x2=\"\(px(a))\" y2=\"\(px(p + cap))\"/><line x1=\"\(px(b))\" y1=\"\(px(p - cap))\" x2=\"\(px(b))\" y2=\"\(px(p + cap))\"/></g>"
    }

    /// A horizontal reference line at a y value across the area.
    public func hline(_ b: Double, color: String, dashed: Bool = true, series: String) -> String {
        let p = y(b)
        return "<line class=\"reference\" data-series=\"\(xmlEscape(series))\" data-y=\"\(dv(b))\" x1=\"\(px(left))\" y1=\"\(px(p))\" x2=\"\(px(right))\" y2=\"\(px(p))\" stroke=\"\(color)\" stroke-width=\"1.2\"\(dashed ? " stroke-dasharray=\"5 4\"" : "")/>"
    }
}

/// A marker shape centred on (cx, cy): a circle (cx, cy) or a path translated to (cx, cy).
func markerShape(_ cx: Double, _ cy: Double, shape: MarkerShape, color: String, size r: Double, filled: Bool, opacity: Double = 1,
                 attrs: String) -> String {
    let fill = filled ? "fill=\"\(color)\" stroke=\"#ffffff\" stroke-width=\"0.8\"" : "fill=\"#ffffff\" stroke=\"\(color)\" stroke-width=\"1.8\""
    let op = opacity < 1 ? " fill-opacity=\"\(px(opacity))\" stroke-opacity=\"\(px(opacity))\"" : ""
    let d: String
    switch shape {
    case .circle:
        return "<circle \(attrs) cx=\"\(px(cx))\" cy=\"\(px(cy))\" r=\"\(px(r))\" \(fill)\(op)/>"
    case .square:
        let s = r * 0.9
        d = "M\(px(-s)),\(px(-s))H\(px(s))V\(px(s))H\(px(-s))Z"
    case .diamond:
        let s = r * 1.3
        d = "M0,\(px(-s))L\(px(s)),0L0,\(px(s))L\(px(-s)),0Z"
    case .triangle:
        let s = r * 1.25
        d = "M0,\(px(-s))L\(px(s * 0.95)),\(px(s * 0.7))L\(px(-s * 0.95)),\(px(s * 0.7))Z"
    case .cross:
        let s = r * 1.1
        // A white halo first, so the cross stays visible on top of a marker of its own colour.
        let d = "M\(px(-s)),\(px(-s))L\(px(s)),\(px(s))M\(px(-s)),\(px(s))L\(px(s)),\(px(-s))"
        let t = "transform=\"translate(\(px(cx)),\(px(cy)))\""
        return "<path \(t) d=\"\(d)\" fill=\"none\" stroke=\"#ffffff\" stroke-width=\"4.4\" stroke-linecap=\"round\"\(op)/>"
            + "<path \(attrs) \(t) d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.2\" stroke-linecap=\"round\"\(op)/>"
    case .star:
        let outer = r * 1.5, inner = outer * 0.45
        var pts = [String]()
        for k in 0..<10 {
            let a = -Double.pi / 2 + Double(k) * Double.pi / 5, rr = k % 2 == 0 ? outer : inner
            pts.append("\(px(rr * cos(a))),\(px(rr * sin(a)))")
        }
        d = "M" + pts.joined(separator: "L") + "Z"
    }
    return "<path \(attrs) transform=\"translate(\(px(cx)),\(px(cy)))\" d=\"\(d)\" \(fill)\(op)/>"
}

/// A legend: entries stacked from (x, y), each row `row` px high; returns the height used.
@discardableResult
func drawLegend(_ entries: [LegendEntry], on c: inout SVGCanvas, x: Double, y: Double, row: Double = 19, maxWidth: Double = 200,
                title: String? = nil) -> Double {
    var g = ["<g class=\"legend\">"]
    var yy = y
    if let title {
        g.append("<text x=\"\(px(x))\" y=\"\(px(yy + 4))\" font-size=\"12\" font-weight=\"bold\" fill=\"\(Palette.axis)\">\(xmlEscape(title))</text>")
        yy += row
    }
    for e in entries {
        let sx = x + 11
        var swatch = ""
        if e.band {
            swatch += "<rect x=\"\(px(x))\" y=\"\(px(yy - 6))\" width=\"22\" height=\"12\" fill=\"\(e.color)\" fill-opacity=\"0.25\"/>"
        }
        if e.line {
            swatch += "<line x1=\"\(px(x))\" y1=\"\(px(yy))\" x2=\"\(px(x + 22))\" y2=\"\(px(yy))\" stroke=\"\(e.color)\" stroke-width=\"2\"\(e.dashed ? " stroke-dasharray=\"6 3\"" : "")/>"
        }
        if let shape = e.shape {
            swatch += markerShape(sx, yy, shape: shape, color: e.color, size: 4.5, filled: e.filled, attrs: "class=\"swatch\"")
        }
        g.append("<g class=\"entry\" data-label=\"\(xmlEscape(e.label))\">\(swatch)<text x=\"\(px(x + 29))\" y=\"\(px(yy + 4))\" font-size=\"12\" fill=\"\(Palette.axis)\">\(richText(e.label, size: 12))</text></g>")
        yy += row
    }
    g.append("</g>")
    c.add(g.joined(separator: "\n"))
    _ = maxWidth
    return yy - y
}

/// Approximate width of a label in DejaVu Sans (about 0.57 em a character).
func textWidth(_ s: String, size: Double = 12) -> Double { Double(s.count) * size * 0.57 }

/// Positions of legend entries laid out in rows from (x, y), wrapping before `maxX`.
func legendRowLayout(_ entries: [LegendEntry], x: Double, y: Double, maxX: Double, row: Double = 20) -> [(Double, Double)] {
    var lx = x, ly = y, out = [(Double, Double)]()
    for e in entries {
        let w = 29 + textWidth(e.label)
        if lx > x && lx + w > maxX { lx = x; ly += row }
        out.append((lx, ly))
        lx += w + 20
    }
    return out
}

/// Height a legend row layout takes (for sizing the canvas before drawing).
func legendRowHeight(_ entries: [LegendEntry], x: Double, maxX: Double, row: Double = 20) -> Double {
    (legendRowLayout(entries, x: x, y: 0, maxX: maxX, row: row).last?.1 ?? -row) + row
}

/// A legend laid out in rows from (x, y), wrapping before `maxX` (default: the canvas' right edge less 10).
func drawLegendRow(_ entries: [LegendEntry], on c: inout SVGCanvas, x: Double, y: Double, maxX: Double? = nil, row: Double = 20) {
    for (e, (lx, ly)) in zip(entries, legendRowLayout(entries, x: x, y: y, maxX: maxX ?? c.width - 10, row: row)) {
        drawLegend([e], on: &c, x: lx, y: ly)
    }
}
