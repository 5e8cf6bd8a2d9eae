import Foundation
import FitModels
import Testing
@testable import ModelExpressions
import TestSupport

@Suite("NIST StRD files")
struct NISTProblemTests {
    @Test("the shipped NIST files are found")
    func filesFound() {
        #expect(TestData.nistFiles.count == 19, "found \(TestData.nistFiles.map(\.lastPathComponent)) in \(String(describing: TestData.nistDirectory))")
    }

    @Test("every file parses, and its model reproduces the certified residual sum of squares",
          arguments: TestData.nistFiles.map(\.lastPathComponent))
    func everyFile(_ file: String) throws {
        let directory = try #require(TestData.nistDirectory, "../shared/data/nist-strd not found beside the checkout")
        let problem = try NISTProblem(contentsOf: directory.appendingPathComponent(file))
        #expect(problem.name + ".dat" == file)
        let n = problem.parameterNames.count
        #expect(n >= 2)
        #expect(problem.parameterNames == (1...n).map { "b\($0)" })
        #expect(problem.start1.count == n && problem.start2.count == n)
        #expect(problem.certifiedValues.count == n && problem.certifiedStandardDeviations.count == n)
        #expect(problem.certifiedStandardDeviations.allSatisfy { $0 > 0 })
        #expect(problem.degreesOfFreedom == problem.observationCount - n)
        #expect(!problem.modelExpression.hasSuffix("e"))
        #expect(!problem.modelExpression.contains("="))
        #expect(problem.x.allSatisfy { $0.count == problem.observationCount })

        let model = try problem.makeModel()
        #expect(model.parameterNames == problem.parameterNames)
        #expect(model.variableNames == problem.variableNames)
        // The parsed model at the certified values gives the certified RSS (to the 11 digits NIST prints).
        let response = problem.response
        var rss = 0.0, sumSquares = 0.0
        for i in 0..<problem.observationCount {
            let r = response[i] - model.value(parameters: problem.certifiedValues, at: problem.point(i))
            rss += r * r
            sumSquares += response[i] * response[i]
        }
        let certified = problem.certifiedResidualSumOfSquares
        // Lanczos1's RSS (1.4e-25) is round-off: compare with the scale of the data there.
        let tolerance = max(1e-8 * certified, 1e-20 * sumSquares)
        #expect(abs(rss - certified) <= tolerance, "\(problem.name): RSS \(rss) vs certified \(certified)")
        try model.checkFinite(parameters: problem.start1, x: (0..<problem.observationCount).flatMap { problem.point($0) })
    }

    @Test("model lines are joined and cleaned exactly")
    func modelLines() throws {
        let expected: [String: String] = [
            "Misra1a": "b1*(1-exp[-b2*x])",
            "Chwirut2": "exp(-b1*x)/(b2+b3*x)",
            "DanWood": "b1*x**b2",
            "Misra1c": "b1 * (1-(1+2*b2*x)**(-.5))",
            "Roszman1": "b1 - b2*x - arctan[b3/(x-b4)]/pi",
            "Nelson": "b1 - b2*x1 * exp[-b3*x2]",
            "Kirby2": "(b1 + b2*x + b3*x**2) / (1 + b4*x + b5*x**2)",
            "Hahn1": "(b1+b2*x+b3*x**2+b4*x**3) / (1+b5*x+b6*x**2+b7*x**3)",
            "Gauss1": "b1*exp( -b2*x ) + b3*exp( -(x-b4)**2 / b5**2 ) + b6*exp( -(x-b7)**2 / b8**2 )",
            "ENSO": "b1 + b2*cos( 2*pi*x/12 ) + b3*sin( 2*pi*x/12 ) + b5*cos( 2*pi*x/b4 ) + b6*sin( 2*pi*x/b4 ) + b8*cos( 2*pi*x/b7 ) + b9*sin( 2*pi*x/b7 )",
        ]
        for (name, model) in expected {
            let p = try TestData.nist(name)
            #expect(p.modelExpression == model, "\(name)")
            #expect(p.logResponse == (name == "Nelson"), "\(name)")
        }
    }

    @Test("header fields of Misra1a, Nelson and Roszman1")
    func fields() throws {
        let m = try TestData.nist("Misra1a")
        #expect(m.start1 == [500, 0.0001])
        #expect(m.start2 == [250, 0.0005])
        #expect(m.certifiedValues == [2.3894212918E+02, 5.5015643181E-04])
        #expect(m.certifiedStandardDeviations == [2.7070075241E+00, 7.2668688436E-06])
        #expect(m.certifiedResidualSumOfSquares == 1.2455138894E-01)
        #expect(m.residualStandardDeviation == 1.0187876330E-01)
        #expect(m.degreesOfFreedom == 12)
        #expect(m.variableNames == ["x"])
        #expect(m.y.first == 10.07 && m.x[0].first == 77.6 && m.y.last == 81.78 && m.x[0].last == 760.0)

        let n = try TestData.nist("Nelson")
        #expect(n.logResponse)
        #expect(n.variableNames == ["x1", "x2"])
        #expect(n.observationCount == 128)
        #expect(n.point(0) == [1, 180])
        #expect(n.response[0] == log(15.0))

        let r = try TestData.nist("Roszman1")
        #expect(r.constants["pi"] == 3.141592653589793)
        #expect(r.start1 == [0.1, -0.00001, 1000, -100])
        #expect(r.certifiedValues[0] == 2.0196866396E-01)
    }

    @Test("a truncated file is rejected with its line")
    func truncated() throws {
        let directory = try #require(TestData.nistDirectory, "../shared/data/nist-strd not found beside the checkout")
        let text = try String(contentsOf: directory.appendingPathComponent("Misra1a.dat"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let cut = lines.prefix(70).joined(separator: "\n")
        #expect(throws: NISTFormatError.self) { try NISTProblem(text: cut, fileName: "cut.dat") }
        do { _ = try NISTProblem(text: cut, fileName: "cut.dat") } catch {
            #expect("\(error)" == "cut.dat:60: the header says 14 observations, the data have 10")
        }
    }
}
