import CSVReading
import FitSweep
import Foundation
import LadderFit

/// The HTML page: settings, tables (the main job's numbers) and the figures inlined.
enum ReportHTML {
    static let css = """
    @page { size: A4; margin: 12mm; }
    body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; max-width: 760px; margin: 24px auto; padding: 0 12px; font-size: 14px; line-height: 1.45; }
    h1 { font-size: 22px; margin-bottom: 4px; }
    h2 { font-size: 18px; border-bottom: 1px solid #ccc; padding-bottom: 3px; margin-top: 32px; }
    h3 { font-size: 15px; margin-top: 22px; }
    table { border-collapse: collapse; font-size: 11px; margin: 8px 0 14px; }
    th, td { padding: 2px 5px; text-align: right; border-bottom: 1px solid #e4e4e4; white-space: nowrap; }
    th { background: #f2f2f2; font-weight: 600; }
    td:first-child, th:first-child { text-align: left; }
    table.settings td, table.settings th { text-align: left; white-space: normal; }
    table.settings td:first-child { white-space: nowrap; }
    figure { margin: 14px 0 22px; page-break-inside: avoid; break-inside: avoid; }
    figure svg { width: 100%; height: auto; display: block; }
    figcaption { font-size: 12px; color: #444; margin-top: 4px; }
    code, pre { font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: 12px; }
    pre { background: #f6f6f6; padding: 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
    .note { color: #555; font-size: 12px; }
    .wide { overflow-x: auto; }
    """

    /// The whole page: head, contents, then the sections with their figures and tables.
    // About 60 lines on purpose: one section after another, so the page's order reads top to bottom here.
    static func render(ladder: Ladder, method: LadderMethod, result: LadderResult, variance: VarianceReport, budget: BudgetSweep?,
                       figures: [Figure]) -> String {
        let info = result.info
        var h = [String]()
        h.append("<!DOCTYPE html>")
        h.append("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">")
        h.append("<head><meta charset=\"utf-8\"/><meta name=\"generator\" content=\"gpufit \(e(info.version))\"/>")
        h.append("<title>gpufit ladder report: \(e(info.source))</title><style>\n\(css)\n</style></head>")
        h.append("<body>")
        h.append("<h1>Task scaling laws from a model ladder</h1>")
        h.append("<p class=\"note\">gpufit \(e(info.version)): \(ladder.runs.count) ladder runs from \(e(info.source)); \(e(info.method.label)); "
                 + "targets \(e(ladder.targets.map(\.name).joined(separator: ", "))). Every number below comes from this run; the settings that produced them follow.</p>")
        var index = 0
        func figure(_ name: String) -> String {
            guard let f = figures.first(where: { $0.name == name }) else { return "" }
            index += 1
            // The standalone SVG (no XML declaration) inlines as is.
            return "<figure id=\"fig-\(e(f.name))\">\n\(f.svg)<figcaption><b>Figure \(index).</b> \(e(f.caption)) <span class=\"note\">(file: \(e(f.name)).svg)</span></figcaption></figure>"
        }

        var contents = [("sec-settings", "Settings"), ("sec-predictions", "Predictions"), ("sec-variance", "Variance across tasks"),
                        ("sec-tasks", "Per task"), ("sec-parameters", "Fitted parameters")]
        if !info.paper { contents.append(("sec-multistart", "Multi-start")) }
        if budget != nil { contents.append(("sec-budget", "Ladder budget")) }
        h.append("<p class=\"note\">Contents: " + contents.map { "<a href=\"#\($0.0)\">\(e($0.1))</a>" }.joined(separator: " · ") + "</p>")
        h.append("<h2 id=\"sec-settings\">Settings</h2>")
        h.append(settingsTable(ladder: ladder, result: result, variance: variance, budget: budget))

        h.append("<h2 id=\"sec-predictions\">Predictions</h2>")
        h.append(figure("forest"))
        for target in ladder.targets { h.append(predictionTable(target: target, result: result)) }

        h.append("<h2 id=\"sec-variance\">Variance across tasks</h2>")
        h.append(figure("variance"))
        h.append(varianceTable(variance, targets: ladder.targets.map(\.name)))

        h.append("<h2 id=\"sec-tasks\">Per task</h2>")
        for task in result.tasks {
            h.append("<h3 id=\"task-\(e(ReportFigures.slug(task.task)))\">\(e(ReportFigures.taskName(task.task)))</h3>")
            h.append(figure("step1-\(ReportFigures.slug(task.task))"))
            h.append(figure("step2-\(ReportFigures.slug(task.task))"))
            h.append(figure("landscape-\(ReportFigures.slug(task.task))"))
        }

        h.append("<h2 id=\"sec-parameters\">Fitted parameters</h2>")
        h.append(parameterTables(result))
        if !info.paper {
            h.append("<h2 id=\"sec-multistart\">Multi-start against the published start</h2>")
            h.append(multiStartTable(ladder: ladder, result: result))
        }
        if let budget {
            h.append("<h2 id=\"sec-budget\">Ladder budget</h2>")
            h.append(figure("budget"))
            h.append(budgetTable(budget, targets: ladder.targets.map(\.name)))
        }
        h.append("</body>")
        h.append("</html>")
        return h.joined(separator: "\n") + "\n"
    }

    static func e(_ s: String) -> String { xmlEscape(s) }

    static func num(_ v: Double?, _ digits: Int) -> String {
        guard let v else { return "-" }
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return String(format: "%.\(digits)g", v)
    }

    static func interval(_ d: Distribution?, _ digits: Int) -> String {
        guard let d, d.count > 0 else { return "-" }
        return "[\(num(d.p025, digits)), \(num(d.p975, digits))]"
    }

    static func table(_ header: [String], _ rows: [[String]], cls: String? = nil) -> String {
        var t = ["<div class=\"wide\"><table\(cls.map { " class=\"\($0)\"" } ?? "")>"]
        t.append("<tr>" + header.map { "<th>\(e($0))</th>" }.joined() + "</tr>")
        for r in rows { t.append("<tr>" + r.map { "<td>\(e($0))</td>" }.joined() + "</tr>") }
        t.append("</table></div>")
        return t.joined(separator: "\n")
    }

    /// The command line that reproduces this run (given the same data).
    static func commandLine(ladder: Ladder, result: LadderResult, variance: VarianceReport, budget: BudgetSweep?) -> String {
        let info = result.info, m = info.method
        var parts = ["gpufit", "ladder"]
        if info.source != "embedded OLMo ladder" { parts += ["--data", "'\(info.source)'"] }
        if m.intermediate != .taskLoss { parts += ["--intermediate", m.intermediate.rawValue] }
        if m.step1Form != .nd { parts += ["--step1", m.step1Form.rawValue] }
        if m.singleStep { parts.append("--single-step") }
        if info.paper { parts.append("--paper") } else { parts += ["--starts", String(info.starts)] }
        parts += ["--bootstrap", String(info.bootstrap), "--seed", String(info.seed)]
        parts += ["--tasks", result.tasks.map(\.task).joined(separator: ",")]
        parts += ["--targets", info.targets.joined(separator: ",")]
        parts += ["--variance-run", variance.run, "--variance-last", String(variance.requestedCheckpoints)]
        if let budget { parts += ["--budget", budget.order.rawValue] }
        parts += ["--report", "DIR"]
        return parts.joined(separator: " ")
    }

    static func settingsTable(ladder: Ladder, result: LadderResult, variance: VarianceReport, budget: BudgetSweep?) -> String {
        let info = result.info, m = info.method
        var rows: [[String]] = [
            ["data", info.source],
            ["ladder runs", "\(info.runs.count): \(info.runs.joined(separator: ", "))"],
            ["targets", ladder.targets.map { "\($0.name) (N = \(num($0.n, 4)), D = \(num($0.d, 4)))" }.joined(separator: "; ")],
            ["tasks", result.tasks.map { ReportFigures.taskName($0.task) }.joined(separator: ", ")],
            ["method", m.label],
            ["intermediate", m.intermediate.rawValue],
            ["step 1", m.singleStep ? "-" : (m.step1Form == .nd ? "(N, D): L = exp(a − α ln N) + exp(b − β ln D) + E" : "compute: L = exp(a − α ln C) + E")],
            ["step-1 Huber delta", num(m.huberDelta, 3)],
            ["seed", String(info.seed)],
            ["starts per fit", info.paper ? "1 (paper mode: the published start)" : "\(info.starts) (start 0: the published start)"],
            ["bootstrap replicates", "\(info.bootstrap) (resampling ladder runs)"],
            ["device (engine)", info.engine],
            ["gpufit version", info.version],
            ["fits run", "\(info.fits) in \(String(format: "%.2f", info.seconds)) s"],
            ["variance measures", "last \(variance.lastCheckpoints) checkpoints of \(variance.run)"],
        ]
        if let budget { rows.append(["budget sweep", "runs added in order of \(budget.order.rawValue)"]) }
        var out = table(["setting", "value"], rows, cls: "settings")
        out += "\n<p class=\"note\">To reproduce (same data, any device: the counter-based generator gives the same starts and resamples everywhere):</p>"
        out += "\n<pre>\(e(commandLine(ladder: ladder, result: result, variance: variance, budget: budget)))</pre>"
        return out
    }

    static func predictionTable(target: LadderTarget, result: LadderResult) -> String {
        let single = result.info.method.singleStep, boot = result.info.bootstrap > 0
        var header = ["task"]
        if !single { header += ["loss actual", "loss pred"] + (boot ? ["loss 95%"] : []) }
        header.append("acc actual")
        if !single { header.append("step-2 only") }
        header += ["predicted"] + (boot ? ["95% interval", "sd"] : []) + ["error (pts)"]
        var rows = [[String]]()
        for task in result.tasks {
            guard let p = task.predictions.first(where: { $0.target == target.name }) else { continue }
            var row = [ReportFigures.taskName(task.task)]
            if !single {
                row += [num(p.actualX, 4), num(p.predictedX, 4)]
                if boot { row.append(interval(p.predictedXBootstrap, 3)) }
            }
            row.append(num(p.actualAccuracy, 4))
            if !single { row.append(num(p.step2OnlyAccuracy, 4)) }
            row.append(num(p.predictedAccuracy, 4))
            if boot { row += [interval(p.predictedAccuracyBootstrap, 3), num(p.predictedAccuracyBootstrap?.sd, 2)] }
            row.append(p.errorPoints.map { String(format: "%+.1f", $0) } ?? "-")
            rows.append(row)
        }
        return "<h3>Target \(e(target.name)) (N = \(num(target.n, 4)), D = \(num(target.d, 4)))</h3>\n" + table(header, rows)
    }

    static func parameterTables(_ result: LadderResult) -> String {
        let m = result.info.method
        let steps: [(String, (TaskResult) -> StepFit?)] = m.singleStep
            ? [("Single step: Acc = p5 / (1 + exp(−(exp(a − α ln N) + exp(b − β ln D) + E))) + p6", { $0.singleStep })]
            : [(m.step1Form == .nd ? "Step 1: L = exp(a − α ln N) + exp(b − β ln D) + E (Huber \(num(m.huberDelta, 3)) on ln L)"
                                   : "Step 1: L = exp(a − α ln C) + E (Huber \(num(m.huberDelta, 3)) on ln L)", { $0.step1 }),
               (m.intermediate == .taskCE ? "Step 2: Acc = a ln(1 + exp(k (x − x0))) + 1 (least squares)"
                                          : "Step 2: Acc = a / (1 + exp(−k (x − x0))) + b (least squares)", { $0.step2 })]
        var out = [String]()
        for (title, pick) in steps {
            guard let first = result.tasks.compactMap(pick).first else { continue }
            out.append("<h3>\(e(title))</h3>")
            let rows = result.tasks.compactMap { task -> [String]? in
                guard let f = pick(task) else { return nil }
                return [ReportFigures.taskName(task.task)] + f.parameters.map { num($0, 6) }
                    + [num(f.objective, 6), num(f.fitError, 4), f.state.description, String(f.iterations)]
            }
            out.append(table(["task"] + first.parameterNames + ["objective", "fit error", "state", "iters"], rows))
            if result.info.bootstrap > 0 {
                let ci = result.tasks.compactMap { task -> [String]? in
                    guard let f = pick(task), !f.bootstrap.isEmpty else { return nil }
                    return [ReportFigures.taskName(task.task)] + f.bootstrap.map { interval($0, 4) } + [String(f.usableReplicates)]
                }
                if !ci.isEmpty {
                    out.append("<p class=\"note\">Bootstrap 95% intervals of the parameters:</p>")
                    out.append(table(["task"] + first.parameterNames + ["usable repl."], ci))
                }
            }
        }
        return out.joined(separator: "\n")
    }

    static func multiStartTable(ladder: Ladder, result: LadderResult) -> String {
        func share(_ f: StepFit?) -> String { f.map { "\($0.startsReachedBest)/\($0.starts)" } ?? "-" }
        func lower(_ f: StepFit?) -> String {
            guard let p = f?.publishedStart else { return "-" }
            return p.objectiveImprovement > 1e-9 ? String(format: "%.2g%%", p.objectiveImprovement * 100) : "same"
        }
        let rows = result.tasks.map { task -> [String] in
            let s1 = task.step1 ?? task.singleStep
            var row = [ReportFigures.taskName(task.task), share(s1), lower(s1), share(task.step2), lower(task.step2)]
            for target in ladder.targets {
                if let p = task.predictions.first(where: { $0.target == target.name }), let published = p.publishedStartAccuracy {
                    row.append(String(format: "%+.2f", (p.predictedAccuracy - published) * 100))
                } else { row.append("-") }
            }
            return row
        }
        return "<p class=\"note\">Starts that reached the best objective, how much lower the best went than the published start's fit, and how far the prediction moved (accuracy points).</p>\n"
            + table(["task", "step 1 starts at best", "step 1 lower by", "step 2 starts at best", "step 2 lower by"] + ladder.targets.map { "\($0.name) moves (pts)" }, rows)
    }

    static func varianceTable(_ v: VarianceReport, targets: [String]) -> String {
        let notes = v.notes.map { "<p class=\"note\">\(e($0)).</p>\n" }.joined()
        if v.rows.isEmpty { return notes }
        let withFits = v.rows.contains { !$0.predictionSD.isEmpty || $0.step1ReachedBest != nil }
        var header = ["task", "loss SD", "loss CV", "acc SD", "acc CV"]
        if withFits { header += targets.map { "\($0) boot SD" } + ["step 1 at best", "step 2 at best"] + targets.map { "\($0) |err|" } }
        let rows = v.rows.map { r -> [String] in
            var row = [ReportFigures.taskName(r.task), num(r.lossSD, 3), num(r.lossCV, 3), num(r.accuracySD, 3), num(r.accuracyCV, 3)]
            if withFits {
                row += targets.map { r.predictionSD[$0].map { String(format: "%.2f", $0 * 100) } ?? "-" }
                row += [r.step1ReachedBest.map { String(format: "%.0f%%", $0 * 100) } ?? "-", r.step2ReachedBest.map { String(format: "%.0f%%", $0 * 100) } ?? "-"]
                row += targets.map { r.absoluteErrorPoints[$0].map { String(format: "%.1f", $0) } ?? "-" }
            }
            return row
        }
        var out = "<p class=\"note\">Checkpoint noise over the last \(v.lastCheckpoints) checkpoints of \(e(v.run)) (population SD; CV = SD / mean), noisiest first"
            + (withFits ? "; boot SD and |err| in accuracy points." : ".") + "</p>\n" + notes + table(header, rows)
        if !v.correlations.isEmpty {
            let measures = Set(v.correlations.map(\.measure)).sorted()
            let corr = measures.map { measure in
                [measure] + targets.map { target in
                    v.correlations.first { $0.measure == measure && $0.target == target }.map { c in
                        guard let s = c.spearman, let p = c.pearson else { return "n/a" }
                        return String(format: "%+.2f; %+.2f (%d tasks)", s, p, c.tasks)
                    } ?? "-"
                }
            }
            out += "\n<p class=\"note\">Correlation of each measure with |error| across tasks (Spearman; Pearson):</p>\n" + table(["measure"] + targets, corr)
            let reasons = Set(v.correlations.compactMap(\.undefinedReason)).sorted()
            if !reasons.isEmpty { out += "\n<p class=\"note\">n/a: \(e(reasons.joined(separator: "; ")))</p>" }
        }
        return out
    }

    static func budgetTable(_ b: BudgetSweep, targets: [String]) -> String {
        let rows = b.steps.map { s in
            [String(s.runs.count), s.runs.last ?? "", String(format: "%.1f%%", s.computeShare * 100)]
                + targets.map { s.meanAbsoluteErrorPoints[$0].map { String(format: "%.2f", $0) } ?? "-" }
        }
        return "<p class=\"note\">Mean |error| over tasks in accuracy points.</p>\n" + table(["runs", "last added", "compute share"] + targets, rows)
    }
}
