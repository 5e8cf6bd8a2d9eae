import Foundation
import SwiftCSV

/// A CSV file read into memory, with lookups that fail with a one-line error naming the file, the line
/// and the column, and saying what to do.
public struct CSVTable: Sendable {
    /// Where the table came from, for messages ("ladder.csv", "embedded OLMo ladder").
    public let source: String
    public let header: [String]
    public let rows: [[String]]

    public init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw InputError.missingInput("\(url.path): no such file; check the path")
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw InputError("\(url.path): cannot be read as UTF-8 text (\(error.localizedDescription))")
        }
        try self.init(text: text, source: url.path)
    }

    public init(text: String, source: String) throws {
        self.source = source
        let csv: EnumeratedCSV
        do { csv = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false) } catch {
            throw InputError("\(source): not valid CSV (\(error))")
        }
        header = csv.header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !header.isEmpty, header != [""] else { throw InputError("\(source): empty file; expected a header line") }
        // A repeated name would make every lookup take the first column silently.
        var seen = [String: Int]()
        for (i, name) in header.enumerated() {
            if let first = seen[name] {
                throw InputError("\(source):1: column '\(name)' appears twice (columns \(first + 1) and \(i + 1)); rename or drop one")
            }
            seen[name] = i
        }
        rows = csv.rows
        for (i, row) in rows.enumerated() where row.count != header.count {
            throw InputError("\(source):\(i + 2): \(row.count) fields but the header has \(header.count)")
        }
    }

    /// File line of data row `row` (the header is line 1).
    public func line(_ row: Int) -> Int { row + 2 }

    public func hasColumn(_ name: String) -> Bool { header.contains(name) }

    /// Index of a column; the error lists near matches so a typo is easy to fix.
    public func column(_ name: String) throws -> Int {
        if let i = header.firstIndex(of: name) { return i }
        let lower = name.lowercased()
        let near = header.filter { $0.lowercased().contains(lower) || lower.contains($0.lowercased()) }.prefix(3)
        let hint = near.isEmpty ? "columns are: \(header.prefix(8).joined(separator: ", "))\(header.count > 8 ? ", ..." : "")"
            : "did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))?"
        throw InputError("\(source): no column '\(name)'; \(hint)")
    }

    public func string(_ row: Int, _ column: Int) -> String { rows[row][column].trimmingCharacters(in: .whitespaces) }

    /// A finite number, or an error naming file, line and column.
    public func number(_ row: Int, _ column: Int) throws -> Double {
        let text = string(row, column)
        guard let v = Double(text) else {
            if text.isEmpty { throw InputError("\(source):\(line(row)): column '\(header[column])' is empty; fill it in or drop the row") }
            throw InputError("\(source):\(line(row)): column '\(header[column])' = '\(text)' is not a number")
        }
        guard v.isFinite else {
            throw InputError("\(source):\(line(row)): column '\(header[column])' = \(text) is not finite; fix or drop the row")
        }
        return v
    }

    /// A number or nil when the field is empty.
    public func optionalNumber(_ row: Int, _ column: Int) throws -> Double? {
        string(row, column).isEmpty ? nil : try number(row, column)
    }
}
