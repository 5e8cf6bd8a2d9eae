import FitModels
import Foundation
import ModelExpressions

/// One NIST StRD nonlinear-regression problem, read from its `.dat` file.
///
/// The format: a header (description, the model between `Model:` and the starting-values table), the table
/// `b_i = start1 start2 certified sd`, the certified residual sum of squares etc., then `Data:  y  x` (or
/// `y x1 x2`) and one observation per line.
public struct NISTProblem: Sendable {
    /// Dataset name, e.g. "Misra1a".
    public var name: String
    /// Right-hand side of the model, lines joined with single spaces, without the trailing `+ e`,
    /// e.g. `b1*(1-exp[-b2*x])`.
    public var modelExpression: String
    /// True when the left side is `log[y]` (Nelson): the model is fitted to ln y.
    public var logResponse: Bool
    /// Constants the file defines before the model (Roszman1: pi).
    public var constants: [String: Double]
    public var parameterNames: [String]
    public var start1: [Double]
    public var start2: [Double]
    public var certifiedValues: [Double]
    public var certifiedStandardDeviations: [Double]
    public var certifiedResidualSumOfSquares: Double
    public var residualStandardDeviation: Double
    public var degreesOfFreedom: Int
    /// Names of the predictor columns, e.g. ["x"] or ["x1", "x2"].
    public var variableNames: [String]
    /// Predictor values, one array per column (`x[column][observation]`).
    public var x: [[Double]]
    /// Response values as in the file (not logged).
    public var y: [Double]

    public var observationCount: Int { y.count }

    /// The values the model is fitted to: ln y when `logResponse`, else y.
    public var response: [Double] { logResponse ? y.map { Foundation.log($0) } : y }

    /// Observation i's predictors, in the order of `variableNames`.
    public func point(_ i: Int) -> [Double] { x.map { $0[i] } }

    /// The model as an `ExpressionModel`; start ranges span start 1 and start 2.
    public func makeModel() throws -> ExpressionModel {
        let specs = parameterNames.indices.map { j in
            ParameterSpec(parameterNames[j], start: StartRange(min(start1[j], start2[j]), max(start1[j], start2[j])))
        }
        return try ExpressionModel(modelExpression, parameters: specs, variables: variableNames, name: name)
    }

    public init(contentsOf url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        try self.init(text: text, fileName: url.lastPathComponent)
    }

    public init(text: String, fileName: String = "<text>") throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        func fail(_ line: Int?, _ message: String) -> NISTFormatError {
            NISTFormatError(file: fileName, line: line.map { $0 + 1 }, message: message)
        }
        func trimmed(_ i: Int) -> String { lines[i].trimmingCharacters(in: .whitespaces) }
        func firstLine(_ predicate: (String) -> Bool, from: Int = 0) -> Int? {
            (from..<lines.count).first { predicate(trimmed($0)) }
        }

        // Name.
        guard let nameLine = firstLine({ $0.hasPrefix("Dataset Name:") }) else {
            throw fail(nil, "no 'Dataset Name:' line")
        }
        let nameField = trimmed(nameLine).dropFirst("Dataset Name:".count).split(separator: " ")
        guard let first = nameField.first else { throw fail(nameLine, "empty dataset name") }
        name = String(first)

        // Model: between "Model:" and the starting-values table.
        guard let modelLine = firstLine({ $0.hasPrefix("Model:") }) else { throw fail(nil, "no 'Model:' line") }
        guard let tableLine = firstLine({ $0.lowercased().hasPrefix("starting values") }, from: modelLine) else {
            throw fail(nil, "no 'Starting values' table after the model")
        }
        var constants: [String: Double] = [:]
        var modelStart: Int?
        var logResponse = false
        var rhsFirst = ""
        for i in (modelLine + 1)..<tableLine {
            let t = trimmed(i)
            guard let eq = t.firstIndex(of: "=") else { continue }
            let lhs = t[..<eq].replacingOccurrences(of: " ", with: "")
            let rhs = String(t[t.index(after: eq)...])
            if lhs == "y" || lhs == "log[y]" || lhs == "log(y)" || lhs == "ln[y]" || lhs == "ln(y)" {
                modelStart = i
                logResponse = lhs != "y"
                rhsFirst = rhs
                break
            }
            if BuiltinNames.isIdentifier(lhs), let v = Double(rhs.trimmingCharacters(in: .whitespaces)) {
                constants[lhs] = v
            }
        }
        guard let modelStart else { throw fail(modelLine, "no model line 'y = ...' after 'Model:'") }
        var parts = [rhsFirst.trimmingCharacters(in: .whitespaces)]
        var i = modelStart + 1
        while i < tableLine, !trimmed(i).isEmpty {
            parts.append(trimmed(i))
            i += 1
        }
        var model = parts.joined(separator: " ")
        // Drop the error term: "... + e" at the end.
        if let r = model.range(of: #"\+\s*e\s*$"#, options: .regularExpression) {
            model.removeSubrange(r)
        } else {
            throw fail(modelStart, "the model does not end in '+ e'")
        }
        self.modelExpression = model.trimmingCharacters(in: .whitespaces)
        self.logResponse = logResponse
        self.constants = constants

        // Parameter table.
        var names: [String] = [], s1: [Double] = [], s2: [Double] = [], cv: [Double] = [], sd: [Double] = []
        var k = tableLine + 1
        while k < lines.count {
            let t = trimmed(k)
            if t.hasPrefix("Residual Sum of Squares") { break }
            if let eq = t.firstIndex(of: "=") {
                let pname = t[..<eq].trimmingCharacters(in: .whitespaces)
                let fields = t[t.index(after: eq)...].split(separator: " ")
                let numbers = fields.compactMap { Double($0) }
                guard BuiltinNames.isIdentifier(pname), fields.count == 4, numbers.count == 4 else {
                    throw fail(k, "expected 'name = start1 start2 certified sd', found '\(t)'")
                }
                names.append(pname)
                s1.append(numbers[0]); s2.append(numbers[1]); cv.append(numbers[2]); sd.append(numbers[3])
            }
            k += 1
        }
        guard !names.isEmpty else { throw fail(tableLine, "no parameters in the starting-values table") }
        parameterNames = names
        start1 = s1; start2 = s2; certifiedValues = cv; certifiedStandardDeviations = sd

        func number(after label: String) throws -> Double {
            guard let i = firstLine({ $0.hasPrefix(label) }, from: tableLine) else { throw fail(nil, "no '\(label)' line") }
            let t = trimmed(i)
            guard let v = Double(t.dropFirst(label.count).trimmingCharacters(in: .whitespaces)) else {
                throw fail(i, "'\(label)' is not followed by a number")
            }
            return v
        }
        certifiedResidualSumOfSquares = try number(after: "Residual Sum of Squares:")
        residualStandardDeviation = try number(after: "Residual Standard Deviation:")
        degreesOfFreedom = Int(try number(after: "Degrees of Freedom:"))
        let observations = Int(try number(after: "Number of Observations:"))

        // Data: the last "Data:" line names the columns (y first).
        guard let dataLine = (tableLine..<lines.count).last(where: { trimmed($0).hasPrefix("Data:") }) else {
            throw fail(nil, "no 'Data:' column header")
        }
        let columns = trimmed(dataLine).dropFirst("Data:".count).split(separator: " ").map(String.init)
        guard columns.count >= 2, columns[0] == "y" else {
            throw fail(dataLine, "expected a column header 'Data: y x ...', found '\(trimmed(dataLine))'")
        }
        variableNames = Array(columns.dropFirst())
        var xs = [[Double]](repeating: [], count: columns.count - 1)
        var ys: [Double] = []
        for r in (dataLine + 1)..<lines.count {
            let t = trimmed(r)
            if t.isEmpty { continue }
            let fields = t.split(separator: " ")
            let values = fields.compactMap { Double($0) }
            guard fields.count == columns.count, values.count == columns.count else {
                throw fail(r, "expected \(columns.count) numbers, found '\(t)'")
            }
            ys.append(values[0])
            for c in 1..<values.count { xs[c - 1].append(values[c]) }
        }
        guard ys.count == observations else {
            throw fail(dataLine, "the header says \(observations) observations, the data have \(ys.count)")
        }
        x = xs
        y = ys
    }
}

/// A NIST StRD file that does not have the expected layout.
public struct NISTFormatError: Error, CustomStringConvertible, Sendable {
    public var file: String
    /// 1-based line number, where one applies.
    public var line: Int?
    public var message: String
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
