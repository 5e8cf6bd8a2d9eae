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
            throw InputError.missingInput("\(url.path): no such file; check the --config path")
        }
        try checkKeys(data, source: url.path)
        do { return try JSONDecoder().decode(LadderConfig.self, from: data) } catch let DecodingError.dataCorrupted(context) {
            throw InputError("\(url.path): not valid JSON (\(context.debugDescription))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw InputError("\(url.path): '\(path)': \(context.debugDescription)")
        } catch {
            throw InputError("\(url.path): \(error)")
        }
    }

    static let keys = ["tasks", "runs", "chance", "targets"]
    static let targetKeys = ["name", "N", "D", "flops_per_token", "actual_loss", "actual_accuracy"]

    /// A key the config does not know (a typo such as `taks`) would be ignored by the decoder and change
    /// the run without a word: reject it, naming the nearest valid key.
    static func checkKeys(_ data: Data, source: String) throws {
        guard let top = try? JSONSerialization.jsonObject(with: data) else { return }  // the decoder reports bad JSON
        guard let object = top as? [String: Any] else {
            throw InputError("\(source): the config must be a JSON object with keys \(keys.joined(separator: ", "))")
        }
        func check(_ key: String, _ valid: [String], at path: String) throws {
            guard !valid.contains(key) else { return }
            let hint = NearestName.nearest(to: key, among: valid).map { "did you mean '\($0)'?" } ?? "valid keys are \(valid.joined(separator: ", "))"
            throw InputError("\(source): unknown key '\(path)\(key)'; \(hint)")
        }
        for key in object.keys.sorted() { try check(key, keys, at: "") }
        if let targets = object["targets"] as? [Any] {
            for (i, target) in targets.enumerated() {
                guard let fields = target as? [String: Any] else { continue }
                for key in fields.keys.sorted() { try check(key, targetKeys, at: "targets[\(i)].") }
            }
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
            for (task, value) in chance.sorted(by: { $0.key < $1.key }) {
                guard value >= 0 && value < 1 else { throw InputError("config: chance for '\(task)' = \(value); must be in [0, 1)") }
                guard ladder.runs.contains(where: { $0.tasks[task] != nil }) else {
                    let known = Set(ladder.runs.flatMap { $0.tasks.keys })
                    let hint = NearestName.nearest(to: task, among: known).map { "did you mean '\($0)'?" } ?? "the data has \(known.sorted().joined(separator: ", "))"
                    throw InputError("config: chance for unknown task '\(task)'; \(hint)")
                }
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
