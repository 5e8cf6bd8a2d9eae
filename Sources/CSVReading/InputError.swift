/// Bad input from a file or the command line: the message is the whole story, on one line, and the kind
/// says which documented exit status the command line gives it (sysexits conventions, see the README).
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A command-line option that cannot be used as given (exit 64, EX_USAGE).
        case usage
        /// Input data that is malformed or out of range (exit 65, EX_DATAERR).
        case badData
        /// An input file or folder that does not exist or cannot be read (exit 66, EX_NOINPUT).
        case missingInput
        /// An output that cannot be created or written (exit 73, EX_CANTCREAT).
        case cannotCreateOutput
    }

    public let kind: Kind
    public let description: String

    public init(_ message: String, kind: Kind = .badData) {
        self.kind = kind
        description = message
    }

    public static func usage(_ message: String) -> InputError { InputError(message, kind: .usage) }
    public static func missingInput(_ message: String) -> InputError { InputError(message, kind: .missingInput) }
    public static func cannotCreateOutput(_ message: String) -> InputError { InputError(message, kind: .cannotCreateOutput) }
}
