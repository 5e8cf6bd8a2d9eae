import Dispatch
import FitModels
import Foundation

/// The native engine: the LM iteration of `LevenbergMarquardt` in Swift, fits spread over all cores.
/// Used when no OpenCL device is usable, and as the reference the kernel is tested against.
public final class CPUEngine: FitEngine {
    public let threads: Int
    public var label: String { "cpu (native Swift, \(threads) thread\(threads == 1 ? "" : "s"), fp64)" }
    public var precision: Precision { .fp64 }

    /// - Parameter threads: worker threads (default: all active processors).
    public init(threads: Int? = nil) {
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    public func solve(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?) throws -> FitResults {
        let fits = try checkShapes(problem, starts: starts, weightSets: weightSets)
        var results = FitResults(parameterCount: problem.parameterCount, count: fits)
        guard fits > 0 else { return results }
        solveAll(problem.model, problem, starts, weightSets, &results)
        return results
    }

    /// Generic over the concrete model so that `evaluate` is specialised and inlined into the point loop.
    private func solveAll<M: FitModel>(_ model: M, _ problem: FitProblem, _ starts: [Double],
                                       _ weightSets: WeightSets?, _ results: inout FitResults) {
        let np = problem.parameterCount, n = problem.pointCount
        let fits = starts.count / np
        let workers = min(threads, fits)
        let out = UnsafeOutput(results: &results)
        defer { out.finish(into: &results) }
        problem.x.withUnsafeBufferPointer { xb in
            problem.y.withUnsafeBufferPointer { yb in
                starts.withUnsafeBufferPointer { sb in
                    let xs = SendablePointer(xb.baseAddress!), ys = SendablePointer(yb.baseAddress!)
                    let ss = SendablePointer(sb.baseAddress!)
                    // Fits vary a lot in cost (5 to 200+ iterations), so workers take small blocks from a shared
                    // counter instead of fixed slices. Each fit is independent: the split changes no result.
                    let blockSize = max(1, min(64, fits / (workers * 8)))
                    let nextBlock = AtomicCounter()
                    DispatchQueue.concurrentPerform(iterations: workers) { _ in
                        let solver = LevenbergMarquardt(model: model, problem: problem, x: xs.pointer, y: ys.pointer)
                        defer { solver.deallocate() }
                        let w = UnsafeMutablePointer<Double>.allocate(capacity: n)
                        defer { w.deallocate() }
                        var currentSet: Int32 = -2
                        while true {
                            let begin = nextBlock.next() * blockSize
                            if begin >= fits { break }
                            for fit in begin..<min(begin + blockSize, fits) {
                                let set = weightSets?.setOfFit[fit] ?? -1
                                if set != currentSet {
                                    currentSet = set
                                    for i in 0..<n {
                                        let group = Int(problem.groups[i])
                                        let m = set < 0 || group < 0 ? 1.0 : weightSets!.multiplicity[Int(set) * problem.groupCount + group]
                                        w[i] = problem.weights[i] * m
                                    }
                                }
                                let r = solver.fit(start: ss.pointer + fit * np, weights: w, out: out.parameters + fit * np)
                                out.objective[fit] = r.state.isUsable ? problem.reportedObjective(internal: r.objective) : .nan
                                out.iterations[fit] = r.iterations
                                out.states[fit] = r.state
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Raw pointers handed to worker threads that write disjoint ranges.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafePointer<T>
    init(_ p: UnsafePointer<T>) { pointer = p }
}

/// Output arrays as raw buffers so that workers can fill disjoint slices concurrently.
final class UnsafeOutput: @unchecked Sendable {
    let parameters: UnsafeMutablePointer<Double>
    let objective: UnsafeMutablePointer<Double>
    let iterations: UnsafeMutablePointer<Int32>
    let states: UnsafeMutablePointer<FitState>
    let count: Int, np: Int

    init(results: inout FitResults) {
        count = results.count
        np = results.parameterCount
        parameters = .allocate(capacity: count * np)
        objective = .allocate(capacity: count)
        iterations = .allocate(capacity: count)
        states = .allocate(capacity: count)
    }

    func finish(into results: inout FitResults) {
        results.parameters = Array(UnsafeBufferPointer(start: parameters, count: count * np))
        results.objective = Array(UnsafeBufferPointer(start: objective, count: count))
        results.iterations = Array(UnsafeBufferPointer(start: iterations, count: count))
        results.states = Array(UnsafeBufferPointer(start: states, count: count))
        parameters.deallocate(); objective.deallocate(); iterations.deallocate(); states.deallocate()
    }
}

/// A shared counter for dynamic work distribution.
final class AtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value - 1
    }
}
