import CSVReading
import Foundation

/// A token of the expression language. `start` is a 0-based character offset into the source.
struct Token {
    enum Kind: Equatable {
        case number(Double)
        case name(String)
        /// One of + - * / ^ ** ( ) [ ] ,
        case symbol(String)
        case end
    }

    var kind: Kind
    var start: Int
    var length: Int
    var text: String

    var isOpenBracket: Bool { kind == .symbol("(") || kind == .symbol("[") }
}

/// Names the expression language knows by itself.
public enum BuiltinNames {
    /// Functions and their argument counts; `arctan` is NIST's spelling of `atan`.
    static let functions: [String: Int] = [
        "exp": 1, "log": 1, "sqrt": 1, "pow": 2, "sin": 1, "cos": 1, "tan": 1, "atan": 1, "arctan": 1,
        "tanh": 1, "abs": 1,
    ]
    static let constants: [String: Double] = ["pi": Double.pi]
    static let functionList = "exp, log, sqrt, pow, sin, cos, tan, atan (arctan), tanh, abs"

    public static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

func tokenize(_ source: String) throws(ExpressionError) -> [Token] {
    let chars = Array(source)
    var tokens: [Token] = []
    var i = 0
    func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
    func fail(_ message: String, _ start: Int, _ length: Int) -> ExpressionError {
        ExpressionError(.syntax, message, source: source, column: start + 1, length: length)
    }
    while i < chars.count {
        let c = chars[i]
        if c.isWhitespace { i += 1; continue }
        let start = i
        if isDigit(c) || (c == "." && i + 1 < chars.count && isDigit(chars[i + 1])) {
            while i < chars.count && isDigit(chars[i]) { i += 1 }
            if i < chars.count && chars[i] == "." {
                i += 1
                while i < chars.count && isDigit(chars[i]) { i += 1 }
            }
            if i < chars.count && (chars[i] == "e" || chars[i] == "E") {
                var k = i + 1
                if k < chars.count && (chars[k] == "+" || chars[k] == "-") { k += 1 }
                if k < chars.count && isDigit(chars[k]) {
                    while k < chars.count && isDigit(chars[k]) { k += 1 }
                    i = k
                } else if k < chars.count && (chars[k].isLetter || chars[k] == "_") && k == i + 1 {
                    // "2exp(...)" or "2e" followed by a name: leave the 'e' to the name rule (and the parser's
                    // "missing '*'" message).
                } else {
                    throw fail("malformed number '\(String(chars[start..<k]))': the exponent has no digits", start, k - start)
                }
            }
            let text = String(chars[start..<i])
            guard let v = Double(text) else { throw fail("malformed number '\(text)'", start, i - start) }
            tokens.append(Token(kind: .number(v), start: start, length: i - start, text: text))
            continue
        }
        if c.isASCII && (c.isLetter || c == "_") {
            while i < chars.count && chars[i].isASCII && (chars[i].isLetter || chars[i].isNumber || chars[i] == "_") { i += 1 }
            let text = String(chars[start..<i])
            tokens.append(Token(kind: .name(text), start: start, length: i - start, text: text))
            continue
        }
        if c == "*" && i + 1 < chars.count && chars[i + 1] == "*" {
            tokens.append(Token(kind: .symbol("**"), start: start, length: 2, text: "**"))
            i += 2
            continue
        }
        if "+-*/^()[],".contains(c) {
            tokens.append(Token(kind: .symbol(String(c)), start: start, length: 1, text: String(c)))
            i += 1
            continue
        }
        if c == "=" {
            throw fail("unexpected '=': give only the right-hand side of the model (without 'y =')", start, 1)
        }
        if c == "." {
            throw fail("unexpected '.': a number needs a digit after its decimal point", start, 1)
        }
        throw fail("unexpected character '\(c)'", start, 1)
    }
    tokens.append(Token(kind: .end, start: chars.count, length: 1, text: ""))
    return tokens
}

/// Recursive-descent parser building straight into an `ExpressionGraph`.
///
///     expr    := term (('+' | '-') term)*
///     term    := unary (('*' | '/') unary)*
///     unary   := ('-' | '+') unary | power
///     power   := primary (('^' | '**') unary)?          (right-associative; -x^2 = -(x^2))
///     primary := number | name | name bracket-args | '(' expr ')' | '[' expr ']'
///
/// Limits keep the recursion (here, and in differentiation and code generation, which follow the tree) far from
/// the stack's end: at most `maximumNesting` brackets, unary signs and exponents open at once, and at most
/// `maximumBinaryOperators` binary operators in the whole expression (so no chain such as x+x+...+x, nested or
/// not, builds a tree deeper than that). Beyond either the parser stops with a one-line `.tooComplex` error.
struct ExpressionParser {
    /// Brackets, unary signs and exponents open at one time.
    static let maximumNesting = 200
    /// Binary operators (+ - * / ^ **) in the whole expression.
    static let maximumBinaryOperators = 500

    let source: String
    let graph: ExpressionGraph
    let parameters: [String: Int]
    let variables: [String: Int]
    let parameterNames: [String]
    let variableNames: [String]
    private var tokens: [Token] = []
    private var pos = 0
    private var nesting = 0
    private var binaryOperators = 0
    /// Where each parameter first appears (for diagnostics).
    private(set) var parameterUses: [Int: Token] = [:]

    init(source: String, graph: ExpressionGraph, parameterNames: [String], variableNames: [String]) {
        self.source = source
        self.graph = graph
        self.parameterNames = parameterNames
        self.variableNames = variableNames
        self.parameters = Dictionary(uniqueKeysWithValues: parameterNames.enumerated().map { ($1, $0) })
        self.variables = Dictionary(uniqueKeysWithValues: variableNames.enumerated().map { ($1, $0) })
    }

    mutating func parse() throws(ExpressionError) -> Int {
        tokens = try tokenize(source)
        if tokens.count == 1 {
            throw ExpressionError(.syntax, "the expression is empty", source: source)
        }
        let root = try parseExpr()
        let t = tokens[pos]
        if t.kind != .end {
            if t.kind == .symbol(")") || t.kind == .symbol("]") {
                throw error(t, "'\(t.text)' has no matching opening bracket")
            }
            if case .symbol(let s) = t.kind, s == "," {
                throw error(t, "unexpected ',' outside a function's argument list")
            }
            throw error(t, "unexpected \(describe(t)) after a complete expression (missing operator such as '*'?)")
        }
        return root
    }

    private func error(_ t: Token, _ message: String, _ kind: ExpressionError.Kind = .syntax) -> ExpressionError {
        ExpressionError(kind, message, source: source, column: t.start + 1, length: t.length)
    }

    private func describe(_ t: Token) -> String {
        switch t.kind {
        case .number: return "number '\(t.text)'"
        case .name: return "name '\(t.text)'"
        case .symbol: return "'\(t.text)'"
        case .end: return "end of expression"
        }
    }

    private func peekSymbol(_ s: String) -> Bool { tokens[pos].kind == .symbol(s) }

    /// Enters one more level of brackets, unary sign or exponent (the token at `pos` opens it).
    private mutating func enter() throws(ExpressionError) {
        nesting += 1
        if nesting > Self.maximumNesting {
            throw error(tokens[pos], "more than \(Self.maximumNesting) brackets, signs and exponents nested here (the limit); simplify the expression", .tooComplex)
        }
    }

    /// Counts the binary operator at `pos` and moves past it.
    private mutating func takeBinaryOperator() throws(ExpressionError) {
        binaryOperators += 1
        if binaryOperators > Self.maximumBinaryOperators {
            throw error(tokens[pos], "more than \(Self.maximumBinaryOperators) binary operators (the limit); simplify the expression", .tooComplex)
        }
        pos += 1
    }

    private mutating func parseExpr() throws(ExpressionError) -> Int {
        var lhs = try parseTerm()
        while true {
            if peekSymbol("+") { try takeBinaryOperator(); lhs = graph.add(lhs, try parseTerm()) }
            else if peekSymbol("-") { try takeBinaryOperator(); lhs = graph.sub(lhs, try parseTerm()) }
            else { return lhs }
        }
    }

    private mutating func parseTerm() throws(ExpressionError) -> Int {
        var lhs = try parseUnary()
        while true {
            if peekSymbol("*") { try takeBinaryOperator(); lhs = graph.mul(lhs, try parseUnary()) }
            else if peekSymbol("/") { try takeBinaryOperator(); lhs = graph.div(lhs, try parseUnary()) }
            else { return lhs }
        }
    }

    private mutating func parseUnary() throws(ExpressionError) -> Int {
        if peekSymbol("-") || peekSymbol("+") {
            let negate = peekSymbol("-")
            try enter()
            pos += 1
            let operand = try parseUnary()
            nesting -= 1
            return negate ? graph.neg(operand) : operand
        }
        return try parsePower()
    }

    private mutating func parsePower() throws(ExpressionError) -> Int {
        let base = try parsePrimary()
        if peekSymbol("^") || peekSymbol("**") {
            try enter()
            try takeBinaryOperator()
            let exponent = try parseUnary()
            nesting -= 1
            return graph.pow(base, exponent)
        }
        return base
    }

    /// Parses `( expr )` or `[ expr ]` (pos at the opening bracket); with `arguments`, a comma-separated list.
    private mutating func parseBracketed(arguments: Bool) throws(ExpressionError) -> [Int] {
        let open = tokens[pos]
        let close = open.kind == .symbol("(") ? ")" : "]"
        try enter()
        defer { nesting -= 1 }
        pos += 1
        if peekSymbol(close) {
            throw error(tokens[pos], "expected a value inside '\(open.text)\(close)'")
        }
        var items = [try parseExpr()]
        while arguments && peekSymbol(",") {
            pos += 1
            items.append(try parseExpr())
        }
        let t = tokens[pos]
        if t.kind == .symbol(close) { pos += 1; return items }
        switch t.kind {
        case .end:
            throw error(open, "'\(open.text)' at column \(open.start + 1) is never closed")
        case .symbol(")"), .symbol("]"):
            throw error(t, "'\(t.text)' does not match '\(open.text)' at column \(open.start + 1) (expected '\(close)')")
        case .symbol(","):
            throw error(t, "unexpected ',': only pow takes more than one argument")
        default:
            throw error(t, "expected '\(close)' to close '\(open.text)' at column \(open.start + 1), found \(describe(t)) (missing operator such as '*'?)")
        }
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Int {
        let t = tokens[pos]
        switch t.kind {
        case .number(let v):
            pos += 1
            return graph.constant(v)
        case .symbol("("), .symbol("["):
            return try parseBracketed(arguments: false)[0]
        case .name(let name):
            pos += 1
            let called = tokens[pos].isOpenBracket
            if let arity = BuiltinNames.functions[name] {
                guard called else {
                    throw error(t, "function '\(name)' must be followed by its argument in '(...)' or '[...]'")
                }
                let args = try parseBracketed(arguments: true)
                guard args.count == arity else {
                    let s = arity == 1 ? "" : "s"
                    let given = args.count == 1 ? "1 was given" : "\(args.count) were given"
                    throw error(t, "function '\(name)' takes \(arity) argument\(s), but \(given)", .argumentCount)
                }
                switch name {
                case "exp": return graph.call(.exp, args[0])
                case "log": return graph.call(.log, args[0])
                case "sqrt": return graph.call(.sqrt, args[0])
                case "sin": return graph.call(.sin, args[0])
                case "cos": return graph.call(.cos, args[0])
                case "tan": return graph.call(.tan, args[0])
                case "atan", "arctan": return graph.call(.atan, args[0])
                case "tanh": return graph.call(.tanh, args[0])
                case "abs": return graph.call(.abs, args[0])
                case "pow": return graph.pow(args[0], args[1])
                default: preconditionFailure("function table out of sync: \(name)")
                }
            }
            let node: Int
            if let j = parameters[name] {
                if parameterUses[j] == nil { parameterUses[j] = t }
                node = graph.parameter(j)
            } else if let v = variables[name] {
                node = graph.variable(v)
            } else if let c = BuiltinNames.constants[name] {
                node = graph.constant(c)
            } else if called {
                var message = "unknown function '\(name)' (functions: \(BuiltinNames.functionList))"
                if let near = BuiltinNames.functions.keys.sorted().first(where: {
                    $0 == name.lowercased() || NearestName.editDistance($0, name.lowercased()) == 1
                }) {
                    message += "; did you mean '\(near)'?"
                }
                throw error(t, message, .unknownFunction)
            } else {
                throw error(t, unknownNameMessage(name), .unknownName)
            }
            if called {
                throw error(t, "'\(name)' is not a function (missing '*' before '\(tokens[pos].text)'?)", .unknownFunction)
            }
            return node
        case .end:
            throw error(t, "the expression ends where a value was expected")
        case .symbol(let s) where s == ")" || s == "]":
            throw error(t, "expected a value before '\(s)'")
        case .symbol(let s):
            throw error(t, "expected a value (number, name or bracket) but found '\(s)'")
        }
    }

    private func unknownNameMessage(_ name: String) -> String {
        let params = parameterNames.isEmpty ? "none" : parameterNames.joined(separator: ", ")
        let vars = variableNames.isEmpty ? "none" : variableNames.joined(separator: ", ")
        var message = "unknown name '\(name)': not a parameter (\(params)), not a variable/data column (\(vars))"
            + " and not a constant (pi)"
        // Suggestions: a different capitalisation first, else names one edit away, preferring those that share
        // the first letter (x2 -> x1 rather than b2).
        let candidates = parameterNames + variableNames + BuiltinNames.constants.keys.sorted()
        var near = candidates.filter { $0.lowercased() == name.lowercased() }
        if near.isEmpty {
            let close = candidates.filter { NearestName.editDistance($0, name) == 1 }
            let sameStart = close.filter { $0.first == name.first }
            near = sameStart.isEmpty ? close : sameStart
        }
        if !near.isEmpty {
            message += "; did you mean " + near.prefix(3).map { "'\($0)'" }.joined(separator: " or ") + "?"
        }
        return message
    }
}
