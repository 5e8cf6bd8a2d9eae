import FitEngine
import FitSweep
import Foundation
import LadderFit
import Testing
import TestSupport

/// The published 13B-5T numbers (paper-results/*.csv, written by the authors' scripts) from the embedded
/// data with the paper's single start points, to 3 significant digits, on every engine.
@Suite struct PaperReproductionTests {
    /// Rows of a paper-results CSV keyed by task name ("mmlu_avg_test_5shot" -> "mmlu").
    static func paperTable(_ file: String) throws -> [String: [String: Double]] {
        let text = try String(contentsOf: SharedData.olmoLadder.appendingPathComponent("paper-results/\(file)"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        var table = [String: [String: Double]]()
        for row in lines.dropFirst() {
            let name = row[0].replacingOccurrences(of: "mmlu_avg_test", with: "mmlu").split(separator: "_").dropLast()
            var key = name.joined(separator: "_")
            for suffix in ["_val", "_test"] where key.hasSuffix(suffix) { key = String(key.dropLast(suffix.count)) }
            table[key] = Dictionary(uniqueKeysWithValues: zip(header.dropFirst(), row.dropFirst().map { Double($0)! }))
        }
        return table
    }

    static func threeDigits(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 5e-4 * max(abs(a), abs(b)) }

    static func result(_ engine: TestEngine, _ method: LadderMethod = LadderMethod(), starts: Int? = nil) throws -> LadderResult {
        var settings = LadderSettings()
        settings.paper = starts == nil
        settings.starts = starts ?? 1
        settings.bootstrap = 0
        return try LadderFitter(ladder: LadderLoader.embedded(), method: method, settings: settings, engine: engine.make()).run()
    }

    @Test(arguments: TestEngines.all)
    func step1Step2AndChained13B(engine: TestEngine) throws {
        let result = try Self.result(engine)
        let step1 = try Self.paperTable("step1_main.csv"), step2 = try Self.paperTable("step2_main.csv")
        let chained = try Self.paperTable("chained_main.csv")
        #expect(result.tasks.count == 8)
        for task in result.tasks {
            let p = try #require(task.predictions.first { $0.target == "13B-5T" })
            let s1 = try #require(step1[task.task], "no paper row for \(task.task)")
            #expect(Self.threeDigits(p.actualX!, s1["Actual"]!), "\(task.task) actual loss \(p.actualX!) vs \(s1["Actual"]!)")
            #expect(Self.threeDigits(p.predictedX!, s1["Pred"]!), "\(task.task) predicted loss \(p.predictedX!) vs \(s1["Pred"]!)")
            #expect(Self.threeDigits(p.relativeLossError!, s1["Rel Error"]!), "\(task.task) step-1 rel error")
            #expect(Self.threeDigits(task.step1!.fitError, s1["Fit Error"]!), "\(task.task) step-1 fit error \(task.step1!.fitError) vs \(s1["Fit Error"]!)")
            let s2 = try #require(step2[task.task])
            #expect(Self.threeDigits(p.actualAccuracy!, s2["Actual"]!), "\(task.task) actual accuracy")
            #expect(Self.threeDigits(p.step2OnlyAccuracy!, s2["Pred"]!), "\(task.task) step-2 accuracy \(p.step2OnlyAccuracy!) vs \(s2["Pred"]!)")
            let c = try #require(chained[task.task])
            #expect(Self.threeDigits(p.predictedAccuracy, c["Pred"]!), "\(task.task) chained \(p.predictedAccuracy) vs \(c["Pred"]!)")
            // The paper's chained table reports |pred - actual| / actual.
            #expect(Self.threeDigits(abs(p.predictedAccuracy - p.actualAccuracy!) / p.actualAccuracy!, c["Rel Error"]!), "\(task.task) chained rel error")
        }
    }

    /// The paper's variants (paper-results/step{1,2}_{c4,taskce}_main.csv). C4: every number. TaskCE: the data
    /// path (actual TaskCE from the last row, actual accuracy unsmoothed); its fitted numbers are not global
    /// minima: 32 starts find lower step-1 fit errors than the paper's for MMLU, HellaSwag, ARC-C and Social
    /// IQa, and from the published start alone LM and the paper's L-BFGS-B stop in different local minima
    /// for PIQA, so they are not a known answer for a correct optimiser.
    @Test(arguments: [Intermediate.c4, .taskCE])
    func variantIntermediates13B(intermediate: Intermediate) throws {
        var method = LadderMethod()
        method.intermediate = intermediate
        let result = try Self.result(TestEngines.cpu, method)
        let suffix = intermediate == .c4 ? "c4" : "taskce"
        let step1 = try Self.paperTable("step1_\(suffix)_main.csv"), step2 = try Self.paperTable("step2_\(suffix)_main.csv")
        for task in result.tasks {
            let p = try #require(task.predictions.first { $0.target == "13B-5T" })
            let s1 = try #require(step1[task.task]), s2 = try #require(step2[task.task])
            #expect(Self.threeDigits(p.actualX!, s1["Actual"]!), "\(suffix) \(task.task) actual x \(p.actualX!) vs \(s1["Actual"]!)")
            #expect(Self.threeDigits(p.actualAccuracy!, s2["Actual"]!), "\(suffix) \(task.task) actual accuracy \(p.actualAccuracy!) vs \(s2["Actual"]!)")
            guard intermediate == .c4 else { continue }
            #expect(Self.threeDigits(p.predictedX!, s1["Pred"]!), "\(suffix) \(task.task) predicted x \(p.predictedX!) vs \(s1["Pred"]!)")
            #expect(Self.threeDigits(task.step1!.fitError, s1["Fit Error"]!), "\(suffix) \(task.task) step-1 fit error \(task.step1!.fitError) vs \(s1["Fit Error"]!)")
            #expect(Self.threeDigits(p.step2OnlyAccuracy!, s2["Pred"]!), "\(suffix) \(task.task) step-2 accuracy \(p.step2OnlyAccuracy!) vs \(s2["Pred"]!)")
        }
    }
}
