import Testing
@testable import ModelExpressions

/// Deep nesting and long operator chains stop with a one-line error naming the limit and the column, instead
/// of running the recursive parser (or the recursive passes after it) off the end of the stack.
@Suite("Parser limits")
struct ParserLimitTests {
    static func limitError(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> ExpressionError? {
        let e = ErrorMessageTests.error(source)
        #expect(e?.kind == .tooComplex, "\(String(describing: e?.message))", sourceLocation: sourceLocation)
        if let e {
            #expect(!e.description.contains("\n"), "one line", sourceLocation: sourceLocation)
            #expect(e.description.count < 200, sourceLocation: sourceLocation)
        }
        return e
    }

    @Test func hundredThousandNestedBracketsStopAtTheNestingLimit() {
        let n = 100_000
        let e = Self.limitError(String(repeating: "(", count: n) + "x" + String(repeating: ")", count: n))
        // The bracket that opens level 201 is at column 201.
        #expect(e?.column == ExpressionParser.maximumNesting + 1)
        #expect(e?.description.hasPrefix("column 201: more than 200 brackets") == true, "\(e?.description ?? "")")
        // Square brackets, function calls, unary signs and exponent chains count the same way.
        #expect(Self.limitError(String(repeating: "[", count: n) + "x" + String(repeating: "]", count: n))?.column == 201)
        #expect(Self.limitError(String(repeating: "exp(", count: 300) + "x" + String(repeating: ")", count: 300))?.column == 4 * 200 + 4)
        #expect(Self.limitError(String(repeating: "-", count: n) + "x")?.column == 201)
        #expect(Self.limitError("x" + String(repeating: "^x", count: 300))?.column == 2 * 201)
    }

    @Test func hundredThousandTermsStopAtTheOperatorLimit() {
        let e = Self.limitError(Array(repeating: "x", count: 100_000).joined(separator: "+"))
        // The 501st '+' is at column 2 x 501.
        #expect(e?.column == 2 * (ExpressionParser.maximumBinaryOperators + 1))
        #expect(e?.description.contains("more than 500 binary operators") == true, "\(e?.description ?? "")")
        // Operators count across brackets too, so nesting cannot multiply a chain's depth.
        let nested = Array(repeating: "(x*x+x)", count: 300).joined(separator: "-")
        #expect(Self.limitError(nested) != nil)
    }

    @Test func expressionsWithinTheLimitsParse() throws {
        let deep = "b1*" + String(repeating: "(", count: 190) + "x" + String(repeating: ")", count: 190) + "+b2"
        let model = try ExpressionModel(deep, parameters: ["b1", "b2"], variables: ["x"])
        #expect(model.value(parameters: [2, 1], at: [3]) == 7)
        let long = "b1*(" + Array(repeating: "x", count: 400).joined(separator: "+") + ")+b2"
        let sum = try ExpressionModel(long, parameters: ["b1", "b2"], variables: ["x"])
        #expect(sum.value(parameters: [2, 1], at: [0.5]) == 401)
    }
}
