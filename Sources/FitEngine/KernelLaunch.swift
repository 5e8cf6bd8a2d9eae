import CLLoader
import FitModels
import Foundation

/// One launch of `lm_fit` (kernels/lm.cl): its arguments bound in the kernel's order, group by group as the
/// kernel declares them, the device buffers they need (released with the launch), and the results read back.
final class KernelLaunch {
    private let context: cl_context
    private let queue: cl_command_queue
    private let kernel: cl_kernel
    private let device: OpenCLDevice
    private let precision: Precision
    private var buffers = [cl_mem]()
    private var argument: cl_uint = 0

    init(kernel: cl_kernel, context: cl_context, queue: cl_command_queue, device: OpenCLDevice, precision: Precision) {
        self.kernel = kernel
        self.context = context
        self.queue = queue
        self.device = device
        self.precision = precision
    }

    deinit { for b in buffers { cll_ReleaseMemObject(b) } }

    /// Binds every argument of `lm_fit`, launches one work-item per fit and reads the results.
    func run(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?, fits: Int) throws -> FitResults {
        try bindData(problem)
        try bindResampling(problem, weightSets: weightSets, fits: fits)
        try bindStartsAndBounds(problem, starts: starts)
        try bindSizesAndOptions(problem, fits: fits)
        let outputs = try bindOutputs(fits: fits, parameterCount: problem.parameterCount)
        var status = cll_EnqueueNDRangeKernel1D(queue, kernel, fits, 0)
        guard status == CL_SUCCESS else { throw FitError.launchFailed("clEnqueueNDRangeKernel failed (\(status)) on \(device.name)") }
        status = cll_Finish(queue)
        guard status == CL_SUCCESS else { throw FitError.launchFailed("clFinish failed (\(status)) on \(device.name)") }
        return try read(outputs, problem, fits: fits)
    }

    // MARK: the kernel's argument groups, in its order

    /// x (transformed points, point-major), y (ln y for log residuals), base weights.
    private func bindData(_ problem: FitProblem) throws {
        try bindReals(problem.x)
        try bindReals(problem.y)
        try bindReals(problem.weights)
    }

    /// Bootstrap: each point's group, multiplicities (set-major), each fit's weight set (-1: base weights),
    /// the number of groups.
    private func bindResampling(_ problem: FitProblem, weightSets: WeightSets?, fits: Int) throws {
        try bind(try buffer(problem.groups))
        try bindReals(weightSets?.multiplicity ?? [0])
        try bind(try buffer(weightSets?.setOfFit ?? [Int32](repeating: -1, count: fits)))
        try bind(Int32(problem.groupCount))
    }

    /// Start points (fit-major) and the box. Infinite bounds become the largest finite REAL, which
    /// fmin/fmax treat the same way.
    private func bindStartsAndBounds(_ problem: FitProblem, starts: [Double]) throws {
        let big = precision == .fp64 ? Double.greatestFiniteMagnitude : Double(Float.greatestFiniteMagnitude)
        try bindReals(starts)
        try bindReals(problem.lower.map { max($0, -big) })
        try bindReals(problem.upper.map { min($0, big) })
    }

    /// Point and fit counts, then the solver options and the Huber delta (0 for least squares).
    private func bindSizesAndOptions(_ problem: FitProblem, fits: Int) throws {
        let o = problem.options
        let delta = problem.loss.huberDelta ?? 0
        try bind(Int32(problem.pointCount))
        try bind(Int32(fits))
        try bind(Int32(o.maxIterations))
        for value in [o.ftol, o.xtol, o.gtol, delta, o.initialDamping] { try bindReal(value) }
    }

    private struct Outputs { let parameters, objective, iterations, states: cl_mem }

    /// Per fit: parameters, internal objective, iterations, end state.
    private func bindOutputs(fits: Int, parameterCount: Int) throws -> Outputs {
        let realSize = precision == .fp64 ? 8 : 4
        let outputs = Outputs(parameters: try output(fits * parameterCount * realSize), objective: try output(fits * realSize),
                              iterations: try output(fits * 4), states: try output(fits * 4))
        for mem in [outputs.parameters, outputs.objective, outputs.iterations, outputs.states] { try bind(mem) }
        return outputs
    }

    private func read(_ outputs: Outputs, _ problem: FitProblem, fits: Int) throws -> FitResults {
        var results = FitResults(parameterCount: problem.parameterCount, count: fits)
        let np = problem.parameterCount
        if precision == .fp64 {
            results.parameters = try read(outputs.parameters, fits * np, Double.self)
            results.objective = try read(outputs.objective, fits, Double.self)
        } else {
            results.parameters = try read(outputs.parameters, fits * np, Float.self).map(Double.init)
            results.objective = try read(outputs.objective, fits, Float.self).map(Double.init)
        }
        results.iterations = try read(outputs.iterations, fits, Int32.self)
        let states = try read(outputs.states, fits, Int32.self)
        for i in 0..<fits {
            (results.states[i], results.objective[i]) = FitResults.outcome(rawState: states[i], internalObjective: results.objective[i], problem: problem)
        }
        return results
    }

    // MARK: buffers and arguments

    private func bind<T>(_ value: T) throws {
        let status = withUnsafeBytes(of: value) { cll_SetKernelArg(kernel, argument, $0.count, $0.baseAddress) }
        guard status == CL_SUCCESS else { throw FitError.launchFailed("clSetKernelArg \(argument) failed (\(status))") }
        argument += 1
    }

    private func bindReals(_ values: [Double]) throws {
        if precision == .fp64 { try bind(try buffer(values)) } else { try bind(try buffer(values.map { Float($0) })) }
    }

    private func bindReal(_ value: Double) throws {
        if precision == .fp64 { try bind(value) } else { try bind(Float(value)) }
    }

    /// A read-only buffer holding `values` (one element when empty: OpenCL has no empty buffers).
    private func buffer<T>(_ values: [T]) throws -> cl_mem {
        let mem = try allocate(max(values.count, 1) * MemoryLayout<T>.stride, flags: CL_MEM_READ_ONLY)
        if !values.isEmpty {
            let status = values.withUnsafeBytes { cll_EnqueueWriteBuffer(queue, mem, 0, $0.count, $0.baseAddress) }
            guard status == CL_SUCCESS else { throw FitError.launchFailed("clEnqueueWriteBuffer failed (\(status))") }
        }
        return mem
    }

    private func output(_ bytes: Int) throws -> cl_mem { try allocate(bytes, flags: CL_MEM_WRITE_ONLY) }

    private func allocate(_ bytes: Int, flags: Int) throws -> cl_mem {
        var err: cl_int = 0
        guard let mem = cll_CreateBuffer(context, cl_mem_flags(flags), bytes, nil, &err), err == CL_SUCCESS else {
            throw FitError.launchFailed("clCreateBuffer of \(bytes) bytes failed (\(err)) on \(device.name)")
        }
        buffers.append(mem)
        return mem
    }

    private func read<T>(_ mem: cl_mem, _ count: Int, _ type: T.Type) throws -> [T] {
        var values = [T](unsafeUninitializedCapacity: count) { _, n in n = count }
        let status = values.withUnsafeMutableBytes { cll_EnqueueReadBuffer(queue, mem, 0, $0.count, $0.baseAddress) }
        guard status == CL_SUCCESS else { throw FitError.launchFailed("clEnqueueReadBuffer failed (\(status))") }
        return values
    }
}
