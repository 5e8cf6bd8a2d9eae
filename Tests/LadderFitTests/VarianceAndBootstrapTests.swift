import FitEngine
import FitSweep
import Foundation
import LadderFit
import Testing
import TestSupport

@Suite struct VarianceAndBootstrapTests {
    /// paper-results/variance_sd_cv.csv: population SD and CV over the last 10 checkpoints of 1B-10xC.
    @Test func checkpointNoiseReproducesThePaperTable() throws {
        let text = try String(contentsOf: SharedData.olmoLadder.appendingPathComponent("paper-results/variance_sd_cv.csv"), encoding: .utf8)
        let report = try VarianceReport.analyse(ladder: LadderLoader.embedded())
        #expect(report.run == "1B-10xC")
        #expect(report.rows.count == 10)
        let names = Dictionary(uniqueKeysWithValues: OLMoLayout.displayNames.map { ($1, $0) })
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            let task = try #require(names[f[0]], "unknown task \(f[0])")
            let row = try #require(report.rows.first { $0.task == task })
            let expected = f.dropFirst().map { Double($0)! }
            let got = [row.lossSD, row.lossCV, row.accuracySD, row.accuracyCV]
            for (g, e) in zip(got, expected) {
                #expect(abs(g - e) <= 5e-4 * abs(e), "\(task): \(g) vs \(e)")
            }
        }
        // Sorted so the noisiest tasks stand out.
        #expect(report.rows.map(\.accuracyCV) == report.rows.map(\.accuracyCV).sorted(by: >))
    }

    static func bootstrapResult(seed: UInt64, chunk: Int) throws -> LadderResult {
        var settings = LadderSettings()
        settings.starts = 4
        settings.bootstrap = 24
        settings.seed = seed
        settings.chunkSize = chunk
        var ladder = try LadderLoader.embedded()
        ladder.tasks = ["mmlu", "piqa"]
        return try LadderFitter(ladder: ladder, method: LadderMethod(), settings: settings, engine: CPUEngine()).run()
    }

    @Test func sameSeedSameIntervalsAndIntervalsContainThePointEstimate() throws {
        let a = try Self.bootstrapResult(seed: 11, chunk: 1 << 16)
        let b = try Self.bootstrapResult(seed: 11, chunk: 13)
        let c = try Self.bootstrapResult(seed: 12, chunk: 1 << 16)
        for (x, y) in zip(a.tasks, b.tasks) {
            for (p, q) in zip(x.predictions, y.predictions) {
                #expect(p.predictedAccuracyBootstrap == q.predictedAccuracyBootstrap)
                #expect(p.predictedXBootstrap == q.predictedXBootstrap)
                let d = try #require(p.predictedAccuracyBootstrap)
                #expect(d.count >= 20)
                #expect(d.p025 <= p.predictedAccuracy && p.predictedAccuracy <= d.p975, "\(x.task) \(p.target): \(p.predictedAccuracy) outside [\(d.p025), \(d.p975)]")
                #expect(d.sd > 0)
            }
        }
        #expect(a.tasks[0].predictions[0].predictedAccuracyBootstrap != c.tasks[0].predictions[0].predictedAccuracyBootstrap)
    }
}
