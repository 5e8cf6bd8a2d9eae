import FitModels
import Foundation

/// What `--device` names: `auto`, an OpenCL device index from `gpufit devices`, or `cpu` (native engine).
public enum DeviceChoice: Sendable, Hashable, CustomStringConvertible {
    case auto
    case cpu
    case openCL(Int)

    /// Parses `auto`, `cpu` or a non-negative integer.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "auto": self = .auto
        case "cpu", "native": self = .cpu
        default:
            guard let i = Int(text), i >= 0 else { return nil }
            self = .openCL(i)
        }
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .cpu: return "cpu"
        case .openCL(let i): return String(i)
        }
    }
}

/// The engine a run uses, what was asked for, and why it differs (the fallback reason), for summaries.
public struct EngineSelection: Sendable {
    public let engine: any FitEngine
    public let requested: DeviceChoice
    public let requestedPrecision: Precision
    /// One line explaining a fallback to the CPU engine or a change of precision; nil when none happened.
    public let warning: String?

    public init(engine: any FitEngine, requested: DeviceChoice, requestedPrecision: Precision, warning: String?) {
        self.engine = engine
        self.requested = requested
        self.requestedPrecision = requestedPrecision
        self.warning = warning
    }
}

public enum EngineSelector {
    /// Chooses and opens an engine.
    ///
    /// - `.cpu`: the native engine.
    /// - `.openCL(i)`: that device; an index not in the list is an error (`noSuchDevice`), always.
    /// - `.auto`: the first GPU; without one, the native CPU engine (on this kind of machine faster than a CPU
    ///   OpenCL device such as PoCL; see bench/RESULTS.md). Without any OpenCL platform: the CPU engine, with
    ///   a warning naming the cause.
    /// A device that cannot be opened, or lacks fp64 when fp64 was asked for, falls back: to fp32 on that
    /// device with a warning if it lacks fp64, to the CPU engine with a warning otherwise, or, with
    /// `fallback == false`, throws.
    /// `onFallback` is told, once, why a run that started on the OpenCL device moved to the CPU engine.
    public static func select(_ choice: DeviceChoice, precision: Precision, fallback: Bool = true,
                              onFallback: @escaping @Sendable (String) -> Void = FallbackEngine.warnOnStderr) throws -> EngineSelection {
        func cpu(_ why: String?) -> EngineSelection {
            EngineSelection(engine: CPUEngine(), requested: choice, requestedPrecision: precision, warning: why)
        }
        switch choice {
        case .cpu:
            return cpu(precision == .fp32 ? "the CPU engine computes in fp64; --precision fp32 applies to OpenCL devices only" : nil)
        case .auto:
            switch OpenCLRuntime.devices() {
            case .failure(let error):
                if !fallback { throw error }
                return cpu("\(error); running on the CPU engine")
            case .success(let devices):
                guard let gpu = devices.first(where: { $0.type == "gpu" }) else { return cpu(nil) }
                return try open(gpu, choice: choice, precision: precision, fallback: fallback, onFallback: onFallback)
            }
        case .openCL(let index):
            switch OpenCLRuntime.devices() {
            case .failure(let error):
                if !fallback { throw error }
                return cpu("device \(index) unavailable: \(error); running on the CPU engine")
            case .success(let devices):
                guard let device = devices.first(where: { $0.index == index }) else {
                    throw FitError.noSuchDevice("no OpenCL device \(index); devices are 0...\(devices.count - 1) (see `gpufit devices`), or use --device cpu")
                }
                return try open(device, choice: choice, precision: precision, fallback: fallback, onFallback: onFallback)
            }
        }
    }

    private static func open(_ device: OpenCLDevice, choice: DeviceChoice, precision: Precision, fallback: Bool,
                             onFallback: @escaping @Sendable (String) -> Void) throws -> EngineSelection {
        var used = precision
        var warning: String?
        if precision == .fp64 && !device.fp64 {
            used = .fp32
            warning = "device \(device.index) (\(device.name)) has no fp64 (cl_khr_fp64); computing in fp32"
        }
        do {
            let engine = try OpenCLEngine(device: device, precision: used)
            let wrapped: any FitEngine = fallback ? FallbackEngine(primary: engine, onFallback: onFallback) : engine
            return EngineSelection(engine: wrapped, requested: choice, requestedPrecision: precision, warning: warning)
        } catch {
            if !fallback { throw error }
            return EngineSelection(engine: CPUEngine(), requested: choice, requestedPrecision: precision,
                                   warning: "\(error); running on the CPU engine")
        }
    }
}

/// An OpenCL engine that hands a batch to the CPU engine when the kernel fails to build or launch, and
/// says so once on stderr (through `onFallback`), naming the cause. Later batches go straight to the CPU.
public final class FallbackEngine: FitEngine, @unchecked Sendable {
    public let primary: any FitEngine
    private let cpu = CPUEngine()
    private let lock = NSLock()
    private var failure: String?
    /// Called once, with the reason, when the run moves to the CPU engine.
    private let onFallback: @Sendable (String) -> Void

    public init(primary: any FitEngine, onFallback: @escaping @Sendable (String) -> Void = FallbackEngine.warnOnStderr) {
        self.primary = primary
        self.onFallback = onFallback
    }

    /// The default report: one `warning:` line on stderr.
    public static let warnOnStderr: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    public var label: String {
        lock.lock(); defer { lock.unlock() }
        return failure == nil ? primary.label : cpu.label + " (fell back from \(primary.label))"
    }
    public var precision: Precision { failure == nil ? primary.precision : .fp64 }
    /// Why the run left the OpenCL device, if it did.
    public var fallbackReason: String? { lock.lock(); defer { lock.unlock() }; return failure }

    public func solve(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?, progress: FitProgress?) throws -> FitResults {
        lock.lock()
        let failed = failure != nil
        lock.unlock()
        if !failed {
            do {
                return try primary.solve(problem, starts: starts, weightSets: weightSets, progress: progress)
            } catch let error as FitError {
                switch error {
                case .kernelBuildFailed, .launchFailed, .openCLUnavailable:
                    lock.lock()
                    failure = error.description
                    lock.unlock()
                    onFallback("\(error); running on the CPU engine")
                default: throw error
                }
            }
        }
        return try cpu.solve(problem, starts: starts, weightSets: weightSets, progress: progress)
    }
}
