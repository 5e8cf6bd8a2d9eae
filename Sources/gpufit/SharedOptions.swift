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

    @Flag(name: .long, help: "Fail (exit 69) instead of falling back to the CPU engine when the OpenCL device cannot be used.")
    var noFallback = false

    @Flag(name: .shortAndLong, help: "No progress or warnings on stderr.")
    var quiet = false

    @Flag(name: .long, help: "Progress on stderr even when it is not a terminal (for logs): one line every few seconds.")
    var progress = false

    func validate() throws {
        guard DeviceChoice(parsing: device) != nil else {
            throw ValidationError("--device '\(device)': use auto, cpu, or a device index from `gpufit devices`")
        }
        if quiet && progress { throw ValidationError("--quiet and --progress: give one or the other") }
    }

    /// Opens the engine, printing the fallback warning once on stderr.
    func select(_ console: Console) throws -> EngineSelection {
        let selection = try EngineSelector.select(DeviceChoice(parsing: device)!, precision: precision, fallback: !noFallback)
        if let warning = selection.warning { console.warn(warning) }
        if let fallback = selection.engine as? FallbackEngine {
            fallback.onFallback = { message in console.warn(message) }
        }
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
    var chunkSize: Int = 1 << 18

    func validate() throws {
        if let s = starts, !(1...100_000_000).contains(s) { throw ValidationError("--starts \(s): must be >= 1 and <= 100000000") }
        if let b = bootstrap, !(0...10_000_000).contains(b) { throw ValidationError("--bootstrap \(b): must be >= 0 and <= 10000000") }
        if chunkSize < 1 { throw ValidationError("--chunk-size \(chunkSize): must be >= 1") }
    }
}

/// Where a command's words go: the human summary on stdout (on stderr when data goes to stdout, so
/// `--out - | jq` gets data alone), warnings and notes on stderr unless --quiet, and progress on stderr
/// when it is a terminal (or with --progress).
struct Console: Sendable {
    static let stderrIsTerminal = isatty(STDERR_FILENO) != 0

    let quiet: Bool
    let forceProgress: Bool
    let dataOnStdout: Bool

    init(quiet: Bool, progress: Bool, dataOnStdout: Bool) {
        self.quiet = quiet
        forceProgress = progress
        self.dataOnStdout = dataOnStdout
    }

    var showsProgress: Bool { !quiet && (Self.stderrIsTerminal || forceProgress) }

    func summary(_ text: String) {
        if dataOnStdout { Self.stderr(text + "\n") } else { print(text) }
    }

    func warn(_ message: String) { if !quiet { Self.stderr("warning: \(message)\n") } }
    func note(_ message: String) { if !quiet { Self.stderr("note: \(message)\n") } }

    static func stderr(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    /// Runs `body` (which fits) with a progress counter shown once a second while it runs, or nil.
    func fitting<T>(label: String, total: Int, _ body: (FitProgress?) throws -> T) rethrows -> T {
        guard showsProgress, total > 0 else { return try body(nil) }
        let counter = FitProgress()
        let display = ProgressDisplay(label: label, unit: .fits, total: total, read: { counter.fitsDone }, terminal: Self.stderrIsTerminal)
        defer { display.stop() }
        return try body(counter)
    }

    /// Runs `body` (which reads `file`) with a byte-progress callback shown while it runs, or nil.
    func reading<T>(_ file: String, _ body: (((Int, Int) -> Void)?) throws -> T) rethrows -> T {
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        guard showsProgress, size > 0 else { return try body(nil) }
        let bytes = ByteCounter()
        let display = ProgressDisplay(label: "reading \((file as NSString).lastPathComponent)", unit: .megabytes, total: size,
                                      read: { bytes.value }, terminal: Self.stderrIsTerminal)
        defer { display.stop() }
        let value = try body { done, _ in bytes.value = done }
        bytes.value = size
        return value
    }
}

/// The bytes read so far, written by the reader and read by the display thread.
final class ByteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = 0
    var value: Int {
        get { lock.lock(); defer { lock.unlock() }; return bytes }
        set { lock.lock(); bytes = newValue; lock.unlock() }
    }
}

/// One progress line on stderr, drawn from its own thread: on a terminal redrawn in place twice a second
/// (done/total, rate, time left), off a terminal (--progress) one line every two seconds and a last one.
final class ProgressDisplay: @unchecked Sendable {
    enum Unit { case fits, megabytes }

    private let label: String
    private let unit: Unit
    private let total: Int
    private let read: @Sendable () -> Int
    private let terminal: Bool
    private let start = ContinuousClock.now
    private let lock = NSLock()
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    init(label: String, unit: Unit, total: Int, read: @escaping @Sendable () -> Int, terminal: Bool) {
        self.label = label
        self.unit = unit
        self.total = total
        self.read = read
        self.terminal = terminal
        let thread = Thread { [self] in self.loop() }
        thread.stackSize = 1 << 18
        thread.start()
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func loop() {
        let interval: Duration = terminal ? .milliseconds(500) : .seconds(2)
        var lastDrawn = ContinuousClock.now
        while !isStopped {
            Thread.sleep(forTimeInterval: 0.1)
            let now = ContinuousClock.now
            if now - lastDrawn >= interval {
                lastDrawn = now
                draw(final: false)
            }
        }
        if terminal { Console.stderr("\r\u{1B}[K") } else { draw(final: true) }
        finished.signal()
    }

    private func draw(final: Bool) {
        let done = min(read(), total)
        let elapsed = ContinuousClock.now - start
        let seconds = max(1e-9, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        let rate = Double(done) / seconds
        let left = rate > 0 ? Double(total - done) / rate : .infinity
        let percent = total > 0 ? 100 * Double(done) / Double(total) : 100
        let amount: String
        switch unit {
        case .fits: amount = String(format: "%d/%d fits (%.0f%%), %.0f fits/s", done, total, percent, rate)
        case .megabytes: amount = String(format: "%.0f/%.0f MB (%.0f%%), %.0f MB/s", Double(done) / 1e6, Double(total) / 1e6, percent, rate / 1e6)
        }
        let remaining = final ? (done == total ? "done" : "stopped") + String(format: " in %.1f s", seconds) : left.isFinite ? String(format: "%.0f s left", left) : "time left unknown"
        let line = "\(label): \(amount), \(remaining)"
        Console.stderr(terminal ? "\r\(line)\u{1B}[K" : line + "\n")
    }

    /// Stops the display and waits until its line is cleared (terminal) or finished (log).
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        finished.wait()
    }
}

/// JSON encoding used by every `--json`/`--out` file: sorted keys, non-finite numbers as null-like strings.
func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
