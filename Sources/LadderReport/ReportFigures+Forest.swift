import Foundation
import LadderFit

extension ReportFigures {
    /// A row of the forest plot: its task, target index, prediction and row centre (row offset from the top).
    private typealias ForestRow = (task: String, t: Int, p: TargetPrediction, y: Double)

    /// Row height and the gap between tasks in the forest plot (in px and in row offsets alike).
    private static let forestRowH = 15.0, forestGap = 9.0
    /// Width of the error column at the right of the forest plot.
    private static let forestRightText = 78.0

    /// The chained prediction of every task and target against the actual accuracy, with bootstrap 95%
    /// intervals and the error in points written at the right.
    public static func forest(ladder: Ladder, result: LadderResult) -> Figure {
        let targets = ladder.targets.map(\.name)
        let rowH = forestRowH, gap = forestGap
        let (rows, taskCenters, yy) = forestRows(result: result, targets: targets)
        let top = 56.0, left = 140.0, rightText = forestRightText
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
        c.add(forestTaskLabels(area: area, rows: rows, taskCenters: taskCenters).joined(separator: "\n"))
        c.text("error (pts)", x: area.right + rightText / 2 + 4, y: top - 6, size: 11, anchor: "middle", color: "#555555")
        let body = forestMarks(area: area, rows: rows, targets: targets)
        c.add("<g class=\"data\">\n" + body.filter { !$0.isEmpty }.joined(separator: "\n") + "\n</g>")
        drawLegendRow(legend, on: &c, x: 24, y: top + plotH + 62)
        let caption = "Chained (two-step) prediction of every task's accuracy at each target (dots) with its bootstrap 95% interval (bars), "
            + "against the actual accuracy (crosses); the error column is predicted − actual in accuracy points."
        return Figure(name: "forest", title: "Chained predictions against actual accuracy", caption: caption, svg: c.render())
    }

    /// The forest plot's rows, one per task and target with a prediction, tasks separated by a gap; each task's
    /// centre; and the offset below the last gap.
    private static func forestRows(result: LadderResult, targets: [String]) -> (rows: [ForestRow], taskCenters: [(String, Double)], end: Double) {
        let rowH = forestRowH, gap = forestGap
        var rows = [ForestRow]()
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
        return (rows, taskCenters, yy)
    }

    /// Every other task's rows striped, and each task's name at the left of its rows.
    private static func forestTaskLabels(area: PlotArea, rows: [ForestRow], taskCenters: [(String, Double)]) -> [String] {
        let rowH = forestRowH, gap = forestGap
        var body = [String]()
        for (i, (task, center)) in taskCenters.enumerated() {
            if i % 2 == 1 {
                let first = rows.first { $0.task == task }!.y - rowH / 2 - gap / 2, last = rows.last { $0.task == task }!.y + rowH / 2 + gap / 2
                body.append("<rect class=\"stripe\" x=\"\(px(area.left))\" y=\"\(px(area.y(first)))\" width=\"\(px(area.width))\" height=\"\(px(area.y(last) - area.y(first)))\" fill=\"#eef2f7\" fill-opacity=\"0.7\"/>")
            }
            body.append("<text class=\"task-label\" x=\"\(px(area.left - 10))\" y=\"\(px(area.y(center) + 4.5))\" font-size=\"13\" text-anchor=\"end\" fill=\"\(Palette.axis)\">\(xmlEscape(taskName(task)))</text>")
        }
        return body
    }

    /// Each row's interval, prediction and actual value, and its error (predicted − actual, points) in the right column.
    private static func forestMarks(area: PlotArea, rows: [ForestRow], targets: [String]) -> [String] {
        let rightText = forestRightText
        var body = [String]()
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
        return body
    }
}
