import Foundation

/// A job's files in the store, as a runner reads and writes them.
public struct JobFiles: Sendable {
    /// The data the request sent (nil: none; a ladder job then fits the embedded ladder).
    public var data: URL?
    /// The config the request sent, if any.
    public var config: URL?
    /// Where the JSON result goes (atomically).
    public var result: URL
    /// Where a CSV result goes, for a kind that has one (atomically).
    public var resultCSV: URL

    public init(data: URL?, config: URL?, result: URL, resultCSV: URL) {
        self.data = data
        self.config = config
        self.result = result
        self.resultCSV = resultCSV
    }
}
