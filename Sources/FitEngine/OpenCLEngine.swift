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
        guard fits > 0 else { return FitResults(parameterCount: problem.parameterCount, count: 0) }
        let program = try self.program(for: problem)
        // One launch at a time per engine: the kernel object holds its arguments.
        lock.lock(); defer { lock.unlock() }
        let launch = KernelLaunch(kernel: program.kernel, context: context, queue: queue, device: device, precision: precision)
        return try launch.run(problem, starts: starts, weightSets: weightSets, fits: fits)
    }
}
