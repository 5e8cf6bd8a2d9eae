import Foundation
import LadderFit

extension ReportFigures {
    /// One measure of the variance figure: a small panel with one value per task and series.
    private struct VariancePanel { var title: String; var unit: String; var format: TickFormat; var series: [(label: String, color: String, values: [Double?])] }

    /// Row height of a task in the variance panels.
    private static let varianceRowH = 17.0

    /// The measures of the variance report side by side, one small panel each, tasks in the report's order
    /// (noisiest accuracy first): checkpoint noise (SD and CV of loss and accuracy), the bootstrap SD of each
    /// target's prediction, the share of starts that reached the best fit, and each target's |error|.
    public static func variance(_ v: VarianceReport, targets: [String]) -> Figure {
        let rows = v.rows
        let withFits = rows.contains { !$0.predictionSD.isEmpty || $0.step1ReachedBest != nil }
        let panels = variancePanels(v, targets: targets, withFits: withFits)
        let columns = 4
        let rowsOfPanels = (panels.count + columns - 1) / columns
        let labelW = 122.0, gapX = 16.0, top = 56.0
        let rowH = varianceRowH
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
            drawVariancePanel(&c, panel, area: area, rows: rows, taskLabels: col == 0)
        }
        if !legend.isEmpty { drawLegendRow(legend, on: &c, x: labelW - 10, y: top + blockH * Double(rowsOfPanels) + 14) }
        let caption = "Variance measures side by side, tasks sorted by accuracy CV (noisiest first): checkpoint-to-checkpoint noise over the last "
            + "\(v.lastCheckpoints) checkpoints of \(v.run) (population SD and CV of task loss and accuracy)"
            + (withFits ? "; the bootstrap SD of each target's chained prediction; the share of the starts that reached the best objective (step 1, step 2); and each target's |error| (accuracy points)." : ".")
        return Figure(name: "variance", title: "Variance across tasks", caption: caption, svg: c.render())
    }

    /// The panels, in order: checkpoint noise (task-loss and accuracy SD and CV); with fits, the prediction SD per
    /// target, the share of starts at the best per step, and each target's |error| where any is known.
    private static func variancePanels(_ v: VarianceReport, targets: [String], withFits: Bool) -> [VariancePanel] {
        let rows = v.rows
        var panels = [
            VariancePanel(title: "task-loss SD", unit: "bits per byte", format: .plain, series: [("", Palette.size(2), rows.map { $0.lossSD })]),
            VariancePanel(title: "task-loss CV", unit: "%", format: .percent, series: [("", Palette.size(2), rows.map { $0.lossCV })]),
            VariancePanel(title: "accuracy SD", unit: "points", format: .percent, series: [("", Palette.size(3), rows.map { $0.accuracySD })]),
            VariancePanel(title: "accuracy CV", unit: "%", format: .percent, series: [("", Palette.size(3), rows.map { $0.accuracyCV })]),
        ]
        if withFits {
            panels.append(VariancePanel(title: "prediction SD", unit: "points (bootstrap)", format: .percent,
                                        series: targets.enumerated().map { (t, name) in (name, Palette.target(t), rows.map { $0.predictionSD[name] }) }))
            panels.append(VariancePanel(title: "starts at best", unit: "% of starts", format: .percent,
                                        series: [("step 1", Palette.size(0), rows.map { $0.step1ReachedBest }), ("step 2", Palette.size(1), rows.map { $0.step2ReachedBest })]))
            let errorSeries = targets.enumerated().map { (t, name) in (name, Palette.target(t), rows.map { r -> Double? in r.absoluteErrorPoints[name].map { $0 / 100 } }) }
            if errorSeries.contains(where: { $0.2.contains { $0 != nil } }) {
                panels.append(VariancePanel(title: "|error|", unit: "points", format: .percent, series: errorSeries))
            }
        }
        return panels
    }

    /// One panel: its title, axes and a lollipop per task and series (series side by side within a task's row);
    /// `taskLabels`: the task names at its left (the first column).
    private static func drawVariancePanel(_ c: inout SVGCanvas, _ panel: VariancePanel, area: PlotArea, rows: [VarianceReport.Row], taskLabels: Bool) {
        let rowH = varianceRowH
        let left = area.left, ptop = area.top, panelW = area.width
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
        if taskLabels {
            for (r, row) in rows.enumerated() {
                c.text(taskName(row.task), x: left - 8, y: area.y(Double(r) * rowH + rowH / 2 + 4) + 4.5, size: 12, anchor: "end", cls: "task-label")
            }
        }
    }
}
