import ArgumentParser
import CSVReading
import FitEngine
import FitSweep
import Foundation
import LadderFit

extension Precision: ExpressibleByArgument {}

/// Where fits run: shared by every command that fits.
struct EngineOptions: ParsableArguments {
    @Option(name: .long, help: "auto (a GPU if any, else the CPU engine), an OpenCL device index from `gpufit devices`, or cpu.")
    var device: String = "auto"

    @Option(name: .long, help: "fp64 or fp32 (fp32 is used, with a warning, on devices without fp64).")
    var precision: Precision = .fp64

    @Flag(name: .long, help: "Fail instead of falling back to the CPU engine when the OpenCL device cannot be used.")
    var noFallback = false

    @Flag(name: .shortAndLong, help: "No progress or warnings on stderr.")
    var quiet = false

    func validate() throws {
        guard DeviceChoice(parsing: device) != nil else {
            throw ValidationError("--device '\(device)': use auto, cpu, or a device index from `gpufit devices`")
        }
    }

    /// Opens the engine, printing the fallback warning once on stderr.
    func select() throws -> EngineSelection {
        let selection = try EngineSelector.select(DeviceChoice(parsing: device)!, precision: precision, fallback: !noFallback)
        if let warning = selection.warning, !quiet { Console.warn(warning) }
        if let fallback = selection.engine as? FallbackEngine {
            let quiet = self.quiet
            fallback.onFallback = { message in if !quiet { Console.warn(message) } }
        }
        return selection
    }
}

/// Multi-start and bootstrap sizes.
struct SweepOptions: ParsableArguments {
    @Option(name: .long, help: "Start points per fit (random, from the start ranges; a given start is start 0).")
    var starts: Int?

    @Option(name: .long, help: "Bootstrap replicates (0: none).")
    var bootstrap: Int?

    @Option(name: .long, help: "Seed of the counter-based generator: same seed, same answer on every device.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Fits per engine call (bounds memory; does not change results).")
    var chunkSize: Int = 1 << 18

    func validate() throws {
        if let s = starts, s < 1 { throw ValidationError("--starts \(s): must be at least 1") }
        if let b = bootstrap, b < 0 { throw ValidationError("--bootstrap \(b): must be 0 or more") }
        if chunkSize < 1 { throw ValidationError("--chunk-size \(chunkSize): must be at least 1") }
    }
}

enum Console {
    static let stderrIsTerminal = isatty(STDERR_FILENO) != 0

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// A progress callback that redraws one stderr line, only when stderr is a terminal and not quiet.
    static func progress(label: String, quiet: Bool) -> ((Int, Int) -> Void)? {
        guard stderrIsTerminal, !quiet else { return nil }
        let start = ContinuousClock.now
        var last = ContinuousClock.now
        return { done, total in
            let now = ContinuousClock.now
            guard done == total || now - last > .milliseconds(200) else { return }
            last = now
            let seconds = max(1e-9, Double((now - start).components.attoseconds) * 1e-18 + Double((now - start).components.seconds))
            let rate = Double(done) / seconds
            let left = rate > 0 ? Double(total - done) / rate : 0
            let line = String(format: "\r%@: %d/%d fits, %.0f fits/s, %.0f s left   ", label, done, total, rate, left)
            FileHandle.standardError.write(Data(line.utf8))
            if done == total { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
}

/// Writes a file atomically: a temporary file beside it, then a rename, so no reader sees half a file.
func writeAtomically(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent()
    guard FileManager.default.fileExists(atPath: dir.path) else {
        throw InputError("\(path): folder \(dir.path) does not exist; create it first")
    }
    do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
        throw InputError("\(path): cannot write (\(error.localizedDescription))")
    }
}

/// JSON encoding used by every `--json`/`--out` file: sorted keys, non-finite numbers as null-like strings.
func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
