import FitEngine
import FitSweep
import Foundation
import LadderFit

/// What `gpufit ladder` prints and writes: the per-task table per target, the fitted parameters, the
/// multi-start comparison with the published start, the variance comparison and the budget sweep.
struct LadderOutput {
    let ladder: Ladder
    let result: LadderResult
    let variance: VarianceReport
    let budget: BudgetSweep?
    let selection: EngineSelection

    struct JSON: Encodable {
        var info: LadderRunInfo
        var engineRequested: String
        var engineWarning: String?
        var tasks: [TaskResult]
        var variance: VarianceReport
        var budget: BudgetSweep?
    }

    func json() -> JSON {
        JSON(info: result.info, engineRequested: selection.requested.description, engineWarning: selection.warning,
             tasks: result.tasks, variance: variance, budget: budget)
    }

    static func name(_ task: String) -> String { OLMoLayout.displayNames[task] ?? task }

    func text() -> String {
        let info = result.info
        var out = [String]()
        let mode = info.paper ? "paper mode: the published single start per fit" : "\(info.starts) starts per fit (the published start is one)"
        out.append("gpufit ladder: \(ladder.runs.count) runs from \(info.source); \(info.method.label)")
        out.append("\(mode); \(info.bootstrap) bootstrap replicates over runs; seed \(info.seed)")
        out.append("engine: \(info.engine); \(info.fits) fits in \(String(format: "%.2f", info.seconds)) s")
        let boot = info.bootstrap > 0
        for target in ladder.targets {
            out.append("")
            out.append("Target \(target.name) (N = \(sci(target.n)), D = \(sci(target.d)))")
            var header = ["task"]
            if !info.method.singleStep { header += ["loss actual", "loss pred"] + (boot ? ["loss 95%"] : []) }
            header += ["acc actual"]
            if !info.method.singleStep { header += ["step-2 only"] }
            header += ["predicted"] + (boot ? ["95% interval", "sd"] : []) + ["error (pts)"]
            var table = TextTable(header)
            for task in result.tasks {
                guard let p = task.predictions.first(where: { $0.target == target.name }) else { continue }
                var row = [Self.name(task.task)]
                if !info.method.singleStep {
                    row += [opt(p.actualX, 4), opt(p.predictedX, 4)]
                    if boot { row.append(interval(p.predictedXBootstrap, 3)) }
                }
                row.append(opt(p.actualAccuracy, 4))
                if !info.method.singleStep { row.append(opt(p.step2OnlyAccuracy, 4)) }
                row.append(fmt(p.predictedAccuracy, digits: 4))
                if boot { row += [interval(p.predictedAccuracyBootstrap, 3), opt(p.predictedAccuracyBootstrap?.sd, 2)] }
                row.append(p.errorPoints.map { String(format: "%+.1f", $0) } ?? "-")
                table.add(row)
            }
            out.append(table.render())
        }
        out.append("")
        out.append(parameterTables())
        if !info.paper { out.append(""); out.append(multiStartText()) }
        out.append("")
        out.append(Self.varianceText(variance, targets: ladder.targets.map(\.name)))
        if let budget { out.append(""); out.append(budgetText(budget)) }
        return out.joined(separator: "\n")
    }

    func parameterTables() -> String {
        var out = [String]()
        let steps: [(String, (TaskResult) -> StepFit?)] = result.info.method.singleStep
            ? [("Single step: Acc = p5 / (1 + exp(-(exp(a - alpha ln N) + exp(b - beta ln D) + E))) + p6", { $0.singleStep })]
            : [(result.info.method.step1Form == .nd ? "Step 1: L = exp(a - alpha ln N) + exp(b - beta ln D) + E (Huber 1e-3 on ln L)"
                                                    : "Step 1: L = exp(a - alpha ln C) + E (Huber 1e-3 on ln L)", { $0.step1 }),
               (result.info.method.intermediate == .taskCE ? "Step 2: Acc = a ln(1 + exp(k (x - x0))) + 1 (least squares)"
                                                             : "Step 2: Acc = a / (1 + exp(-k (x - x0))) + b (least squares)", { $0.step2 })]
        for (title, pick) in steps {
            guard let first = result.tasks.compactMap(pick).first else { continue }
            out.append(title)
            var table = TextTable(["task"] + first.parameterNames + ["objective", "fit error", "state", "iters"])
            for task in result.tasks {
                guard let f = pick(task) else { continue }
                table.add([Self.name(task.task)] + f.parameters.map { fmt($0, digits: 6) }
                          + [fmt(f.objective, digits: 6), fmt(f.fitError, digits: 4), f.state.description, String(f.iterations)])
            }
            out.append(table.render())
        }
        return out.joined(separator: "\n")
    }

    func multiStartText() -> String {
        var out = ["Multi-start against the published start (objective lower by, and how far the prediction moves):"]
        var table = TextTable(["task", "step 1 starts at best", "step 1 lower by", "step 2 starts at best", "step 2 lower by"]
                              + ladder.targets.map { "\($0.name) moves (pts)" })
        for task in result.tasks {
            let s1 = task.step1 ?? task.singleStep
            func share(_ f: StepFit?) -> String { f.map { "\($0.startsReachedBest)/\($0.starts)" } ?? "-" }
            func lower(_ f: StepFit?) -> String {
                guard let p = f?.publishedStart else { return "-" }
                return p.objectiveImprovement > 1e-9 ? String(format: "%.2g%%", p.objectiveImprovement * 100) : "same"
            }
            var row = [Self.name(task.task), share(s1), lower(s1), share(task.step2), lower(task.step2)]
            for target in ladder.targets {
                let p = task.predictions.first { $0.target == target.name }
                if let p, let published = p.publishedStartAccuracy {
                    let shift = (p.predictedAccuracy - published) * 100
                    row.append(abs(shift) < 0.005 ? "0.00" : String(format: "%+.2f", shift))
                } else { row.append("-") }
            }
            table.add(row)
        }
        out.append(table.render())
        return out.joined(separator: "\n")
    }

    static func varianceText(_ v: VarianceReport, targets: [String]) -> String {
        if v.rows.isEmpty { return (["Variance across tasks: not computed"] + v.notes.map { "(\($0))" }).joined(separator: "\n") }
        var out = ["Variance across tasks (checkpoint noise over the last \(v.lastCheckpoints) checkpoints of \(v.run); noisiest first)"]
        out += v.notes.map { "(\($0))" }
        let withFits = v.rows.contains { !$0.predictionSD.isEmpty || $0.step1ReachedBest != nil }
        var header = ["task", "loss SD", "loss CV", "acc SD", "acc CV"]
        if withFits { header += targets.map { "\($0) boot SD" } + ["step 1 at best", "step 2 at best"] + targets.map { "\($0) |err|" } }
        var table = TextTable(header)
        for r in v.rows {
            var row = [name(r.task), fmt(r.lossSD, digits: 3), fmt(r.lossCV, digits: 3), fmt(r.accuracySD, digits: 3), fmt(r.accuracyCV, digits: 3)]
            if withFits {
                row += targets.map { r.predictionSD[$0].map { String(format: "%.2f", $0 * 100) } ?? "-" }
                row += [r.step1ReachedBest.map { String(format: "%.0f%%", $0 * 100) } ?? "-", r.step2ReachedBest.map { String(format: "%.0f%%", $0 * 100) } ?? "-"]
                row += targets.map { r.absoluteErrorPoints[$0].map { String(format: "%.1f", $0) } ?? "-" }
            }
            table.add(row)
        }
        out.append(table.render())
        if withFits { out.append("(boot SD and |err| in accuracy points)") }
        if !v.correlations.isEmpty {
            out.append("Correlation of each measure with |error| across tasks (Spearman; Pearson):")
            var t = TextTable(["measure"] + targets)
            for measure in Set(v.correlations.map(\.measure)).sorted() {
                t.add([measure] + targets.map { target in
                    v.correlations.first { $0.measure == measure && $0.target == target }.map(correlationText) ?? "-"
                })
            }
            out.append(t.render())
            let reasons = Set(v.correlations.compactMap(\.undefinedReason)).sorted()
            if !reasons.isEmpty { out.append("(n/a: \(reasons.joined(separator: "; ")))") }
        }
        return out.joined(separator: "\n")
    }

    static func correlationText(_ c: VarianceReport.Correlation) -> String {
        guard let s = c.spearman, let p = c.pearson else { return "n/a" }
        return String(format: "%+.2f; %+.2f", s, p)
    }

    func budgetText(_ b: BudgetSweep) -> String {
        var out = ["Ladder budget: runs added in order of \(b.order.rawValue); mean |error| over tasks in accuracy points"]
        var table = TextTable(["runs", "last added", "compute share"] + ladder.targets.map(\.name))
        for s in b.steps {
            table.add([String(s.runs.count), s.runs.last ?? "", String(format: "%.1f%%", s.computeShare * 100)]
                      + ladder.targets.map { s.meanAbsoluteErrorPoints[$0.name].map { String(format: "%.2f", $0) } ?? "-" })
        }
        out.append(table.render())
        return out.joined(separator: "\n")
    }

    /// One row per (task, target).
    func csv() -> String {
        var lines = ["task,target,actual_loss,predicted_loss,predicted_loss_p025,predicted_loss_p975,actual_accuracy,step2_only_accuracy,predicted_accuracy,predicted_accuracy_sd,predicted_accuracy_p025,predicted_accuracy_p975,error_points,published_start_accuracy"]
        func c(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.10g", $0) : "" } ?? "" }
        for task in result.tasks {
            for p in task.predictions {
                lines.append([task.task, p.target, c(p.actualX), c(p.predictedX), c(p.predictedXBootstrap?.p025), c(p.predictedXBootstrap?.p975),
                              c(p.actualAccuracy), c(p.step2OnlyAccuracy), c(p.predictedAccuracy), c(p.predictedAccuracyBootstrap?.sd),
                              c(p.predictedAccuracyBootstrap?.p025), c(p.predictedAccuracyBootstrap?.p975), c(p.errorPoints),
                              c(p.publishedStartAccuracy)].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

func opt(_ v: Double?, _ digits: Int) -> String { v.map { fmt($0, digits: digits) } ?? "-" }
func sci(_ v: Double) -> String { String(format: "%.3g", v) }
func interval(_ d: Distribution?, _ digits: Int) -> String {
    guard let d, d.count > 0 else { return "-" }
    return "[\(fmt(d.p025, digits: digits)), \(fmt(d.p975, digits: digits))]"
}
