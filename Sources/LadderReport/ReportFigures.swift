import CSVReading
import FitModels
import FitSweep
import Foundation
import LadderFit

/// One figure: the SVG text, and what the report says about it.
public struct Figure: Sendable {
    /// File name without extension (also the figure's id in the report), e.g. "step1-mmlu".
    public var name: String
    public var title: String
    public var caption: String
    public var svg: String
}

/// The report's figures, one function each. Every function returns a complete, standalone SVG document.
public enum ReportFigures {
    /// Width of every figure in px: about the text width of an A4 page (7.5 in at 96 dpi).
    public static let width = 720.0

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

    // MARK: step 1

    /// Step 1 of a task: each ladder run's step-1 value against its compute (one colour per model size), the
    /// fitted law per model size as D varies, and each target's predicted value with its bootstrap 95%
    /// interval next to the actual value. With the single-step variant, the same for accuracy.
    public static func step1(ladder: Ladder, method: LadderMethod, task: TaskResult) throws -> Figure {
        let single = method.singleStep
        guard let fit = single ? task.singleStep : task.step1 else {
            throw InputError("task '\(task.task)' has no \(single ? "single-step" : "step-1") fit to plot")
        }
        let model: any FitModel = single ? method.singleStepModel : method.step1Model
        func law(n: Double, d: Double, f: Double?) -> Double {
            model.value(parameters: fit.parameters, at: single ? [n, d] : method.step1Inputs(n: n, d: d, flopsPerToken: f))
        }
        func observed(_ run: LadderRun) throws -> Double {
            if !single { return try method.step1Value(run, task: task.task) }
            let acc = (run.tasks[task.task]?.accuracy ?? []).suffix(5).compactMap { $0 }
            guard !acc.isEmpty else { throw InputError("run '\(run.name)': no \(task.task) accuracy") }
            return acc.reduce(0, +) / Double(acc.count)
        }
        let groups = sizeGroups(ladder)
        let name = taskName(task.task)
        let yLabel = single ? "accuracy (%)" : intermediateLabel(method)
        // Data.
        var runPoints = [(group: Int, run: LadderRun, c: Double, y: Double)]()
        for (g, group) in groups.enumerated() {
            for run in group.runs {
                runPoints.append((g, run, compute(method: single ? LadderMethod() : method, n: run.n, d: run.finalTokens, flopsPerToken: run.flopsPerToken),
                                  try observed(run)))
            }
        }
        let xMethod = single ? LadderMethod() : method
        var curves = [(label: String, color: String, dashed: Bool, points: [(Double, Double)])]()
        if xMethod.step1Form == .compute && !single {
            let cs = runPoints.map(\.c) + ladder.targets.map { compute(method: method, n: $0.n, d: $0.d, flopsPerToken: $0.flopsPerToken) }
            let lo = (cs.filter(\.isFinite).min() ?? 1) / 2, hi = (cs.filter(\.isFinite).max() ?? 10) * 1.5
            curves.append(("fitted law", Palette.axis, false, logSpace(lo, hi, 120).map { ($0, model.value(parameters: fit.parameters, at: [$0])) }))
        } else {
            for (g, group) in groups.enumerated() {
                let ds = group.runs.map(\.finalTokens)
                let pts = logSpace(ds.min()! / 1.6, ds.max()! * 1.6, 60).map { d in (6 * group.n * d, law(n: group.n, d: d, f: nil)) }
                curves.append(("\(group.label) law", Palette.size(g), false, pts))
            }
            for (t, target) in ladder.targets.enumerated() {
                let pts = logSpace(target.d / 40, target.d * 1.3, 60).map { d in (6 * target.n * d, law(n: target.n, d: d, f: nil)) }
                curves.append(("\(target.name) law", Palette.target(t), true, pts))
            }
        }
        struct TargetMark { var name: String; var c: Double; var predicted: Double?; var lo: Double?; var hi: Double?; var actual: Double? }
        let marks: [TargetMark] = ladder.targets.map { target in
            let p = task.predictions.first { $0.target == target.name }
            let c = compute(method: xMethod, n: target.n, d: target.d, flopsPerToken: target.flopsPerToken)
            if single {
                let b = p?.predictedAccuracyBootstrap
                return TargetMark(name: target.name, c: c, predicted: p?.predictedAccuracy, lo: b.flatMap { $0.count > 0 ? $0.p025 : nil },
                                  hi: b.flatMap { $0.count > 0 ? $0.p975 : nil }, actual: p?.actualAccuracy)
            }
            let b = p?.predictedXBootstrap
            return TargetMark(name: target.name, c: c, predicted: p?.predictedX, lo: b.flatMap { $0.count > 0 ? $0.p025 : nil },
                              hi: b.flatMap { $0.count > 0 ? $0.p975 : nil }, actual: p?.actualX)
        }
        // Scales: x over runs and targets (and the curves' ends); y over the data and intervals.
        let xs = runPoints.map(\.c) + marks.map(\.c) + curves.flatMap { [$0.points.first?.0, $0.points.last?.0].compactMap { $0 } }
        let ys = runPoints.map(\.y) + marks.flatMap { [$0.predicted, $0.lo, $0.hi, $0.actual].compactMap { $0 } }
        let legendWidth = 185.0
        let left = 78.0, top = 56.0, plotW = width - left - legendWidth - 16, plotH = 330.0
        let area = PlotArea(left: left, top: top, width: plotW, height: plotH,
                            x: Scale(kind: .log, covering: xs, pixels: (0, 1)),
                            y: Scale(kind: AxisKind.auto(ys), covering: ys, pixels: (0, 1), pad: 0.08, format: single ? .percent : .plain),
                            clipID: "\(slug("step1-\(task.task)"))-clip")
        var c = SVGCanvas(width: width, height: top + plotH + 62, id: "step1-\(slug(task.task))", title: "\(name): step 1")
        drawTitle(&c, single ? "\(name): single-step law, accuracy against compute" : "\(name): step 1, \(intermediateLabel(method).components(separatedBy: " (").first ?? "") against compute",
                  subtitle: single ? "Acc(N, D) fitted on the final accuracy of each ladder run" :
                    (method.step1Form == .nd ? "L(N, D) = A/N^α + B/D^β + E fitted on the \(ladder.runs.count) ladder runs" : "L(C) = A/C^α + E fitted on the \(ladder.runs.count) ladder runs"))
        area.drawAxes(on: &c, xLabel: computeLabel(xMethod), yLabel: yLabel)
        var body = [String]()
        for curve in curves {
            body.append(area.polyline(curve.points, color: curve.color, width: curve.dashed ? 1.6 : 1.8, dashed: curve.dashed, series: curve.label))
        }
        for p in runPoints {
            body.append(area.marker(p.c, p.y, shape: .circle, color: Palette.size(p.group), size: 5.5, series: groups[p.group].label,
                                    extra: [("run", p.run.name)]))
        }
        for (t, m) in marks.enumerated() {
            let color = Palette.target(t)
            if let lo = m.lo, let hi = m.hi {
                body.append(area.errorBar(at: m.c, from: lo, to: hi, vertical: true, color: color, series: "\(m.name) predicted"))
            }
            if let p = m.predicted { body.append(area.marker(m.c, p, shape: .diamond, color: color, size: 6, series: "\(m.name) predicted", cls: "target")) }
            if let a = m.actual { body.append(area.marker(m.c, a, shape: .cross, color: Palette.axis, size: 5, series: "\(m.name) actual", cls: "target")) }
        }
        c.add("<g class=\"data\">\n" + body.filter { !$0.isEmpty }.joined(separator: "\n") + "\n</g>")
        var legend = [LegendEntry]()
        for (g, group) in groups.enumerated() {
            legend.append(LegendEntry("\(group.label) (N = \(scientific(group.n)))", color: Palette.size(g), shape: .circle,
                                      line: xMethod.step1Form == .nd || single))
        }
        if xMethod.step1Form == .compute && !single { legend.append(LegendEntry("fitted law", color: Palette.axis, line: true)) }
        for (t, target) in ladder.targets.enumerated() {
            legend.append(LegendEntry("\(target.name) predicted, 95%", color: Palette.target(t), shape: .diamond, line: xMethod.step1Form == .nd || single, dashed: true))
        }
        if marks.contains(where: { $0.actual != nil }) { legend.append(LegendEntry("actual", color: Palette.axis, shape: .cross)) }
        drawLegend(legend, on: &c, x: area.right + 16, y: top + 8)
        let what = single ? "final accuracy (mean of the last 5 rows)" : "\(intermediateLabel(method)) (mean of the last \(method.step1LastRows) rows)"
        let caption = "\(name), \(single ? "single-step law" : "step 1"): each ladder run's \(what) against its training compute (colour: model size); "
            + (xMethod.step1Form == .nd ? "lines: the fitted law for each model size as D varies (dashed: the target sizes); " : "line: the fitted law; ")
            + "diamonds: each target's prediction with its bootstrap 95% interval (\(fit.usableReplicates) replicates); crosses: actual values."
        return Figure(name: "step1-\(slug(task.task))", title: "\(name): \(single ? "single-step law" : "step 1")", caption: caption, svg: c.render())
    }

    // MARK: step 2

    /// Pointwise 2.5% and 97.5% quantiles of the model over replicate parameter sets at each x.
    public static func bootstrapBand(model: any FitModel, replicates: [[Double]], at xs: [Double]) -> (lo: [Double], hi: [Double]) {
        var lo = [Double](), hi = [Double]()
        for x in xs {
            let values = replicates.map { model.value(parameters: $0, at: [x]) }.filter(\.isFinite).sorted()
            lo.append(values.isEmpty ? .nan : Distribution.quantile(values, 0.025))
            hi.append(values.isEmpty ? .nan : Distribution.quantile(values, 0.975))
        }
        return (lo, hi)
    }

    /// Step 2 of a task: accuracy against the intermediate for every checkpoint the fit used (colour: model
    /// size), the fitted sigmoid with its pointwise bootstrap 95% band, and each target's chained prediction
    /// (intervals in both directions) next to its actual (x, accuracy).
    public static func step2(ladder: Ladder, method: LadderMethod, task: TaskResult) throws -> Figure {
        guard let fit = task.step2 else { throw InputError("task '\(task.task)' has no step-2 fit to plot") }
        let model = method.step2Model
        let groups = sizeGroups(ladder)
        let name = taskName(task.task)
        var points = [(group: Int, run: String, x: Double, acc: Double)]()
        for (g, group) in groups.enumerated() {
            for run in group.runs {
                let (x, acc) = try method.step2Points(run, task: task.task)
                for i in x.indices { points.append((g, run.name, x[i], acc[i])) }
            }
        }
        let preds = ladder.targets.map { t in task.predictions.first { $0.target == t.name } }
        var xs = points.map(\.x), ys = points.map(\.acc)
        for p in preds.compactMap({ $0 }) {
            xs += [p.predictedX, p.actualX, p.predictedXBootstrap?.p025, p.predictedXBootstrap?.p975].compactMap { $0 }
            ys += [p.predictedAccuracy, p.actualAccuracy, p.predictedAccuracyBootstrap?.p025, p.predictedAccuracyBootstrap?.p975].compactMap { $0 }
        }
        let legendWidth = 185.0
        let left = 78.0, top = 56.0, plotW = width - left - legendWidth - 16, plotH = 330.0
        let xKind = AxisKind.auto(xs)
        let area = PlotArea(left: left, top: top, width: plotW, height: plotH,
                            x: Scale(kind: xKind, covering: xs, pixels: (0, 1), pad: 0.04),
                            y: Scale(kind: .linear, covering: ys, pixels: (0, 1), pad: 0.06, format: .percent),
                            clipID: "\(slug("step2-\(task.task)"))-clip")
        let grid = xKind == .log ? logSpace(area.x.lo, area.x.hi, 160) : linSpace(area.x.lo, area.x.hi, 160)
        let curve = grid.map { ($0, model.value(parameters: fit.parameters, at: [$0])) }
        var c = SVGCanvas(width: width, height: top + plotH + 62, id: "step2-\(slug(task.task))", title: "\(name): step 2")
        let sigmoid = method.intermediate == .taskCE ? "log-sigmoid" : "sigmoid"
        drawTitle(&c, "\(name): step 2, accuracy against \(intermediateLabel(method).components(separatedBy: " (").first ?? "")",
                  subtitle: "\(points.count) checkpoints of \(ladder.runs.count) ladder runs\(method.step2Smoothing > 1 ? " (\(method.step2Smoothing)-point moving average)" : ""); fitted \(sigmoid) with bootstrap 95% band")
        area.drawAxes(on: &c, xLabel: intermediateLabel(method), yLabel: "accuracy (%)")
        var body = [String]()
        let bandColor = "#444444"
        if !fit.replicateParameters.isEmpty {
            let band = bootstrapBand(model: model, replicates: fit.replicateParameters, at: grid)
            body.append(area.band(xs: grid, lo: band.lo, hi: band.hi, color: bandColor, opacity: 0.2, series: "bootstrap band"))
        }
        for (g, group) in groups.enumerated() {
            body.append(area.dots(points.filter { $0.group == g }.map { ($0.x, $0.acc) }, color: Palette.size(g), size: 2.4, opacity: 0.55,
                                  series: group.label))
        }
        body.append(area.polyline(curve, color: "#222222", width: 2, series: "fitted \(sigmoid)"))
        for (t, target) in ladder.targets.enumerated() {
            guard let p = preds[t] else { continue }
            let color = Palette.target(t)
            if let x = p.predictedX {
                if let b = p.predictedAccuracyBootstrap, b.count > 0 {
                    body.append(area.errorBar(at: x, from: b.p025, to: b.p975, vertical: true, color: color, series: "\(target.name) predicted"))
                }
                if let b = p.predictedXBootstrap, b.count > 0 {
                    body.append(area.errorBar(at: p.predictedAccuracy, from: b.p025, to: b.p975, vertical: false, color: color, series: "\(target.name) predicted"))
                }
                body.append(area.marker(x, p.predictedAccuracy, shape: .diamond, color: color, size: 6, series: "\(target.name) predicted", cls: "target"))
            }
            if let x = p.actualX, let a = p.actualAccuracy {
                body.append(area.marker(x, a, shape: .cross, color: color, size: 5, series: "\(target.name) actual", cls: "target"))
            }
        }
        c.add("<g class=\"data\">\n" + body.filter { !$0.isEmpty }.joined(separator: "\n") + "\n</g>")
        var legend = groups.enumerated().map { LegendEntry("\($0.element.label) checkpoints", color: Palette.size($0.offset), shape: .circle) }
        legend.append(LegendEntry("fitted \(sigmoid)", color: "#222222", line: true))
        if !fit.replicateParameters.isEmpty { legend.append(LegendEntry("95% band (\(fit.replicateParameters.count) repl.)", color: bandColor, band: true)) }
        for (t, target) in ladder.targets.enumerated() where preds[t] != nil {
            legend.append(LegendEntry("\(target.name) chained, 95%", color: Palette.target(t), shape: .diamond))
            if preds[t]?.actualAccuracy != nil && preds[t]?.actualX != nil {
                legend.append(LegendEntry("\(target.name) actual", color: Palette.target(t), shape: .cross))
            }
        }
        drawLegend(legend, on: &c, x: area.right + 16, y: top + 8)
        let caption = "\(name), step 2: accuracy against \(intermediateLabel(method)) for the \(points.count) checkpoints the fit used "
            + "(colour: model size\(method.idealPoint ? "; the ideal point (0, 100%) is fitted but not drawn" : "")); black line: the fitted \(sigmoid); "
            + "grey band: pointwise 2.5–97.5% of the curve over \(fit.replicateParameters.count) bootstrap replicate parameter sets; "
            + "diamonds: each target's chained prediction at step 1's predicted \(method.intermediate == .taskLoss ? "loss" : "x") (bars: bootstrap 95% in both); crosses: actual values."
        return Figure(name: "step2-\(slug(task.task))", title: "\(name): step 2", caption: caption, svg: c.render())
    }

    // MARK: forest plot

    /// The chained prediction of every task and target against the actual accuracy, with bootstrap 95%
    /// intervals and the error in points written at the right.
    public static func forest(ladder: Ladder, result: LadderResult) -> Figure {
        let targets = ladder.targets.map(\.name)
        let rowH = 15.0, gap = 9.0
        var rows = [(task: String, t: Int, p: TargetPrediction, y: Double)]()
        var yy = 0.0
        var taskCenters = [(String, Double)]()
        for task in result.tasks {
            let start = yy
            for (t, target) in targets.enumerated() {
                guard let p = task.predictions.first(where: { $0.target == target }) else { continue }
                rows.append((task.task, t, p, yy + rowH / 2))
                yy += rowH
            }
            if yy > start { taskCenters.append((task.task, (start + yy) / 2)); yy += gap }
        }
        let top = 56.0, left = 140.0, rightText = 78.0
        let plotH = max(yy - gap, rowH) + 12
        let plotW = width - left - rightText - 10
        var values = [Double]()
        for r in rows {
            values += [r.p.predictedAccuracy, r.p.actualAccuracy, r.p.predictedAccuracyBootstrap?.p025, r.p.predictedAccuracyBootstrap?.p975].compactMap { $0 }
        }
        // The y scale maps row offsets (0 at the top) to pixels: a linear scale from plotH to 0 inverted.
        let area = PlotArea(left: left, top: top, width: plotW, height: plotH,
                            x: Scale(kind: .linear, covering: values, pixels: (0, 1), pad: 0.04, format: .percent, ticks: 8),
                            y: Scale(kind: .linear, domain: (plotH - 6, -6), pixels: (0, 1)), clipID: "forest-clip")
        var legend = targets.enumerated().map { LegendEntry("\($0.element) predicted, 95% interval", color: Palette.target($0.offset), shape: .circle, line: true) }
        legend.append(LegendEntry("actual accuracy", color: Palette.axis, shape: .cross))
        let legendH = legendRowHeight(legend, x: 24, maxX: width - 10)
        var c = SVGCanvas(width: width, height: top + plotH + 58 + legendH, id: "forest", title: "Chained predictions against actual accuracy")
        drawTitle(&c, "Chained predictions against actual accuracy",
                  subtitle: "two-step prediction per task and target, bootstrap 95% interval (\(result.info.bootstrap) replicates)")
        area.drawAxes(on: &c, xLabel: "accuracy (%)", yLabel: nil, yTicks: false)
        var body = [String]()
        for (i, (task, center)) in taskCenters.enumerated() {
            if i % 2 == 1 {
                let first = rows.first { $0.task == task }!.y - rowH / 2 - gap / 2, last = rows.last { $0.task == task }!.y + rowH / 2 + gap / 2
                body.append("<rect class=\"stripe\" x=\"\(px(area.left))\" y=\"\(px(area.y(first)))\" width=\"\(px(area.width))\" height=\"\(px(area.y(last) - area.y(first)))\" fill=\"#eef2f7\" fill-opacity=\"0.7\"/>")
            }
            body.append("<text class=\"task-label\" x=\"\(px(area.left - 10))\" y=\"\(px(area.y(center) + 4.5))\" font-size=\"13\" text-anchor=\"end\" fill=\"\(Palette.axis)\">\(xmlEscape(taskName(task)))</text>")
        }
        c.add(body.joined(separator: "\n"))
        body = []
        c.text("error (pts)", x: area.right + rightText / 2 + 4, y: top - 6, size: 11, anchor: "middle", color: "#555555")
        for r in rows {
            let color = Palette.target(r.t)
            let series = "\(targets[r.t]) predicted"
            if let b = r.p.predictedAccuracyBootstrap, b.count > 0 {
                body.append(area.errorBar(at: r.y, from: b.p025, to: b.p975, vertical: false, color: color, series: series, width: 2, cap: 3.5))
            }
            body.append(area.marker(r.p.predictedAccuracy, r.y, shape: .circle, color: color, size: 4.5, series: series,
                                    extra: [("task", r.task), ("target", targets[r.t])]))
            if let a = r.p.actualAccuracy {
                body.append(area.marker(a, r.y, shape: .cross, color: Palette.axis, size: 4.2, series: "\(targets[r.t]) actual", cls: "actual",
                                        extra: [("task", r.task), ("target", targets[r.t])]))
            }
            let e = r.p.errorPoints.map { String(format: "%+.1f", $0) } ?? "–"
            body.append("<text class=\"error\" x=\"\(px(area.right + rightText / 2 + 4))\" y=\"\(px(area.y(r.y) + 4))\" font-size=\"11.5\" text-anchor=\"middle\" fill=\"\(color)\">\(e)</text>")
        }
        c.add("<g class=\"data\">\n" + body.filter { !$0.isEmpty }.joined(separator: "\n") + "\n</g>")
        drawLegendRow(legend, on: &c, x: 24, y: top + plotH + 62)
        let caption = "Chained (two-step) prediction of every task's accuracy at each target (dots) with its bootstrap 95% interval (bars), "
            + "against the actual accuracy (crosses); the error column is predicted − actual in accuracy points."
        return Figure(name: "forest", title: "Chained predictions against actual accuracy", caption: caption, svg: c.render())
    }

    // MARK: variance comparison

    /// The measures of the variance report side by side, one small panel each, tasks in the report's order
    /// (noisiest accuracy first): checkpoint noise (SD and CV of loss and accuracy), the bootstrap SD of each
    /// target's prediction, the share of starts that reached the best fit, and each target's |error|.
    public static func variance(_ v: VarianceReport, targets: [String]) -> Figure {
        struct Panel { var title: String; var unit: String; var format: TickFormat; var series: [(label: String, color: String, values: [Double?])] }
        let rows = v.rows
        var panels = [
            Panel(title: "task-loss SD", unit: "bits per byte", format: .plain, series: [("", Palette.size(2), rows.map { $0.lossSD })]),
            Panel(title: "task-loss CV", unit: "%", format: .percent, series: [("", Palette.size(2), rows.map { $0.lossCV })]),
            Panel(title: "accuracy SD", unit: "points", format: .percent, series: [("", Palette.size(3), rows.map { $0.accuracySD })]),
            Panel(title: "accuracy CV", unit: "%", format: .percent, series: [("", Palette.size(3), rows.map { $0.accuracyCV })]),
        ]
        let withFits = rows.contains { !$0.predictionSD.isEmpty || $0.step1ReachedBest != nil }
        if withFits {
            panels.append(Panel(title: "prediction SD", unit: "points (bootstrap)", format: .percent,
                                series: targets.enumerated().map { (t, name) in (name, Palette.target(t), rows.map { $0.predictionSD[name] }) }))
            panels.append(Panel(title: "starts at best", unit: "% of starts", format: .percent,
                                series: [("step 1", Palette.size(0), rows.map { $0.step1ReachedBest }), ("step 2", Palette.size(1), rows.map { $0.step2ReachedBest })]))
            let errorSeries = targets.enumerated().map { (t, name) in (name, Palette.target(t), rows.map { r -> Double? in r.absoluteErrorPoints[name].map { $0 / 100 } }) }
            if errorSeries.contains(where: { $0.2.contains { $0 != nil } }) {
                panels.append(Panel(title: "|error|", unit: "points", format: .percent, series: errorSeries))
            }
        }
        let columns = 4
        let rowsOfPanels = (panels.count + columns - 1) / columns
        let labelW = 122.0, gapX = 16.0, top = 56.0
        let rowH = 17.0
        let panelH = Double(rows.count) * rowH + 8
        let blockH = panelH + 70
        let panelW = (width - labelW - 10 - gapX * Double(columns - 1)) / Double(columns)
        var legend = [LegendEntry]()
        for (t, name) in targets.enumerated() where withFits { legend.append(LegendEntry(name, color: Palette.target(t), shape: .circle)) }
        if withFits { legend += [LegendEntry("step 1", color: Palette.size(0), shape: .circle), LegendEntry("step 2", color: Palette.size(1), shape: .circle)] }
        let legendH = legend.isEmpty ? 0.0 : 34.0
        var c = SVGCanvas(width: width, height: top + blockH * Double(rowsOfPanels) + legendH, id: "variance", title: "Variance across tasks")
        drawTitle(&c, "Variance across tasks, measure by measure",
                  subtitle: "checkpoint noise over the last \(v.lastCheckpoints) checkpoints of \(v.run)\(withFits ? "; bootstrap and multi-start spread of the fits" : ""); noisiest first")
        for (i, panel) in panels.enumerated() {
            let col = i % columns, row = i / columns
            let left = labelW + Double(col) * (panelW + gapX)
            let ptop = top + 22 + Double(row) * blockH
            let values = panel.series.flatMap { $0.values.compactMap { $0 } }
            let area = PlotArea(left: left, top: ptop, width: panelW, height: panelH,
                                x: Scale(kind: .linear, covering: values, pixels: (0, 1), pad: 0.08, format: panel.format, includeZero: true, ticks: 4),
                                y: Scale(kind: .linear, domain: (panelH, 0), pixels: (0, 1)), clipID: "variance-\(i)-clip")
            c.add("<g class=\"panel\" data-measure=\"\(xmlEscape(panel.title))\">")
            c.text(panel.title, x: left + panelW / 2, y: ptop - 8, size: 12.5, anchor: "middle", weight: "bold")
            area.drawAxes(on: &c, xLabel: panel.unit, yLabel: nil, yTicks: false)
            var body = [String]()
            let k = panel.series.count
            for (s, series) in panel.series.enumerated() {
                for (r, value) in series.values.enumerated() {
                    let offset = k == 1 ? 0 : (Double(s) - Double(k - 1) / 2) * min(5, (rowH - 6) / Double(k - 1))
                    let yRow = Double(r) * rowH + rowH / 2 + 4 + offset
                    guard let value, value.isFinite else { continue }
                    let name = series.label.isEmpty ? panel.title : series.label
                    body.append("<line x1=\"\(px(area.x(0)))\" y1=\"\(px(area.y(yRow)))\" x2=\"\(px(area.x(value)))\" y2=\"\(px(area.y(yRow)))\" stroke=\"\(series.color)\" stroke-width=\"\(k == 1 ? 5 : 2)\" stroke-opacity=\"0.55\"/>")
                    body.append(area.marker(value, yRow, shape: .circle, color: series.color, size: k == 1 ? 3.6 : 3.2, series: name,
                                            extra: [("task", rows[r].task), ("measure", panel.title)]))
                }
            }
            c.add(body.joined(separator: "\n"))
            c.add("</g>")
            if col == 0 {
                for (r, row) in rows.enumerated() {
                    c.text(taskName(row.task), x: left - 8, y: area.y(Double(r) * rowH + rowH / 2 + 4) + 4.5, size: 12, anchor: "end", cls: "task-label")
                }
            }
        }
        if !legend.isEmpty { drawLegendRow(legend, on: &c, x: labelW - 10, y: top + blockH * Double(rowsOfPanels) + 14) }
        let caption = "Variance measures side by side, tasks sorted by accuracy CV (noisiest first): checkpoint-to-checkpoint noise over the last "
            + "\(v.lastCheckpoints) checkpoints of \(v.run) (population SD and CV of task loss and accuracy)"
            + (withFits ? "; the bootstrap SD of each target's chained prediction; the share of the starts that reached the best objective (step 1, step 2); and each target's |error| (accuracy points)." : ".")
        return Figure(name: "variance", title: "Variance across tasks", caption: caption, svg: c.render())
    }

    // MARK: multi-start landscape

    /// How far a start's objective lies above the best, relative: (objective - best) / best.
    public static func relativeExcess(_ objective: Double, best: Double) -> Double {
        best > 0 ? (objective - best) / best : objective - best
    }

    /// The multi-start landscape of a task, one panel per step: every start's objective, sorted, as its
    /// relative excess over the best objective on a log axis (starts at the best exactly sit on the floor
    /// of the axis); the near-best tolerance drawn as a line, the starts within it highlighted, and the
    /// published start (start 0) marked.
    public static func landscape(task: TaskResult, paper: Bool = false) -> Figure {
        let fits: [(String, StepFit)] = [("step 1", task.step1), ("step 2", task.step2), ("single step", task.singleStep)]
            .compactMap { name, fit in fit.map { (name, $0) } }
        let name = taskName(task.task)
        let top = 56.0, gapX = 56.0, left = 82.0, plotH = 270.0
        let panelW = (width - left - 20 - gapX * Double(max(fits.count - 1, 0))) / Double(max(fits.count, 1))
        var c = SVGCanvas(width: width, height: top + plotH + 112, id: "landscape-\(slug(task.task))", title: "\(name): multi-start landscape")
        drawTitle(&c, "\(name): multi-start landscape",
                  subtitle: "every start's objective, sorted, relative to the best; below the dashed line: reached the best")
        var notes = [String]()
        for (i, (stepName, fit)) in fits.enumerated() {
            let objectives = fit.startObjectives
            let usable = objectives.enumerated().filter { $0.element.isFinite }
            let sorted = usable.sorted { ($0.element, $0.offset) < ($1.element, $1.offset) }
            let best = fit.objective
            let tolerance = fit.nearBestTolerance
            let excess = sorted.map { relativeExcess($0.element, best: best) }
            let positive = excess.filter { $0 > 0 }
            // The floor (where starts at the best exactly are drawn): a decade below the smallest excess or tolerance.
            let floorValue = max(pow(10, (log10(min(positive.min() ?? tolerance, tolerance > 0 ? tolerance : 1e-6))).rounded(.down) - 1), 1e-16)
            let pleft = left + Double(i) * (panelW + gapX)
            let area = PlotArea(left: pleft, top: top + 24, width: panelW, height: plotH,
                                x: Scale(kind: .linear, domain: (0.4, Double(max(sorted.count, 1)) + 0.6), pixels: (0, 1)),
                                y: Scale(kind: .log, covering: [floorValue] + positive + [tolerance * 10], pixels: (0, 1), format: .power),
                                clipID: "landscape-\(slug(task.task))-\(i)-clip")
            c.add("<g class=\"panel\" data-step=\"\(stepName)\" data-best=\"\(dv(best))\">")
            c.text("\(stepName) (\(fit.model)): best \(String(format: "%.4g", best))", x: pleft + panelW / 2, y: top + 14, size: 12.5,
                   anchor: "middle", weight: "bold")
            area.drawAxes(on: &c, xLabel: "start, sorted by objective", yLabel: i == 0 ? "(objective − best) / best" : nil)
            var body = [String]()
            if tolerance > 0 { body.append(area.hline(tolerance, color: "#222222", series: "near-best tolerance")) }
            for (rank, entry) in sorted.enumerated() {
                let reached = entry.element <= best * (1 + tolerance)
                let y = max(excess[rank], floorValue)
                body.append(area.marker(Double(rank + 1), y, shape: .circle, color: reached ? Palette.size(1) : Palette.muted,
                                        size: sorted.count > 200 ? 2 : 3.4, series: reached ? "reached best" : "other starts",
                                        extra: [("start", String(entry.offset)), ("objective", dv(entry.element))]))
                if entry.offset == 0 && !paper && fit.publishedStart != nil {
                    body.append(area.marker(Double(rank + 1), y, shape: .diamond, color: Palette.target(1), size: 6.5, filled: false,
                                            series: "published start", cls: "published", extra: [("start", "0"), ("objective", dv(entry.element))]))
                }
            }
            c.add(body.joined(separator: "\n"))
            c.add("</g>")
            let unusable = objectives.count - usable.count
            let shown = objectives.count < fit.starts ? " (\(objectives.count) of \(fit.starts) starts drawn, evenly spaced)" : ""
            notes.append("\(stepName): \(fit.startsReachedBest) of \(fit.starts) starts within \(String(format: "%.0e", tolerance)) of the best objective \(String(format: "%.6g", best))"
                         + (unusable > 0 ? ", \(unusable) unusable (not drawn)" : "") + shown)
        }
        var legend = [LegendEntry("reached the best", color: Palette.size(1), shape: .circle), LegendEntry("other starts", color: Palette.muted, shape: .circle),
                      LegendEntry("near-best tolerance", color: "#222222", line: true, dashed: true)]
        if !paper && fits.contains(where: { $0.1.publishedStart != nil }) {
            legend.append(LegendEntry("published start", color: Palette.target(1), shape: .diamond, filled: false))
        }
        drawLegendRow(legend, on: &c, x: left - 40, y: top + 24 + plotH + 62)
        let caption = "\(name): the objective reached from every start, sorted, as its excess over the best objective relative to it (log scale; "
            + "starts at exactly the best sit on the bottom of the axis). " + notes.joined(separator: "; ") + "."
        return Figure(name: "landscape-\(slug(task.task))", title: "\(name): multi-start landscape", caption: caption, svg: c.render())
    }

    // MARK: ladder budget

    /// The ladder-budget sweep: mean |error| over tasks per target against the share of the ladder's
    /// compute used.
    public static func budget(_ b: BudgetSweep, targets: [String]) -> Figure {
        let top = 56.0, left = 78.0, legendW = 185.0, plotH = 300.0
        let shares = b.steps.map(\.computeShare)
        let errors = b.steps.flatMap { s in targets.compactMap { s.meanAbsoluteErrorPoints[$0] } }
        let area = PlotArea(left: left, top: top, width: width - left - legendW - 16, height: plotH,
                            x: Scale(kind: AxisKind.auto(shares, ratio: 5), covering: shares, pixels: (0, 1), pad: 0.05, format: .percent),
                            y: Scale(kind: .linear, covering: errors, pixels: (0, 1), pad: 0.08, includeZero: true), clipID: "budget-clip")
        var c = SVGCanvas(width: width, height: top + plotH + 62, id: "budget", title: "Ladder budget")
        drawTitle(&c, "Ladder budget: error against the ladder compute used", subtitle: "runs added in order of \(b.order.rawValue); no bootstrap")
        area.drawAxes(on: &c, xLabel: "share of the full ladder's compute (%)", yLabel: "mean |error| over tasks (points)")
        var body = [String]()
        for (t, target) in targets.enumerated() {
            let pts = b.steps.compactMap { s in s.meanAbsoluteErrorPoints[target].map { (s.computeShare, $0) } }
            body.append(area.polyline(pts, color: Palette.target(t), series: target))
            for (x, y) in pts { body.append(area.marker(x, y, shape: .circle, color: Palette.target(t), size: 4, series: target)) }
        }
        c.add("<g class=\"data\">\n" + body.joined(separator: "\n") + "\n</g>")
        drawLegend(targets.enumerated().map { LegendEntry($0.element, color: Palette.target($0.offset), shape: .circle, line: true) },
                   on: &c, x: area.right + 16, y: top + 8)
        return Figure(name: "budget", title: "Ladder budget",
                      caption: "Mean |error| over tasks (accuracy points) of each target's prediction when the law is fitted on the first k runs in order of \(b.order.rawValue), against the share of the full ladder's compute they cost.",
                      svg: c.render())
    }
}
