import Foundation

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
