import ArgumentParser
import FitEngine
import FitService
import Foundation

/// A `gpufit serve` job of kind `fit` is `gpufit fit DATA OPTIONS --out RESULT` on the server's device: its
/// options become that argument list and are parsed by `FitCommand` itself, so names, defaults, validation
/// and the result JSON are the command line's.
struct FitJobRunner: JobRunner {
    /// The server's `--device` (a job cannot choose one).
    let device: DeviceChoice

    /// Options that belong to the server or to a terminal, not to a job.
    static let serverOptions: Set<String> = ["device", "out", "shard", "quiet", "progress", "help", "version"]

    /// The option list as command-line arguments: `--name=value`, a flag `--name` when true.
    static func arguments(_ options: [String: OptionValue]) throws -> [String] {
        try options.keys.sorted().compactMap { name in
            guard let first = name.unicodeScalars.first, ("a"..."z").contains(first),
                  name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
                throw JobRejection("options: '\(name)' is not an option name (write them as on the command line without the dashes, e.g. \"max-iterations\")")
            }
            guard !serverOptions.contains(name) else {
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

    func command(options: [String: OptionValue], data: String) throws -> FitCommand {
        do { return try FitCommand.parse([data] + Self.arguments(options)) } catch let e as JobRejection { throw e } catch {
            throw JobRejection("options: \(FitCommand.message(for: error))")
        }
    }

    func check(kind: String, options: [String: OptionValue]) throws {
        guard kind == "fit" else { throw JobRejection("kind '\(kind)': this server runs kind \"fit\" (ladder jobs are not there yet)") }
        _ = try command(options: options, data: "data.csv")
    }

    func run(kind: String, options: [String: OptionValue], data: URL, result: URL) throws {
        var command = try command(options: options, data: data.path)
        command.engineOptions.device = device
        command.engineOptions.quiet = true
        command.engineOptions.progress = false
        command.out = result.path
        try command.execute(merged: nil)
    }

    func devicesJSON() throws -> Data { Data(try encodeJSON(DevicesCommand.listing()).utf8) }
}
