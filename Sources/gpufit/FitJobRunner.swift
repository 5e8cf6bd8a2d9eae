import ArgumentParser
import FitEngine
import FitService
import Foundation

/// Runs `gpufit serve`'s jobs: kind `ladder` is a `LadderJob`; a job of kind `fit` is `gpufit fit DATA OPTIONS --out RESULT` on the server's device: its
/// options become that argument list and are parsed by `FitCommand` itself, so names, defaults, validation
/// and the result JSON are the command line's.
struct FitJobRunner: JobRunner {
    /// The server's `--device` (a job cannot choose one).
    let device: DeviceChoice

    /// Options that belong to the server or to a terminal, not to a job.
    static let serverOptions: Set<String> = ["device", "out", "shard", "quiet", "progress", "help", "version"]

    /// The option list as command-line arguments: `--name=value`, a flag `--name` when true.
    static func arguments(_ options: [String: OptionValue], reserved: Set<String> = serverOptions) throws -> [String] {
        try options.keys.sorted().compactMap { name in
            guard let first = name.unicodeScalars.first, ("a"..."z").contains(first),
                  name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
                throw JobRejection("options: '\(name)' is not an option name (write them as on the command line without the dashes, e.g. \"max-iterations\")")
            }
            guard !reserved.contains(name) else {
                throw JobRejection("options: '\(name)' is set by the server (gpufit serve --device) or has no meaning in a job")
            }
            switch options[name]! {
            case .flag(true): return "--\(name)"
            case .flag(false): return nil
            case .integer(let i): return "--\(name)=\(i)"
            case .number(let d): return "--\(name)=\(d)"
            case .string(let s): return "--\(name)=\(s)"
            }
        }
    }

    /// The command a job's arguments make, parsed by the command itself; what it refuses is a `JobRejection`.
    static func parse<Command: ParsableCommand>(_ type: Command.Type, _ arguments: [String]) throws -> Command {
        do { return try Command.parse(arguments) } catch {
            throw JobRejection("options: \(Command.message(for: error))")
        }
    }

    func command(options: [String: OptionValue], data: String) throws -> FitCommand {
        try Self.parse(FitCommand.self, [data] + Self.arguments(options))
    }

    func check(_ request: JobRequest) throws {
        switch request.kind {
        case "fit":
            if request.config != nil { throw JobRejection("config: a fit job takes no config (ladder jobs do)") }
            _ = try command(options: request.options, data: "data.csv")
        case "ladder":
            _ = try LadderJob.command(options: request.options, data: request.data.map { _ in "data.csv" },
                                      config: request.config.map { _ in "config.json" })
        default: throw JobRejection("kind '\(request.kind)': this server runs kinds \"fit\" and \"ladder\"")
        }
    }

    func run(kind: String, options: [String: OptionValue], files: JobFiles) throws {
        if kind == "ladder" { return try LadderJob.run(options: options, files: files, device: device) }
        guard let data = files.data else { throw JobRejection("the job's data file is missing") }
        var command = try command(options: options, data: data.path)
        command.engineOptions.device = device
        command.engineOptions.quiet = true
        command.engineOptions.progress = false
        command.out = files.result.path
        try command.execute(merged: nil)
    }

    func devicesJSON() throws -> Data { Data(try encodeJSON(DevicesCommand.listing()).utf8) }
}
