import Foundation

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
