import Foundation
import Testing
import TestSupport

/// `gpufit fit` on mirror-image solutions: an expression model's bootstrap modes are named, not averaged; the
/// built-in sigmoid reports its canonical form; over-deep expressions are one-line usage errors.
@Suite struct BootstrapModesTests {
    /// 40 points of a = 0.6, k = 6, x0 = 0.5, b = 0.2 on [0, 1] plus deterministic noise of amplitude 0.02.
    static func writeSigmoidData() throws -> URL {
        let csv = try GPUFitProcess.temporaryDirectory().appendingPathComponent("sigmoid.csv")
        var text = "x,y\n"
        for i in 0..<40 {
            let x = Double(i) / 39
            let noise = 0.04 * ((Double(i) * 0.6180339887498949).truncatingRemainder(dividingBy: 1) - 0.5)
            text += "\(x),\(0.6 / (1 + exp(-6 * (x - 0.5))) + 0.2 + noise)\n"
        }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        return csv
    }

    /// The sigmoid as an expression has no canonical form. Its start ranges are [-1, 1] for every parameter, so
    /// a start with k < 0 and one with k > 0 reach the two mirror images, whose objectives are equal but for
    /// rounding: which one a replicate keeps is decided by rounding, and with 60 replicates both appear (seed
    /// fixed, so the run is the same every time). The modes are checked against the truth, not a recorded run.
    @Test func expressionModelNamesTheModesOfItsMirrorImages() throws {
        let csv = try Self.writeSigmoidData()
        let out = csv.deletingLastPathComponent().appendingPathComponent("fit.json")
        let run = try GPUFitProcess.run(["fit", csv.path, "--model", "a/(1+exp(-k*(x-c)))+b", "--params", "a,k,c,b",
                                         "--x", "x", "--y", "y", "--starts", "20", "--bootstrap", "60", "--seed", "3",
                                         "--device", "cpu", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let kLine = run.stdout.split(separator: "\n").first { $0.hasPrefix("k: ") }.map(String.init)
        #expect(kLine?.hasPrefix("k: 2 modes — ") == true, "\(run.stdout)")
        #expect(kLine?.hasSuffix("; mean and SD not shown") == true)
        // c (the midpoint) is the same in both images: one mode, mean and SD shown as before.
        #expect(!run.stdout.contains("c: "))

        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        let modes = try #require(json["bootstrapModes"] as? [[String: Any]])
        let k = try #require(modes.first { $0["parameter"] as? String == "k" }?["modes"] as? [[String: Any]])
        let centres = k.compactMap { $0["centre"] as? Double }.sorted()
        let shares = k.compactMap { $0["share"] as? Double }
        #expect(centres.count == 2)
        #expect(centres.first.map { abs($0 + 6) < 1 } == true && centres.last.map { abs($0 - 6) < 1 } == true, "\(centres)")
        #expect(abs(shares.reduce(0, +) - 1) < 1e-12 && shares.allSatisfy { $0 >= 0.05 })
        // The text line shows the same centres (4 significant digits) and shares.
        for m in k {
            let centre = String(format: "%.4g", m["centre"] as! Double), share = String(format: "%.0f%%", 100 * (m["share"] as! Double))
            #expect(kLine?.contains("\(centre) (\(share))") == true, "\(kLine ?? "")")
        }
        let params = try #require(json["parameters"] as? [[String: Any]])
        let kBoot = try #require(params.first { $0["name"] as? String == "k" }?["bootstrap"] as? [String: Any])
        #expect(kBoot["mean"] is NSNull && kBoot["sd"] is NSNull)
        let cBoot = try #require(params.first { $0["name"] as? String == "c" }?["bootstrap"] as? [String: Any])
        #expect(cBoot["mean"] is Double && cBoot["sd"] is Double)
    }

    /// The built-in sigmoid with the same symmetric starts: canonical (k >= 0) everywhere, one mode, no modes
    /// field, and the JSON's fields as they always were.
    @Test func builtinSigmoidIsCanonical() throws {
        let csv = try Self.writeSigmoidData()
        let out = csv.deletingLastPathComponent().appendingPathComponent("fit.json")
        let run = try GPUFitProcess.run(["fit", csv.path, "--model", "sigmoid", "--x", "x", "--y", "y", "--starts", "12",
                                         "--bootstrap", "30", "--seed", "3", "--start-range", "-1:1,0:1,-10:10,0:1",
                                         "--device", "cpu", "--out", out.path, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains("modes"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        #expect(json["bootstrapModes"] == nil)
        let params = try #require(json["parameters"] as? [[String: Any]])
        let k = try #require(params.first { $0["name"] as? String == "k" })
        #expect((k["value"] as? Double ?? -1) > 0 && (k["nearBestLow"] as? Double ?? -1) > 0)
        let boot = try #require(k["bootstrap"] as? [String: Any])
        #expect(Set(boot.keys) == ["count", "mean", "sd", "p025", "p50", "p975"])
        #expect((boot["p025"] as? Double ?? -1) > 0)
        #expect((boot["sd"] as? Double ?? 99) < 1)
    }

    @Test func overDeepExpressionsAreOneLineUsageErrors() throws {
        let csv = try Self.writeSigmoidData()
        // Linux caps one argument at 128 KiB, so the CLI gets 60000 levels (the parser test takes 100000).
        let deep = String(repeating: "(", count: 60_000) + "a*x" + String(repeating: ")", count: 60_000)
        let long = Array(repeating: "a*x", count: 30_000).joined(separator: "+")
        for (model, column) in [(deep, 201), (long, 2 * 501)] {
            let run = try GPUFitProcess.run(["fit", csv.path, "--model", model, "--params", "a", "--x", "x", "--y", "y", "--device", "cpu"])
            #expect(run.status == 64, "\(run.stderr.prefix(300))")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr.prefix(300))")
            #expect(run.stderr.contains("column \(column): more than"), "\(run.stderr.prefix(300))")
        }
    }
}
