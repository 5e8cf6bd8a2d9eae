import ArgumentParser
import FitEngine
import FitService
import Foundation

/// A `gpufit serve` job of kind `ladder` is `gpufit ladder [--data DATA] [--config CONFIG] OPTIONS --json RESULT
/// --csv RESULT.csv` on the server's device: its options are parsed by `LadderCommand` itself, so names, defaults,
/// validation and both results are the command line's. Without data it fits the embedded ladder.
enum LadderJob {
    /// Options that belong to the server, to the job's files or to a terminal, not to a job's options.
    static let serverOptions = FitJobRunner.serverOptions.union(["data", "olmo", "config", "json", "csv", "report"])

    static func command(options: [String: OptionValue], data: String?, config: String?) throws -> LadderCommand {
        let files = (data.map { ["--data=\($0)"] } ?? []) + (config.map { ["--config=\($0)"] } ?? [])
        return try FitJobRunner.parse(LadderCommand.self, files + FitJobRunner.arguments(options, reserved: serverOptions))
    }

    static func run(options: [String: OptionValue], files: JobFiles, device: DeviceChoice) throws {
        var command = try command(options: options, data: files.data?.path, config: files.config?.path)
        command.engineOptions.device = device
        command.engineOptions.quiet = true
        command.engineOptions.progress = false
        command.json = files.result.path
        command.csv = files.resultCSV.path
        try command.execute(merged: nil)
    }
}
