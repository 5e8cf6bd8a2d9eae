@testable import FitEngine
import FitModels
import Foundation
import Testing
import TestSupport

/// `LaneIteration` (the LM iteration on vectors, sixteen fits per vector) against `LMIteration` (one fit,
/// scalar), both fed by the same lane pass: every fit must end bit for bit the same (parameters,
/// objective, iterations, state). Problems chosen to take every branch: Huber's two phases, bounds that
/// hold parameters, bootstrap weights with points left out, starts where the model is not finite, and an
/// iteration cap that stops fits mid-way.
@Suite struct LaneIterationTests {
    static func compare(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?) throws -> Int {
        // The per-lane scalar path runs the portable lane pass; so must the vector path here.
        let vector = try CPUEngine(threads: 2, laneLogic: .vector, instructionSet: .portable).solve(problem, starts: starts, weightSets: weightSets)
        let scalar = try CPUEngine(threads: 2, laneLogic: .scalarPerLane).solve(problem, starts: starts, weightSets: weightSets)
        try sameBits(vector, scalar)
        return scalar.count
    }

    /// Every fit the same to the bit: parameters, objective, iterations, state.
    static func sameBits(_ vector: FitResults, _ scalar: FitResults) throws {
        for fit in 0..<scalar.count {
            let p = vector.parameters(of: fit), q = scalar.parameters(of: fit)
            let equal = zip(p, q).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
                && (vector.objective[fit] == scalar.objective[fit] || (vector.objective[fit].isNaN && scalar.objective[fit].isNaN))
                && vector.iterations[fit] == scalar.iterations[fit] && vector.states[fit] == scalar.states[fit]
            #expect(equal, "fit \(fit): \(p) \(vector.states[fit]) \(vector.iterations[fit]) vs \(q) \(scalar.states[fit]) \(scalar.iterations[fit])")
        }
    }

    @Test func huberOnLogResidualsWithBootstrapWeights() throws {
        var rng = SeededGenerator(seed: 21)
        let (points, y) = Synthetic.lossLaw(&rng)
        let problem = try FitProblem(model: LossLawModel(), points: points, y: y, groups: points.indices.map { $0 / 2 },
                                     loss: .huber(delta: 1e-3), residualSpace: .log)
        var starts = Synthetic.starts(problem.model, count: 300, &rng)
        // A few starts where exp overflows (the model is not finite there) and a few far out.
        for fit in stride(from: 7, to: 300, by: 50) { starts[fit * 5] = 800 }
        for fit in stride(from: 11, to: 300, by: 40) { starts[fit * 5 + 2] = 40 }
        let sets = WeightSets(groupCount: problem.groupCount,
                              multiplicity: (0..<(5 * problem.groupCount)).map { _ in Double(Int.random(in: 0...2, using: &rng)) },
                              setOfFit: (0..<300).map { Int32($0 % 6) - 1 })
        let result = try CPUEngine(threads: 2).solve(problem, starts: starts, weightSets: sets)
        #expect(Set(result.states).count >= 3, "the starts should end in several states: \(Set(result.states))")
        #expect(try Self.compare(problem, starts: starts, weightSets: sets) == 300)
    }

    @Test func boundedSigmoidWithHeldParametersAndACap() throws {
        var rng = SeededGenerator(seed: 22)
        let (sp, sy) = Synthetic.sigmoid(&rng, count: 203)
        var options = SolverOptions()
        options.maxIterations = 25
        for opts in [SolverOptions(), options] {
            let problem = try FitProblem(model: SigmoidModel(), points: sp, y: sy, lower: [-1, 0, 0, 0], upper: [0, .infinity, .infinity, 0.9],
                                         options: opts)
            let starts = Synthetic.starts(problem.model, count: 200, &rng)
            #expect(try Self.compare(problem, starts: starts, weightSets: nil) == 200)
        }
    }

    @Test func singleStepSevenParameters() throws {
        var rng = SeededGenerator(seed: 23)
        let (points, y) = Synthetic.lossLaw(&rng)
        let acc = y.map { 0.9 - 0.5 / (1 + exp(-$0)) }
        let problem = try FitProblem(model: SingleStepModel(), points: points, y: acc)
        let starts = Synthetic.starts(problem.model, count: 64, &rng)
        #expect(try Self.compare(problem, starts: starts, weightSets: nil) == 64)
    }

    /// The AVX2 build of the lanes (FitLanesAVX2) does the same IEEE operations as the portable one (Swift
    /// fuses no multiply-add), so a fit gives the same bits on any x86-64 processor.
    @Test func avx2AndPortableBuildsGiveTheSameBits() throws {
        guard LaneInstructionSet.avx2Available else {
            // Nothing to compare on a processor without AVX2 (only the portable build can run there).
            #expect(CPUEngine().laneInstructionSet == .portable)
            return
        }
        var rng = SeededGenerator(seed: 24)
        let (points, y) = Synthetic.lossLaw(&rng)
        let huber = try FitProblem(model: LossLawModel(), points: points, y: y, loss: .huber(delta: 1e-3), residualSpace: .log)
        let (sp, sy) = Synthetic.sigmoid(&rng, count: 203)
        let sigmoid = try FitProblem(model: SigmoidModel(), points: sp, y: sy, lower: [-1, 0, 0, 0], upper: [0, .infinity, .infinity, 1])
        for problem in [huber, sigmoid] {
            let starts = Synthetic.starts(problem.model, count: 150, &rng)
            let avx2 = try CPUEngine(threads: 2, instructionSet: .avx2).solve(problem, starts: starts, weightSets: nil)
            let portable = try CPUEngine(threads: 2, instructionSet: .portable).solve(problem, starts: starts, weightSets: nil)
            try Self.sameBits(avx2, portable)
        }
    }
}
