import CLLoader
import FitModels
import Foundation

/// Runs kernels/lm.cl on one OpenCL device, one fit per work-item.
///
/// Programs are built once per (device, program text, build options) and kept in memory; the device binary
/// is also kept on disk (`$XDG_CACHE_HOME/gpufit` or `~/.cache/gpufit`) so a repeated run does not rebuild.
public final class OpenCLEngine: FitEngine, @unchecked Sendable {
    public let device: OpenCLDevice
    public let precision: Precision
    public var label: String { "opencl \(device.index): \(device.name) [\(device.platform)], \(precision.rawValue)" }

    private let context: cl_context
    private let queue: cl_command_queue
    private let lock = NSLock()
    private var programs = [String: Program]()

    /// Opens `device`. Throws `noSuchDevice`/`openCLUnavailable` when it cannot.
    /// - Parameter precision: fp64 needs cl_khr_fp64; the caller decides what to do without it.
    public init(device: OpenCLDevice, precision: Precision) throws {
        try OpenCLRuntime.load()
        guard let id = device.id else { throw FitError.noSuchDevice("OpenCL device \(device.index) is not available") }
        if precision == .fp64 && !device.fp64 {
            throw FitError.kernelBuildFailed("device \(device.index) (\(device.name)) has no cl_khr_fp64; use --precision fp32")
        }
        var err: cl_int = 0
        guard let ctx = cll_CreateContext(id, &err), err == CL_SUCCESS else {
            throw FitError.openCLUnavailable("clCreateContext failed (\(err)) on \(device.name)")
        }
        guard let q = cll_CreateCommandQueue(ctx, id, 0, &err), err == CL_SUCCESS else {
            cll_ReleaseContext(ctx)
            throw FitError.openCLUnavailable("clCreateCommandQueue failed (\(err)) on \(device.name)")
        }
        self.device = device
        self.precision = precision
        context = ctx
        queue = q
    }

    deinit {
        for program in programs.values {
            cll_ReleaseKernel(program.kernel)
            cll_ReleaseProgram(program.program)
        }
        cll_ReleaseCommandQueue(queue)
        cll_ReleaseContext(context)
    }

    private struct Program {
        let program: cl_program
        let kernel: cl_kernel
    }

    /// Builds (or fetches) the program for this problem's model and loss.
    public func prepare(_ problem: FitProblem) throws {
        _ = try program(for: problem)
    }

    private func program(for problem: FitProblem) throws -> Program {
        var huber = false
        if case .huber = problem.loss { huber = true }
        let source = ProgramSource.assemble(model: problem.model, huber: huber, logResiduals: problem.residualSpace == .log,
                                            precision: precision)
        // -cl-fp32-correctly-rounded-divide-sqrt keeps fp32 divides honest; no fast-math: the CPU engine
        // must be matched to 1e-9 in fp64.
        let options = precision == .fp32 ? "-cl-fp32-correctly-rounded-divide-sqrt" : ""
        let key = "\(device.name)|\(device.driverVersion)|\(options)|\(String(ProgramSource.fnv1a(source), radix: 16))"
        lock.lock(); defer { lock.unlock() }
        if let p = programs[key] { return p }
        guard let id = device.id else { throw FitError.noSuchDevice("device \(device.index) vanished") }
        let cacheFile = Self.cacheDirectory?.appendingPathComponent(String(ProgramSource.fnv1a(key), radix: 16) + ".bin")
        var program: cl_program?
        if let cacheFile, let binary = try? Data(contentsOf: cacheFile), !binary.isEmpty {
            var err: cl_int = 0
            let p = binary.withUnsafeBytes { raw in
                cll_CreateProgramWithBinary(context, id, raw.bindMemory(to: UInt8.self).baseAddress, binary.count, &err)
            }
            if err == CL_SUCCESS, let p, cll_BuildProgram(p, id, options) == CL_SUCCESS { program = p } else if let p { cll_ReleaseProgram(p) }
        }
        if program == nil {
            var err: cl_int = 0
            guard let p = source.withCString({ cll_CreateProgramWithSource(context, $0, &err) }), err == CL_SUCCESS else {
                throw FitError.kernelBuildFailed("clCreateProgramWithSource failed (\(err))")
            }
            let status = cll_BuildProgram(p, id, options)
            if status != CL_SUCCESS {
                let log = buildLog(p, id)
                cll_ReleaseProgram(p)
                let firstError = log.split(separator: "\n").first { $0.contains("error") } ?? Substring(log.prefix(300))
                throw FitError.kernelBuildFailed("model '\(problem.model.name)' on \(device.name) (\(status)): \(firstError)")
            }
            program = p
            if let cacheFile { saveBinary(p, to: cacheFile) }
        }
        var err: cl_int = 0
        guard let kernel = cll_CreateKernel(program, "lm_fit", &err), err == CL_SUCCESS else {
            cll_ReleaseProgram(program)
            throw FitError.kernelBuildFailed("kernel lm_fit not found (\(err))")
        }
        let built = Program(program: program!, kernel: kernel)
        programs[key] = built
        return built
    }

    static let cacheDirectory: URL? = {
        let env = ProcessInfo.processInfo.environment
        if env["GPUFIT_NO_DISK_CACHE"] != nil { return nil }
        let base = env["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        let dir = base.appendingPathComponent("gpufit/programs")
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch { return nil }
        return dir
    }()

    private func saveBinary(_ p: cl_program, to file: URL) {
        var size = 0
        guard cll_GetProgramBinary(p, nil, 0, &size) == CL_SUCCESS, size > 0 else { return }
        var bytes = [UInt8](repeating: 0, count: size)
        guard cll_GetProgramBinary(p, &bytes, size, &size) == CL_SUCCESS else { return }
        // Written to a temporary name then renamed (atomic on one file system), so a concurrent reader never
        // sees half a binary.
        let tmp = file.appendingPathExtension("tmp\(getpid())")
        guard (try? Data(bytes).write(to: tmp)) != nil else { return }
        if rename(tmp.path, file.path) != 0 { try? FileManager.default.removeItem(at: tmp) }
    }

    private func buildLog(_ p: cl_program, _ id: cl_device_id) -> String {
        var size = 0
        guard cll_GetProgramBuildInfo(p, id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), 0, nil, &size) == CL_SUCCESS, size > 0 else { return "" }
        var chars = [CChar](repeating: 0, count: size)
        _ = cll_GetProgramBuildInfo(p, id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, &chars, nil)
        return OpenCLRuntime.string(chars)
    }

    public func solve(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?, progress: FitProgress?) throws -> FitResults {
        let results = try solveOnDevice(problem, starts: starts, weightSets: weightSets)
        progress?.add(results.states.count)
        return results
    }

    private func solveOnDevice(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?) throws -> FitResults {
        let fits = try checkShapes(problem, starts: starts, weightSets: weightSets)
        var results = FitResults(parameterCount: problem.parameterCount, count: fits)
        guard fits > 0 else { return results }
        let program = try self.program(for: problem)
        lock.lock(); defer { lock.unlock() }
        var buffers = [cl_mem]()
        defer { for b in buffers { cll_ReleaseMemObject(b) } }
        func buffer<T>(_ values: [T], writable: Bool = false) throws -> cl_mem {
            var err: cl_int = 0
            let count = max(values.count, 1)
            let flags = cl_mem_flags(writable ? CL_MEM_WRITE_ONLY : CL_MEM_READ_ONLY)
            guard let mem = cll_CreateBuffer(context, flags, count * MemoryLayout<T>.stride, nil, &err), err == CL_SUCCESS else {
                throw FitError.launchFailed("clCreateBuffer of \(count * MemoryLayout<T>.stride) bytes failed (\(err)) on \(device.name)")
            }
            buffers.append(mem)
            if !values.isEmpty && !writable {
                let status = values.withUnsafeBytes { cll_EnqueueWriteBuffer(queue, mem, 0, $0.count, $0.baseAddress) }
                guard status == CL_SUCCESS else { throw FitError.launchFailed("clEnqueueWriteBuffer failed (\(status))") }
            }
            return mem
        }
        let np = problem.parameterCount
        let sets = weightSets
        let setOfFit = sets?.setOfFit ?? [Int32](repeating: -1, count: fits)
        let multiplicity = sets?.multiplicity ?? [0]
        var delta = 0.0
        if case .huber(let d) = problem.loss { delta = d }
        let kernel = program.kernel
        var arg: cl_uint = 0
        func setArg<T>(_ value: T) throws {
            let status = withUnsafeBytes(of: value) { cll_SetKernelArg(kernel, arg, $0.count, $0.baseAddress) }
            guard status == CL_SUCCESS else { throw FitError.launchFailed("clSetKernelArg \(arg) failed (\(status))") }
            arg += 1
        }
        func setReals(_ values: [Double]) throws {
            if precision == .fp64 { try setArg(try buffer(values)) } else { try setArg(try buffer(values.map { Float($0) })) }
        }
        func setReal(_ value: Double) throws {
            if precision == .fp64 { try setArg(value) } else { try setArg(Float(value)) }
        }
        let o = problem.options
        // Clamp infinite bounds to the largest finite REAL, which fmin/fmax treat the same way.
        let big = precision == .fp64 ? Double.greatestFiniteMagnitude : Double(Float.greatestFiniteMagnitude)
        try setReals(problem.x)
        try setReals(problem.y)
        try setReals(problem.weights)
        try setArg(try buffer(problem.groups))
        try setReals(multiplicity)
        try setArg(try buffer(setOfFit))
        try setArg(Int32(problem.groupCount))
        try setReals(starts)
        try setReals(problem.lower.map { max($0, -big) })
        try setReals(problem.upper.map { min($0, big) })
        try setArg(Int32(problem.pointCount))
        try setArg(Int32(fits))
        try setArg(Int32(o.maxIterations))
        try setReal(o.ftol)
        try setReal(o.xtol)
        try setReal(o.gtol)
        try setReal(delta)
        try setReal(o.initialDamping)
        let realSize = precision == .fp64 ? 8 : 4
        func output(_ count: Int, _ size: Int) throws -> cl_mem {
            var err: cl_int = 0
            guard let mem = cll_CreateBuffer(context, cl_mem_flags(CL_MEM_WRITE_ONLY), count * size, nil, &err), err == CL_SUCCESS else {
                throw FitError.launchFailed("clCreateBuffer for results failed (\(err)) on \(device.name)")
            }
            buffers.append(mem)
            return mem
        }
        let outParams = try output(fits * np, realSize), outObjective = try output(fits, realSize)
        let outIterations = try output(fits, 4), outState = try output(fits, 4)
        for mem in [outParams, outObjective, outIterations, outState] { try setArg(mem) }
        var status = cll_EnqueueNDRangeKernel1D(queue, kernel, fits, 0)
        guard status == CL_SUCCESS else { throw FitError.launchFailed("clEnqueueNDRangeKernel failed (\(status)) on \(device.name)") }
        status = cll_Finish(queue)
        guard status == CL_SUCCESS else { throw FitError.launchFailed("clFinish failed (\(status)) on \(device.name)") }
        func read<T>(_ mem: cl_mem, _ count: Int, _ type: T.Type) throws -> [T] {
            var values = [T](unsafeUninitializedCapacity: count) { _, n in n = count }
            let status = values.withUnsafeMutableBytes { cll_EnqueueReadBuffer(queue, mem, 0, $0.count, $0.baseAddress) }
            guard status == CL_SUCCESS else { throw FitError.launchFailed("clEnqueueReadBuffer failed (\(status))") }
            return values
        }
        if precision == .fp64 {
            results.parameters = try read(outParams, fits * np, Double.self)
            results.objective = try read(outObjective, fits, Double.self)
        } else {
            results.parameters = try read(outParams, fits * np, Float.self).map(Double.init)
            results.objective = try read(outObjective, fits, Float.self).map(Double.init)
        }
        results.iterations = try read(outIterations, fits, Int32.self)
        let states = try read(outState, fits, Int32.self)
        for i in 0..<fits {
            let state = FitState(rawValue: states[i]) ?? .nonFinite
            results.states[i] = state
            results.objective[i] = state.isUsable ? problem.reportedObjective(internal: results.objective[i]) : .nan
        }
        return results
    }
}
