import CSVReading
import Foundation

/// Checks of single ladder fields, each failing with one line naming file, line, column and what to do.
enum RowChecks {
    /// N, D, losses: finite and > 0 (the fits take their logs).
    static func positive(_ table: CSVTable, _ row: Int, _ column: Int) throws -> Double {
        let v = try table.number(row, column)
        guard v > 0 else {
            throw InputError("\(table.source):\(table.line(row)): column '\(table.header[column])' = \(table.string(row, column)) must be > 0")
        }
        return v
    }

    static func optionalPositive(_ table: CSVTable, _ row: Int, _ column: Int) throws -> Double? {
        table.string(row, column).isEmpty ? nil : try positive(table, row, column)
    }

    /// A training step: a whole number >= 0.
    static func step(_ table: CSVTable, _ row: Int, _ column: Int) throws -> Double {
        let v = try table.number(row, column)
        guard v >= 0, v == v.rounded() else {
            throw InputError("\(table.source):\(table.line(row)): column 'step' = \(table.string(row, column)) must be a whole number >= 0 (the training step of the checkpoint)")
        }
        return v
    }

    /// Accuracy is a fraction in [0, 1]. The first value outside fails; when every value of the column lies
    /// in [0, 100] and nearly all (90%) of the non-zero ones are above 1, the column is in percent, and the
    /// message says so (a single stray 7.5 among fractions is not).
    static func accuracyColumn(_ table: CSVTable, _ column: Int) throws {
        var firstBad: (row: Int, value: Double)?
        var allPercent = true
        var largest = -Double.infinity
        var nonZero = 0, aboveOne = 0
        for row in table.rows.indices {
            guard let v = try table.optionalNumber(row, column) else { continue }
            if !(0...1).contains(v), firstBad == nil { firstBad = (row, v) }
            if !(0...100).contains(v) { allPercent = false }
            if v != 0 { nonZero += 1 }
            if v > 1 { aboveOne += 1 }
            largest = max(largest, v)
        }
        guard let bad = firstBad else { return }
        let name = table.header[column]
        let hint = allPercent && Double(aboveOne) >= 0.9 * Double(nonZero)
            ? "the whole column lies in [0, 100] (largest \(String(format: "%g", largest))), so it looks like percentages: divide it by 100"
            : "accuracy must be a fraction in [0, 1]; fix or drop the row"
        throw InputError("\(table.source):\(table.line(bad.row)): column '\(name)' = \(table.string(bad.row, column)) is outside [0, 1]; \(hint)")
    }
}
