import FitModels
import Foundation

/// A model typed at run time, e.g. `b1*(1-exp(-b2*x))`, differentiated symbolically.
///
/// The expression is parsed into a simplifying, hash-consed DAG; the Jacobian is derived symbolically on the same
/// DAG, so subexpressions shared between the value and the derivatives are one node. From that DAG come both a
/// flat instruction list for the CPU engine (`evaluate`) and OpenCL C (`openCLSource`) that computes the same
/// operations in the same order.
///
/// Language: `+ - * /`, powers `^` or `**` (right-associative, binding tighter than unary minus: -x^2 = -(x^2)),
/// unary minus, round or square brackets, the constant `pi`, the functions exp, log (natural), sqrt,
/// pow(u, v), sin, cos, tan, atan (also `arctan`), tanh and abs, and numeric literals such as 1e-3, .5, 10.07E0.
public struct ExpressionModel: FitModel {
    public let name: String
    /// The expression as given.
    public let source: String
    /// Parameters in the order of p. Defaults: unbounded, start range [-1, 1]; callers may replace them (keep
    /// the names and order).
    public var parameters: [ParameterSpec]
    public let variableNames: [String]
    public let variableTransforms: [VariableTransform]
    public let openCLSource: String

    private let compiled: CompiledExpression

    /// Parses `source` with parameters and variables named as given (in the order of p and x).
    /// - Throws: `ExpressionError` with the position of the problem.
    public init(_ source: String, parameters: [String], variables: [String], name: String? = nil) throws {
        try self.init(source, parameters: parameters.map { ParameterSpec($0, start: StartRange(-1, 1)) },
                      variables: variables, name: name)
    }

    /// As above, with bounds and start ranges given per parameter.
    public init(_ source: String, parameters specs: [ParameterSpec], variables: [String], name: String? = nil) throws {
        let parameterNames = specs.map(\.name)
        try Self.validateNames(parameterNames, variables, source: source)

        let graph = ExpressionGraph()
        var parser = ExpressionParser(source: source, graph: graph, parameterNames: parameterNames,
                                      variableNames: variables)
        let root = try parser.parse()

        for (j, pname) in parameterNames.enumerated() where parser.parameterUses[j] == nil {
            throw ExpressionError(
                .unusedParameter,
                "parameter '\(pname)' (number \(j + 1) of \(parameterNames.count) in the parameter list) is never"
                    + " used in the expression",
                source: source)
        }
        var roots = [root]
        for j in parameterNames.indices {
            let d = graph.derivative(root, j)
            if graph.isZero(d), let use = parser.parameterUses[j] {
                throw ExpressionError(
                    .unusedParameter,
                    "the expression does not depend on parameter '\(parameterNames[j])' (it cancels out or is"
                        + " multiplied by zero), so it cannot be fitted",
                    source: source, column: use.start + 1, length: use.length)
            }
            roots.append(d)
        }
        let compiled = CompiledExpression(graph: graph, roots: roots, parameterCount: specs.count,
                                          variableCount: variables.count)

        self.source = source
        self.name = name ?? source
        self.parameters = specs
        self.variableNames = variables
        self.variableTransforms = Array(repeating: .identity, count: variables.count)
        self.compiled = compiled
        self.openCLSource = Self.openCLText(source: source, name: name, parameters: parameterNames,
                                            variables: variables, body: compiled.openCLBody)
    }

    public func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        compiled.program.run(p, x, dfdp)
    }

    /// Number of CPU instructions per evaluation (value and Jacobian together), for diagnostics.
    public var instructionCount: Int { compiled.program.code.count }

    /// Throws `ExpressionError(.notFinite)` naming the first point where the value or a derivative is NaN or
    /// infinite. `x` holds one point or several, point after point (`variableCount` values each).
    public func checkFinite(parameters p: [Double], x: [Double]) throws {
        precondition(p.count == parameterCount, "expected \(parameterCount) parameter values, got \(p.count)")
        let stride = max(variableCount, 1)
        precondition(variableCount == 0 ? x.isEmpty : x.count % stride == 0,
                     "x must hold a multiple of \(variableCount) values")
        let points = variableCount == 0 ? 1 : x.count / stride
        var grad = [Double](repeating: 0, count: parameterCount)
        let padded = x.isEmpty ? [0.0] : x
        for i in 0..<points {
            let f = p.withUnsafeBufferPointer { pp in
                padded.withUnsafeBufferPointer { xp in
                    grad.withUnsafeMutableBufferPointer { gp in
                        evaluate(pp.baseAddress!, xp.baseAddress! + i * variableCount, gp.baseAddress!)
                    }
                }
            }
            func show(_ v: Double) -> String { v.isNaN ? "NaN" : "\(v)" }
            var what: String?
            if !f.isFinite { what = "the value is \(show(f))" }
            else if let j = grad.firstIndex(where: { !$0.isFinite }) {
                what = "the derivative by '\(parameters[j].name)' is \(show(grad[j]))"
            }
            guard let what else { continue }
            let at = variableNames.enumerated().map { "\($1) = \(x[i * variableCount + $0])" }.joined(separator: ", ")
            let ps = zip(parameters, p).map { "\($0.name) = \($1)" }.joined(separator: ", ")
            let point = points > 1 ? "at data point \(i + 1) (\(at))" : (at.isEmpty ? "" : "at \(at)")
            throw ExpressionError(.notFinite, "the model is not finite \(point) with \(ps): \(what)", source: source)
        }
    }

    private static func validateNames(_ params: [String], _ vars: [String], source: String) throws(ExpressionError) {
        var seen: [String: String] = [:]
        for (role, names) in [("parameter", params), ("variable", vars)] {
            for n in names {
                guard BuiltinNames.isIdentifier(n) else {
                    throw ExpressionError(
                        .invalidName,
                        "\(role) name '\(n)' cannot be used in an expression (use letters, digits and '_', starting"
                            + " with a letter)",
                        source: source)
                }
                if BuiltinNames.functions[n] != nil || BuiltinNames.constants[n] != nil {
                    throw ExpressionError(.invalidName, "\(role) name '\(n)' is reserved (a built-in function or constant)",
                                          source: source)
                }
                if let earlier = seen[n] {
                    throw ExpressionError(.invalidName, "'\(n)' is given twice (as \(earlier) and as \(role))",
                                          source: source)
                }
                seen[n] = role
            }
        }
    }

    private static func openCLText(source: String, name: String?, parameters: [String], variables: [String],
                                   body: String) -> String {
        let oneLine = source.split(whereSeparator: \.isNewline).joined(separator: " ")
        let ps = parameters.enumerated().map { "\($1) = p[\($0)]" }.joined(separator: ", ")
        let xs = variables.enumerated().map { "\($1) = x[\($0)]" }.joined(separator: ", ")
        var header = "// gpufit expression model"
        if let name { header += " '\(name.split(whereSeparator: \.isNewline).joined(separator: " "))'" }
        return """
            \(header): \(oneLine)
            // \(ps.isEmpty ? "no parameters" : ps); \(xs.isEmpty ? "no variables" : xs)
            REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) {
            \(body)
            }

            """
    }
}
