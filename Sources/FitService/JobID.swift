import Foundation

/// A job's id: 128 random bits as 32 lowercase hex digits. Only a string that passes `init?(checking:)`
/// ever becomes part of a path, so nothing a request sends reaches the file system unchecked.
public struct JobID: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    /// A fresh id from the system's secure generator.
    public static func random() -> JobID {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return JobID(unchecked: bytes.map { String(format: "%02x", $0) }.joined())
    }

    /// The id in `text`, or nil unless it is exactly 32 characters of 0-9 and a-f.
    public init?(checking text: String) {
        guard text.utf8.count == 32, text.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        description = text
    }

    private init(unchecked text: String) { description = text }
}
