import Foundation
import LadderFit

extension ReportFigures {
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
            let pleft = left + Double(i) * (panelW + gapX)
            notes.append(drawLandscapePanel(&c, stepName: stepName, fit: fit, index: i, task: task.task, paper: paper,
                                            left: pleft, top: top, width: panelW, height: plotH))
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

    /// The panel of one step (the `index`-th, at `left`, its title above `top`, the plot area 24 px below it):
    /// the sorted starts, the tolerance line and the published start. Returns the caption's note on this step.
    private static func drawLandscapePanel(_ c: inout SVGCanvas, stepName: String, fit: StepFit, index i: Int, task: String, paper: Bool,
                                           left pleft: Double, top: Double, width panelW: Double, height plotH: Double) -> String {
        let objectives = fit.startObjectives
        let usable = objectives.enumerated().filter { $0.element.isFinite }
        let sorted = usable.sorted { ($0.element, $0.offset) < ($1.element, $1.offset) }
        let best = fit.objective
        let tolerance = fit.nearBestTolerance
        let excess = sorted.map { relativeExcess($0.element, best: best) }
        let positive = excess.filter { $0 > 0 }
        // The floor (where starts at the best exactly are drawn): a decade below the smallest excess or tolerance.
        let floorValue = max(pow(10, (log10(min(positive.min() ?? tolerance, tolerance > 0 ? tolerance : 1e-6))).rounded(.down) - 1), 1e-16)
        let area = PlotArea(left: pleft, top: top + 24, width: panelW, height: plotH,
                            x: Scale(kind: .linear, domain: (0.4, Double(max(sorted.count, 1)) + 0.6), pixels: (0, 1)),
                            y: Scale(kind: .log, covering: [floorValue] + positive + [tolerance * 10], pixels: (0, 1), format: .power),
                            clipID: "landscape-\(slug(task))-\(i)-clip")
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
        return "\(stepName): \(fit.startsReachedBest) of \(fit.starts) starts within \(String(format: "%.0e", tolerance)) of the best objective \(String(format: "%.6g", best))"
            + (unusable > 0 ? ", \(unusable) unusable (not drawn)" : "") + shown
    }
}
