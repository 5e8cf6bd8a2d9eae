import Foundation

// A tiny SVG plotting layer: scales with nice ticks (linear and log), a plot area with axes, grid and a legend,
// and the marks the figures need (polylines, markers, error bars, bands, text). Everything is plain SVG 1.1
// text; every data mark carries its data coordinates as data-x / data-y so tests (and readers of the file)
// can check that it sits where the data says. The layer is SVGCanvas (this file, with the text helpers),
// Scale, PlotArea, MarkerShape, LegendEntry and Palette, one file each.

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
