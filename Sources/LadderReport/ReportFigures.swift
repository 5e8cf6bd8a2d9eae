import Foundation
import LadderFit

/// The report's figures, one function each. Every function returns a complete, standalone SVG document.
public enum ReportFigures {
    /// Width of every figure in px: about the text width of an A4 page (7.5 in at 96 dpi).
    public static let width = 720.0

    /// A model size of the ladder: its label, N, and its runs, fewest tokens first.
    typealias SizeGroup = (label: String, n: Double, runs: [LadderRun])

    // MARK: shared helpers

    public static func taskName(_ task: String) -> String { OLMoLayout.displayNames[task] ?? task }

    /// File-name-safe slug.
    public static func slug(_ s: String) -> String {
        String(s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    /// The ladder's model sizes, smallest first: (label, N, runs of that size).
    public static func sizeGroups(_ ladder: Ladder) -> [(label: String, n: Double, runs: [LadderRun])] {
        let sizes = Set(ladder.runs.map(\.n)).sorted()
        return sizes.map { n in
            let runs = ladder.runs.filter { $0.n == n }.sorted { $0.finalTokens < $1.finalTokens }
            return (sizeLabel(runs.first?.name, n: n), n, runs)
        }
    }

    /// "190M" from "190M-1xC"; otherwise N written as 190M / 1.3B.
    static func sizeLabel(_ name: String?, n: Double) -> String {
        if let name, let dash = name.firstIndex(of: "-"), dash != name.startIndex { return String(name[..<dash]) }
        return n >= 1e9 ? String(format: "%.3gB", n / 1e9) : String(format: "%.3gM", n / 1e6)
    }

    /// Axis label of the intermediate, with units.
    public static func intermediateLabel(_ method: LadderMethod) -> String {
        switch method.intermediate {
        case .taskLoss: return "task loss (bits per byte)"
        case .c4: return "C4 validation loss (nats per token)"
        case .taskCE: return "TaskCE (nats)"
        }
    }

    /// Training compute of a run or target on the step-1 x axis: 6 N D, or D x FLOPs per token (compute form).
    public static func compute(method: LadderMethod, n: Double, d: Double, flopsPerToken: Double?) -> Double {
        method.step1Form == .nd ? 6 * n * d : d * (flopsPerToken ?? .nan)
    }

    public static func computeLabel(_ method: LadderMethod) -> String {
        method.step1Form == .nd ? "training compute C = 6·N·D (FLOPs)" : "training compute C = D × FLOPs per token (FLOPs)"
    }

    static func logSpace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        let la = log(a), lb = log(b)
        return (0..<n).map { exp(la + (lb - la) * Double($0) / Double(n - 1)) }
    }

    static func linSpace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) }
    }

    /// 1.9·10^8 (two significant digits; rendered with a superscript).
    public static func scientific(_ v: Double) -> String {
        guard v.isFinite, v != 0 else { return String(v) }
        let e = Int(floor(log10(abs(v)))), m = v / pow(10, Double(e))
        let mantissa = String(format: "%.2g", m)
        return mantissa == "1" ? "10^\(e)" : "\(mantissa)·10^\(e)"
    }

    static func pct(_ v: Double?, _ digits: Int = 1) -> String {
        guard let v, v.isFinite else { return "-" }
        return String(format: "%.\(digits)f%%", v * 100)
    }

    /// Title line at the top of a figure.
    static func drawTitle(_ c: inout SVGCanvas, _ title: String, subtitle: String? = nil) {
        c.text(title, x: 14, y: 24, size: 15, weight: "bold", cls: "title")
        if let subtitle { c.text(subtitle, x: 14, y: 42, size: 12, color: "#555555", cls: "subtitle") }
    }
}

extension ReportFigures {
    /// Every figure of the report, in report order: the forest plot, the variance comparison, then per task
    /// step 1, step 2 (or the single-step law) and the multi-start landscape; the budget sweep last.
    public static func all(ladder: Ladder, method: LadderMethod, result: LadderResult, variance: VarianceReport,
                           budget: BudgetSweep? = nil) throws -> [Figure] {
        var figures = [forest(ladder: ladder, result: result)]
        // A run with fewer than 2 checkpoints has no noise to draw (the section says why).
        if !variance.rows.isEmpty { figures.append(self.variance(variance, targets: ladder.targets.map(\.name))) }
        for task in result.tasks {
            if task.step1 != nil || task.singleStep != nil { figures.append(try step1(ladder: ladder, method: method, task: task)) }
            if task.step2 != nil { figures.append(try step2(ladder: ladder, method: method, task: task)) }
            figures.append(landscape(task: task, paper: result.info.paper))
        }
        if let budget { figures.append(self.budget(budget, targets: ladder.targets.map(\.name))) }
        return figures
    }
}
