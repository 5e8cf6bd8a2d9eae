import Foundation

/// Runs queued jobs one at a time, oldest first, on a thread of its own (a fit blocks for as long as it runs,
/// so it stays off the server's event loops and Swift's cooperative threads).
public final class JobWorker: @unchecked Sendable {
    private let store: JobStore
    private let runner: any JobRunner
    private let wake = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var started = false

    public init(store: JobStore, runner: any JobRunner) {
        self.store = store
        self.runner = runner
    }

    public var isRunning: Bool { lock.withLock { started } }

    /// Starts the thread.
    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "gpufit-worker"
        thread.start()
        lock.withLock { started = true }
    }

    /// A job was queued: look now rather than at the next poll.
    public func notify() { wake.signal() }

    private func loop() {
        while true {
            do {
                while let job = try store.claimNext() { run(job) }
            } catch {
                FileHandle.standardError.write(Data("error: job store: \(error)\n".utf8))
            }
            _ = wake.wait(timeout: .now() + 1)
        }
    }

    private func run(_ job: JobStore.Job) {
        var message: String?
        do {
            try runner.run(kind: job.kind, options: job.request.options, files: store.files(job.id))
        } catch {
            message = String(describing: error)
        }
        do { try store.finish(job.id, error: message) } catch {
            FileHandle.standardError.write(Data("error: job \(job.id): could not record its end: \(error)\n".utf8))
        }
    }
}
