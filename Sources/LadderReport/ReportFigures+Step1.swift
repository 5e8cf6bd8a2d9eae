import CSVReading
import FitModels
import Foundation
import LadderFit

extension ReportFigures {
    /// A ladder run's point on the step-1 figure: its size group, compute and step-1 value.
    private typealias Step1Point = (group: Int, run: LadderRun, c: Double, y: Double)
    /// A fitted curve on the step-1 figure.
    private typealias Step1Curve = (label: String, color: String, dashed: Bool, points: [(Double, Double)])

    /// A target on the step-1 figure: its compute, predicted value with the bootstrap 95% interval, and actual value.
    private struct Step1TargetMark { var name: String; var c: Double; var predicted: Double?; var lo: Double?; var hi: Double?; var actual: Double? }

    /// Step 1 of a task: each ladder run's step-1 value against its compute (one colour per model size), the
    /// fitted law per model size as D varies, and each target's predicted value with its bootstrap 95%
    /// interval next to the actual value. With the single-step variant, the same for accuracy.
    public static func step1(ladder: Ladder, method: LadderMethod, task: TaskResult) throws -> Figure {
        let single = method.singleStep
        guard let fit = single ? task.singleStep : task.step1 else {
            throw InputError("task '\(task.task)' has no \(single ? "single-step" : "step-1") fit to plot")
        }
        let groups = sizeGroups(ladder)
        let name = taskName(task.task)
        let yLabel = single ? "accuracy (%)" : intermediateLabel(method)
        // Data.
        let xMethod = single ? LadderMethod() : method
        let runPoints = try step1RunPoints(groups: groups, method: method, task: task)
        let curves = step1Curves(ladder: ladder, method: method, fit: fit, groups: groups, runPoints: runPoints)
        let marks = step1TargetMarks(ladder: ladder, method: method, task: task)
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
        drawStep1Title(&c, name: name, ladder: ladder, method: method)
        area.drawAxes(on: &c, xLabel: computeLabel(xMethod), yLabel: yLabel)
        let body = step1Marks(area: area, groups: groups, curves: curves, runPoints: runPoints, marks: marks)
        c.add("<g class=\"data\">\n" + body.filter { !$0.isEmpty }.joined(separator: "\n") + "\n</g>")
        drawLegend(step1Legend(ladder: ladder, method: method, groups: groups, marks: marks), on: &c, x: area.right + 16, y: top + 8)
        let what = single ? "final accuracy (mean of the last 5 rows)" : "\(intermediateLabel(method)) (mean of the last \(method.step1LastRows) rows)"
        let caption = "\(name), \(single ? "single-step law" : "step 1"): each ladder run's \(what) against its training compute (colour: model size); "
            + (xMethod.step1Form == .nd ? "lines: the fitted law for each model size as D varies (dashed: the target sizes); " : "line: the fitted law; ")
            + "diamonds: each target's prediction with its bootstrap 95% interval (\(fit.usableReplicates) replicates); crosses: actual values."
        return Figure(name: "step1-\(slug(task.task))", title: "\(name): \(single ? "single-step law" : "step 1")", caption: caption, svg: c.render())
    }

    /// Every ladder run's step-1 value (with the single-step variant: its final accuracy, the mean of the last 5
    /// rows) at its compute, in size-group order.
    private static func step1RunPoints(groups: [SizeGroup], method: LadderMethod, task: TaskResult) throws -> [Step1Point] {
        let single = method.singleStep
        func observed(_ run: LadderRun) throws -> Double {
            if !single { return try method.step1Value(run, task: task.task) }
            let acc = (run.tasks[task.task]?.accuracy ?? []).suffix(5).compactMap { $0 }
            guard !acc.isEmpty else { throw InputError("run '\(run.name)': no \(task.task) accuracy") }
            return acc.reduce(0, +) / Double(acc.count)
        }
        var runPoints = [Step1Point]()
        for (g, group) in groups.enumerated() {
            for run in group.runs {
                runPoints.append((g, run, compute(method: single ? LadderMethod() : method, n: run.n, d: run.finalTokens, flopsPerToken: run.flopsPerToken),
                                  try observed(run)))
            }
        }
        return runPoints
    }

    /// The fitted law as curves: one line over compute (compute form), or one per model size and (dashed) per
    /// target as D varies (N, D form and single step).
    private static func step1Curves(ladder: Ladder, method: LadderMethod, fit: StepFit, groups: [SizeGroup],
                                    runPoints: [Step1Point]) -> [Step1Curve] {
        let single = method.singleStep
        let model: any FitModel = single ? method.singleStepModel : method.step1Model
        func law(n: Double, d: Double, f: Double?) -> Double {
            model.value(parameters: fit.parameters, at: single ? [n, d] : method.step1Inputs(n: n, d: d, flopsPerToken: f))
        }
        let xMethod = single ? LadderMethod() : method
        var curves = [Step1Curve]()
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
        return curves
    }

    /// Each target's predicted step-1 value (single step: accuracy) with its bootstrap 95% interval, and its actual value.
    private static func step1TargetMarks(ladder: Ladder, method: LadderMethod, task: TaskResult) -> [Step1TargetMark] {
        let single = method.singleStep
        let xMethod = single ? LadderMethod() : method
        return ladder.targets.map { target in
            let p = task.predictions.first { $0.target == target.name }
            let c = compute(method: xMethod, n: target.n, d: target.d, flopsPerToken: target.flopsPerToken)
            if single {
                let b = p?.predictedAccuracyBootstrap
                return Step1TargetMark(name: target.name, c: c, predicted: p?.predictedAccuracy, lo: b.flatMap { $0.count > 0 ? $0.p025 : nil },
                                       hi: b.flatMap { $0.count > 0 ? $0.p975 : nil }, actual: p?.actualAccuracy)
            }
            let b = p?.predictedXBootstrap
            return Step1TargetMark(name: target.name, c: c, predicted: p?.predictedX, lo: b.flatMap { $0.count > 0 ? $0.p025 : nil },
                                   hi: b.flatMap { $0.count > 0 ? $0.p975 : nil }, actual: p?.actualX)
        }
    }

    /// Title and subtitle of the step-1 figure: what is plotted, and the law fitted.
    private static func drawStep1Title(_ c: inout SVGCanvas, name: String, ladder: Ladder, method: LadderMethod) {
        let single = method.singleStep
        drawTitle(&c, single ? "\(name): single-step law, accuracy against compute" : "\(name): step 1, \(intermediateLabel(method).components(separatedBy: " (").first ?? "") against compute",
                  subtitle: single ? "Acc(N, D) fitted on the final accuracy of each ladder run" :
                    (method.step1Form == .nd ? "L(N, D) = A/N^α + B/D^β + E fitted on the \(ladder.runs.count) ladder runs" : "L(C) = A/C^α + E fitted on the \(ladder.runs.count) ladder runs"))
    }

    /// The data marks, back to front: the curves, the ladder runs, then each target's interval, prediction and actual value.
    private static func step1Marks(area: PlotArea, groups: [SizeGroup], curves: [Step1Curve],
                                   runPoints: [Step1Point], marks: [Step1TargetMark]) -> [String] {
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
        return body
    }

    /// Legend of the step-1 figure: the model sizes, the fitted law (compute form), the targets and the actual values.
    private static func step1Legend(ladder: Ladder, method: LadderMethod, groups: [SizeGroup],
                                    marks: [Step1TargetMark]) -> [LegendEntry] {
        let single = method.singleStep
        let xMethod = single ? LadderMethod() : method
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
        return legend
    }
}
