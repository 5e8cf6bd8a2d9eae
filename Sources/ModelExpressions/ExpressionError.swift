/// Why an expression model was rejected, with the place in the source text where that applies.
///
/// `description` is one line of explanation; where a position applies it is followed by the source line and a
/// caret line under the offending text:
///
///     column 12: unknown name 'b3': not a parameter (b1, b2), not a variable (x) and not a constant (pi)
///       b1*(1-exp(-b3*x))
///                  ^~
public struct ExpressionError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// The text is not a well-formed expression (bad character, unbalanced bracket, missing operand, ...).
        case syntax
        /// A name that is not a parameter, a variable or a constant.
        case unknownName
        /// A call of a function that does not exist, or a non-function called like one.
        case unknownFunction
        /// A function called with the wrong number of arguments.
        case argumentCount
        /// A parameter that never appears in the expression, or that cancels out of it.
        case unusedParameter
        /// A parameter or variable name that cannot be used (not an identifier, reserved, or given twice).
        case invalidName
        /// The model's value or gradient is not finite at a given point (see `ExpressionModel.checkFinite`).
        case notFinite
        /// Nesting or operator count beyond the parser's limits; described on one line (without the source).
        case tooComplex
    }

    public var kind: Kind
    /// The explanation, without position.
    public var message: String
    /// The expression's source text.
    public var source: String
    /// 1-based column (in characters) of the offending text, where a position applies.
    public var column: Int?
    /// Length of the offending text in characters (at least 1 where `column` is set).
    public var length: Int

    public init(_ kind: Kind, _ message: String, source: String, column: Int? = nil, length: Int = 1) {
        self.kind = kind
        self.message = message
        self.source = source
        self.column = column
        self.length = max(1, length)
    }

    public var description: String {
        // Newlines and tabs in the source are shown as spaces so that the caret stays under its column.
        let shown = String(source.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
        // Beyond the limits the source is huge by nature: one line, without it.
        if kind == .tooComplex { return column.map { "column \($0): \(message)" } ?? message }
        guard let column else {
            return shown.isEmpty ? message : "\(message)\n  \(shown)"
        }
        let caret = String(repeating: " ", count: column - 1) + "^" + String(repeating: "~", count: length - 1)
        return "column \(column): \(message)\n  \(shown)\n  \(caret)"
    }
}
