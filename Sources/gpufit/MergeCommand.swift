import ArgumentParser
import CSVReading
import Foundation
import SafeOutput

/// `gpufit merge`: the parts of a sharded `fit` or `ladder` run, joined into the result the unsharded run
/// gives, printed and written by the same code (the command's own, run on the merged sweeps).
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the parts of a sharded fit or ladder run (--shard i/n --out FILE) into its result.",
        discussion: """
        Give every shard's part once, in any order. The result is the unsharded run's, value for value; its \
        engine is "merged from N shard(s): ..." and its seconds the sum of the shards'. Merge reads the shards' \
        inputs again (recorded by absolute path and SHA-256) and refuses, in one line naming the file(s), a \
        missing or duplicated shard, parts of another run (seed, input, version or options differ) and files \
        that are not parts (exit 65), and an input that is missing (66) or changed (65).

        Example: gpufit fit data.csv --model misra1a --x x --y y --bootstrap 100 --shard 0/2 --out part-0.json
                 (and --shard 1/2 --out part-1.json), then: gpufit merge part-0.json part-1.json --out fit.json

        \(ExitStatus.helpText)
        """)

    @Argument(help: "The part files: every shard of one run, once each, in any order.")
    var parts: [String]

    @Option(name: .long, help: "Write the result as JSON to this file (what `fit --out` or `ladder --json` writes; atomically; - for standard output).")
    var out: String?

    @Option(name: .long, help: "The same as --out (the ladder command's spelling).")
    var json: String?

    @Option(name: .long, help: "Ladder parts: write the per-task, per-target table as CSV to this file (- for standard output).")
    var csv: String?

    @Option(name: .long, help: "Ladder parts: write report.html and the figures as SVG into this folder.")
    var report: String?

    @Flag(name: .shortAndLong, help: "No notes or warnings on stderr.")
    var quiet = false

    func validate() throws {
        if out != nil && json != nil { throw ValidationError("--out and --json: give one or the other (both mean the JSON result)") }
        if parts.isEmpty { throw ValidationError("give the part files the shards wrote") }
    }

    func run() throws {
        let result = out ?? json
        // Output paths are checked, and made absolute, before anything is read: merge then runs the command in
        // the shards' working directory, where their arguments' relative paths point.
        _ = try result.map { try OutputTarget($0, option: out != nil ? "--out" : "--json") }
        _ = try csv.map { try OutputTarget($0, option: "--csv") }
        _ = try report.map { try OutputFolder($0, option: "--report") }
        let set = try PartSet(paths: parts)
        let (resultPath, csvPath, reportPath) = (Self.absolute(result), Self.absolute(csv), Self.absolute(report))
        guard FileManager.default.changeCurrentDirectoryPath(set.directory) else {
            throw InputError.missingInput("\(set.directory): the shards' working directory is missing; merge resolves their relative paths there")
        }
        switch set.command {
        case "fit":
            if csv != nil || report != nil { throw InputError.usage("--csv and --report: the parts are of `gpufit fit`, which writes only JSON (--out)") }
            var command = try FitCommand.parse(set.fingerprint.arguments)
            command.out = resultPath
            command.engineOptions.quiet = quiet
            try command.execute(merged: set)
        case "ladder":
            var command = try LadderCommand.parse(set.fingerprint.arguments)
            (command.json, command.csv, command.report) = (resultPath, csvPath, reportPath)
            command.engineOptions.quiet = quiet
            try command.execute(merged: set)
        default:
            throw InputError("\(parts[0]): a part of `gpufit \(set.command)`, which this gpufit cannot merge")
        }
    }

    /// A path made absolute against the current directory (standard output stays `-`).
    static func absolute(_ path: String?) -> String? {
        guard let path, path != "-" else { return path }
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
