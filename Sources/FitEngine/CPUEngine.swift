import CPUFeatures
import Dispatch
import FitLanes
import FitLanesAVX2
import FitModels
import Foundation
import SolverCore

/// The native engine: the LM iteration of `LevenbergMarquardt` in Swift, fits spread over all cores.
/// Used when no OpenCL device is usable, and as the reference the kernel is tested against.
public final class CPUEngine: FitEngine {
    public let threads: Int
    /// Whether models with `evaluateLanes` run sixteen fits side by side in vector lanes (the default); false runs
    /// every model one fit and one point at a time, in the kernel's order.
    public let vectorized: Bool
    public var label: String {
        let lanes = vectorized ? ", \(laneInstructionSet == .avx2 ? "AVX2" : "portable") lanes" : ", scalar"
        return "cpu (native Swift, \(threads) thread\(threads == 1 ? "" : "s"), fp64\(lanes))"
    }
    public var precision: Precision { .fp64 }

    /// - Parameters:
    ///   - threads: worker threads (default: all active processors).
    ///   - vectorized: sixteen fits per vector where the model has `evaluateLanes` (default: yes, unless the
    ///     environment sets GPUFIT_SCALAR, which benchmarks use to measure the scalar loop beside it).
    public init(threads: Int? = nil, vectorized: Bool = ProcessInfo.processInfo.environment["GPUFIT_SCALAR"] == nil) {
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.vectorized = vectorized
        laneLogic = .vector
        laneInstructionSet = LaneInstructionSet.default
    }

    /// How the lanes run the LM iteration (tests compare the two).
    let laneLogic: LaneLogic
    /// Which build of the lane engine runs (see `LaneInstructionSet`).
    public let laneInstructionSet: LaneInstructionSet

    init(threads: Int?, laneLogic: LaneLogic = .vector, instructionSet: LaneInstructionSet = .default) {
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        vectorized = true
        self.laneLogic = laneLogic
        laneInstructionSet = instructionSet
    }

    public func solve(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?, progress: FitProgress?) throws -> FitResults {
        let fits = try checkShapes(problem, starts: starts, weightSets: weightSets)
        var results = FitResults(parameterCount: problem.parameterCount, count: fits)
        guard fits > 0 else { return results }
        // Each built-in model is named with its concrete type (here for the scalar loop, in
        // LaneEngine.runWorker for the lanes) so that the compiler specialises the point loop for it (a call
        // through `any FitModel` runs unspecialised generic code, 10-20x slower). Expression models and any
        // other FitModel take the generic scalar path.
        let model = problem.model
        if vectorized, let m = model as? any VectorizedFitModel, FitLanes.LaneEngine.supports(m) {
            solveVectorized(m, problem, starts, weightSets, progress, &results)
            return results
        }
        if let solve = Self.specialisedScalarLoop(for: model) {
            solve(self, problem, starts, weightSets, progress, &results)
        } else {
            solveScalar(model, problem, starts, weightSets, progress, &results)
        }
        return results
    }

    typealias ScalarLoop = (CPUEngine, FitProblem, [Double], WeightSets?, FitProgress?, inout FitResults) -> Void

    /// The one-fit loop specialised for the model's concrete type, or nil for a model this list does not
    /// name (it then runs the generic loop). The one list of built-in types for the scalar loop:
    /// ModelInventoryTests checks that every built-in model is in it.
    static func specialisedScalarLoop(for model: any FitModel) -> ScalarLoop? {
        switch model {
        case let m as LossLawModel: return { $0.solveScalar(m, $1, $2, $3, $4, &$5) }
        case let m as SigmoidModel: return { $0.solveScalar(m, $1, $2, $3, $4, &$5) }
        case let m as ComputeLawModel: return { $0.solveScalar(m, $1, $2, $3, $4, &$5) }
        case let m as SingleStepModel: return { $0.solveScalar(m, $1, $2, $3, $4, &$5) }
        case let m as LogSigmoidModel: return { $0.solveScalar(m, $1, $2, $3, $4, &$5) }
        case let m as Misra1aModel: return { $0.solveScalar(m, $1, $2, $3, $4, &$5) }
        case let m as ChwirutModel: return { $0.solveScalar(m, $1, $2, $3, $4, &$5) }
        default: return nil
        }
    }

    /// Whether the one-fit loop has a specialisation for this model (ModelInventoryTests).
    public static func hasSpecialisedScalarLoop(_ model: any FitModel) -> Bool { specialisedScalarLoop(for: model) != nil }

    // Generic over the concrete model so that `evaluate` is specialised and inlined into the point loop.
    private func solveScalar<M: FitModel>(_ model: M, _ problem: FitProblem, _ starts: [Double],
                                          _ weightSets: WeightSets?, _ progress: FitProgress?, _ results: inout FitResults) {
        problem.x.withUnsafeBufferPointer { xb in
            problem.y.withUnsafeBufferPointer { yb in
                let xs = SendablePointer(xb.baseAddress!), ys = SendablePointer(yb.baseAddress!)
                solveAll({ ScalarPass(model: model, problem: problem, x: xs.pointer, y: ys.pointer) }, problem, starts, weightSets, progress, &results)
            }
        }
    }

    private func solveVectorized<M: VectorizedFitModel>(_ model: M, _ problem: FitProblem, _ starts: [Double],
                                                        _ weightSets: WeightSets?, _ progress: FitProgress?, _ results: inout FitResults) {
        let np = problem.parameterCount
        let fits = starts.count / np
        // No more workers than there are whole vectors of fits to keep busy.
        let workers = min(threads, (fits + Lanes.scalarCount - 1) / Lanes.scalarCount)
        let out = UnsafeOutput(results: &results)
        defer { out.finish(into: &results) }
        let rawStates = UnsafeMutablePointer<Int32>.allocate(capacity: fits)
        defer { rawStates.deallocate() }
        withLaneJob(problem, starts, weightSets, out, rawStates) { job in
            let blockSize = max(1, min(64, fits / (workers * 4)))
            let nextBlock = AtomicCounter(progress: progress, blockSize: blockSize, total: fits)
            let logic = laneLogic, instructionSet = laneInstructionSet
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                var feed = FitFeed(blockSize: blockSize, fits: fits, claimBlock: nextBlock.next)
                switch (logic, instructionSet) {
                case (.vector, .avx2): _ = FitLanesAVX2.LaneEngine.runWorker(model: model, job: job, feed: &feed)
                case (.vector, .portable): _ = FitLanes.LaneEngine.runWorker(model: model, job: job, feed: &feed)
                case (.scalarPerLane, _): Self.runLanes(model: model, problem: problem, job: job, feed: &feed)
                }
            }
        }
        // The lane engines report the internal objective and raw states; convert as the scalar loop does.
        for fit in 0..<fits {
            (out.states[fit], out.objective[fit]) = FitResults.outcome(rawState: rawStates[fit], internalObjective: out.objective[fit], problem: problem)
        }
    }

    /// Runs `body` with a `LaneJob` that points into the problem's arrays and `out`.
    private func withLaneJob(_ problem: FitProblem, _ starts: [Double], _ weightSets: WeightSets?, _ out: UnsafeOutput,
                             _ rawStates: UnsafeMutablePointer<Int32>, _ body: (LaneJob) -> Void) {
        problem.x.withUnsafeBufferPointer { x in
        problem.y.withUnsafeBufferPointer { y in
        problem.weights.withUnsafeBufferPointer { w in
        problem.groups.withUnsafeBufferPointer { groups in
        problem.lower.withUnsafeBufferPointer { lower in
        problem.upper.withUnsafeBufferPointer { upper in
        starts.withUnsafeBufferPointer { st in
        (weightSets?.multiplicity ?? []).withUnsafeBufferPointer { mult in
        (weightSets?.setOfFit ?? []).withUnsafeBufferPointer { sets in
            let huberDelta = problem.loss.huberDelta
            let o = problem.options
            body(LaneJob(
                parameterCount: problem.parameterCount, variableCount: problem.variableCount, pointCount: problem.pointCount,
                x: x.baseAddress!, y: y.baseAddress!, weights: w.baseAddress!, groups: groups.baseAddress!,
                groupCount: problem.groupCount,
                multiplicity: weightSets == nil ? nil : mult.baseAddress, setOfFit: weightSets == nil ? nil : sets.baseAddress,
                logResiduals: problem.residualSpace == .log, huberDelta: huberDelta,
                lower: lower.baseAddress!, upper: upper.baseAddress!,
                ftol: o.ftol, xtol: o.xtol, gtol: o.gtol, maxIterations: o.maxIterations, initialDamping: o.initialDamping,
                starts: st.baseAddress!, fits: st.count / problem.parameterCount,
                parameters: out.parameters, objective: out.objective, iterations: out.iterations, states: rawStates))
        }}}}}}}}}
    }

    private func solveAll<P: PointPass>(_ makePass: @Sendable () -> P, _ problem: FitProblem, _ starts: [Double],
                                        _ weightSets: WeightSets?, _ progress: FitProgress?, _ results: inout FitResults) {
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
            let nextBlock = AtomicCounter(progress: progress, blockSize: blockSize, total: fits)
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
                        (out.states[fit], out.objective[fit]) = FitResults.outcome(rawState: r.state.rawValue, internalObjective: r.objective, problem: problem)
                        out.iterations[fit] = r.iterations
                    }
                }
            }
        }
    }
}

/// The two builds of the lane engine: FitLanes for any x86-64 (or the host's baseline elsewhere), and
/// FitLanesAVX2, the same source compiled for processors with AVX2 and FMA (Intel Haswell, AMD Zen and
/// later), where each vector operation does twice the work. Both give the same fits to rounding.
public enum LaneInstructionSet: String, Sendable {
    case portable, avx2

    /// AVX2 where the processor and the build have it, else portable. GPUFIT_LANES=portable (or avx2, where
    /// supported) overrides, for benchmarks that measure both.
    public static let `default`: LaneInstructionSet = {
        let supported = gpufit_cpu_supports_x86_64_v3() != 0 && FitLanesAVX2.LaneEngine.isAVX2Build
        switch ProcessInfo.processInfo.environment["GPUFIT_LANES"] {
        case "portable": return .portable
        default: return supported ? .avx2 : .portable
        }
    }()

    /// Whether this processor can run the AVX2 build.
    public static var avx2Available: Bool { gpufit_cpu_supports_x86_64_v3() != 0 && FitLanesAVX2.LaneEngine.isAVX2Build }
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

/// A shared counter for dynamic work distribution; each claimed block counts as progress (fits started).
final class AtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    private let progress: FitProgress?
    private let blockSize: Int, total: Int

    init(progress: FitProgress? = nil, blockSize: Int = 1, total: Int = 0) {
        self.progress = progress
        self.blockSize = blockSize
        self.total = total
    }

    func next() -> Int {
        lock.lock()
        value += 1
        let block = value - 1
        lock.unlock()
        if let progress { progress.add(max(0, min(blockSize, total - block * blockSize))) }
        return block
    }
}
