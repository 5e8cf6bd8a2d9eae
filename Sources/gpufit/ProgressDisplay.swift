import Foundation

/// One progress line on stderr, drawn from its own thread: on a terminal redrawn in place twice a second
/// (done/total, rate, time left), off a terminal (--progress) one line every two seconds and a last one.
final class ProgressDisplay: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let read: @Sendable () -> Int
    private let terminal: Bool
    private let start = ContinuousClock.now
    private let lock = NSLock()
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    init(label: String, total: Int, read: @escaping @Sendable () -> Int, terminal: Bool) {
        self.label = label
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
        let amount = String(format: "%d/%d fits (%.0f%%), %.0f fits/s", done, total, percent, rate)
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
