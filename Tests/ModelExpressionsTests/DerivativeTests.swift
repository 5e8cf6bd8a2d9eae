import Foundation
import FitModels
import Testing
@testable import ModelExpressions

/// Random expressions over the whole language (every function, both power spellings, both bracket kinds,
/// every literal form), kept inside each function's domain by construction.
struct ExpressionGenerator {
    var rng: SplitMix
    let parameters = ["b1", "b2", "b3"]
    let variables = ["x1", "x2"]

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

    mutating func leaf() -> String {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<5: return pick(parameters)
        case 5..<8: return pick(variables)
        default: return pick(["0.5", ".25", "2", "1e-1", "1.5E0", "3.", "pi", "10.07E-1"])
        }
    }

    mutating func expression(_ depth: Int) -> String {
        if depth == 0 { return leaf() }
        let a = expression(depth - 1)
        let b = expression(Int.random(in: 0..<depth, using: &rng))
        switch Int.random(in: 0..<27, using: &rng) {
        case 0: return "\(a) + \(b)"
        case 1: return "(\(a)) - (\(b))"
        case 2: return "(\(a)) * [\(b)]"
        case 3: return "(\(a)) / (1.5 + (\(b))^2)"
        case 4: return "-(\(a))"
        case 5: return "(\(a))^2"
        case 6: return "(\(a))**3"
        case 7: return "(1 + (\(a))^2)^-1"
        case 8: return "(0.5 + (\(a))**2)**(-2)"
        case 9: return "exp(0.5*sin(\(a)))"
        case 10: return "exp[-(\(a))^2]"
        case 11: return "log(1 + (\(a))^2)"
        case 12: return "log[abs(\(a)) + 0.5]"
        case 13: return "sqrt(0.5 + (\(a))^2)"
        case 14: return "pow(1.5 + (\(a))^2, \(b))"
        case 15: return "(0.5 + abs(\(a)))**(0.3*(\(b)))"
        case 16: return "(1 + (\(a))^2)**0.7"
        case 17: return "(1 + (\(a))^2)^(-.5)"
        case 18: return "(2 + (\(a))^2)^(1/3)"
        case 19: return "sin(\(a))"
        case 20: return "cos[\(a)]"
        case 21: return "tan(0.6*tanh(\(a)))"
        case 22: return "atan(\(a))"
        case 23: return "arctan[\(a)] * \(b)"
        case 24: return "tanh(\(a))"
        case 25: return "abs(\(a)) * \(b)"
        default: return "(\(a))^4 - (1 + (\(b))^2)^(-3) * 0.01"
        }
    }
}

@Suite("Symbolic derivatives")
struct DerivativeTests {
    /// Central difference of f along parameter j with step h.
    static func centralDifference(_ model: ExpressionModel, _ p: [Double], _ x: [Double], _ j: Int, _ h: Double) -> Double {
        var hi = p, lo = p
        hi[j] += h
        lo[j] -= h
        return (model.valueAndGradient(hi, x).0 - model.valueAndGradient(lo, x).0) / (2 * h)
    }

    /// |analytic - central difference| within the central difference's own error at step h: truncation
    /// ~ h^2 f'''/6 and round-off ~ eps |f| / h. Where the function is strongly curved the truncation term is
    /// estimated from the data: the difference between steps h and h/2 is 3/4 of the error at step h (it
    /// shrinks as h^2, while a wrong derivative stays wrong by O(1)).
    static func agrees(_ model: ExpressionModel, _ p: [Double], _ x: [Double], _ j: Int, analytic g: Double, value f: Double) -> Bool {
        let size = 1 + abs(f) + abs(g)
        for scale in [1e-4, 1e-5, 1e-3] {
            let h = scale * max(1, abs(p[j]))
            let fd = centralDifference(model, p, x, j, h)
            let fdHalf = centralDifference(model, p, x, j, h / 2)
            let roundOff = 1e3 * Double.ulpOfOne * size / h
            if abs(fd - g) <= 100 * h * h * size + roundOff { return true }
            if abs(fdHalf - g) <= abs(fd - fdHalf) + roundOff { return true }
        }
        return false
    }

    @Test("random expressions over every function: Jacobian = central difference")
    func randomExpressions() throws {
        var generator = ExpressionGenerator(rng: SplitMix(seed: 20_240_604))
        var rng = SplitMix(seed: 7)
        var checked = 0, expressions = 0
        var functionsSeen = Set<String>()
        for _ in 0..<600 {
            let source = generator.expression(Int.random(in: 1...4, using: &generator.rng))
            let used = generator.parameters.filter { name in
                source.range(of: "\\b\(name)\\b", options: .regularExpression) != nil
            }
            guard !used.isEmpty else { continue }
            let model: ExpressionModel
            do {
                model = try ExpressionModel(source, parameters: used, variables: generator.variables)
            } catch let e as ExpressionError where e.kind == .unusedParameter {
                continue  // e.g. b1 - b1: cancels out, rightly rejected
            }
            expressions += 1
            for f in ["exp", "log", "sqrt", "pow", "sin", "cos", "tan", "atan", "arctan", "tanh", "abs", "^", "**"]
            where source.contains(f) { functionsSeen.insert(f) }
            for _ in 0..<4 {
                let p = used.map { _ in Double.random(in: -1.5...1.5, using: &rng) }
                let x = [Double.random(in: -2...2, using: &rng), Double.random(in: -2...2, using: &rng)]
                let (f, g) = model.valueAndGradient(p, x)
                guard f.isFinite, g.allSatisfy(\.isFinite), abs(f) < 1e8 else { continue }
                for j in used.indices {
                    let ok = Self.agrees(model, p, x, j, analytic: g[j], value: f)
                    #expect(ok, "d/d\(used[j]) of \(source) at p=\(p) x=\(x): analytic \(g[j]), fd \(Self.centralDifference(model, p, x, j, 1e-5))")
                    checked += 1
                }
            }
        }
        #expect(expressions > 300)
        #expect(checked > 2000)
        #expect(functionsSeen.count == 13, "\(functionsSeen)")
    }

    @Test("each function's derivative in isolation", arguments: [
        "exp(b1*x)", "log(b1*x)", "sqrt(b1*x)", "pow(b1, x)", "pow(x, b1)", "pow(b1*x, b1)", "sin(b1*x)",
        "cos(b1*x)", "tan(b1*x)", "atan(b1*x)", "arctan[b1*x]", "tanh(b1*x)", "abs(b1*x)", "b1^x", "b1**2.5",
        "x/b1", "b1/x", "(b1*x)^-3", "(b1*x)^7", "(b1*x)^(-7)", "b1^0.5", "b1^(-0.5)", "-b1^2", "2^b1",
        "b1^b1", "pi*b1", "1/(1+b1^2)",
    ])
    func singleFunction(_ source: String) throws {
        let model = try ExpressionModel(source, parameters: ["b1"], variables: ["x"])
        for (b, x) in [(0.7, 1.3), (1.9, 0.4), (0.35, 2.2)] {
            let (f, g) = model.valueAndGradient([b], [x])
            #expect(f.isFinite && g[0].isFinite, "\(source) at b1=\(b) x=\(x)")
            #expect(Self.agrees(model, [b], [x], 0, analytic: g[0], value: f), "\(source): \(g[0]) vs \(Self.centralDifference(model, [b], [x], 0, 1e-5))")
        }
    }

    @Test("abs has derivative sign(u), 0 at 0")
    func absAtZero() throws {
        let model = try ExpressionModel("abs(b1 - x)", parameters: ["b1"], variables: ["x"])
        #expect(model.valueAndGradient([2], [2]) == (0, [0]))
        #expect(model.valueAndGradient([3], [2]) == (1, [1]))
        #expect(model.valueAndGradient([1], [2]) == (1, [-1]))
    }

    @Test("values follow the usual precedence and associativity")
    func precedence() throws {
        let cases: [(String, Double)] = [
            ("-b1^2", -9), ("2^b1^2", 512), ("2**-1*b1", 1.5), ("b1-1-1", 1), ("b1/3/2", 0.5), ("-b1*2", -6),
            ("b1*(2)", 6), ("[b1+1]*2", 8), ("b1 * (2+x)**(-1/b1)", 3 * pow(3.0, -1.0 / 3)), ("10.07E0 + b1", 13.07),
            ("1e-3*b1", 0.003), (".5*b1", 1.5), ("pi*b1", 3 * Double.pi), ("+b1", 3), ("--b1", 3),
            ("exp(0)*b1+log(1)+sqrt(4)", 5), ("abs(-b1)", 3), ("pow(b1, 2)", 9), ("b1^-1", 1.0 / 3),
        ]
        for (source, expected) in cases {
            let model = try ExpressionModel(source, parameters: ["b1"], variables: ["x"])
            let v = model.value(parameters: [3], at: [1])
            #expect(abs(v - expected) <= 1e-14 * max(1, abs(expected)), "\(source) = \(v), expected \(expected)")
        }
    }

    @Test("the expression engine reproduces every built-in model, value and gradient")
    func matchesBuiltins() throws {
        // (model, the same formula as an expression in the model's transformed variables, the x range).
        let pairs: [(any FitModel, ExpressionModel, ClosedRange<Double>)] = [
            (Misra1aModel(), try ExpressionModel("b1*(1-exp[-b2*x])", parameters: ["b1", "b2"], variables: ["x"]), 0...800),
            (ChwirutModel(), try ExpressionModel("exp(-b1*x)/(b2+b3*x)", parameters: ["b1", "b2", "b3"], variables: ["x"]), 0...800),
            (SigmoidModel(), try ExpressionModel("a / (1 + exp(-k*(x - x0))) + b", parameters: ["a", "x0", "k", "b"], variables: ["x"]), 0...800),
            (LossLawModel(), try ExpressionModel("exp(a - alpha*lnN) + exp(b - beta*lnD) + E", parameters: ["a", "b", "alpha", "beta", "E"],
                                                 variables: ["lnN", "lnD"]), 15...30),
            (ComputeLawModel(), try ExpressionModel("exp(a - alpha*lnF) + E", parameters: ["a", "alpha", "E"], variables: ["lnF"]), 30...60),
            (LogSigmoidModel(), try ExpressionModel("a*log(1 + exp(k*(x - x0))) + 1", parameters: ["a", "x0", "k"], variables: ["x"]), 0...3),
            (SingleStepModel(), try ExpressionModel("p5 / (1 + exp(-(exp(a - alpha*lnN) + exp(b - beta*lnD) + E))) + p6",
                                                    parameters: ["a", "b", "alpha", "beta", "E", "p5", "p6"], variables: ["lnN", "lnD"]), 15...30),
        ]
        #expect(Set(pairs.map(\.0.name)) == Set(BuiltinModels.all.map(\.name)), "every built-in model has its reference expression here")
        var rng = SplitMix(seed: 3)
        for (builtin, expression, range) in pairs {
            for _ in 0..<50 {
                let p = builtin.parameters.map { $0.startRange.value(at: Double.random(in: 0..<1, using: &rng)) }
                let x = (0..<builtin.variableCount).map { _ in Double.random(in: range, using: &rng) }
                let (f1, g1) = builtin.valueAndGradient(p, x)
                let (f2, g2) = expression.valueAndGradient(p, x)
                #expect(abs(f1 - f2) <= 1e-12 * max(1, abs(f1)), "\(builtin.name): \(f1) vs \(f2)")
                for j in g1.indices {
                    #expect(abs(g1[j] - g2[j]) <= 1e-11 * max(1, abs(g1[j])), "\(builtin.name) d/dp\(j): \(g1[j]) vs \(g2[j])")
                }
            }
        }
    }

    @Test("checkFinite names the point, the parameter and the value")
    func checkFinite() throws {
        let model = try ExpressionModel("b1*log(x) + b2*sqrt(x)", parameters: ["b1", "b2"], variables: ["x"])
        try model.checkFinite(parameters: [1, 2], x: [1, 2, 3])
        #expect(throws: ExpressionError.self) { try model.checkFinite(parameters: [1, 2], x: [1, 0, 3]) }
        do {
            try model.checkFinite(parameters: [1, 2], x: [1, 0, 3])
        } catch let e as ExpressionError {
            #expect(e.kind == .notFinite)
            #expect(e.message == "the model is not finite at data point 2 (x = 0.0) with b1 = 1.0, b2 = 2.0: the value is -inf")
        }
        do {
            try model.checkFinite(parameters: [1, 0], x: [-1])
        } catch let e as ExpressionError {
            #expect(e.message == "the model is not finite at x = -1.0 with b1 = 1.0, b2 = 0.0: the value is NaN")
        }
        let m2 = try ExpressionModel("sqrt(b1*x)", parameters: ["b1"], variables: ["x"])
        do {
            try m2.checkFinite(parameters: [0], x: [2])
            Issue.record("expected an error")
        } catch let e as ExpressionError {
            #expect(e.message == "the model is not finite at x = 2.0 with b1 = 0.0: the derivative by 'b1' is inf")
        }
    }
}
