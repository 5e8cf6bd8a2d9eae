import ArgumentParser
import CSVReading
import FitEngine
import Foundation
import ModelExpressions

/// The exit statuses of every gpufit command (sysexits conventions), documented in `--help` and the README.
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    /// The fit ran but no start reached a usable fit (every start non-finite, singular, ...).
    case fitFailed = 1
    case usage = 64
    case badData = 65
    case missingInput = 66
    /// The OpenCL device asked for cannot be used and --no-fallback was given.
    case unavailable = 69
    case internalError = 70
    case cannotCreateOutput = 73

    static let helpText = """
        Exit status: 0 success; 1 the fit failed (no start reached a usable fit); 64 usage (an option as given \
        cannot be used); 65 bad input data; 66 an input file is missing or unreadable; 69 the OpenCL device cannot \
        be used and --no-fallback was given; 70 internal error; 73 an output cannot be created or written.
        """

    /// The status of an error gpufit throws; nil for argument-parser's own errors (they keep its handling).
    init?(_ error: Error) {
        switch error {
        case let e as InputError:
            switch e.kind {
            case .usage: self = .usage
            case .badData: self = .badData
            case .missingInput: self = .missingInput
            case .cannotCreateOutput: self = .cannotCreateOutput
            }
        case let e as FitError:
            switch e {
            case .invalidOption, .noSuchDevice: self = .usage
            case .invalidProblem: self = .badData
            case .openCLUnavailable, .kernelBuildFailed, .launchFailed: self = .unavailable
            }
        case is ExpressionError: self = .usage
        case is FitFailure: self = .fitFailed
        case is CleanExit, is ExitCode, is ValidationError: return nil
        // argument-parser's own parse errors (help requests, unknown options) are internal types of its module.
        case _ where String(reflecting: type(of: error)).hasPrefix("ArgumentParser."): return nil
        default: self = .internalError
        }
    }

    /// The error's message; an expression error keeps its caret lines (source, caret under the column).
    static func oneLine(_ error: Error) -> String { String(describing: error) }
}

/// The fit itself failed: it ran, but there is no usable answer to print or write. Exit status 1.
struct FitFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
