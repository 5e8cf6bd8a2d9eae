import Foundation

/// The body of `POST /v1/jobs`: `{"kind": "fit", "data": "<csv text>", "options": {"model": "misra1a", ...}}`, or
/// `{"kind": "ladder", "data": "<csv text>", "config": "<json text>", "options": {...}}` (data and config optional).
/// Option names are the command line's without the dashes; a flag is `true`.
public struct JobRequest: Codable, Sendable {
    public var kind: String
    public var data: String?
    public var config: String?
    public var options: [String: OptionValue]

    public init(kind: String, data: String?, config: String? = nil, options: [String: OptionValue]) {
        self.kind = kind
        self.data = data
        self.config = config
        self.options = options
    }

    /// What the store keeps of a request (the data and the config go to files of their own).
    public struct Stored: Codable, Sendable {
        public var kind: String
        public var options: [String: OptionValue]
    }
}

/// One option's value as JSON gives it: a string, a whole number, a number, or a flag.
public enum OptionValue: Codable, Sendable, Equatable {
    case string(String)
    case integer(Int)
    case number(Double)
    case flag(Bool)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .flag(b) }
        else if let i = try? c.decode(Int.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "an option's value is a string, a number or true/false") }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .flag(let b): try c.encode(b)
        }
    }
}
