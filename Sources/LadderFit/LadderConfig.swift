import CSVReading
import Foundation

/// A small JSON file that says what to fit and predict on a user's ladder (`--config FILE`):
///
///     {
///       "tasks": ["mmlu", "hellaswag"],            // optional: which tasks, in this order
///       "runs": ["190M-1xC", "190M-2xC"],          // optional: which ladder runs to fit on
///       "chance": {"piqa": 0.5},                    // optional: chance accuracy per task (default 0.25)
///       "targets": [                                // optional: models to predict
///         {"name": "7B-4T"},                        //   a target present in the data
///         {"name": "30B-6T", "N": 3.0e10, "D": 6.0e12, "flops_per_token": 1.9e11,
///          "actual_loss": {"mmlu": 0.70}, "actual_accuracy": {"mmlu": 0.55}}
///       ]
///     }
public struct LadderConfig: Codable, Sendable {
    public struct Target: Codable, Sendable {
        public var name: String
        public var N: Double?
        public var D: Double?
        public var flops_per_token: Double?
        public var actual_loss: [String: Double]?
        public var actual_accuracy: [String: Double]?
    }

    public var tasks: [String]?
    public var runs: [String]?
    public var chance: [String: Double]?
    public var targets: [Target]?

    public static func load(_ url: URL) throws -> LadderConfig {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw InputError("\(url.path): no such file; check the --config path")
        }
        do { return try JSONDecoder().decode(LadderConfig.self, from: data) } catch let DecodingError.dataCorrupted(context) {
            throw InputError("\(url.path): not valid JSON (\(context.debugDescription))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw InputError("\(url.path): '\(path)': \(context.debugDescription)")
        } catch {
            throw InputError("\(url.path): \(error)")
        }
    }

    /// Applies the selection to a ladder; unknown runs, tasks or targets are errors naming them.
    public func apply(to ladder: Ladder) throws -> Ladder {
        var result = ladder
        if let runs {
            result.runs = try runs.map { name in
                guard let run = ladder.runs.first(where: { $0.name == name }) else {
                    throw InputError("config: unknown run '\(name)'; the data has \(ladder.runs.map(\.name).joined(separator: ", "))")
                }
                return run
            }
        }
        if let tasks {
            for t in tasks where ladder.runs.allSatisfy({ $0.tasks[t] == nil }) {
                throw InputError("config: unknown task '\(t)'; the data has \(ladder.tasks.joined(separator: ", "))")
            }
            result.tasks = tasks
        }
        if let chance {
            for (task, value) in chance where !(value >= 0 && value < 1) {
                throw InputError("config: chance for '\(task)' = \(value); must be in [0, 1)")
            }
            result.chance.merge(chance) { $1 }
        }
        if let targets {
            result.targets = try targets.map { t in
                var target = ladder.targets.first { $0.name == t.name }
                if target == nil {
                    guard let n = t.N, let d = t.D else {
                        throw InputError("config: unknown target '\(t.name)'; give its N and D, or use one in the data (\(ladder.targets.map(\.name).joined(separator: ", ")))")
                    }
                    target = LadderTarget(name: t.name, n: n, d: d)
                }
                if let n = t.N { target!.n = n }
                if let d = t.D { target!.d = d }
                if let f = t.flops_per_token { target!.flopsPerToken = f }
                if let l = t.actual_loss { target!.actualLoss.merge(l) { $1 } }
                if let a = t.actual_accuracy { target!.actualAccuracy.merge(a) { $1 } }
                return target!
            }
        }
        return result
    }
}
