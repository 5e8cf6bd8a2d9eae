import Foundation
import Testing
import TestSupport

/// The ladder command on a user's small ladder: rows in any order, few checkpoints per run.
@Suite struct LadderInputCLITests {
    /// Four runs of three checkpoints each, the rows of each run newest first.
    static func smallLadder() throws -> URL {
        var lines = ["run,N,D,step,task,loss,accuracy"]
        for (i, n) in [1e8, 2e8, 4e8, 8e8].enumerated() {
            for step in [3.0, 2.0, 1.0] {
                let d = step * 20 * n
                let loss = 0.3 + 40 * pow(n, -0.3) + 20 * pow(d, -0.25)
                lines.append("r\(i),\(n),\(d),\(Int(step)),t,\(loss),\(0.9 - 0.5 * loss)")
            }
        }
        let file = try GPUFitProcess.temporaryDirectory().appendingPathComponent("small.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func theMainJobRunsOnFewCheckpointsAndSaysWhatItDid() throws {
        let data = try Self.smallLadder()
        let run = try GPUFitProcess.run(["ladder", "--data", data.path, "--starts", "4", "--bootstrap", "10", "--device", "cpu"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("note: \(data.path): rows of run 'r0' and 3 other run(s) are not in step order"), "\(run.stderr)")
        #expect(run.stdout.contains("the checkpoint noise uses all 3 (--variance-last 10 asked for more)"), "\(run.stdout)")
        #expect(!run.stdout.contains("nan") && !run.stderr.contains("--last "))
        // The variance command names its own options.
        let variance = try GPUFitProcess.run(["variance", "--data", data.path, "--run", "nope", "--bootstrap", "0", "--starts", "1"])
        #expect(variance.status == 64 && variance.stderr.contains("--run nope: no such run"), "\(variance.stderr)")
        let ladder = try GPUFitProcess.run(["ladder", "--data", data.path, "--variance-run", "nope"])
        #expect(ladder.status == 64 && ladder.stderr.contains("--variance-run nope: no such run"), "\(ladder.stderr)")
    }

    @Test func thePaperProcedurePrintsNotApplicableNotNaN() throws {
        let run = try GPUFitProcess.run(["ladder", "--paper", "--bootstrap", "0", "--device", "cpu"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.lowercased().contains("nan"), "\(run.stdout)")
        #expect(run.stdout.contains("(n/a: step-1 starts reaching best is the same for every task)"), "\(run.stdout)")
    }
}
