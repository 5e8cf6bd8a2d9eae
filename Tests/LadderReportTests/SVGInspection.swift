import FitEngine
import Foundation
import LadderFit
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small fit of the embedded ladder shared by the tests (three tasks, 6 starts, 12 replicates).
enum Fixture {
    struct Data: Sendable {
        var ladder: Ladder
        var method: LadderMethod
        var result: LadderResult
        var variance: VarianceReport
    }

    static let shared: Result<Data, Error> = Result {
        var settings = LadderSettings()
        settings.starts = 6
        settings.bootstrap = 12
        settings.seed = 7
        settings.version = "test-1.2.3"
        var ladder = try LadderLoader.embedded()
        ladder.tasks = ["mmlu", "arc_easy", "piqa"]
        let method = LadderMethod()
        let result = try LadderFitter(ladder: ladder, method: method, settings: settings, engine: CPUEngine()).run()
        let variance = try VarianceReport.analyse(ladder: ladder, result: result)
        return Data(ladder: ladder, method: method, result: result, variance: variance)
    }

    static func get() throws -> Data { try shared.get() }
}

/// The suites that parse XML run one test at a time: FoundationXML (libxml2) is not safe to use from
/// several threads at once.
@Suite(.serialized) enum ReportSuites {}

/// Parses SVG / XHTML text as XML (throws when it is not well formed) and reads back marks and axes.
struct Inspected {
    let document: XMLDocument

    init(_ text: String) throws {
        document = try XMLDocument(xmlString: text, options: [])
    }

    var root: XMLElement { document.rootElement()! }

    /// Elements with this local name anywhere below `node` (default: the root element; namespace-agnostic).
    /// (Relative paths from the document node find nothing in FoundationXML when there is a DOCTYPE.)
    func elements(_ name: String, in node: XMLNode? = nil) throws -> [XMLElement] {
        try (node ?? root).nodes(forXPath: ".//*[local-name()='\(name)']").compactMap { $0 as? XMLElement }
    }

    /// Elements whose class attribute contains `cls` as a word.
    func elements(withClass cls: String, in node: XMLNode? = nil) throws -> [XMLElement] {
        try (node ?? root).nodes(forXPath: ".//*[contains(concat(' ', normalize-space(@class), ' '), ' \(cls) ')]").compactMap { $0 as? XMLElement }
    }

    /// All text content of elements with this local name.
    func texts(_ name: String = "text") throws -> [String] { try elements(name).map { $0.stringValue ?? "" } }

    /// The data series of a mark: its own data-series, else its parent group's.
    static func series(_ e: XMLElement) -> String? {
        e.attr("data-series") ?? (e.parent as? XMLElement)?.attr("data-series")
    }

    /// Pixel centre of a marker: a circle's (cx, cy) or a path's translate(x, y).
    static func center(_ e: XMLElement) -> (Double, Double)? {
        if e.localName == "circle", let x = e.double("cx"), let y = e.double("cy") { return (x, y) }
        guard let t = e.attr("transform"), let open = t.range(of: "translate("), let close = t.range(of: ")", range: open.upperBound..<t.endIndex) else { return nil }
        let parts = t[open.upperBound..<close.lowerBound].split(whereSeparator: { $0 == "," || $0 == " " }).compactMap { Double($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    /// An axis read back from its drawn ticks: kind, domain and a map from data to pixels built from the
    /// positions of two labelled ticks (independent of the code that placed the marks).
    struct Axis {
        var kind: String
        var min: Double
        var max: Double
        var ticks: [(value: Double, pixel: Double, label: String)]

        func pixel(_ v: Double) -> Double {
            let a = ticks.first!, b = ticks.last!
            func t(_ x: Double) -> Double { kind == "log" ? log10(x) : x }
            return a.pixel + (t(v) - t(a.value)) / (t(b.value) - t(a.value)) * (b.pixel - a.pixel)
        }
    }

    /// The x or y axis of the n-th plot area (panel) in the figure.
    func axis(_ which: String, panel: Int = 0) throws -> Axis {
        let axes = try elements(withClass: "axis").filter { ($0.attr("class") ?? "").split(separator: " ").contains(Substring(which)) }
        let g = axes[panel]
        var ticks = [(Double, Double, String)]()
        for tick in try elements(withClass: "tick", in: g) where !(tick.attr("class") ?? "").contains("minor") {
            let line = try elements("line", in: tick).first!
            let pixel = which == "x" ? line.double("x1")! : line.double("y1")!
            ticks.append((tick.double("data-value")!, pixel, try elements("text", in: tick).first?.stringValue ?? ""))
        }
        return Axis(kind: g.attr("data-kind")!, min: g.double("data-min")!, max: g.double("data-max")!, ticks: ticks)
    }

    /// The axis label texts of the figure.
    func axisLabels() throws -> [String] { try elements(withClass: "label").map { $0.stringValue ?? "" } }

    /// Legend entry labels.
    func legend() throws -> [String] { try elements(withClass: "entry").compactMap { $0.attr("data-label") } }
}

extension XMLElement {
    /// An attribute's value (looked up in `attributes`: FoundationXML's attribute(forName:) misses attributes
    /// of elements in a default namespace).
    func attr(_ name: String) -> String? { attributes?.first { $0.name == name }?.stringValue }
    func double(_ name: String) -> Double? { attr(name).flatMap(Double.init) }
}

/// |a - b| <= tolerance, relative to the larger magnitude when `relative`.
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-6, relative: Bool = true) -> Bool {
    abs(a - b) <= tolerance * (relative ? max(abs(a), abs(b), 1e-300) : 1)
}
