import ArgumentParser
import CSVReading
import FitEngine
import FitSweep
import Foundation
import LadderFit

extension Precision: ExpressibleByArgument {}

/// Typed option values: argument-parser reports a bad one as "The value 'X' is invalid for '--device
/// <device>': " followed by these messages, with exit status 64.
extension DeviceChoice {
    static func argument(_ text: String) throws -> DeviceChoice {
        guard let choice = DeviceChoice(parsing: text) else { throw ValidationError("use auto, cpu, or a device index from `gpufit devices`") }
        return choice
    }
}

extension Loss {
    static func argument(_ text: String) throws -> Loss {
        guard let loss = Loss(parsing: text) else { throw ValidationError("use lsq, or huber:DELTA with DELTA > 0") }
        return loss
    }
}

extension Shard {
    static func argument(_ text: String) throws -> Shard {
        guard let shard = Shard(parsing: text) else { throw ValidationError("use i/n with n >= 1 and 0 <= i < n, e.g. 0/8") }
        return shard
    }
}

/// Where fits run: shared by every command that fits.
struct EngineOptions: ParsableArguments {
    @Option(name: .long, help: "auto (a GPU if any, else the CPU engine), an OpenCL device index from `gpufit devices`, or cpu. (default: auto)",
            transform: DeviceChoice.argument)
    var device: DeviceChoice = .auto

    @Option(name: .long, help: "fp64 or fp32 (fp32 is used, with a warning, on devices without fp64).")
    var precision: Precision = .fp64

    @Flag(name: .long, help: "Fail (exit 69) instead of falling back to the CPU engine when the OpenCL device cannot be used.")
    var noFallback = false

    @Flag(name: .shortAndLong, help: "No progress or warnings on stderr.")
    var quiet = false

    @Flag(name: .long, help: "Progress on stderr even when it is not a terminal (for logs): one line every few seconds.")
    var progress = false

    func validate() throws {
        if quiet && progress { throw ValidationError("--quiet and --progress: give one or the other") }
    }

    /// Opens the engine, printing the fallback warning once on stderr.
    func select(_ console: Console) throws -> EngineSelection {
        let selection = try EngineSelector.select(device, precision: precision, fallback: !noFallback,
                                                  onFallback: { message in console.warn(message) })
        if let warning = selection.warning { console.warn(warning) }
        return selection
    }
}

/// Multi-start and bootstrap sizes.
struct SweepOptions: ParsableArguments {
    @Option(name: .long, help: "Start points per fit, 1...100000000 (random, from the start ranges; a given start is start 0). (default: 100, or 1 with --start)")
    var starts: Int?

    @Option(name: .long, help: "Bootstrap replicates, 0...10000000 (0: none). (default: 0)")
    var bootstrap: Int?

    @Option(name: .long, help: "Seed of the counter-based generator: same seed, same answer on every device.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Fits per engine call (bounds memory; does not change results).")
    var chunkSize: Int = SweepPlan.defaultChunkSize

    func validate() throws {
        if let message = SweepPlan.check(starts: starts ?? 1, bootstrap: bootstrap ?? 0, chunkSize: chunkSize) { throw ValidationError(message) }
    }
}

/// JSON encoding used by every `--json`/`--out` file: sorted keys, non-finite numbers as null-like strings.
func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
