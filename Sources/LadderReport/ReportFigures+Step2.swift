import CSVReading
import FitModels
import FitSweep
import Foundation
import LadderFit

extension ReportFigures {
    /// A checkpoint on the step-2 figure: its size group, run, intermediate value and accuracy.
    private typealias Step2Point = (group: Int, run: String, x: Double, acc: Double)

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
        let points = try step2Points(groups: groups, method: method, task: task)
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
        var c = SVGCanvas(width: width, height: top + plotH + 62, id: "step2-\(slug(task.task))", title: "\(name): step 2")
        let sigmoid = method.intermediate == .taskCE ? "log-sigmoid" : "sigmoid"
        drawTitle(&c, "\(name): step 2, accuracy against \(intermediateLabel(method).components(separatedBy: " (").first ?? "")",
                  subtitle: "\(points.count) checkpoints of \(ladder.runs.count) ladder runs\(method.step2Smoothing > 1 ? " (\(method.step2Smoothing)-point moving average)" : ""); fitted \(sigmoid) with bootstrap 95% band")
        area.drawAxes(on: &c, xLabel: intermediateLabel(method), yLabel: "accuracy (%)")
        var body = step2Curves(area: area, model: model, fit: fit, grid: grid, groups: groups, points: points, sigmoid: sigmoid)
        body += step2TargetMarks(area: area, ladder: ladder, preds: preds)
        c.add("<g class=\"data\">\n" + body.filter { !$0.isEmpty }.joined(separator: "\n") + "\n</g>")
        drawLegend(step2Legend(ladder: ladder, fit: fit, groups: groups, preds: preds, sigmoid: sigmoid), on: &c, x: area.right + 16, y: top + 8)
        let caption = "\(name), step 2: accuracy against \(intermediateLabel(method)) for the \(points.count) checkpoints the fit used "
            + "(colour: model size\(method.idealPoint ? "; the ideal point (0, 100%) is fitted but not drawn" : "")); black line: the fitted \(sigmoid); "
            + "grey band: pointwise 2.5–97.5% of the curve over \(fit.replicateParameters.count) bootstrap replicate parameter sets; "
            + "diamonds: each target's chained prediction at step 1's predicted \(method.intermediate == .taskLoss ? "loss" : "x") (bars: bootstrap 95% in both); crosses: actual values."
        return Figure(name: "step2-\(slug(task.task))", title: "\(name): step 2", caption: caption, svg: c.render())
    }

    /// Grey of the step-2 bootstrap band.
    private static let step2BandColor = "#444444"

    /// Every checkpoint the step-2 fit used, in size-group order.
    private static func step2Points(groups: [SizeGroup], method: LadderMethod, task: TaskResult) throws -> [Step2Point] {
        var points = [Step2Point]()
        for (g, group) in groups.enumerated() {
            for run in group.runs {
                let (x, acc) = try method.step2Points(run, task: task.task)
                for i in x.indices { points.append((g, run.name, x[i], acc[i])) }
            }
        }
        return points
    }

    /// The fit's marks, back to front: the bootstrap band, the checkpoints (one group per model size), the fitted curve.
    private static func step2Curves(area: PlotArea, model: any FitModel, fit: StepFit, grid: [Double], groups: [SizeGroup],
                                    points: [Step2Point], sigmoid: String) -> [String] {
        var body = [String]()
        if !fit.replicateParameters.isEmpty {
            let band = bootstrapBand(model: model, replicates: fit.replicateParameters, at: grid)
            body.append(area.band(xs: grid, lo: band.lo, hi: band.hi, color: step2BandColor, opacity: 0.2, series: "bootstrap band"))
        }
        for (g, group) in groups.enumerated() {
            body.append(area.dots(points.filter { $0.group == g }.map { ($0.x, $0.acc) }, color: Palette.size(g), size: 2.4, opacity: 0.55,
                                  series: group.label))
        }
        let curve = grid.map { ($0, model.value(parameters: fit.parameters, at: [$0])) }
        body.append(area.polyline(curve, color: "#222222", width: 2, series: "fitted \(sigmoid)"))
        return body
    }

    /// Each target's chained prediction (bars: bootstrap 95% in accuracy and in x) and its actual (x, accuracy).
    private static func step2TargetMarks(area: PlotArea, ladder: Ladder, preds: [TargetPrediction?]) -> [String] {
        var body = [String]()
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
        return body
    }

    /// Legend of the step-2 figure: the model sizes, the fitted curve, the band, then each target's prediction and actual.
    private static func step2Legend(ladder: Ladder, fit: StepFit, groups: [SizeGroup], preds: [TargetPrediction?], sigmoid: String) -> [LegendEntry] {
        var legend = groups.enumerated().map { LegendEntry("\($0.element.label) checkpoints", color: Palette.size($0.offset), shape: .circle) }
        legend.append(LegendEntry("fitted \(sigmoid)", color: "#222222", line: true))
        if !fit.replicateParameters.isEmpty { legend.append(LegendEntry("95% band (\(fit.replicateParameters.count) repl.)", color: step2BandColor, band: true)) }
        for (t, target) in ladder.targets.enumerated() where preds[t] != nil {
            legend.append(LegendEntry("\(target.name) chained, 95%", color: Palette.target(t), shape: .diamond))
            if preds[t]?.actualAccuracy != nil && preds[t]?.actualX != nil {
                legend.append(LegendEntry("\(target.name) actual", color: Palette.target(t), shape: .cross))
            }
        }
        return legend
    }
}
