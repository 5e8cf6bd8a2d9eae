import Foundation

/// What jobs compute, handed to the service by the command line so that a job and the CLI run the same code.
public protocol JobRunner: Sendable {
    /// Checks a job before it is accepted; throws `JobRejection` (a 422) naming what is wrong.
    func check(_ request: JobRequest) throws
    /// Runs a job on its files, writing its result (atomically) to `files.result` (and `files.resultCSV` for a kind
    /// with a CSV result). Throws with a one-line message.
    func run(kind: String, options: [String: OptionValue], files: JobFiles) throws
    /// The JSON of `GET /v1/devices`.
    func devicesJSON() throws -> Data
}

/// A job refused before it is queued: the message names the option or field.
public struct JobRejection: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
