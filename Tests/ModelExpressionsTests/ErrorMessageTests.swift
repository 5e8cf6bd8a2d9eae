import Testing
@testable import ModelExpressions

@Suite("Error messages")
struct ErrorMessageTests {
    /// The error `ExpressionModel` throws for `source` (parameters b1, b2 and variable x unless given).
    static func error(_ source: String, parameters: [String] = ["b1", "b2"], variables: [String] = ["x"]) -> ExpressionError? {
        do {
            _ = try ExpressionModel(source, parameters: parameters, variables: variables)
            return nil
        } catch let e as ExpressionError {
            return e
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    static func expectError(_ source: String, parameters: [String] = ["b1", "b2"], variables: [String] = ["x"],
                            kind: ExpressionError.Kind, column: Int?, _ description: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        guard let e = error(source, parameters: parameters, variables: variables) else {
            Issue.record("'\(source)' was accepted", sourceLocation: sourceLocation)
            return
        }
        #expect(e.kind == kind, sourceLocation: sourceLocation)
        #expect(e.column == column, sourceLocation: sourceLocation)
        #expect(e.description == description, sourceLocation: sourceLocation)
    }

    @Test("unclosed bracket: caret under the opening bracket")
    func unclosed() {
        Self.expectError("b1*(1-exp(-b2*x)", kind: .syntax, column: 4, """
            column 4: '(' at column 4 is never closed
              b1*(1-exp(-b2*x)
                 ^
            """)
    }

    @Test("mismatched bracket: caret under the wrong closing bracket, naming the opening one")
    func mismatched() {
        Self.expectError("b1*(1-exp(-b2*x]))", kind: .syntax, column: 16, """
            column 16: ']' does not match '(' at column 10 (expected ')')
              b1*(1-exp(-b2*x]))
                             ^
            """)
        Self.expectError("b1*(1-exp(-b2*x)))", kind: .syntax, column: 18, """
            column 18: ')' has no matching opening bracket
              b1*(1-exp(-b2*x)))
                               ^
            """)
    }

    @Test("unknown name: which, where, and what it could have been")
    func unknownName() {
        Self.expectError("b1*(1-exp(-b3*x))", kind: .unknownName, column: 12, """
            column 12: unknown name 'b3': not a parameter (b1, b2), not a variable/data column (x) and not a constant (pi); did you mean 'b1' or 'b2'?
              b1*(1-exp(-b3*x))
                         ^~
            """)
    }

    @Test("a variable that is not a data column")
    func variableNotAColumn() {
        Self.expectError("b1*x1 + b2*x2", variables: ["x1", "x3"], kind: .unknownName, column: 12, """
            column 12: unknown name 'x2': not a parameter (b1, b2), not a variable/data column (x1, x3) and not a constant (pi); did you mean 'x1' or 'x3'?
              b1*x1 + b2*x2
                         ^~
            """)
        Self.expectError("b1*exp(-b2*time)", kind: .unknownName, column: 12, """
            column 12: unknown name 'time': not a parameter (b1, b2), not a variable/data column (x) and not a constant (pi)
              b1*exp(-b2*time)
                         ^~~~
            """)
    }

    @Test("a parameter never used, or cancelling out")
    func unusedParameter() {
        Self.expectError("b1*x", parameters: ["b1", "b2", "b3"], kind: .unusedParameter, column: nil, """
            parameter 'b2' (number 2 of 3 in the parameter list) is never used in the expression
              b1*x
            """)
        Self.expectError("b1 + b2*x - x*b2", kind: .unusedParameter, column: 6, """
            column 6: the expression does not depend on parameter 'b2' (it cancels out or is multiplied by zero), so it cannot be fitted
              b1 + b2*x - x*b2
                   ^~
            """)
    }

    @Test("functions: unknown, wrong argument count, missing argument, a parameter called like a function")
    func functions() {
        Self.expectError("b1*expo(-b2*x)", kind: .unknownFunction, column: 4, """
            column 4: unknown function 'expo' (functions: exp, log, sqrt, pow, sin, cos, tan, atan (arctan), tanh, abs); did you mean 'exp'?
              b1*expo(-b2*x)
                 ^~~~
            """)
        Self.expectError("b1*pow(x) + b2", kind: .argumentCount, column: 4, """
            column 4: function 'pow' takes 2 arguments, but 1 was given
              b1*pow(x) + b2
                 ^~~
            """)
        Self.expectError("b1*sin(x, b2)", kind: .argumentCount, column: 4, """
            column 4: function 'sin' takes 1 argument, but 2 were given
              b1*sin(x, b2)
                 ^~~
            """)
        Self.expectError("b1*exp x + b2", kind: .syntax, column: 4, """
            column 4: function 'exp' must be followed by its argument in '(...)' or '[...]'
              b1*exp x + b2
                 ^~~
            """)
        Self.expectError("b1(x+b2)", kind: .unknownFunction, column: 1, """
            column 1: 'b1' is not a function (missing '*' before '('?)
              b1(x+b2)
              ^~
            """)
    }

    @Test("syntax: missing operand, missing operator, stray characters, '=', malformed numbers, empty")
    func syntax() {
        Self.expectError("b1*x + b2 *", kind: .syntax, column: 12, """
            column 12: the expression ends where a value was expected
              b1*x + b2 *
                         ^
            """)
        Self.expectError("b1 x + b2", kind: .syntax, column: 4, """
            column 4: unexpected name 'x' after a complete expression (missing operator such as '*'?)
              b1 x + b2
                 ^
            """)
        Self.expectError("b1*x + 2b2", kind: .syntax, column: 9, """
            column 9: unexpected name 'b2' after a complete expression (missing operator such as '*'?)
              b1*x + 2b2
                      ^~
            """)
        Self.expectError("b1*x + @b2", kind: .syntax, column: 8, """
            column 8: unexpected character '@'
              b1*x + @b2
                     ^
            """)
        Self.expectError("y = b1*x + b2", kind: .syntax, column: 3, """
            column 3: unexpected '=': give only the right-hand side of the model (without 'y =')
              y = b1*x + b2
                ^
            """)
        Self.expectError("b1*1e+x + b2", kind: .syntax, column: 4, """
            column 4: malformed number '1e+': the exponent has no digits
              b1*1e+x + b2
                 ^~~
            """)
        Self.expectError("b1*() + b2", kind: .syntax, column: 5, """
            column 5: expected a value inside '()'
              b1*() + b2
                  ^
            """)
        Self.expectError("b1*(x,2) + b2", kind: .syntax, column: 6, """
            column 6: unexpected ',': only pow takes more than one argument
              b1*(x,2) + b2
                   ^
            """)
        Self.expectError("b1 * / b2", kind: .syntax, column: 6, """
            column 6: expected a value (number, name or bracket) but found '/'
              b1 * / b2
                   ^
            """)
        Self.expectError("   ", kind: .syntax, column: nil, """
            the expression is empty
                 
            """)
    }

    @Test("bad parameter and variable names")
    func names() {
        Self.expectError("b1*x", parameters: ["b1"], variables: ["log N"], kind: .invalidName, column: nil, """
            variable name 'log N' cannot be used in an expression (use letters, digits and '_', starting with a letter)
              b1*x
            """)
        Self.expectError("pi*x", parameters: ["pi"], kind: .invalidName, column: nil, """
            parameter name 'pi' is reserved (a built-in function or constant)
              pi*x
            """)
        Self.expectError("b1*x", parameters: ["b1"], variables: ["b1"], kind: .invalidName, column: nil, """
            'b1' is given twice (as parameter and as variable)
              b1*x
            """)
    }

    @Test("the caret follows the column of a multi-line source")
    func multiLine() {
        Self.expectError("b1*exp(-b2*x)\n  + b3", kind: .unknownName, column: 19, """
            column 19: unknown name 'b3': not a parameter (b1, b2), not a variable/data column (x) and not a constant (pi); did you mean 'b1' or 'b2'?
              b1*exp(-b2*x)   + b3
                                ^~
            """)
    }
}
