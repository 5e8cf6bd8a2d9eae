import FitEngine
import FitModels
import Numerics
import Testing
import TestSupport

/// NIST StRD certified values, from both NIST start points, on every engine (built-in models).
@Suite struct NISTCertifiedTests {
    static let cases: [(String, any FitModel)] = [("Misra1a", Misra1aModel()), ("Chwirut1", ChwirutModel()), ("Chwirut2", ChwirutModel())]

    @Test(arguments: TestEngines.all, [0, 1, 2])
    func certifiedValues(engine: TestEngine, problemIndex: Int) throws {
        let (name, model) = Self.cases[problemIndex]
        let data = try NISTData(name: name)
        let problem = try FitProblem(model: model, points: data.x, y: data.y)
        let results = try engine.make().solve(problem, starts: data.start1 + data.start2, weightSets: nil)
        for fit in 0..<2 {
            #expect(results.states[fit].isConverged, "\(name) start \(fit + 1) ended \(results.states[fit])")
            let p = results.parameters(of: fit)
            for j in 0..<model.parameterCount {
                #expect(p[j].isApproximatelyEqual(to: data.certified[j], relativeTolerance: 1e-6),
                        "\(name) start \(fit + 1) \(data.parameterNames[j]) = \(p[j]), certified \(data.certified[j])")
            }
            #expect(results.objective[fit].isApproximatelyEqual(to: data.certifiedRSS, relativeTolerance: 1e-6),
                    "\(name) start \(fit + 1) RSS = \(results.objective[fit]), certified \(data.certifiedRSS)")
        }
    }
}
