import Foundation
import FitModels
import Testing
@testable import ModelExpressions
import TestSupport

@Suite("Generated OpenCL C")
struct OpenCLSourceTests {
    static let nistModels: [ExpressionModel] = TestData.nistFiles.compactMap { try? NISTProblem(contentsOf: $0).makeModel() }

    @Test("the source is deterministic and defines exactly model_eval")
    func deterministic() throws {
        for m in Self.nistModels {
            let again = try ExpressionModel(m.source, parameters: m.parameterNames, variables: m.variableNames, name: m.name)
            #expect(again.openCLSource == m.openCLSource)
            #expect(m.openCLSource.components(separatedBy: "REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) {").count == 2)
        }
    }

    @Test("Misra1a reads like the hand-written kernel")
    func misra1a() throws {
        let m = try ExpressionModel("b1*(1-exp[-b2*x])", parameters: ["b1", "b2"], variables: ["x"], name: "misra1a")
        #expect(m.openCLSource == """
            // gpufit expression model 'misra1a': b1*(1-exp[-b2*x])
            // b1 = p[0], b2 = p[1]; x = x[0]
            REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) {
                const REAL t0 = exp(-(p[1] * x[0]));
                const REAL t1 = (REAL)1 - t0;
                dfdp[0] = t1;
                dfdp[1] = p[0] * (t0 * x[0]);
                return p[0] * t1;
            }

            """)
    }

    @Test("shared subexpressions become one temporary; the quotient is reused by its derivatives")
    func sharing() throws {
        let m = try ExpressionModel("exp(-b1*x)/(b2+b3*x)", parameters: ["b1", "b2", "b3"], variables: ["x"])
        #expect(m.openCLSource.contains("""
                const REAL t0 = exp(-(p[0] * x[0]));
                const REAL t1 = p[1] + p[2] * x[0];
                const REAL t2 = t0 / t1;
                dfdp[0] = -(t0 * x[0] / t1);
                dfdp[1] = -(t2 / t1);
                dfdp[2] = -(t2 * x[0] / t1);
                return t2;
            """))
        // Each exp appears once although value and derivatives all use it.
        let gauss = try #require(Self.nistModels.first { $0.name == "Gauss1" })
        let body = gauss.openCLSource.split(separator: "\n").filter { !$0.hasPrefix("//") }.joined(separator: "\n")
        #expect(body.components(separatedBy: "exp(").count - 1 == 3)
    }

    @Test("integer powers are products, other constant powers call pow or sqrt, division by 2^k multiplies")
    func powers() throws {
        let hahn = try #require(Self.nistModels.first { $0.name == "Hahn1" })
        #expect(!hahn.openCLSource.contains("pow"))
        #expect(hahn.openCLSource.contains("x[0] * x[0] * x[0]"))
        let misra1b = try #require(Self.nistModels.first { $0.name == "Misra1b" })
        #expect(!misra1b.openCLSource.contains("pow"))
        #expect(misra1b.openCLSource.contains("(REAL)0.5 * (p[1] * x[0])"))  // b2*x/2
        let misra1c = try #require(Self.nistModels.first { $0.name == "Misra1c" })
        #expect(misra1c.openCLSource.contains("sqrt("))  // (...)**(-.5)
        #expect(!misra1c.openCLSource.contains("pow"))
        let big = try ExpressionModel("(b1*x)^9 + (b1*x)^1.5", parameters: ["b1"], variables: ["x"])
        #expect(big.openCLSource.contains("pown(t0, 9)"))
        #expect(big.openCLSource.contains("pow(t0, (REAL)1.5)"))
        #expect(big.openCLSource.contains("(REAL)1.5 * sqrt(t0)"))  // its derivative: 1.5 u^0.5 u'
        let abs = try ExpressionModel("abs(b1 - x)", parameters: ["b1"], variables: ["x"])
        #expect(abs.openCLSource.contains("fabs(t0)") && abs.openCLSource.contains("sign(t0)"))
    }

    @Test("every floating literal is cast to REAL")
    func literals() throws {
        for m in try Self.nistModels + CHarnessTests.models() {
            let body = m.openCLSource.split(separator: "\n").filter { !$0.hasPrefix("//") }.joined(separator: "\n")
            // Remove what may hold digits: casts, indices, temporaries, pown's int exponent; none may be left.
            var rest = body
            for pattern in [#"\(REAL\)-?\d+(\.\d*)?([eE][-+]?\d+)?"#, #"\b(p|x|dfdp)\[\d+\]"#, #"\bt\d+\b"#,
                            #", -?\d+\)"#] {
                rest = rest.replacingOccurrences(of: pattern, with: "", options: .regularExpression)
            }
            let matches = rest.split(separator: "\n").filter { $0.contains(where: \.isNumber) }
            #expect(matches.isEmpty, "\(m.name): bare literals in \(matches)")
        }
    }
}

/// Compiles the generated C with the system C compiler (REAL = double), runs it, and compares every value and
/// derivative with the Swift evaluator; also checks that it compiles with REAL = float.
@Suite("Generated OpenCL C, compiled as C")
struct CHarnessTests {
    static let compiler: String? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            for name in ["cc", "gcc", "clang"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }()

    static let prelude = """
        #include <math.h>
        #include <stdio.h>
        static REAL sign(REAL v) { return v > 0 ? (REAL)1 : (v < 0 ? (REAL)-1 : (REAL)0); }
        static REAL pown(REAL v, int n) { return pow(v, (REAL)n); }

        """

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func models() throws -> [ExpressionModel] {
        var models = try TestData.nistFiles.map { try NISTProblem(contentsOf: $0).makeModel() }
        var generator = ExpressionGenerator(rng: SplitMix(seed: 99))
        while models.count < 80 {
            let source = generator.expression(3)
            let used = generator.parameters.filter { source.range(of: "\\b\($0)\\b", options: .regularExpression) != nil }
            guard !used.isEmpty, let m = try? ExpressionModel(source, parameters: used, variables: generator.variables) else { continue }
            models.append(m)
        }
        return models
    }

    @Test("C build of every NIST model and random expressions computes what the Swift evaluator computes",
          .enabled(if: compiler != nil, "no C compiler"))
    func compileAndRun() throws {
        let models = try Self.models()
        var rng = SplitMix(seed: 5)
        var program = Self.prelude
        var main = "int main(void) {\n    REAL g[16];\n    REAL f;\n"
        var expected: [[Double]] = []
        for (k, m) in models.enumerated() {
            program += "#define model_eval model_eval_\(k)\n\(m.openCLSource)#undef model_eval\n"
            for _ in 0..<3 {
                let p = m.parameters.map { _ in Double.random(in: 0.2...1.5, using: &rng) }
                let x = m.variableNames.map { _ in Double.random(in: 0.5...2, using: &rng) }
                let (f, g) = m.valueAndGradient(p, x)
                expected.append([f] + g)
                let ps = p.map { "\($0)" }.joined(separator: ", "), xs = x.map { "\($0)" }.joined(separator: ", ")
                main += "    { const REAL p[] = {\(ps)}; const REAL x[] = {\(xs)};\n"
                main += "      f = model_eval_\(k)(p, x, g); printf(\"%.17g\", f);\n"
                main += "      for (int j = 0; j < \(p.count); j++) { printf(\" %.17g\", g[j]); } printf(\"\\n\"); }\n"
            }
        }
        program += main + "    return 0;\n}\n"

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mexpr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("models.c")
        try program.write(to: file, atomically: true, encoding: .utf8)
        let exe = dir.appendingPathComponent("models").path
        let cc = try #require(Self.compiler)
        let build = try Self.run([cc, "-std=c99", "-O0", "-Wall", "-Werror", "-Wno-unused-function", "-DREAL=double",
                                  file.path, "-o", exe, "-lm"])
        try #require(build.status == 0, "\(build.output)")
        let result = try Self.run([exe])
        try #require(result.status == 0)
        let lines = result.output.split(separator: "\n")
        try #require(lines.count == expected.count)
        for (line, want) in zip(lines, expected) {
            let got = line.split(separator: " ").map { Double(String($0))! }
            #expect(got.count == want.count)
            for (a, b) in zip(got, want) where !(a.isNaN && b.isNaN) {
                #expect(abs(a - b) <= 1e-13 * max(1, abs(b)), "C \(a) vs Swift \(b)")
            }
        }

        let fp32 = try Self.run([cc, "-std=c99", "-fsyntax-only", "-Wall", "-Werror", "-Wno-unused-function",
                                 "-DREAL=float", file.path])
        #expect(fp32.status == 0, "\(fp32.output)")
    }
}
