/// Errors of the fitting layers. Each description is one line that says what is wrong and what to do.
public enum FitError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidOption(String)
    case invalidProblem(String)
    case noSuchDevice(String)
    case openCLUnavailable(String)
    case kernelBuildFailed(String)
    case launchFailed(String)

    public var description: String {
        switch self {
        case .invalidOption(let m): return "invalid option: \(m)"
        case .invalidProblem(let m): return "invalid problem: \(m)"
        case .noSuchDevice(let m): return m
        case .openCLUnavailable(let m): return "OpenCL unavailable: \(m)"
        case .kernelBuildFailed(let m): return "kernel build failed: \(m)"
        case .launchFailed(let m): return "kernel launch failed: \(m)"
        }
    }
}
