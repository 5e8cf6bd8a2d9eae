import Foundation
import Numerics
import Testing
import TestSupport

/// What a user sees from the `gpufit` binary: listings, fits, fallbacks and one-line errors.
@Suite struct CLITests {
    @Test func devicesListsTheCPUEngineAndJSONParses() throws {
        let table = try GPUFitProcess.run(["devices"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("native Swift engine"))
        let json = try GPUFitProcess.run(["devices", "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let devices = try #require(object?["devices"] as? [[String: Any]])
        // The CPU engine says which build of its lane loop this processor runs, and the override is obeyed.
        let lanes = try #require((object?["cpuEngine"] as? [String: Any])?["lanes"] as? String)
        #expect(lanes == "avx2" || lanes == "portable")
        #expect(table.stdout.contains("native Swift engine, \(lanes == "avx2" ? "AVX2" : "portable") lanes"))
        let forced = try GPUFitProcess.run(["devices"], environment: ["GPUFIT_LANES": "portable"])
        #expect(forced.stdout.contains("native Swift engine, portable lanes"))
        // Where an OpenCL platform exists (PoCL in CI) it is listed with its fields.
        if !TestEngines.openCL.isEmpty {
            #expect(!devices.isEmpty)
            #expect(devices.first?["fp64"] as? Bool == true)
            #expect(table.stdout.contains(devices.first?["name"] as? String ?? "?"))
        }
    }

    @Test func fitGivesTheNISTCertifiedAnswerWithStartsAndBootstrap() throws {
        let dir = try GPUFitProcess.temporaryDirectory()
        let data = try NISTData(name: "Misra1a")
        let csv = dir.appendingPathComponent("misra1a.csv"), out = dir.appendingPathComponent("fit.json")
        try data.writeCSV(to: csv)
        for device in ["cpu"] + TestEngines.openCL.map { String($0.description.dropFirst("opencl:".count)) } {
            let run = try GPUFitProcess.run(["fit", csv.path, "--model", "misra1a", "--x", "x", "--y", "y", "--starts", "200",
                                             "--bootstrap", "20", "--device", device, "--out", out.path, "--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [String: Any]
            let params = json["parameters"] as! [[String: Any]]
            for (j, p) in params.enumerated() {
                #expect((p["value"] as! Double).isApproximatelyEqual(to: data.certified[j], relativeTolerance: 1e-6), "device \(device)")
            }
            #expect((json["objective"] as! Double).isApproximatelyEqual(to: data.certifiedRSS, relativeTolerance: 1e-6))
            #expect((json["usableReplicates"] as! Int) == 20)
        }
    }

    @Test func expressionModelFitsFromTheCommandLine() throws {
        let dir = try GPUFitProcess.temporaryDirectory()
        let data = try NISTData(name: "Misra1a")
        let csv = dir.appendingPathComponent("misra1a.csv"), out = dir.appendingPathComponent("fit.json")
        try data.writeCSV(to: csv)
        let run = try GPUFitProcess.run(["fit", csv.path, "--model", "b1*(1-exp[-b2*x])", "--params", "b1,b2", "--x", "x", "--y", "y",
                                         "--start", "500,0.0001", "--starts", "1", "--device", "cpu", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [String: Any]
        #expect((json["objective"] as! Double).isApproximatelyEqual(to: data.certifiedRSS, relativeTolerance: 1e-6))
    }

    @Test func fallsBackToTheCPUEngineWhenOpenCLHasNoPlatform() throws {
        let vendors = try GPUFitProcess.emptyVendorsDirectory()
        let dir = try GPUFitProcess.temporaryDirectory()
        let csv = dir.appendingPathComponent("misra1a.csv")
        try NISTData(name: "Misra1a").writeCSV(to: csv)
        let args = ["fit", csv.path, "--model", "misra1a", "--x", "x", "--y", "y", "--starts", "5", "--device", "0"]
        let run = try GPUFitProcess.run(args, environment: ["OCL_ICD_VENDORS": vendors.path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("engine: cpu"))
        let warnings = run.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") }
        #expect(warnings.count == 1, "exactly one warning naming the cause: \(run.stderr)")
        #expect(warnings.first?.contains("-1001") == true || warnings.first?.contains("no OpenCL") == true)
        let strict = try GPUFitProcess.run(args + ["--no-fallback"], environment: ["OCL_ICD_VENDORS": vendors.path])
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("OpenCL"))
    }

    /// Each bad input gives one line on stderr naming what is wrong, a non-zero exit, and no output file.
    @Test(arguments: [
        ("missing file", ["fit", "/nonexistent/data.csv", "--model", "misra1a", "--x", "x", "--y", "y"], "no such file"),
        ("wrong column", ["fit", "DATA", "--model", "misra1a", "--x", "pressure", "--y", "y"], "no column 'pressure'"),
        ("NaN value", ["fit", "NAN", "--model", "misra1a", "--x", "x", "--y", "y"], "nan.csv:3: column 'x'"),
        ("negative under a log", ["fit", "DATA", "--model", "misra1a", "--x", "x", "--y", "neg", "--log-residuals"], "must be > 0"),
        ("expression that does not parse", ["fit", "DATA", "--model", "b1*(1-exp(-b2*x)", "--params", "b1,b2", "--x", "x", "--y", "y"], "column"),
        ("unknown parameter name", ["fit", "DATA", "--model", "b1*(1-exp(-b3*x))", "--params", "b1,b2", "--x", "x", "--y", "y"], "b3"),
        ("device index that does not exist", ["fit", "DATA", "--model", "misra1a", "--x", "x", "--y", "y", "--device", "99"], "99"),
        ("bad loss", ["fit", "DATA", "--model", "misra1a", "--x", "x", "--y", "y", "--loss", "cauchy"], "--loss"),
        ("wrong start count", ["fit", "DATA", "--model", "misra1a", "--x", "x", "--y", "y", "--start", "1,2,3"], "--start"),
        ("unknown ladder task", ["ladder", "--tasks", "mmlu,chess", "--starts", "1", "--bootstrap", "0"], "chess"),
        ("unknown ladder target", ["ladder", "--targets", "70B-15T", "--starts", "1", "--bootstrap", "0"], "70B-15T"),
        ("missing ladder file", ["ladder", "--data", "/nonexistent/ladder.csv"], "no such file"),
    ])
    func badInputGivesOneLineError(_ name: String, _ arguments: [String], _ expected: String) throws {
        let dir = try GPUFitProcess.temporaryDirectory()
        let good = dir.appendingPathComponent("good.csv"), bad = dir.appendingPathComponent("nan.csv")
        try "y,x,neg\n10.07,77.6,-1\n14.73,114.9,2\n17.94,141.1,3\n23.93,190.8,4\n".write(to: good, atomically: true, encoding: .utf8)
        try "y,x\n10.07,77.6\n14.73,nan\n17.94,141.1\n".write(to: bad, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out.json")
        var args = arguments.map { $0 == "DATA" ? good.path : $0 == "NAN" ? bad.path : $0 }
        if args.first == "fit" { args += ["--out", out.path] }
        let run = try GPUFitProcess.run(args)
        #expect(run.status != 0, "\(name): exit status")
        let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("warning:") }
        #expect(lines.count >= 1 && lines.count <= 3, "\(name): \(run.stderr)")  // a parse error adds its source and caret lines
        #expect(run.stderr.contains(expected), "\(name): \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "\(name): no output file")
    }
}

/// The main job's outputs from the binary: JSON and CSV for programs, the report, the variance command.
@Suite struct LadderCLITests {
    @Test func ladderWritesJSONCSVAndReport() throws {
        let dir = try GPUFitProcess.temporaryDirectory()
        let json = dir.appendingPathComponent("ladder.json"), csv = dir.appendingPathComponent("ladder.csv")
        let report = dir.appendingPathComponent("report")
        let run = try GPUFitProcess.run(["ladder", "--tasks", "mmlu,piqa", "--starts", "3", "--bootstrap", "6", "--device", "cpu",
                                         "--json", json.path, "--csv", csv.path, "--report", report.path, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        for target in ["7B-4T", "13B-5T"] { #expect(run.stdout.contains("Target \(target)")) }
        #expect(run.stdout.contains("Variance across tasks"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as! [String: Any]
        let tasks = object["tasks"] as! [[String: Any]]
        #expect(tasks.map { $0["task"] as! String } == ["mmlu", "piqa"])
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 2 * 2)
        #expect(lines[0].hasPrefix("task,target,actual_loss,predicted_loss"))
        let html = try String(contentsOf: report.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script"))
        #expect(run.stderr.contains("report.html") || FileManager.default.fileExists(atPath: report.appendingPathComponent("report.html").path))
    }

    @Test func varianceAloneNeedsNoFits() throws {
        let run = try GPUFitProcess.run(["variance", "--starts", "1", "--bootstrap", "0"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("1B-10xC"))
        for task in ["BoolQ", "Winogrande", "HellaSwag"] { #expect(run.stdout.contains(task)) }
    }

    @Test func paperModeIsTheSameOnEveryRun() throws {
        let a = try GPUFitProcess.run(["--paper", "--bootstrap", "0", "--tasks", "hellaswag", "--device", "cpu", "--quiet"])
        let b = try GPUFitProcess.run(["ladder", "--paper", "--bootstrap", "0", "--tasks", "hellaswag", "--device", "cpu", "--quiet"])
        #expect(a.status == 0 && b.status == 0)
        func table(_ s: String) -> [Substring] { s.split(separator: "\n").filter { $0.hasPrefix("HellaSwag") } }
        #expect(!table(a.stdout).isEmpty)
        #expect(table(a.stdout) == table(b.stdout))
    }
}

/// Built programs are kept on disk, so a second run does not rebuild (issue: models written at run time).
@Suite struct ProgramCacheTests {
    @Test func anExpressionModelsProgramIsCachedOnDisk() throws {
        guard !TestEngines.openCL.isEmpty else { return }  // CI has PoCL: continuousIntegrationHasAnOpenCLDevice
        let dir = try GPUFitProcess.temporaryDirectory()
        let csv = dir.appendingPathComponent("misra1a.csv")
        try NISTData(name: "Misra1a").writeCSV(to: csv)
        let cache = dir.appendingPathComponent("cache")
        let args = ["fit", csv.path, "--model", "b1*(1-exp(-b2*x))", "--params", "b1,b2", "--x", "x", "--y", "y",
                    "--start", "500,0.0001", "--starts", "4", "--device", "0", "--no-fallback", "--quiet"]
        let first = try GPUFitProcess.run(args, environment: ["XDG_CACHE_HOME": cache.path])
        #expect(first.status == 0, "\(first.stderr)")
        let programs = cache.appendingPathComponent("gpufit/programs")
        let files = try FileManager.default.contentsOfDirectory(atPath: programs.path).filter { $0.hasSuffix(".bin") }
        #expect(files.count == 1, "\(files)")
        let second = try GPUFitProcess.run(args, environment: ["XDG_CACHE_HOME": cache.path])
        #expect(second.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: programs.path).filter { $0.hasSuffix(".bin") } == files)
        #expect(second.stdout.split(separator: "\n").filter { $0.hasPrefix("b") } == first.stdout.split(separator: "\n").filter { $0.hasPrefix("b") })
    }
}
