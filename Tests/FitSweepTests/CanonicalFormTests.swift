import FitEngine
import FitModels
import FitSweep
import Foundation
import Numerics
import Testing
import TestSupport

/// Mirror-image solutions of the sigmoid: one canonical form (k >= 0) within the bounds, applied by the sweep
/// to every best fit before the bootstrap statistics.
@Suite struct CanonicalFormTests {
    static let sigmoid = SigmoidModel()
    /// (a, x0, k, b) with k < 0; its mirror image is (0.6, 0.5, 6, 0.2).
    static let mirrored = [-0.6, 0.5, -6.0, 0.8]
    static let unbounded = (lower: [Double](repeating: -.infinity, count: 4), upper: [Double](repeating: .infinity, count: 4))

    @Test func sigmoidCanonicalFormHasPositiveKAndTheSameCurve() {
        var p = Self.mirrored
        Self.sigmoid.canonicalize(&p, lower: Self.unbounded.lower, upper: Self.unbounded.upper)
        #expect(Self.sigmoid.hasCanonicalForm)
        #expect(p[2] > 0)
        #expect(p[0].isApproximatelyEqual(to: 0.6, relativeTolerance: 1e-15))
        #expect(p[3].isApproximatelyEqual(to: 0.2, relativeTolerance: 1e-14))
        for i in 0...200 {
            let x = -2.0 + 5.0 * Double(i) / 200
            let before = Self.sigmoid.value(parameters: Self.mirrored, at: [x])
            let after = Self.sigmoid.value(parameters: p, at: [x])
            #expect(after.isApproximatelyEqual(to: before, relativeTolerance: 1e-12), "x = \(x): \(before) vs \(after)")
        }
        // Canonical already: unchanged.
        var q = p
        Self.sigmoid.canonicalize(&q, lower: Self.unbounded.lower, upper: Self.unbounded.upper)
        #expect(q == p)
    }

    @Test func sigmoidIsLeftAsItIsWhenTheBoundsForbidTheMirrorImage() {
        // The ladder's step-2 style bound a <= 0 excludes the mirror image's a = 0.6.
        var p = Self.mirrored
        var upper = Self.unbounded.upper
        upper[0] = 0
        Self.sigmoid.canonicalize(&p, lower: Self.unbounded.lower, upper: upper)
        #expect(p == Self.mirrored)
        // So does b >= 0.5: the mirror image has b + a = 0.8 - 0.6 = 0.2.
        var lower = Self.unbounded.lower
        lower[3] = 0.5
        p = Self.mirrored
        Self.sigmoid.canonicalize(&p, lower: lower, upper: Self.unbounded.upper)
        #expect(p == Self.mirrored)
        // Models without a symmetry keep the default: no change.
        var m = [1.0, -2.0]
        Misra1aModel().canonicalize(&m, lower: [-.infinity, -.infinity], upper: [.infinity, .infinity])
        #expect(m == [1.0, -2.0])
        #expect(!Misra1aModel().hasCanonicalForm && !LogSigmoidModel().hasCanonicalForm)
    }

    /// 40 points of a = 0.6, x0 = 0.5, k = 6, b = 0.2 on [0, 1] plus deterministic noise of amplitude 0.02
    /// (a golden-ratio sequence, so the test needs no random generator).
    static func data() -> (x: [[Double]], y: [Double]) {
        let x = (0..<40).map { Double($0) / 39 }
        let y = x.enumerated().map { i, x in
            let noise = 0.04 * ((Double(i) * 0.6180339887498949).truncatingRemainder(dividingBy: 1) - 0.5)
            return 0.6 / (1 + exp(-6 * (x - 0.5))) + 0.2 + noise
        }
        return (x.map { [$0] }, y)
    }

    /// The sigmoid without its canonical form, as a control: the same curve, the default `canonicalize`.
    struct MirrorBlindSigmoid: FitModel {
        let inner = SigmoidModel()
        var name: String { "sigmoid-mirror-blind" }
        var parameters: [ParameterSpec] { inner.parameters }
        var variableNames: [String] { inner.variableNames }
        var variableTransforms: [VariableTransform] { inner.variableTransforms }
        var openCLSource: String { inner.openCLSource }
        func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
            inner.evaluate(p, x, dfdp)
        }
    }

    /// Starts symmetric in a and k, so that about half the replicates would land on each mirror image.
    static func plan() -> SweepPlan {
        var plan = SweepPlan()
        plan.starts = 16
        plan.bootstrap = 40
        plan.seed = 20261210
        plan.startRanges = [StartRange(-1, 1), StartRange(0.2, 0.8), StartRange(-10, 10), StartRange(0, 1)]
        return plan
    }

    @Test func bootstrapOfKIsCanonicalAndNarrow() throws {
        let (x, y) = Self.data()
        let problem = try FitProblem(model: Self.sigmoid, points: x, y: y)
        let result = try Sweep.run(problem, plan: Self.plan(), engine: CPUEngine())
        let usable = result.usableReplicates
        #expect(usable.count >= 38)
        #expect(usable.allSatisfy { $0.parameters[2] >= 0 })
        #expect(result.best.parameters[2] > 0)
        #expect(result.spread.nearBestLow[2] > 0)
        let k = result.parameterDistributions()[2]
        #expect(abs(k.mean - 6).isLess(than: 1), "k mean \(k.mean)")
        #expect(k.sd < 1.0, "k SD \(k.sd) (mean \(k.mean))")
        #expect(result.parameterModes().allSatisfy { $0.count == 1 })

        // The control: the same sweep on the same curve without the canonical form mixes both images.
        let blind = try Sweep.run(try FitProblem(model: MirrorBlindSigmoid(), points: x, y: y), plan: Self.plan(), engine: CPUEngine())
        let blindK = blind.usableReplicates.map { $0.parameters[2] }
        #expect(blindK.contains { $0 < 0 } && blindK.contains { $0 > 0 })
        #expect(blind.parameterDistributions()[2].sd > 2)
        // The reported objective is that of the reported (canonical) parameters, and canonicalizing the
        // control's best fits keeps each objective value.
        #expect(Self.objective(problem, result.best.parameters).isApproximatelyEqual(to: result.best.objective, relativeTolerance: 1e-12))
        for r in blind.usableReplicates {
            var p = r.parameters
            Self.sigmoid.canonicalize(&p, lower: problem.lower, upper: problem.upper)
            #expect(p[2] >= 0)
            #expect(Self.objective(problem, p).isApproximatelyEqual(to: Self.objective(problem, r.parameters), relativeTolerance: 1e-12))
        }
    }

    /// Sum of squared residuals on the data as given.
    static func objective(_ problem: FitProblem, _ p: [Double]) -> Double {
        (0..<problem.pointCount).reduce(0) { s, i in
            let r = problem.model.value(parameters: p, at: [problem.x[i]]) - problem.y[i]
            return s + r * r
        }
    }
}
