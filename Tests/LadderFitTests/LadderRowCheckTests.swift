import CSVReading
import Foundation
import LadderFit
import Testing
import TestSupport

/// Ladder rows that would mislead a fit without a word: out of step order, repeated, accuracy in percent,
/// unknown config keys, too few checkpoints for the variance, correlations of a constant measure.
@Suite struct LadderRowCheckTests {
    static let header = LadderInputTests.header
    static func rows(_ run: String, n: Double, count: Int = 6) -> [String] {
        LadderInputTests.rows(run, n: n, count: count).split(separator: "\n").map(String.init)
    }

    /// The loader's one-line error for `text`, or "no error".
    static func failure(_ text: String, config: String? = nil) throws -> String {
        let file = try LadderInputTests.ladderFile(text)
        do {
            var ladder = try LadderLoader.csv(file)
            if let config {
                let c = file.deletingLastPathComponent().appendingPathComponent("config.json")
                try config.write(to: c, atomically: true, encoding: .utf8)
                ladder = try LadderConfig.load(c).apply(to: ladder)
            }
            try ladder.validate()
            return "no error"
        } catch let e as InputError {
            #expect(!e.description.contains("\n"))
            #expect(e.kind == .badData || e.kind == .missingInput)
            return e.description
        }
    }

    @Test func rowsOutOfStepOrderAreSortedAndSaidSo() throws {
        let a = Self.rows("a", n: 1e8), b = Self.rows("b", n: 2e8), c = Self.rows("c", n: 4e8)
        let inOrder = try LadderLoader.csv(LadderInputTests.ladderFile(Self.header + (a + b + c).joined(separator: "\n") + "\n"))
        #expect(inOrder.notes.isEmpty)
        // Run b reversed, and run c's rows interleaved with a's: the same ladder, with a note naming the line.
        let shuffled = (zip(a, c).flatMap { [$0, $1] } + b.reversed()).joined(separator: "\n") + "\n"
        let file = try LadderInputTests.ladderFile(Self.header + shuffled)
        let ladder = try LadderLoader.csv(file)
        #expect(ladder.runs.map(\.name) == ["a", "c", "b"])
        for run in ladder.runs {
            let same = try #require(inOrder.runs.first { $0.name == run.name })
            #expect(run == same, "\(run.name)")
            #expect(run.steps == run.steps.sorted())
        }
        #expect(ladder.notes.count == 1)
        let note = try #require(ladder.notes.first)
        // b's first row (step 6) is line 14; its second row (line 15, step 5) is the first out of order.
        #expect(note.contains("run 'b'") && note.contains("line 15") && note.contains("sorted by step"), "\(note)")
        // The last checkpoint (the run's D) is the highest step, not the last row.
        let b6 = try #require(ladder.runs.first { $0.name == "b" })
        #expect(b6.finalTokens == 6 * 20 * 2e8)
    }

    @Test func repeatedRowsNameBothLines() throws {
        let a = Self.rows("a", n: 1e8), b = Self.rows("b", n: 2e8)
        let repeated = try Self.failure(Self.header + (a + b + [a[2]]).joined(separator: "\n") + "\n")
        #expect(repeated.contains("run 'a' step 3 task 't' appears twice (lines 4 and 14)"), "\(repeated)")
        // The same step with another D is a contradiction, not a repeat.
        let otherD = a[2].replacingOccurrences(of: ",\(3 * 20 * 1e8),", with: ",7e9,")
        let contradiction = try Self.failure(Self.header + (a + b + [otherD]).joined(separator: "\n") + "\n")
        #expect(contradiction.contains("step 3 has D = 7000000000 here but 6000000000 on line 4"), "\(contradiction)")
        // Wide format: one row per (run, step).
        let wide = "run,N,D,step,t:loss,t:accuracy\na,1e8,1e9,1,1.0,0.3\na,1e8,2e9,2,0.9,0.4\na,1e8,1e9,1,1.0,0.3\n"
        let wideRepeat = try Self.failure(wide)
        #expect(wideRepeat.contains("run 'a' step 1 appears twice (lines 2 and 4)"), "\(wideRepeat)")
    }

    @Test func accuracyMustBeAFractionAndPercentColumnsAreNamed() throws {
        let good = (Self.rows("a", n: 1e8) + Self.rows("b", n: 2e8)).joined(separator: "\n") + "\n"
        // One stray value: outside [0, 1], not called percentages.
        let stray = try Self.failure(Self.header + good + "c,4e8,8e9,1,t,0.9,7.5\n")
        #expect(stray.contains(":14: column 'accuracy' = 7.5 is outside [0, 1]; accuracy must be a fraction"), "\(stray)")
        // The whole column in percent.
        let percent = Self.header + (Self.rows("a", n: 1e8) + Self.rows("b", n: 2e8)).map { row -> String in
            var f = row.split(separator: ",").map(String.init)
            f[6] = String(Double(f[6])! * 100)
            return f.joined(separator: ",")
        }.joined(separator: "\n") + "\n"
        let message = try Self.failure(percent)
        #expect(message.contains(":2: column 'accuracy' = 31.0 is outside [0, 1]") && message.contains("looks like percentages: divide it by 100"), "\(message)")
        // Wide format: the task's own column is named.
        let wide = try Self.failure("run,N,D,step,mmlu:loss,mmlu:accuracy\na,1e8,1e9,1,1.0,-0.1\n")
        #expect(wide.contains("column 'mmlu:accuracy' = -0.1 is outside [0, 1]"), "\(wide)")
    }

    @Test func sizesTokensAndStepsAreChecked() throws {
        let cases: [(row: String, expected: String)] = [
            ("c,-4e8,8e9,1,t,0.9,0.5", "column 'N' = -4e8 must be > 0"),
            ("c,4e8,0,1,t,0.9,0.5", "column 'D' = 0 must be > 0"),
            ("c,4e8,8e9,1.5,t,0.9,0.5", "column 'step' = 1.5 must be a whole number >= 0"),
            ("c,4e8,8e9,-1,t,0.9,0.5", "column 'step' = -1 must be a whole number >= 0"),
            ("c,4e8,8e9,1,t,0,0.5", "column 'loss' = 0 must be > 0"),
            ("c,4e8,8e9,1,t,inf,0.5", "column 'loss' = inf is not finite"),
        ]
        let good = (Self.rows("a", n: 1e8) + Self.rows("b", n: 2e8)).joined(separator: "\n") + "\n"
        for c in cases {
            let message = try Self.failure(Self.header + good + c.row + "\n")
            #expect(message.contains(":14: ") && message.contains(c.expected), "\(message)")
        }
    }

    @Test func unknownConfigKeysAreNamedWithTheNearestValidOne() throws {
        let good = Self.header + (Self.rows("a", n: 1e8) + Self.rows("b", n: 2e8)).joined(separator: "\n") + "\n"
        let top = try Self.failure(good, config: #"{"taks": ["t"]}"#)
        #expect(top.contains("unknown key 'taks'; did you mean 'tasks'?"), "\(top)")
        let nested = try Self.failure(good, config: #"{"targets": [{"name": "x", "N": 1e9, "D": 1e10, "actual_acuracy": {"t": 0.5}}]}"#)
        #expect(nested.contains("unknown key 'targets[0].actual_acuracy'; did you mean 'actual_accuracy'?"), "\(nested)")
        let far = try Self.failure(good, config: #"{"zzzzzzzz": 1}"#)
        #expect(far.contains("unknown key 'zzzzzzzz'; valid keys are tasks, runs, chance, targets"), "\(far)")
        let chance = try Self.failure(good, config: #"{"chance": {"tt": 0.5}}"#)
        #expect(chance.contains("chance for unknown task 'tt'; did you mean 't'?"), "\(chance)")
        #expect(try Self.failure(good, config: #"{"tasks": ["t"], "chance": {"t": 0.5}}"#) == "no error")
    }

    @Test func duplicateHeaderNamesAreRejected() throws {
        let message = try Self.failure("run,N,D,step,task,loss,accuracy,loss\n")
        #expect(message.contains(":1: column 'loss' appears twice (columns 6 and 8)"), "\(message)")
    }

    @Test func varianceUsesTheCheckpointsARunHasAndSaysSo() throws {
        let text = Self.header + (Self.rows("a", n: 1e8, count: 4) + Self.rows("b", n: 2e8, count: 4)).joined(separator: "\n") + "\n"
        let ladder = try LadderLoader.csv(LadderInputTests.ladderFile(text))
        let report = try VarianceReport.analyse(ladder: ladder, lastCheckpoints: 10)
        #expect(report.lastCheckpoints == 4 && report.requestedCheckpoints == 10)
        #expect(report.rows.count == 1)
        #expect(report.notes.first?.contains("--variance-last 10") == true, "\(report.notes)")
        // The mean and population SD over all 4 checkpoints (accuracy 0.31 ... 0.34).
        let acc = [0.31, 0.32, 0.33, 0.34], mean = acc.reduce(0, +) / 4
        let sd = (acc.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4).squareRoot()
        #expect(abs(report.rows[0].accuracySD - sd) < 1e-12)
        // The variance command's own option names; one checkpoint is an error there, a note in ladder.
        do {
            _ = try VarianceReport.analyse(ladder: ladder, runName: "zz", options: .variance)
            Issue.record("expected an error")
        } catch let e as InputError { #expect(e.description.hasPrefix("--run zz: no such run") && e.kind == .usage) }
        let one = Self.header + (Self.rows("a", n: 1e8, count: 1) + Self.rows("b", n: 2e8, count: 1)).joined(separator: "\n") + "\n"
        let single = try LadderLoader.csv(LadderInputTests.ladderFile(one))
        let skipped = try VarianceReport.analyse(ladder: single)
        #expect(skipped.rows.isEmpty && skipped.notes.first?.contains("--variance-run") == true)
        #expect(throws: InputError.self) { try VarianceReport.analyse(ladder: single, options: .variance, requireRows: true) }
    }
}
