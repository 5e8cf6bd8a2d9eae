import Foundation
import Testing
import TestSupport

/// Issue 10: outputs that cannot destroy, failures that say why, options that parse as typed, exit statuses
/// that mean one thing in every command. Each test runs the built binary, as a script left alone would.
@Suite struct UnattendedUseTests {
    /// A small linear data set and a fit command on it.
    static func linearData() throws -> (dir: URL, csv: URL) {
        let dir = try GPUFitProcess.temporaryDirectory()
        let csv = dir.appendingPathComponent("line.csv")
        try "x,y\n1,2.1\n2,3.9\n3,6.2\n4,7.8\n5,10.1\n".write(to: csv, atomically: true, encoding: .utf8)
        return (dir, csv)
    }

    static func fit(_ csv: URL, _ extra: [String]) -> [String] {
        ["fit", csv.path, "--model", "a*x+b", "--params", "a,b", "--x", "x", "--y", "y", "--device", "cpu", "--starts", "8"] + extra
    }

    static func fileType(_ path: String) throws -> FileAttributeType? {
        try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType
    }

    // MARK: outputs (items 1-3)

    @Test func aDeviceIsWrittenAsAStreamAndAFullDeviceFails() throws {
        let (_, csv) = try Self.linearData()
        let full = try GPUFitProcess.run(Self.fit(csv, ["--out", "/dev/full", "--quiet"]))
        #expect(full.status == 73, "\(full.stderr)")
        #expect(full.stderr.contains("/dev/full") && full.stderr.contains("No space left"), "\(full.stderr)")
        #expect(try Self.fileType("/dev/full") == .typeCharacterSpecial, "the device node is still a device")
        let null = try GPUFitProcess.run(Self.fit(csv, ["--out", "/dev/null", "--quiet"]))
        #expect(null.status == 0, "\(null.stderr)")
        #expect(try Self.fileType("/dev/null") == .typeCharacterSpecial)
    }

    @Test func aSymbolicLinkIsFollowedAndStaysALink() throws {
        let (dir, csv) = try Self.linearData()
        let target = dir.appendingPathComponent("target.json"), link = dir.appendingPathComponent("link.json")
        try "old".write(to: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "target.json")
        let run = try GPUFitProcess.run(Self.fit(csv, ["--out", link.path, "--quiet"]))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.fileType(link.path) == .typeSymbolicLink)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: target)) as? [String: Any]
        #expect((json?["objective"] as? Double ?? .nan) < 1)
    }

    @Test func aFIFOIsWrittenInPlace() throws {
        let (dir, csv) = try Self.linearData()
        let fifo = dir.appendingPathComponent("pipe")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        // The reader must open the FIFO before the writer's open returns; read it on another thread.
        let received = LockedData()
        let reader = Thread {
            if let handle = FileHandle(forReadingAtPath: fifo.path) { received.set(handle.readDataToEndOfFile()) }
        }
        reader.start()
        let run = try GPUFitProcess.run(Self.fit(csv, ["--out", fifo.path, "--quiet"]))
        #expect(run.status == 0, "\(run.stderr)")
        for _ in 0..<100 where received.get() == nil { Thread.sleep(forTimeInterval: 0.05) }
        let data = try #require(received.get())
        #expect((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["objective"] != nil)
        #expect(try Self.fileType(fifo.path) == .typeUnknown || (try Self.fileType(fifo.path)) != .typeRegular, "still a FIFO")
    }

    @Test func aDirectoryOrAReadOnlyFileIsRefusedBeforeAnyFit() throws {
        let (dir, csv) = try Self.linearData()
        // 10^8 starts would take hours: the run ends at once only because the output is checked first.
        let huge = ["--starts", "100000000", "--progress"]
        let directory = try GPUFitProcess.run(Self.fit(csv, ["--out", dir.path] + huge))
        #expect(directory.status == 73)
        #expect(directory.stderr.contains("is a directory"), "\(directory.stderr)")
        #expect(!directory.stderr.contains("fits/s"), "no fit ran")
        let missing = try GPUFitProcess.run(Self.fit(csv, ["--out", dir.appendingPathComponent("no/such/out.json").path] + huge))
        #expect(missing.status == 73)
        #expect(missing.stderr.contains("does not exist"), "\(missing.stderr)")
        let readOnly = dir.appendingPathComponent("keep.json")
        try "precious".write(to: readOnly, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: readOnly.path)
        let refused = try GPUFitProcess.run(Self.fit(csv, ["--out", readOnly.path] + huge))
        #expect(refused.status == 73)
        #expect(refused.stderr.contains("read-only"), "\(refused.stderr)")
        #expect(try String(contentsOf: readOnly, encoding: .utf8) == "precious")
        let report = try GPUFitProcess.run(["ladder", "--report", csv.path, "--starts", "100000000", "--tasks", "mmlu", "--device", "cpu"])
        #expect(report.status == 73, "\(report.stderr)")
        #expect(report.stderr.contains("not a folder"), "\(report.stderr)")
    }

    @Test func aRegularFileIsReplacedAtomicallyKeepingItsPermissions() throws {
        let (dir, csv) = try Self.linearData()
        let out = dir.appendingPathComponent("out.json")
        try "old".write(to: out, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: out.path)
        let run = try GPUFitProcess.run(Self.fit(csv, ["--out", out.path, "--quiet"]))
        #expect(run.status == 0)
        #expect((try FileManager.default.attributesOfItem(atPath: out.path)[.posixPermissions] as? Int) == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains(".gpufit-") }, "no temporary left")
    }

    @Test func dashIsStandardOutputWithTheSummaryOnStderr() throws {
        let (_, csv) = try Self.linearData()
        let run = try GPUFitProcess.run(Self.fit(csv, ["--out", "-", "--quiet"]))
        #expect(run.status == 0, "\(run.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(json?["model"] as? String == "a*x+b", "stdout holds the JSON alone")
        #expect(run.stderr.contains("gpufit fit: model"), "the summary moved to stderr")
        let ladder = try GPUFitProcess.run(["ladder", "--tasks", "mmlu", "--starts", "2", "--bootstrap", "0", "--device", "cpu",
                                            "--csv", "-", "--quiet"])
        #expect(ladder.status == 0, "\(ladder.stderr)")
        #expect(ladder.stdout.hasPrefix("task,target,"), "\(ladder.stdout.prefix(200))")
        #expect(ladder.stdout.split(separator: "\n").count == 3)
        #expect(ladder.stderr.contains("Target 13B-5T"))
        let both = try GPUFitProcess.run(["ladder", "--json", "-", "--csv", "-", "--device", "cpu"])
        #expect(both.status == 64)
    }

    // MARK: failed fits (item 4)

    @Test(arguments: [
        ("overflowing model", "exp(1000*a*x)+b", "x,y\n1,2\n2,3\n3,5\n", ["--start-range", "1:2,0:1"], "not finite"),
        ("observations near the largest double", "a*x+b", "x,y\n1,1e308\n2,3e307\n3,5\n", [], "column 'y'"),
    ])
    func aFailedFitWritesNothingAndSaysWhy(_ name: String, _ model: String, _ data: String, _ extra: [String], _ expected: String) throws {
        let dir = try GPUFitProcess.temporaryDirectory()
        let csv = dir.appendingPathComponent("data.csv"), out = dir.appendingPathComponent("out.json")
        try data.write(to: csv, atomically: true, encoding: .utf8)
        let run = try GPUFitProcess.run(["fit", csv.path, "--model", model, "--params", "a,b", "--x", "x", "--y", "y", "--starts", "20",
                                         "--device", "cpu", "--out", out.path, "--quiet"] + extra)
        #expect(run.status == 1, "\(name): \(run.stderr)")
        #expect(!run.stdout.contains("nan"), "\(name): no table of NaN: \(run.stdout)")
        #expect(run.stdout.isEmpty, "\(name): \(run.stdout)")
        #expect(run.stderr.contains(expected), "\(name): \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(name): one line: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "\(name): no output file")
    }

    // MARK: options (items 12-14)

    @Test func negativeValuesParseAsValues() throws {
        let (_, csv) = try Self.linearData()
        let run = try GPUFitProcess.run(Self.fit(csv, ["--start", "-2000,50", "--bounds", "-5:5,:", "--start-range", "-1:1,-3:-1:log",
                                                       "--predict", "-3", "--quiet"]))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("-3"))
        #expect(run.stdout.contains("start ranges (--start-range): a [-1, 1], b [-3, -1] log-uniform"), "\(run.stdout)")
    }

    @Test func rangeErrorsNameTheFlag() throws {
        let (_, csv) = try Self.linearData()
        for (flag, value) in [("--max-iterations", "0"), ("--starts", "0"), ("--bootstrap", "-1"), ("--chunk-size", "0")] {
            let run = try GPUFitProcess.run(Self.fit(csv, [flag, value]))
            #expect(run.status == 64, "\(flag): \(run.stderr)")
            #expect(run.stderr.contains(flag), "\(flag): \(run.stderr)")
            #expect(!run.stderr.contains("maxIterations") && !run.stderr.contains("chunkSize"), "\(run.stderr)")
        }
    }

    /// The documented exit statuses, the same in `fit`, `ladder` and `variance`.
    static let exitCases: [ExitCase] = [
        ExitCase(arguments: ["fit", "MISSING", "--model", "a*x+b", "--params", "a,b", "--x", "x", "--y", "y"], status: 66),
        ExitCase(arguments: ["ladder", "--data", "MISSING"], status: 66),
        ExitCase(arguments: ["variance", "--data", "MISSING"], status: 66),
        ExitCase(arguments: ["fit", "BAD", "--model", "a*x+b", "--params", "a,b", "--x", "x", "--y", "y"], status: 65),
        ExitCase(arguments: ["ladder", "--data", "BAD"], status: 65),
        ExitCase(arguments: ["fit", "DATA", "--model", "a*x+b", "--params", "a,b", "--x", "x", "--y", "y", "--loss", "cauchy"], status: 64),
        ExitCase(arguments: ["fit", "DATA", "--model", "a*x+b", "--params", "a,b", "--x", "x", "--y", "y", "--device", "99"], status: 64),
        ExitCase(arguments: ["ladder", "--starts", "0"], status: 64),
        ExitCase(arguments: ["ladder", "--tasks", "chess", "--starts", "1", "--bootstrap", "0"], status: 64),
        ExitCase(arguments: ["variance", "--frobnicate"], status: 64),
        ExitCase(arguments: ["fit", "DATA", "--model", "a*x+b", "--params", "a,b", "--x", "x", "--y", "y", "--out", "/nonexistent-dir/out.json"], status: 73),
        ExitCase(arguments: ["ladder", "--json", "/nonexistent-dir/out.json"], status: 73),
        ExitCase(arguments: ["variance", "--json", "/nonexistent-dir/out.json"], status: 73),
        ExitCase(arguments: ["fit", "DATA", "--model", "a*x+b", "--params", "a,b", "--x", "x", "--y", "y", "--starts", "3", "--device", "cpu"], status: 0),
    ]

    @Test(arguments: exitCases)
    func exitStatusesAreTheDocumentedOnes(_ exitCase: ExitCase) throws {
        let (arguments, status) = (exitCase.arguments, exitCase.status)
        let (dir, csv) = try Self.linearData()
        let bad = dir.appendingPathComponent("bad.csv")
        try "x,y\n1,2\n2,oops\n".write(to: bad, atomically: true, encoding: .utf8)
        let args = arguments.map { $0 == "DATA" ? csv.path : $0 == "BAD" ? bad.path : $0 == "MISSING" ? dir.appendingPathComponent("none.csv").path : $0 }
        let run = try GPUFitProcess.run(args + ["--quiet"])
        #expect(run.status == status, "\(arguments): \(run.stderr)")
        if status != 0 { #expect(!run.stderr.isEmpty) }
    }

    @Test func exitStatusesAreDocumentedInHelp() throws {
        for command in [[], ["fit"], ["ladder"], ["variance"], ["merge"]] {
            let help = try GPUFitProcess.run(command + ["--help"])
            #expect(help.status == 0)
            let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            for code in ["64 usage", "65 bad input data", "66 an input file", "69 the OpenCL", "70 internal", "73 an output"] {
                #expect(text.contains(code), "\(command): \(code) in --help")
            }
        }
    }

    @Test func startsAroundAGivenStartAndTheDefaultsAreShown() throws {
        let (_, csv) = try Self.linearData()
        let run = try GPUFitProcess.run(Self.fit(csv, ["--start", "2,0", "--quiet"]))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("start ranges (around --start): a [0.2, 20] log-uniform, b [-1, 1]"), "\(run.stdout)")
        let raw = try GPUFitProcess.run(["fit", "--help"]).stdout
        let help = (stdout: raw.split(whereSeparator: \.isWhitespace).joined(separator: " "), ())  // help wraps lines
        #expect(help.stdout.contains("(default: 100, or 1 with --start)"))
        #expect(help.stdout.contains("(default: 0)"))
        #expect(help.stdout.contains("around --start"))
        #expect(help.stdout.contains("(default: 200)"), "the iteration cap")
    }

    @Test func mostStartsAtTheIterationLimitGiveAWarningNamingStartRange() throws {
        let dir = try GPUFitProcess.temporaryDirectory()
        let csv = dir.appendingPathComponent("decay.csv")
        let rows = (0..<30).map { i -> String in let x = Double(i) * 10; return "\(x),\(5000 * exp(-0.02 * x) + 30)" }
        try ("x,y\n" + rows.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        let run = try GPUFitProcess.run(["fit", csv.path, "--model", "a*exp(-b*x)+c", "--params", "a,b,c", "--x", "x", "--y", "y",
                                         "--starts", "40", "--max-iterations", "3", "--device", "cpu"])
        #expect(run.status == 0, "\(run.stderr)")
        let warning = run.stderr.split(separator: "\n").first { $0.contains("iteration limit") }
        #expect(warning?.contains("--start-range") == true, "\(run.stderr)")
    }

    // MARK: progress (item 16)

    @Test func progressOffATerminalIsOneLinePerFewSecondsAndQuietSilencesIt() throws {
        let (_, csv) = try Self.linearData()
        let logged = try GPUFitProcess.run(Self.fit(csv, ["--starts", "2000", "--progress"]))
        #expect(logged.status == 0)
        let lines = logged.stderr.split(separator: "\n").filter { $0.hasPrefix("fit: ") }
        #expect(lines.last?.contains("2000/2000 fits (100%)") == true, "\(logged.stderr)")
        #expect(lines.last?.contains("done in") == true)
        #expect(!logged.stderr.contains("\r"), "no carriage returns in a log")
        let plain = try GPUFitProcess.run(Self.fit(csv, ["--starts", "2000"]))
        #expect(!plain.stderr.contains("fits (100%)"), "off a terminal, no progress unless asked")
        let both = try GPUFitProcess.run(Self.fit(csv, ["--progress", "--quiet"]))
        #expect(both.status == 64)
    }
}

struct ExitCase: Sendable, CustomTestStringConvertible {
    var arguments: [String]
    var status: Int32
    var testDescription: String { "\(arguments.prefix(2).joined(separator: " ")) ... -> \(status)" }
}

/// Data handed from a reader thread to the test.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data? { lock.lock(); defer { lock.unlock() }; return data }
}
