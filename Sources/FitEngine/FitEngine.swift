import FitModels

/// A solver of fit batches. Two implementations compute the same numbers: `CPUEngine` (Swift, all cores)
/// and `OpenCLEngine` (kernels/lm.cl on an OpenCL device).
public protocol FitEngine: AnyObject, Sendable {
    /// What runs the fits, for summaries: e.g. "cpu (native, 2 threads)" or "opencl 0: NVIDIA H100 (fp64)".
    var label: String { get }
    /// The precision the engine computes in.
    var precision: Precision { get }
    /// Solves one fit per start point. `starts` is fit-major (starts.count == fits x parameters); `weightSets`
    /// (if any) gives each fit its bootstrap multiplicities. `progress` (if any) is advanced as fits are
    /// taken up, from any thread, so a caller can show life inside one long call.
    func solve(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?, progress: FitProgress?) throws -> FitResults
}

extension FitEngine {
    public func solve(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?) throws -> FitResults {
        try solve(problem, starts: starts, weightSets: weightSets, progress: nil)
    }

    func checkShapes(_ problem: FitProblem, starts: [Double], weightSets: WeightSets?) throws -> Int {
        let np = problem.parameterCount
        guard starts.count % np == 0 else {
            throw FitError.invalidProblem("\(starts.count) start values is not a multiple of \(np) parameters")
        }
        let fits = starts.count / np
        if let ws = weightSets {
            guard ws.groupCount == problem.groupCount, ws.setOfFit.count == fits,
                  ws.multiplicity.count % max(ws.groupCount, 1) == 0
            else { throw FitError.invalidProblem("weight sets do not match the problem's groups or fits") }
            let sets = ws.multiplicity.count / max(ws.groupCount, 1)
            if let bad = ws.setOfFit.first(where: { $0 >= sets || $0 < -1 }) {
                throw FitError.invalidProblem("fit refers to weight set \(bad) of \(sets)")
            }
        }
        return fits
    }
}
