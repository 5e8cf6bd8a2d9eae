import Foundation

/// Fits taken up so far, across engine calls and threads: engines add as they go (the CPU engine per block
/// of fits a worker claims, an OpenCL launch when it completes); a progress display reads it from its own
/// thread. It never changes a result.
public final class FitProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    public init() {}

    public func add(_ fits: Int) {
        lock.lock()
        count += fits
        lock.unlock()
    }

    public var fitsDone: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
