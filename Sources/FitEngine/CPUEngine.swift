import Dispatch
import FitModels
import Foundation

/// The native engine: the LM iteration of `LevenbergMarquardt` in Swift, fits spread over all cores.
/// Used when no OpenCL device is usable, and as the reference the kernel is tested against.
public final class CPUEngine: FitEngine {
    public let threads: Int
    /// Whether models with `evaluate8` run eight fits side by side in vector lanes (the default); false runs
    /// every model one fit and one point at a time, in the kernel's order.
    public let vectorized: Bool
    public var label: String { "cpu (native Swift, \(threads) thread\(threads == 1 ? "" : "s"), fp64)" }
    public var precision: Precision { .fp64 }

    /// - Parameters:
    ///   - threads: worker threads (default: all active processors).
    ///   - vectorized: eight fits per vector where the model has `evaluate8` (default: yes, unless the
    ///     environment sets GPUFIT_SCALAR, which benchmarks use to measure the scalar loop beside it).
    public init(threads: Int? = nil, vectorized: Bool = ProcessInfo.processInfo.environment["GPUFIT_SCALAR"] == nil) {
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.vectorized = vectorized
        laneLogic = .vector
    }

    /// How the lanes run the LM iteration (tests compare the two).
    let laneLogic: LaneLogic

    init(threads: Int?, laneLogic: LaneLogic) {
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        vectorized = true
        self.laneLogic = laneLogic
    }

    public func solve(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?) throws -> FitResults {
        let fits = try checkShapes(problem, starts: starts, weightSets: weightSets)
        var results = FitResults(parameterCount: problem.parameterCount, count: fits)
        guard fits > 0 else { return results }
        // Each built-in model is named here with its concrete type so that the compiler specialises the
        // point loop for it (a call through `any FitModel` runs unspecialised generic code, 10-20x slower).
        // Expression models and any other FitModel take the generic path.
        let model = problem.model
        if vectorized {
            switch model {
            case let m as LossLawModel: solveVectorized(m, problem, starts, weightSets, &results); return results
            case let m as SigmoidModel: solveVectorized(m, problem, starts, weightSets, &results); return results
            case let m as ComputeLawModel: solveVectorized(m, problem, starts, weightSets, &results); return results
            case let m as SingleStepModel: solveVectorized(m, problem, starts, weightSets, &results); return results
            default: break
            }
        }
        switch model {
        case let m as LossLawModel: solveScalar(m, problem, starts, weightSets, &results)
        case let m as SigmoidModel: solveScalar(m, problem, starts, weightSets, &results)
        case let m as ComputeLawModel: solveScalar(m, problem, starts, weightSets, &results)
        case let m as SingleStepModel: solveScalar(m, problem, starts, weightSets, &results)
        case let m as LogSigmoidModel: solveScalar(m, problem, starts, weightSets, &results)
        case let m as Misra1aModel: solveScalar(m, problem, starts, weightSets, &results)
        case let m as ChwirutModel: solveScalar(m, problem, starts, weightSets, &results)
        default: solveScalar(model, problem, starts, weightSets, &results)
        }
        return results
    }

    // Generic over the concrete model so that `evaluate` is specialised and inlined into the point loop.
    private func solveScalar<M: FitModel>(_ model: M, _ problem: FitProblem, _ starts: [Double],
                                          _ weightSets: WeightSets?, _ results: inout FitResults) {
        problem.x.withUnsafeBufferPointer { xb in
            problem.y.withUnsafeBufferPointer { yb in
                let xs = SendablePointer(xb.baseAddress!), ys = SendablePointer(yb.baseAddress!)
                solveAll({ ScalarPass(model: model, problem: problem, x: xs.pointer, y: ys.pointer) }, problem, starts, weightSets, &results)
            }
        }
    }

    private func solveVectorized<M: VectorizedFitModel>(_ model: M, _ problem: FitProblem, _ starts: [Double],
                                                        _ weightSets: WeightSets?, _ results: inout FitResults) {
        let fits = starts.count / problem.parameterCount
        let workers = min(threads, (fits + 7) / 8)
        let out = UnsafeOutput(results: &results)
        defer { out.finish(into: &results) }
        starts.withUnsafeBufferPointer { sb in
            let ss = SendablePointer(sb.baseAddress!)
            let blockSize = max(1, min(64, fits / (workers * 4)))
            let nextBlock = AtomicCounter()
            let logic = laneLogic
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                var feed = FitFeed(nextBlock: nextBlock, blockSize: blockSize, fits: fits)
                switch logic {
                case .vector:
                    Self.runLaneVectors(model: model, problem: problem, starts: ss.pointer, weightSets: weightSets, feed: &feed, out: out)
                case .scalarPerLane:
                    Self.runLanes(model: model, problem: problem, starts: ss.pointer, weightSets: weightSets, feed: &feed, out: out)
                }
            }
        }
    }

    private func solveAll<P: PointPass>(_ makePass: @Sendable () -> P, _ problem: FitProblem, _ starts: [Double],
                                        _ weightSets: WeightSets?, _ results: inout FitResults) {
        let np = problem.parameterCount, n = problem.pointCount
        let fits = starts.count / np
        let workers = min(threads, fits)
        let out = UnsafeOutput(results: &results)
        defer { out.finish(into: &results) }
        starts.withUnsafeBufferPointer { sb in
            let ss = SendablePointer(sb.baseAddress!)
            // Fits vary a lot in cost (5 to 200+ iterations), so workers take small blocks from a shared
            // counter instead of fixed slices. Each fit is independent: the split changes no result.
            let blockSize = max(1, min(64, fits / (workers * 8)))
            let nextBlock = AtomicCounter()
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                var solver = LevenbergMarquardt(pass: makePass(), problem: problem)
                defer { solver.deallocate() }
                let w = UnsafeMutablePointer<Double>.allocate(capacity: solver.pass.weightCount)
                w.initialize(repeating: 0, count: solver.pass.weightCount)
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
