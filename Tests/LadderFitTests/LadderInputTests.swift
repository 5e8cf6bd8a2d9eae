import CSVReading
import FitEngine
import Foundation
import LadderFit
import Testing
import TestSupport

/// The three ways in (embedded, OLMo folder, long CSV) agree, and bad ladders fail with one clear line.
@Suite struct LadderInputTests {
    /// The embedded ladder rewritten in the documented long format.
    static func longCSV(_ ladder: Ladder) -> String {
        var lines = ["run,N,D,step,task,loss,accuracy,taskce,c4_loss,flops_per_token,role"]
        func field(_ v: Double?) -> String { v.map { String($0) } ?? "" }
        for (run, role) in ladder.runs.map({ ($0, "ladder") }) + ladder.targets.compactMap({ t in t.run.map { ($0, "target") } }) {
            for i in 0..<run.checkpointCount {
                for task in run.tasks.keys.sorted() {
                    let s = run.tasks[task]!
                    lines.append([run.name, field(run.n), field(run.tokens[i]), field(run.steps[i]), task, field(s.loss[i]), field(s.accuracy[i]),
                                  field(s.taskCE[i]), field(run.c4Loss[i]), field(run.flopsPerToken), role].joined(separator: ","))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func paperResult(_ ladder: Ladder) throws -> LadderResult {
        var settings = LadderSettings()
        settings.paper = true
        settings.bootstrap = 0
        return try LadderFitter(ladder: ladder, method: LadderMethod(), settings: settings, engine: CPUEngine()).run()
    }

    @Test func longCSVGivesTheSameAnswerAsTheEmbeddedWideFormat() throws {
        let embedded = try LadderLoader.embedded()
        let dir = try GPUFitProcess.temporaryDirectory()
        let file = dir.appendingPathComponent("ladder.csv")
        try Self.longCSV(embedded).write(to: file, atomically: true, encoding: .utf8)
        var long = try LadderLoader.csv(file)
        long.tasks = embedded.tasks
        long.chance = embedded.chance
        #expect(long.runs.map(\.name) == embedded.runs.map(\.name))
        #expect(long.targets.map(\.name) == ["7B-4T", "13B-5T"])
        let a = try Self.paperResult(embedded), b = try Self.paperResult(long)
        for (x, y) in zip(a.tasks, b.tasks) {
            #expect(x.task == y.task)
            for (p, q) in zip(x.predictions, y.predictions) {
                #expect(p.predictedAccuracy == q.predictedAccuracy, "\(x.task) \(p.target)")
                #expect(p.actualAccuracy == q.actualAccuracy)
            }
        }
    }

    @Test func olmoFolderGivesTheSameAnswerAsTheEmbeddedData() throws {
        let folder = SharedData.olmoLadder.appendingPathComponent("ladder-runs")
        let olmo = try OLMoLayout.load(folder: folder)
        let embedded = try LadderLoader.embedded()
        #expect(olmo.runs.map(\.name) == embedded.runs.map(\.name))
        let a = try Self.paperResult(embedded), b = try Self.paperResult(olmo)
        for (x, y) in zip(a.tasks, b.tasks) {
            for (p, q) in zip(x.predictions, y.predictions) {
                // The embedded data keeps 8 significant digits.
                #expect(abs(p.predictedAccuracy - q.predictedAccuracy) < 1e-5, "\(x.task) \(p.target)")
                #expect(abs(p.actualAccuracy! - q.actualAccuracy!) < 1e-7)
            }
        }
    }

    static func ladderFile(_ text: String) throws -> URL {
        let file = try GPUFitProcess.temporaryDirectory().appendingPathComponent("ladder.csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static let header = "run,N,D,step,task,loss,accuracy\n"
    static func rows(_ run: String, n: Double, task: String = "t", loss: Double = 1, count: Int = 6) -> String {
        (1...count).map { "\(run),\(n),\(Double($0) * 20 * n),\($0),\(task),\(loss - 0.01 * Double($0)),\(0.3 + 0.01 * Double($0))\n" }.joined()
    }

    @Test func invalidLaddersFailWithClearErrors() throws {
        func failure(_ text: String, config: String? = nil) throws -> String { try LadderRowCheckTests.failure(text, config: config) }
        let good = Self.rows("a", n: 1e8) + Self.rows("b", n: 2e8) + Self.rows("c", n: 4e8)
        #expect(try failure(Self.header + good) == "no error")
        // A task missing from a run.
        let missing = try failure(Self.header + good + Self.rows("d", n: 8e8, task: "other"))
        #expect(missing.contains("task 'other' is missing from run 'a'"), "\(missing)")
        // Non-positive loss.
        let negative = try failure(Self.header + good + Self.rows("d", n: 8e8, loss: -1))
        #expect(negative.contains("must be > 0"), "\(negative)")
        // A run with no rows: named in a config but absent from the data.
        let noRows = try failure(Self.header + good, config: #"{"runs": ["a", "b", "zz"]}"#)
        #expect(noRows.contains("unknown run 'zz'"), "\(noRows)")
        // Unknown target.
        let target = try failure(Self.header + good, config: #"{"targets": [{"name": "70B"}]}"#)
        #expect(target.contains("unknown target '70B'"), "\(target)")
        // A missing column names the column.
        let column = try failure("run,N,D,step,task,loss\n")
        #expect(column.contains("no column 'accuracy'"), "\(column)")
        // A value that is not a number names the line.
        let nan = try failure(Self.header + "a,1e8,2e9,1,t,abc,0.5\n")
        #expect(nan.contains(":2: column 'loss' = 'abc' is not a number"), "\(nan)")
    }

    @Test func aRunWithNoRowsIsAnError() throws {
        var ladder = try LadderLoader.embedded()
        ladder.runs[3] = LadderRun(name: "empty-run", n: 1e9)
        #expect(throws: InputError.self) { try ladder.validate() }
        do { try ladder.validate() } catch { #expect("\(error)".contains("run 'empty-run' has no rows")) }
    }

    @Test func configAddsATargetWithActualValues() throws {
        let dir = try GPUFitProcess.temporaryDirectory()
        let c = dir.appendingPathComponent("config.json")
        try #"{"tasks": ["mmlu"], "targets": [{"name": "13B-5T"}, {"name": "30B-6T", "N": 3e10, "D": 6e12, "actual_accuracy": {"mmlu": 0.6}}]}"#
            .write(to: c, atomically: true, encoding: .utf8)
        let ladder = try LadderConfig.load(c).apply(to: LadderLoader.embedded())
        #expect(ladder.tasks == ["mmlu"])
        let result = try Self.paperResult(ladder)
        let p = try #require(result.tasks.first?.predictions.first { $0.target == "30B-6T" })
        #expect(p.actualAccuracy == 0.6)
        #expect(p.actualX == nil)
        // A bigger model is predicted to do better than 13B on MMLU.
        let p13 = try #require(result.tasks.first?.predictions.first { $0.target == "13B-5T" })
        #expect(p.predictedAccuracy > p13.predictedAccuracy)
    }
}
