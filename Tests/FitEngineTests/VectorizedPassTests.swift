import FitEngine
import FitModels
import Foundation
import Testing
import TestSupport

/// The CPU engine's lane loop (sixteen fits side by side: vector exp/log, `evaluateLanes`) against the
/// one-fit, one-point loop.
@Suite struct VectorizedPassTests {
    static func ulps(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b).ulp, Double.leastNormalMagnitude) }

    @Test func vectorExpAndLogMatchLibm() {
        var rng = SeededGenerator(seed: 5)
        var worstExp = 0.0, worstLog = 0.0
        for _ in 0..<20_000 {
            var x = Lanes(), y = Lanes()
            for i in 0..<Lanes.scalarCount {
                x[i] = Double.random(in: -740...709, using: &rng)
                y[i] = exp(Double.random(in: -700...700, using: &rng))
            }
            let e = vexp(x), l = vlog(y)
            for i in 0..<Lanes.scalarCount {
                worstExp = max(worstExp, Self.ulps(e[i], exp(x[i])))
                worstLog = max(worstLog, Self.ulps(l[i], log(y[i])))
            }
        }
        #expect(worstExp <= 2, "vexp: \(worstExp) ulp")
        #expect(worstLog <= 2, "vlog: \(worstLog) ulp")
        func lanes(_ v: [Double]) -> Lanes { Lanes(v + [Double](repeating: 1, count: Lanes.scalarCount - v.count)) }
        let special = vexp(lanes([800, -800, .infinity, -.infinity, .nan, 0, 709.7, -745, 709.79, -745.3, 709.78, -744.5, -709]))
        #expect(special[0] == .infinity && special[1] == 0 && special[2] == .infinity && special[3] == 0)
        #expect(special[4].isNaN && special[5] == 1 && special[6].isFinite && special[7] >= 0)
        // Either side of the overflow and underflow thresholds, and in the subnormal range: libm's values.
        for i in 8..<13 { #expect(special[i] == exp([800, -800, .infinity, -.infinity, .nan, 0, 709.7, -745, 709.79, -745.3, 709.78, -744.5, -709][i]), "vexp lane \(i)") }
        let logs = vlog(lanes([0, -1, .infinity, .nan, 1, 5e-324, 2, 0.5]))
        #expect(logs[0] == -.infinity && logs[1].isNaN && logs[2] == .infinity && logs[3].isNaN && logs[4] == 0)
        #expect(Self.ulps(logs[5], log(5e-324)) <= 1 && logs[6] == log(2.0) && logs[7] == log(0.5))
    }

    @Test func laneModelsMatchOneFitModels() {
        var rng = SeededGenerator(seed: 6)
        let models: [any VectorizedFitModel] = [LossLawModel(), ComputeLawModel(), SigmoidModel(), SingleStepModel()]
        for model in models {
            let np = model.parameterCount, nv = model.variableCount
            #expect(type(of: model).fixedParameterCount == np && type(of: model).fixedVariableCount == nv, "\(model.name)")
            for _ in 0..<200 {
                // Each lane its own parameters and its own point, as the lane engine and the tests of both need.
                var p = [Lanes](repeating: Lanes(), count: np)
                var x = [Lanes](repeating: Lanes(), count: nv)
                for i in 0..<Lanes.scalarCount {
                    for j in 0..<np { p[j][i] = model.parameters[j].startRange.value(at: Double.random(in: 0..<1, using: &rng)) }
                    for v in 0..<nv { x[v][i] = model.variableTransforms[v] == .log ? Double.random(in: 18...30, using: &rng) : Double.random(in: 0...3, using: &rng) }
                }
                var d8 = [Lanes](repeating: Lanes(), count: np)
                let f8 = model.evaluateLanes(p, x, &d8)
                for i in 0..<Lanes.scalarCount {
                    var d = [Double](repeating: 0, count: np)
                    let f = model.evaluate(p.map { $0[i] }, x.map { $0[i] }, &d)
                    #expect(abs(f8[i] - f) <= 1e-13 * max(abs(f), 1e-300), "\(model.name) value")
                    for j in 0..<np { #expect(abs(d8[j][i] - d[j]) <= 1e-13 * max(abs(d[j]), 1e-300) + 1e-300, "\(model.name) df/dp\(j)") }
                }
            }
        }
    }

    @Test func laneMaskReductions() {
        let all = (1 << Lanes.scalarCount) - 1
        for bits in 0...all {
            var m = LaneMask(repeating: false)
            for i in 0..<Lanes.scalarCount { m[i] = bits & (1 << i) != 0 }
            #expect(anyLane(m) == (bits != 0))
            #expect(allLanes(m) == (bits == all))
        }
    }

    @Test func bothPointLoopsReachTheSameFits() throws {
        var rng = SeededGenerator(seed: 7)
        let (points, y) = Synthetic.lossLaw(&rng)
        let huber = try FitProblem(model: LossLawModel(), points: points, y: y, groups: points.indices.map { $0 / 2 },
                                   loss: .huber(delta: 1e-3), residualSpace: .log)
        let (sp, sy) = Synthetic.sigmoid(&rng, count: 203)
        let sigmoid = try FitProblem(model: SigmoidModel(), points: sp, y: sy, lower: [-1, 0, 0, 0], upper: [0, .infinity, .infinity, 1])
        for problem in [huber, sigmoid] {
            let starts = Synthetic.starts(problem.model, count: 200, &rng)
            let sets = WeightSets(groupCount: problem.groupCount,
                                  multiplicity: (0..<(3 * problem.groupCount)).map { _ in Double(Int.random(in: 0...2, using: &rng)) },
                                  setOfFit: (0..<200).map { Int32($0 % 4) - 1 })
            let a = try CPUEngine(vectorized: true).solve(problem, starts: starts, weightSets: sets)
            let b = try CPUEngine(vectorized: false).solve(problem, starts: starts, weightSets: sets)
            let same = (0..<200).filter { abs(a.objective[$0] - b.objective[$0]) <= 1e-10 * abs(b.objective[$0]) || (a.objective[$0].isNaN && b.objective[$0].isNaN) }.count
            #expect(same >= 194, "\(problem.model.name): \(same) of 200 objectives agree")
            #expect(abs(a.objective.filter { !$0.isNaN }.min()! - b.objective.filter { !$0.isNaN }.min()!) <= 1e-12 * b.objective.filter { !$0.isNaN }.min()!)
        }
    }

    /// A fit's lane result must not depend on which fits share its vector, on the thread count or on the
    /// batch it came in: solved alone, in a batch of 37 on one thread, or of 37 on two threads, every
    /// parameter is bit for bit the same.
    @Test func laneResultsDoNotDependOnNeighbours() throws {
        var rng = SeededGenerator(seed: 8)
        let (points, y) = Synthetic.lossLaw(&rng)
        let problem = try FitProblem(model: LossLawModel(), points: points, y: y, groups: points.indices.map { $0 / 2 },
                                     loss: .huber(delta: 1e-3), residualSpace: .log)
        let fits = 37
        let starts = Synthetic.starts(problem.model, count: fits, &rng)
        let sets = WeightSets(groupCount: problem.groupCount,
                              multiplicity: (0..<(3 * problem.groupCount)).map { _ in Double(Int.random(in: 0...2, using: &rng)) },
                              setOfFit: (0..<fits).map { Int32($0 % 4) - 1 })
        let together = try CPUEngine(threads: 2).solve(problem, starts: starts, weightSets: sets)
        let oneThread = try CPUEngine(threads: 1).solve(problem, starts: starts, weightSets: sets)
        #expect(together.parameters == oneThread.parameters)
        #expect(together.iterations == oneThread.iterations)
        let np = problem.parameterCount
        for fit in stride(from: 0, to: fits, by: 5) {
            let alone = try CPUEngine(threads: 1).solve(
                problem, starts: Array(starts[fit * np..<(fit + 1) * np]),
                weightSets: WeightSets(groupCount: sets.groupCount, multiplicity: sets.multiplicity, setOfFit: [sets.setOfFit[fit]]))
            #expect(alone.parameters == together.parameters(of: fit), "fit \(fit)")
            #expect(alone.objective[0] == together.objective[fit] || (alone.objective[0].isNaN && together.objective[fit].isNaN))
            #expect(alone.states[0] == together.states[fit])
        }
    }
}
