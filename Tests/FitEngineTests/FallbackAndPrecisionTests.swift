import FitEngine
import FitModels
import Foundation
import Numerics
import Testing
import TestSupport

/// A model whose OpenCL source does not compile: stands for a kernel that fails to build on a device.
struct BrokenKernelModel: FitModel {
    let name = "broken-kernel"
    let parameters = Misra1aModel().parameters
    let variableNames = ["x"]
    let variableTransforms: [VariableTransform] = [.identity]
    var openCLSource: String { "REAL model_eval(const REAL *p, const REAL *x, REAL *dfdp) { return this is not C; }" }
    func evaluate(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        Misra1aModel().evaluate(p, x, dfdp)
    }
}

final class Messages: @unchecked Sendable {
    private let lock = NSLock()
    private var list = [String]()
    func add(_ m: String) { lock.lock(); list.append(m); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return list }
}

@Suite struct FallbackAndPrecisionTests {
    @Test func aKernelThatFailsToBuildFallsBackToTheCPUOnceAndSaysWhy() throws {
        guard case .success(let devices) = OpenCLRuntime.devices(), let device = devices.first(where: \.fp64) else { return }
        let data = try NISTData(name: "Misra1a")
        let problem = try FitProblem(model: BrokenKernelModel(), points: data.x, y: data.y)
        let messages = Messages()
        let engine = FallbackEngine(primary: try OpenCLEngine(device: device, precision: .fp64), onFallback: { messages.add($0) })
        let first = try engine.solve(problem, starts: data.start1, weightSets: nil)
        let second = try engine.solve(problem, starts: data.start2, weightSets: nil)
        #expect(messages.all.count == 1, "one warning for the run: \(messages.all)")
        #expect(messages.all.first?.contains("kernel build failed") == true)
        #expect(engine.fallbackReason != nil)
        #expect(engine.label.contains("fell back"))
        for r in [first, second] {
            #expect(r.objective[0].isApproximatelyEqual(to: data.certifiedRSS, relativeTolerance: 1e-6))
        }
        // Without fallback the same failure is an error.
        #expect(throws: FitError.self) {
            _ = try OpenCLEngine(device: device, precision: .fp64).solve(problem, starts: data.start1, weightSets: nil)
        }
    }

    @Test func fp32OnAnOpenCLDeviceReachesTheCertifiedValuesToFloatPrecision() throws {
        guard case .success(let devices) = OpenCLRuntime.devices(), let device = devices.first else { return }
        let data = try NISTData(name: "Chwirut2")
        var options = SolverOptions()
        options.ftol = 1e-7  // below float resolution the objective test would never fire
        options.xtol = 1e-7
        let problem = try FitProblem(model: ChwirutModel(), points: data.x, y: data.y, options: options)
        let engine = try OpenCLEngine(device: device, precision: .fp32)
        #expect(engine.precision == .fp32)
        let r = try engine.solve(problem, starts: data.start1 + data.start2, weightSets: nil)
        for fit in 0..<2 {
            #expect(r.states[fit].isUsable)
            for (j, c) in data.certified.enumerated() {
                #expect(r.parameters(of: fit)[j].isApproximatelyEqual(to: c, relativeTolerance: 1e-3), "fp32 \(r.parameters(of: fit)) vs \(data.certified)")
            }
        }
    }

    @Test func invalidOptionsNameTheField() {
        var o = SolverOptions()
        o.maxIterations = 0
        #expect(throws: FitError.invalidOption("maxIterations = 0; must be in 1...1000000")) { try o.validate() }
        o = SolverOptions()
        o.ftol = -1
        #expect(throws: FitError.invalidOption("ftol = -1.0; must be in [0, 1)")) { try o.validate() }
    }

    @Test func aStartWhereTheModelIsNotFiniteEndsNonFinite() throws {
        let data = try NISTData(name: "Misra1a")
        let problem = try FitProblem(model: Misra1aModel(), points: data.x, y: data.y, residualSpace: .log)
        // b1 < 0 makes f < 0: log residuals are undefined there.
        for engine in TestEngines.all {
            let r = try engine.make().solve(problem, starts: [-500, 1e-4, 500, 1e-4], weightSets: nil)
            #expect(r.states[0] == .nonFinite)
            #expect(r.objective[0].isNaN)
            #expect(r.states[1].isConverged)
        }
    }

    @Test func integerWeightsEqualRepeatedPoints() throws {
        let data = try NISTData(name: "Misra1a")
        let weights = data.y.indices.map { Double($0 % 3) }
        let weighted = try FitProblem(model: Misra1aModel(), points: data.x, y: data.y, weights: weights)
        var px = [[Double]](), py = [Double]()
        for (i, w) in weights.enumerated() { for _ in 0..<Int(w) { px.append(data.x[i]); py.append(data.y[i]) } }
        let repeated = try FitProblem(model: Misra1aModel(), points: px, y: py)
        for engine in TestEngines.all {
            let a = try engine.make().solve(weighted, starts: data.start1, weightSets: nil)
            let b = try engine.make().solve(repeated, starts: data.start1, weightSets: nil)
            #expect(a.objective[0].isApproximatelyEqual(to: b.objective[0], relativeTolerance: 1e-10))
            for j in 0..<2 { #expect(a.parameters[j].isApproximatelyEqual(to: b.parameters[j], relativeTolerance: 1e-6)) }
        }
    }

    @Test func parametersStayInsideTheirBoundsAndStopOnThem() throws {
        let data = try NISTData(name: "Misra1a")
        // The certified b1 is 238.9; an upper bound of 200 must hold it there.
        let problem = try FitProblem(model: Misra1aModel(), points: data.x, y: data.y, lower: [0, 0], upper: [200, 1])
        for engine in TestEngines.all {
            let r = try engine.make().solve(problem, starts: data.start1 + data.start2, weightSets: nil)
            for fit in 0..<2 {
                #expect(r.states[fit].isConverged)
                #expect(r.parameters(of: fit)[0] == 200)
                #expect(r.parameters(of: fit)[1] > 0 && r.parameters(of: fit)[1] <= 1)
            }
        }
    }
}

/// Suites that need an OpenCL device run on every device present; CI installs PoCL, so there the kernel
/// path must exist: without it those suites would pass on the CPU engine alone.
@Test func continuousIntegrationHasAnOpenCLDevice() {
    if ProcessInfo.processInfo.environment["CI"] != nil {
        #expect(!TestEngines.openCL.isEmpty, "CI has no fp64 OpenCL device: install pocl-opencl-icd (.ci/run does)")
    }
}
