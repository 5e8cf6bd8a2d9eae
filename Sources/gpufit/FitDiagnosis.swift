import FitEngine
import FitModels
import FitSweep
import Foundation
import ModelExpressions

/// What went wrong with a fit, in words a user can act on: the precise cause when no start reached a usable
/// fit (data too large for fp64, a model that is not finite at the starts, a singular Jacobian), and a
/// warning when most starts stopped at the iteration cap.
struct FitDiagnosis {
    let problem: FitProblem
    let plan: SweepPlan
    let result: SweepResult
    let file: String
    let yColumn: String
    /// The file line of data row i (quoted newlines can shift it).
    var line: (Int) -> Int = { $0 + 2 }

    /// Why no start reached a usable fit; one line.
    var cause: String {
        let states = result.spread.states.filter { $0.count > 0 }.map { "\($0.state) \($0.count)" }.joined(separator: ", ")
        let tally = "no start reached a usable fit (\(plan.starts) start(s): \(states))"
        if let overflow = dataOverflow { return "\(tally): \(overflow)" }
        if let model = modelAtFirstStart { return "\(tally): \(model)" }
        let singular = result.spread.states.first { $0.state == .singular }?.count ?? 0
        if singular == plan.starts {
            return "\(tally): the Jacobian is singular at every start (a parameter has no effect, or two act the same); check the model and --params"
        }
        return "\(tally): the objective is not finite at the starts; try --start, --start-range or --bounds"
    }

    /// Observations so large that squared residuals overflow fp64.
    private var dataOverflow: String? {
        guard problem.residualSpace == .linear, let (i, y) = problem.y.enumerated().max(by: { abs($0.1) < abs($1.1) }) else { return nil }
        let limit = (Double.greatestFiniteMagnitude / Double(max(problem.pointCount, 1))).squareRoot()
        guard abs(y) > limit else { return nil }
        return "column '\(yColumn)' holds \(y) at \(file):\(line(i)); residuals that large overflow fp64 when squared (limit about \(String(format: "%.1e", limit)) for \(problem.pointCount) points): rescale the column"
    }

    /// The model or its derivative not finite at the first start of the data as given.
    private var modelAtFirstStart: String? {
        var start = [Double]()
        plan.startPoint(replicate: 0, start: 0, ranges: plan.startRanges ?? problem.model.parameters.map(\.startRange), into: &start)
        if let expression = problem.model as? ExpressionModel {
            do { try expression.checkFinite(parameters: start, x: problem.x) } catch {
                // The error's later lines repeat the expression with a caret; the cause is its first line.
                return "at start 0, " + (String(describing: error).split(separator: "\n").first.map(String.init) ?? "")
            }
            return nil
        }
        let nv = problem.variableCount
        for i in 0..<problem.pointCount {
            // problem.x is already transformed, so evaluate directly (value(parameters:at:) would transform again).
            var gradient = [Double](repeating: 0, count: start.count)
            let v = start.withUnsafeBufferPointer { p in
                problem.x.withUnsafeBufferPointer { x in
                    gradient.withUnsafeMutableBufferPointer { g in problem.model.evaluate(p.baseAddress!, x.baseAddress! + i * nv, g.baseAddress!) }
                }
            }
            if !v.isFinite {
                let ps = zip(problem.model.parameterNames, start).map { "\($0) = \(String(format: "%g", $1))" }.joined(separator: ", ")
                return "model '\(problem.model.name)' is \(v) at \(file):\(line(i)) with start 0 (\(ps)); give --start or --start-range where it is finite"
            }
        }
        return nil
    }

    /// A warning when most starts of the data as given stopped at the iteration cap.
    var iterationLimitWarning: String? {
        let capped = result.spread.states.first { $0.state == .iterationLimit }?.count ?? 0
        guard plan.starts >= 4, capped * 2 > plan.starts else { return nil }
        return "\(capped) of \(plan.starts) starts stopped at the iteration limit (\(problem.options.maxIterations)); the start ranges may be far from the data's scale: give --start-range (or --start), or raise --max-iterations"
    }
}
