import Foundation
import LadderFit

extension ReportFigures {
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
