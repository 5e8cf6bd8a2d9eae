import FitEngine
import FitModels
import Foundation
import Numerics
import Testing
import TestSupport

/// The kernel and the CPU engine implement one algorithm; on random batches they must agree fit by fit.
@Suite struct EngineAgreementTests {
    /// Fresh random inputs each run; the seed is logged so a failure can be replayed.
    static let seed = UInt64.random(in: 0...UInt64.max)

    static func compare(_ problem: FitProblem, starts: [Double], weightSets: WeightSets? = nil) throws {
        for gpu in TestEngines.openCL {
            let a = try CPUEngine().solve(problem, starts: starts, weightSets: weightSets)
            let b = try gpu.make().solve(problem, starts: starts, weightSets: weightSets)
            var agreeing = 0
            for i in 0..<a.count {
                let same = a.states[i] == b.states[i] && a.iterations[i] == b.iterations[i]
                    && (0..<problem.parameterCount).allSatisfy { j in
                        let x = a.parameters[i * problem.parameterCount + j], y = b.parameters[i * problem.parameterCount + j]
                        return x.isApproximatelyEqual(to: y, relativeTolerance: 1e-9, norm: { abs($0) + 1e-12 })
                    }
                if same { agreeing += 1 }
            }
            // Fits that wander (thousands of rejected steps, far from any optimum) may amplify 1-ulp
            // differences between libm and the device's exp/log; converged fits must agree.
            #expect(Double(agreeing) >= 0.98 * Double(a.count), "seed \(seed): \(agreeing) of \(a.count) fits agree between cpu and \(gpu)")
            let bestA = a.objective.enumerated().filter { !$0.element.isNaN }.min { $0.element < $1.element }!
            let bestB = b.objective.enumerated().filter { !$0.element.isNaN }.min { $0.element < $1.element }!
            #expect(bestA.element.isApproximatelyEqual(to: bestB.element, relativeTolerance: 1e-9), "seed \(seed)")
        }
    }

    @Test func lossLawHuberLogResiduals() throws {
        var rng = SeededGenerator(seed: Self.seed)
        print("EngineAgreementTests seed \(Self.seed)")
        let (points, y) = Synthetic.lossLaw(&rng)
        let problem = try FitProblem(model: LossLawModel(), points: points, y: y, loss: .huber(delta: 1e-3), residualSpace: .log)
        try Self.compare(problem, starts: Synthetic.starts(problem.model, count: 256, &rng))
    }

    @Test func sigmoidBoundedWithBootstrapWeights() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 1)
        let (points, y) = Synthetic.sigmoid(&rng)
        let problem = try FitProblem(model: SigmoidModel(), points: points, y: y, groups: points.indices.map { $0 % 10 },
                                     lower: [-1, 0, 0, 0], upper: [0, .infinity, .infinity, 1])
        let fits = 128
        let multiplicity = (0..<(4 * 10)).map { _ in Double(Int.random(in: 0...3, using: &rng)) }
        let sets = WeightSets(groupCount: 10, multiplicity: multiplicity, setOfFit: (0..<fits).map { Int32($0 % 5) - 1 })
        try Self.compare(problem, starts: Synthetic.starts(problem.model, count: fits, &rng), weightSets: sets)
    }

    @Test(arguments: BuiltinModels.all.map(\.name))
    func modelValuesAndGradientsAgree(name: String) throws {
        // One iteration cap of 0 fits evaluates nothing; instead compare through a 1-iteration solve on data
        // drawn from the model itself at random parameters.
        var rng = SeededGenerator(seed: Self.seed &+ 2)
        let model = BuiltinModels.named(name)!
        let truth = model.parameters.map { $0.startRange.value(at: Double.random(in: 0.2..<0.8, using: &rng)) }
        let points: [[Double]] = (0..<40).map { _ in
            model.variableTransforms.map { $0 == .log ? exp(Double.random(in: 18...28, using: &rng)) : Double.random(in: 0.1...3, using: &rng) }
        }
        let y = points.map { model.value(parameters: truth, at: $0) * (1 + 0.02 * Double.random(in: -1...1, using: &rng)) }
        var options = SolverOptions()
        options.maxIterations = 3
        let problem = try FitProblem(model: model, points: points, y: y, options: options)
        try Self.compare(problem, starts: Synthetic.starts(model, count: 64, &rng))
    }
}
