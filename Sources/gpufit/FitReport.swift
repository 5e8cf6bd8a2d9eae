import FitEngine
import FitModels
import FitSweep
import Foundation

/// The result of `gpufit fit`: a readable summary and the JSON written by --out.
struct FitReport {
    let file: String
    let model: any FitModel
    let problem: FitProblem
    let plan: SweepPlan
    let result: SweepResult
    let selection: EngineSelection
    let predictions: [[Double]]
    /// Where the random starts came from: "--start-range", "around --start", "the model's", "default [-1, 1]".
    var rangeRule: String = "the model's"

    struct JSON: Encodable {
        struct Parameter: Encodable {
            var name: String
            var value: Double
            var bootstrap: Bootstrap?
            var nearBestLow: Double
            var nearBestHigh: Double
        }
        /// A parameter's bootstrap distribution; mean and sd are null when its replicates fall into separate
        /// modes (then `bootstrapModes` lists them). Otherwise the same fields as `Distribution`.
        struct Bootstrap: Encodable {
            var distribution: Distribution
            var multimodal: Bool

            enum CodingKeys: String, CodingKey { case count, mean, sd, p025, p50, p975 }

            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(distribution.count, forKey: .count)
                if multimodal {
                    try c.encodeNil(forKey: .mean)
                    try c.encodeNil(forKey: .sd)
                } else {
                    try c.encode(distribution.mean, forKey: .mean)
                    try c.encode(distribution.sd, forKey: .sd)
                }
                try c.encode(distribution.p025, forKey: .p025)
                try c.encode(distribution.p50, forKey: .p50)
                try c.encode(distribution.p975, forKey: .p975)
            }
        }
        /// A parameter whose bootstrap replicates fall into separate modes (`Modes.detect`).
        struct ParameterModes: Encodable {
            struct Entry: Encodable {
                var centre: Double
                var share: Double
                var count: Int
            }
            var parameter: String
            var modes: [Entry]
        }
        struct Prediction: Encodable {
            var x: [Double]
            var value: Double
            var bootstrap: Distribution?
        }
        var file: String
        var model: String
        var points: Int
        var loss: String
        var residuals: String
        var engine: String
        var deviceRequested: String
        var precisionRequested: String
        var engineWarning: String?
        var seed: UInt64
        var starts: Int
        var bootstrapReplicates: Int
        var objective: Double
        var state: String
        var iterations: Int
        var parameters: [Parameter]
        /// Only present when some parameter's replicates fall into separate modes.
        var bootstrapModes: [ParameterModes]?
        var predictions: [Prediction]
        var startsReachedBest: Int
        var nearBestTolerance: Double
        var startRanges: [String]
        var startRangeRule: String
        var startStates: [String: Int]
        var allStates: [String: Int]
        var usableReplicates: Int
        var meanIterations: Double
        var seconds: Double
        var fitsPerSecond: Double
    }

    func predictionValues(_ parameters: [Double], _ x: [Double]) -> Double { model.value(parameters: parameters, at: x) }

    /// The ranges random starts were drawn from, one per parameter.
    var ranges: [StartRange] { plan.startRanges ?? model.parameters.map(\.startRange) }

    func json() -> JSON {
        let distributions = plan.bootstrap > 0 ? result.parameterDistributions() : nil
        let modes = plan.bootstrap > 0 ? result.parameterModes() : nil
        let multimodal = model.parameterNames.indices.map { j in (modes?[j].count ?? 0) > 1 }
        let usable = result.usableReplicates
        let modeList = model.parameterNames.indices.filter { multimodal[$0] }.map { j in
            JSON.ParameterModes(parameter: model.parameterNames[j],
                                modes: modes![j].map { .init(centre: $0.centre, share: $0.share, count: $0.count) })
        }
        return JSON(
            file: file, model: model.name, points: problem.pointCount, loss: problem.loss.description,
            residuals: problem.residualSpace.rawValue, engine: result.engineLabel,
            deviceRequested: selection.requested.description, precisionRequested: selection.requestedPrecision.rawValue,
            engineWarning: selection.warning, seed: plan.seed, starts: plan.starts, bootstrapReplicates: plan.bootstrap,
            objective: result.best.objective, state: result.best.state.description, iterations: result.best.iterations,
            parameters: model.parameterNames.enumerated().map { j, name in
                JSON.Parameter(name: name, value: result.best.parameters[j],
                               bootstrap: distributions.map { JSON.Bootstrap(distribution: $0[j], multimodal: multimodal[j]) },
                               nearBestLow: result.spread.nearBestLow[j], nearBestHigh: result.spread.nearBestHigh[j])
            },
            bootstrapModes: modeList.isEmpty ? nil : modeList,
            predictions: predictions.map { x in
                JSON.Prediction(x: x, value: predictionValues(result.best.parameters, x),
                                bootstrap: plan.bootstrap > 0 ? Distribution(usable.map { predictionValues($0.parameters, x) }) : nil)
            },
            startsReachedBest: result.spread.reachedBest, nearBestTolerance: result.spread.tolerance,
            startRanges: ranges.map(\.summary), startRangeRule: rangeRule,
            startStates: Dictionary(uniqueKeysWithValues: result.spread.states.map { ($0.state.description, $0.count) }),
            allStates: Dictionary(uniqueKeysWithValues: result.allStates.map { ($0.state.description, $0.count) }),
            usableReplicates: usable.count, meanIterations: result.spread.meanIterations, seconds: result.seconds,
            fitsPerSecond: Double(result.totalFits) / max(result.seconds, 1e-9))
    }

    func text() -> String {
        let j = json()
        var lines = [String]()
        lines.append("gpufit fit: model \(model.name), \(problem.pointCount) points from \(file), loss \(j.loss), \(j.residuals) residuals")
        lines.append("engine: \(j.engine); \(plan.starts) start(s) x \(plan.bootstrap + 1) replicate(s) = \(result.totalFits) fits in \(String(format: "%.2f", result.seconds)) s (\(Int(j.fitsPerSecond)) fits/s), seed \(plan.seed)")
        lines.append("best: objective \(fmt(j.objective)) (\(j.state), \(j.iterations) iterations, start \(result.best.start))")
        var header = ["parameter", "value"]
        if plan.starts > 1 { header += ["near-best low", "near-best high"] }
        if plan.bootstrap > 0 { header += ["boot mean", "boot sd", "2.5%", "50%", "97.5%"] }
        var table = TextTable(header)
        for p in j.parameters {
            var row = [p.name, fmt(p.value)]
            if plan.starts > 1 { row += [fmt(p.nearBestLow), fmt(p.nearBestHigh)] }
            if let boot = p.bootstrap {
                let b = boot.distribution
                // Mean and SD over separate modes describe no replicate: not shown (see the modes line).
                row += boot.multimodal ? ["-", "-"] : [fmt(b.mean), fmt(b.sd)]
                row += [fmt(b.p025), fmt(b.p50), fmt(b.p975)]
            }
            table.add(row)
        }
        lines.append(table.render())
        if !j.predictions.isEmpty {
            var t = TextTable(["predict at", "value"] + (plan.bootstrap > 0 ? ["boot sd", "2.5%", "97.5%"] : []))
            for p in j.predictions {
                var row = [p.x.map { fmt($0) }.joined(separator: ","), fmt(p.value)]
                if let b = p.bootstrap { row += [fmt(b.sd), fmt(b.p025), fmt(b.p975)] }
                t.add(row)
            }
            lines.append(t.render())
        }
        if plan.starts > 1 {
            let described = zip(model.parameterNames, ranges).map { "\($0) \($1.summary)" }.joined(separator: ", ")
            lines.append("start ranges (\(rangeRule)): \(described)")
            let states = result.spread.states.filter { $0.count > 0 }.map { "\($0.state) \($0.count)" }.joined(separator: ", ")
            lines.append("starts: \(result.spread.reachedBest) of \(plan.starts) reached the best objective (within \(plan.nearBestTolerance) relative); states: \(states); mean \(String(format: "%.1f", result.spread.meanIterations)) iterations")
        }
        if plan.bootstrap > 0 {
            let states = result.allStates.filter { $0.count > 0 }.map { "\($0.state) \($0.count)" }.joined(separator: ", ")
            lines.append("bootstrap: \(j.usableReplicates) of \(plan.bootstrap) replicates usable; all fits: \(states)")
            for entry in j.bootstrapModes ?? [] {
                let described = entry.modes.map { "\(fmt($0.centre, digits: 4)) (\(String(format: "%.0f", $0.share * 100))%)" }
                lines.append("\(entry.parameter): \(entry.modes.count) modes — \(described.joined(separator: ", ")); mean and SD not shown")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Numbers in tables: 7 significant digits, no trailing noise.
func fmt(_ v: Double, digits: Int = 7) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    return String(format: "%.\(digits)g", v)
}
