import FitEngine
import Foundation

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
        let display = ProgressDisplay(label: label, total: total, read: { counter.fitsDone }, terminal: Self.stderrIsTerminal)
        defer { display.stop() }
        return try body(counter)
    }
}
