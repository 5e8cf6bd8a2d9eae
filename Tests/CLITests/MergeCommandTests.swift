import Foundation
import Testing
import TestSupport

/// `--shard i/n` and `gpufit merge`, run as separate processes: merged parts print and write what the single
/// run does (all but the engine and timing fields), and merge refuses parts that are not every shard of one
/// run, in one line naming the file(s).
@Suite struct MergeCommandTests {
    /// A straight line with deterministic wiggle: 12 points.
    static func writeData(in folder: URL, name: String = "line.csv", bump: Double = 0) throws -> URL {
        let url = folder.appendingPathComponent(name)
        var text = "x,y\n"
        for i in 0..<12 { text += "\(i),\(2.0 * Double(i) + 1 + 0.3 * sin(Double(i) * 1.7) + (i == 5 ? bump : 0))\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func fitArguments(_ csv: URL, starts: Int, bootstrap: Int, seed: Int = 7) -> [String] {
        ["fit", csv.path, "--model", "a*x+b*exp(-c*x)", "--params", "a,b,c", "--x", "x", "--y", "y", "--starts", "\(starts)",
         "--bootstrap", "\(bootstrap)", "--seed", "\(seed)", "--device", "cpu", "--quiet"]
    }

    /// Runs shards 0..<n of a command, each writing part-i.json into `folder`; returns the part paths.
    static func runShards(_ arguments: [String], n: Int, in folder: URL, prefix: String = "part",
                          environment: [String: String] = [:]) throws -> [String] {
        try (0..<n).map { i in
            let part = folder.appendingPathComponent("\(prefix)-\(i)-of-\(n).json").path
            let run = try GPUFitProcess.run(arguments + ["--shard", "\(i)/\(n)", "--out", part], environment: environment)
            #expect(run.status == 0, "shard \(i)/\(n): \(run.stderr)")
            return part
        }
    }

    /// JSON with the engine and timing fields left out (the only fields merge may report differently), re-encoded
    /// with sorted keys.
    static func comparable(_ url: URL, dropping keys: [String], info: [String] = []) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        for key in keys { object[key] = nil }
        if var nested = object["info"] as? [String: Any] {
            for key in info { nested[key] = nil }
            object["info"] = nested
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Printed summary without its engine line (engine label, fits/s, seconds).
    static func withoutEngineLine(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("engine: ") }.joined(separator: "\n")
    }

    static let fitVolatile = ["engine", "deviceRequested", "engineWarning", "seconds", "fitsPerSecond"]

    /// 5 starts x 4 replicates = 20 fits (7 does not divide it), and 4 starts x 3 replicates (fewer replicates
    /// than 7 shards: the starts of one replicate are split).
    @Test(arguments: [(5, 3), (4, 2)])
    func fitShardsMergedEqualTheSingleRun(starts: Int, bootstrap: Int) throws {
        let folder = try GPUFitProcess.temporaryDirectory()
        let csv = try Self.writeData(in: folder)
        let arguments = Self.fitArguments(csv, starts: starts, bootstrap: bootstrap)
        let singleJSON = folder.appendingPathComponent("single.json")
        let single = try GPUFitProcess.run(arguments + ["--out", singleJSON.path])
        #expect(single.status == 0, "\(single.stderr)")
        for n in [1, 2, 7] {
            let parts = try Self.runShards(arguments, n: n, in: folder)
            let mergedJSON = folder.appendingPathComponent("merged-\(n).json")
            let merged = try GPUFitProcess.run(["merge"] + parts.reversed() + ["--out", mergedJSON.path])
            #expect(merged.status == 0, "n = \(n): \(merged.stderr)")
            #expect(Self.withoutEngineLine(merged.stdout) == Self.withoutEngineLine(single.stdout), "n = \(n)")
            #expect(merged.stdout.contains("engine: merged from \(n) shard(s): cpu"))
            #expect(try Self.comparable(mergedJSON, dropping: Self.fitVolatile) == Self.comparable(singleJSON, dropping: Self.fitVolatile), "n = \(n)")
        }
    }

    /// The ladder job on the embedded ladder (one task: its step 1 and step 2), JSON, CSV and text. The CPU
    /// engine's one-fit loop (GPUFIT_SCALAR=1) runs it: in a debug build the sixteen-lane loop costs about 3 s
    /// a process; both give the same bits (LaneIterationTests), and every process here uses the same one.
    @Test func ladderShardsMergedEqualTheSingleRun() throws {
        let folder = try GPUFitProcess.temporaryDirectory()
        let arguments = ["ladder", "--tasks", "hellaswag", "--starts", "3", "--bootstrap", "4", "--seed", "4", "--device", "cpu", "--quiet"]
        let scalar = ["GPUFIT_SCALAR": "1"]
        let (json, csv) = (folder.appendingPathComponent("single.json"), folder.appendingPathComponent("single.csv"))
        let single = try GPUFitProcess.run(arguments + ["--json", json.path, "--csv", csv.path], environment: scalar)
        #expect(single.status == 0, "\(single.stderr)")
        for n in [1, 2, 7] {
            let parts = try Self.runShards(arguments, n: n, in: folder, environment: scalar)
            let (mJSON, mCSV) = (folder.appendingPathComponent("merged-\(n).json"), folder.appendingPathComponent("merged-\(n).csv"))
            let merged = try GPUFitProcess.run(["merge"] + parts + ["--json", mJSON.path, "--csv", mCSV.path, "--quiet"])
            #expect(merged.status == 0, "n = \(n): \(merged.stderr)")
            #expect(Self.withoutEngineLine(merged.stdout) == Self.withoutEngineLine(single.stdout), "n = \(n)")
            let dropped = ["engineRequested", "engineWarning"], info = ["engine", "seconds"]
            #expect(try Self.comparable(mJSON, dropping: dropped, info: info) == Self.comparable(json, dropping: dropped, info: info), "n = \(n)")
            #expect(try String(contentsOf: mCSV, encoding: .utf8) == String(contentsOf: csv, encoding: .utf8))
        }
    }

    /// Same seed, same part: whatever the chunk size (only `run`, where and how long, may differ).
    @Test func aShardsPartDoesNotDependOnTheChunkSize() throws {
        let folder = try GPUFitProcess.temporaryDirectory()
        let arguments = Self.fitArguments(try Self.writeData(in: folder), starts: 5, bootstrap: 3)
        let a = try Self.runShards(arguments, n: 3, in: folder, prefix: "a")[1]
        let b = try Self.runShards(arguments + ["--chunk-size", "2"], n: 3, in: folder, prefix: "b")[1]
        #expect(try Self.comparable(URL(fileURLWithPath: a), dropping: ["run"]) == Self.comparable(URL(fileURLWithPath: b), dropping: ["run"]))
    }

    /// Each refusal: exit status, one line on stderr, naming the file(s).
    static func expectRefusal(_ arguments: [String], status: Int32, mentions: [String], _ what: String) throws {
        let run = try GPUFitProcess.run(arguments)
        #expect(run.status == status, "\(what): \(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: "), "\(what): \(run.stderr)")
        for m in mentions { #expect(run.stderr.contains(m), "\(what): '\(m)' not in \(run.stderr)") }
    }

    @Test func mergeRefusesPartsThatAreNotEveryShardOfOneRun() throws {
        let folder = try GPUFitProcess.temporaryDirectory()
        let csv = try Self.writeData(in: folder)
        let arguments = Self.fitArguments(csv, starts: 4, bootstrap: 2)
        let p = try Self.runShards(arguments, n: 3, in: folder)
        try Self.expectRefusal(["merge", p[0], p[2]], status: 65, mentions: ["shard 1/3 missing"], "missing")
        let copy = folder.appendingPathComponent("copy.json").path
        try FileManager.default.copyItem(atPath: p[1], toPath: copy)
        try Self.expectRefusal(["merge", p[0], p[1], copy, p[2]], status: 65, mentions: [p[1], copy, "both shard 1/3"], "duplicate")
        let seed = try Self.runShards(Self.fitArguments(csv, starts: 4, bootstrap: 2, seed: 8), n: 3, in: folder, prefix: "seed")[1]
        try Self.expectRefusal(["merge", p[0], seed, p[2]], status: 65, mentions: [p[0], seed, "seed (7 and 8)"], "seed")
        let other = try Self.writeData(in: folder, name: "other.csv", bump: 0.5)
        let input = try Self.runShards(Self.fitArguments(other, starts: 4, bootstrap: 2), n: 3, in: folder, prefix: "input")[1]
        try Self.expectRefusal(["merge", p[0], input, p[2]], status: 65, mentions: [p[0], input, "differ in input"], "input")
        let version = folder.appendingPathComponent("version.json")
        let text = try String(contentsOfFile: p[1], encoding: .utf8)
        try text.replacingOccurrences(of: "\"version\" : \"", with: "\"version\" : \"9.9.9-").write(to: version, atomically: true, encoding: .utf8)
        try Self.expectRefusal(["merge", p[0], version.path, p[2]], status: 65, mentions: [p[0], version.path, "differ in version"], "version")
        try Self.expectRefusal(["merge", p[0], csv.path, p[2]], status: 65, mentions: [csv.path, "not a gpufit part"], "not a part")
        let two = try Self.runShards(arguments, n: 2, in: folder, prefix: "two")[1]
        try Self.expectRefusal(["merge", p[0], two], status: 65, mentions: [p[0], two, "different counts"], "other n")
        // The input changed, then gone, after the shards ran.
        _ = try Self.writeData(in: folder, bump: 1)
        try Self.expectRefusal(["merge"] + p, status: 65, mentions: [csv.path, "changed since"], "changed input")
        try FileManager.default.removeItem(at: csv)
        try Self.expectRefusal(["merge"] + p, status: 66, mentions: [csv.path, "missing"], "missing input")
    }

    @Test func shardOptionErrorsAreUsageErrors() throws {
        let folder = try GPUFitProcess.temporaryDirectory()
        let arguments = Self.fitArguments(try Self.writeData(in: folder), starts: 2, bootstrap: 0)
        let out = folder.appendingPathComponent("p.json").path
        for (extra, what) in [(["--shard", "3/3", "--out", out], "3/3"), (["--shard", "1/0", "--out", out], "1/0"),
                              (["--shard", "x", "--out", out], "x"), (["--shard", "0/2"], "no --out")] {
            let run = try GPUFitProcess.run(arguments + extra)
            #expect(run.status == 64 && run.stderr.contains("--shard"), "\(what): \(run.stderr)")
        }
        let ladder = try GPUFitProcess.run(["ladder", "--shard", "0/2", "--out", out, "--json", out])
        #expect(ladder.status == 64 && ladder.stderr.contains("--json"), "\(ladder.stderr)")
    }
}
