import FitEngine
import FitModels
import Foundation
import Numerics
import Testing
import TestSupport

/// The kernel and the CPU engine implement one algorithm; on random batches they must agree. Fresh random
/// inputs every run; the seed is printed so that a failure can be replayed.
///
/// Two levels: a single LM step from many starts must agree to 1e-6 in parameters and 1e-7 in objective
/// (this checks the models and the step, with no room for paths to part; a wrong derivative or step parts
/// by far more), and converged fits must reach the same objective to 1e-10. A step on an ill-conditioned
/// system amplifies rounding by its condition: measured over 150 seeds x 64 starts per model, the worst
/// parameter difference is 2.5e-8 (loss law; median of the per-seed worst 3e-11) and the worst objective
/// difference 2.9e-9, so the earlier 1e-9 failed about one CI run in ten. Parameters
/// of converged fits are compared only on well-conditioned problems (SweepDeterminismTests): where the
/// objective is flat to rounding along a direction, any two correct solvers may stop at different points.
@Suite struct EngineAgreementTests {
    static let seed = UInt64.random(in: 0...UInt64.max)

    static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-300) || (a.isNaN && b.isNaN)
    }

    @Test(arguments: BuiltinModels.all.map(\.name))
    func oneStepAgreesForEveryModel(name: String) throws {
        print("EngineAgreementTests seed \(Self.seed)")
        var rng = SeededGenerator(seed: Self.seed &+ UInt64(name.utf8.reduce(0) { $0 &+ Int($1) }))
        let model = BuiltinModels.named(name)!
        let truth = model.parameters.map { $0.startRange.value(at: Double.random(in: 0.3..<0.7, using: &rng)) }
        let points: [[Double]] = (0..<40).map { _ in
            model.variableTransforms.map { $0 == .log ? exp(Double.random(in: 18...28, using: &rng)) : Double.random(in: 0.1...3, using: &rng) }
        }
        let y = points.map { model.value(parameters: truth, at: $0) * (1 + 0.02 * Double.random(in: -1...1, using: &rng)) }
        var options = SolverOptions()
        options.maxIterations = 1
        let problem = try FitProblem(model: model, points: points, y: y, options: options)
        let starts = Synthetic.starts(model, count: 64, &rng)
        for gpu in TestEngines.openCL {
            // The one-point loop adds in the kernel's order (VectorizedPassTests and LaneIterationTests hold the lane loop to it).
            let a = try CPUEngine(vectorized: false).solve(problem, starts: starts, weightSets: nil)
            let b = try gpu.make().solve(problem, starts: starts, weightSets: nil)
            for i in 0..<a.count {
                #expect(a.states[i] == b.states[i], "seed \(Self.seed) \(name) fit \(i)")
                for j in 0..<problem.parameterCount {
                    let x = a.parameters[i * problem.parameterCount + j], z = b.parameters[i * problem.parameterCount + j]
                    #expect(Self.close(x, z, 1e-6), "seed \(Self.seed) \(name) fit \(i) p\(j): \(x) vs \(z)")
                }
                #expect(Self.close(a.objective[i], b.objective[i], 1e-7), "seed \(Self.seed) \(name) fit \(i) objective")
            }
        }
    }

    static func convergedFitsAgree(_ problem: FitProblem, starts: [Double], weightSets: WeightSets? = nil) throws {
        for gpu in TestEngines.openCL {
            let a = try CPUEngine().solve(problem, starts: starts, weightSets: weightSets)
            let b = try gpu.make().solve(problem, starts: starts, weightSets: weightSets)
            var same = 0
            for i in 0..<a.count where Self.close(a.objective[i], b.objective[i], 1e-10) { same += 1 }
            // A start may sit where one rounding difference picks a different basin; almost all must agree.
            // Measured on the Huber problem over seeds 0..<30 (256 starts): median 256, lowest 240 (seed 0),
            // the same for the one-fit loop as for the lanes, so 90%: a real divergence of the two
            // implementations disagrees on far more.
            #expect(Double(same) >= 0.9 * Double(a.count), "seed \(seed): \(same) of \(a.count) objectives agree with \(gpu)")
            let bestA = a.objective.filter { !$0.isNaN }.min()!, bestB = b.objective.filter { !$0.isNaN }.min()!
            #expect(Self.close(bestA, bestB, 1e-12), "seed \(seed): best \(bestA) vs \(bestB)")
        }
    }

    @Test func lossLawHuberOnLogResiduals() throws {
        var rng = SeededGenerator(seed: Self.seed)
        let (points, y) = Synthetic.lossLaw(&rng)
        let problem = try FitProblem(model: LossLawModel(), points: points, y: y, loss: .huber(delta: 1e-3), residualSpace: .log)
        try Self.convergedFitsAgree(problem, starts: Synthetic.starts(problem.model, count: 256, &rng))
    }

    @Test func boundedSigmoidWithBootstrapWeights() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 1)
        let (points, y) = Synthetic.sigmoid(&rng)
        let problem = try FitProblem(model: SigmoidModel(), points: points, y: y, groups: points.indices.map { $0 % 10 },
                                     lower: [-1, 0, 0, 0], upper: [0, .infinity, .infinity, 1])
        let fits = 128
        let multiplicity = (0..<(4 * 10)).map { _ in Double(Int.random(in: 0...3, using: &rng)) }
        let sets = WeightSets(groupCount: 10, multiplicity: multiplicity, setOfFit: (0..<fits).map { Int32($0 % 5) - 1 })
        try Self.convergedFitsAgree(problem, starts: Synthetic.starts(problem.model, count: fits, &rng), weightSets: sets)
    }
}
