import FitModels
import Foundation

/// What every fit of a batch shares: the model, the data (already transformed for the engines), the loss,
/// the residual space, the box bounds and the solver options. Fits differ only in start point and weights.
public struct FitProblem: Sendable {
    public let model: any FitModel
    /// Points, point-major: x[i * variableCount + v], after the model's variable transforms.
    public let x: [Double]
    /// Observations; ln y when `residualSpace == .log`.
    public let y: [Double]
    /// Base weight of each point (>= 0); bootstrap multiplicities multiply it.
    public let weights: [Double]
    /// Resampling group of each point (0..<groupCount), or -1 for a point the bootstrap never resamples
    /// (weight 1 in every replicate). Ungrouped data: point i is group i.
    public let groups: [Int32]
    public let groupCount: Int
    public let loss: Loss
    public let residualSpace: ResidualSpace
    public let lower: [Double]
    public let upper: [Double]
    public let options: SolverOptions

    public var pointCount: Int { y.count }
    public var parameterCount: Int { model.parameterCount }
    public var variableCount: Int { model.variableCount }

    /// Builds and validates a problem from raw points.
    /// - Parameters:
    ///   - points: one array of raw variable values per point (before transforms).
    ///   - y: raw observations.
    ///   - weights: per-point weights (default 1).
    ///   - groups: resampling group of each point (default: each point its own group); nil entries are never
    ///     resampled. Without `groupCount` any integers, renumbered by first appearance; with it, ids in
    ///     0..<groupCount kept as given (so two problems can share one resample).
    ///   - lower, upper: bounds (default: the model's).
    /// - Throws: `FitError.invalidProblem` naming the first offending point, parameter or field.
    public init(
        model: any FitModel, points: [[Double]], y: [Double], weights: [Double]? = nil, groups: [Int?]? = nil, groupCount: Int? = nil,
        loss: Loss = .leastSquares, residualSpace: ResidualSpace = .linear,
        lower: [Double]? = nil, upper: [Double]? = nil, options: SolverOptions = SolverOptions()
    ) throws {
        try options.validate()
        let nv = model.variableCount, np = model.parameterCount
        guard !y.isEmpty else { throw FitError.invalidProblem("no data points") }
        guard points.count == y.count else {
            throw FitError.invalidProblem("\(points.count) x rows but \(y.count) y values")
        }
        var x = [Double]()
        x.reserveCapacity(y.count * nv)
        for (i, row) in points.enumerated() {
            guard row.count == nv else {
                throw FitError.invalidProblem("point \(i + 1) has \(row.count) x values; model '\(model.name)' needs \(nv) (\(model.variableNames.joined(separator: ", ")))")
            }
            for (v, value) in row.enumerated() {
                guard value.isFinite else {
                    throw FitError.invalidProblem("point \(i + 1): \(model.variableNames[v]) = \(value) is not finite; remove or fix that row")
                }
                let t = model.variableTransforms[v]
                if t == .log && value <= 0 {
                    throw FitError.invalidProblem("point \(i + 1): \(model.variableNames[v]) = \(value) must be > 0 (model '\(model.name)' takes its log)")
                }
                x.append(t.apply(value))
            }
        }
        var ty = [Double]()
        ty.reserveCapacity(y.count)
        for (i, value) in y.enumerated() {
            guard value.isFinite else { throw FitError.invalidProblem("point \(i + 1): y = \(value) is not finite; remove or fix that row") }
            if residualSpace == .log {
                guard value > 0 else {
                    throw FitError.invalidProblem("point \(i + 1): y = \(value) must be > 0 for log residuals")
                }
                ty.append(Foundation.log(value))
            } else {
                ty.append(value)
            }
        }
        let w = weights ?? [Double](repeating: 1, count: y.count)
        guard w.count == y.count else { throw FitError.invalidProblem("\(w.count) weights for \(y.count) points") }
        if let bad = w.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw FitError.invalidProblem("point \(bad + 1): weight \(w[bad]) must be finite and >= 0")
        }
        var groupIndex = [Int32]()
        var count = 0
        if let groups {
            guard groups.count == y.count else { throw FitError.invalidProblem("\(groups.count) group labels for \(y.count) points") }
            if let groupCount {
                // Explicit numbering: ids in 0..<groupCount, or nil for points the bootstrap never resamples.
                for (i, g) in groups.enumerated() {
                    guard g == nil || (0..<groupCount).contains(g!) else {
                        throw FitError.invalidProblem("point \(i + 1): group \(g!) outside 0..<\(groupCount)")
                    }
                    groupIndex.append(Int32(g ?? -1))
                }
                count = groupCount
            } else {
                var ids = [Int: Int32]()
                for g in groups {
                    guard let g else { groupIndex.append(-1); continue }
                    if let id = ids[g] { groupIndex.append(id) } else {
                        ids[g] = Int32(count); groupIndex.append(Int32(count)); count += 1
                    }
                }
            }
        } else {
            groupIndex = (0..<y.count).map { Int32($0) }
            count = y.count
        }
        let lo = lower ?? model.parameters.map(\.lower)
        let hi = upper ?? model.parameters.map(\.upper)
        guard lo.count == np, hi.count == np else {
            throw FitError.invalidProblem("bounds need \(np) values (\(model.parameterNames.joined(separator: ", ")))")
        }
        for j in 0..<np where !(lo[j] <= hi[j]) || lo[j].isNaN || hi[j].isNaN {
            throw FitError.invalidProblem("bounds of \(model.parameterNames[j]): lower \(lo[j]) > upper \(hi[j])")
        }
        self.model = model
        self.x = x
        self.y = ty
        self.weights = w
        self.groups = groupIndex
        self.groupCount = count
        self.loss = loss
        self.residualSpace = residualSpace
        self.lower = lo
        self.upper = hi
        self.options = options
    }

    /// The objective as reported: sum w r^2 for least squares, sum w Huber(r) for Huber. The solver works
    /// internally with F = sum w rho(r), rho = r^2/2 or Huber; this converts.
    @inlinable public func reportedObjective(internal f: Double) -> Double {
        if case .leastSquares = loss { return 2 * f }
        return f
    }
}

/// Bootstrap weightings of a batch: `multiplicity[s * groupCount + g]` is how often group g is drawn in
/// weight set s; fit i uses set `setOfFit[i]`, or weight 1 everywhere when that is -1.
public struct WeightSets: Sendable {
    public var groupCount: Int
    public var multiplicity: [Double]
    public var setOfFit: [Int32]

    public init(groupCount: Int, multiplicity: [Double], setOfFit: [Int32]) {
        self.groupCount = groupCount
        self.multiplicity = multiplicity
        self.setOfFit = setOfFit
    }
}

/// Per-fit outcomes of a batch, fit-major.
public struct FitResults: Sendable {
    public let parameterCount: Int
    /// parameters[i * parameterCount + j]
    public var parameters: [Double]
    /// Reported objective (see `FitProblem.reportedObjective`); NaN for unusable states.
    public var objective: [Double]
    public var iterations: [Int32]
    public var states: [FitState]

    public var count: Int { objective.count }

    /// A fit's end state from the solver's raw number (an unknown one counts as non-finite) and its objective
    /// as reported (NaN when the state carries no usable fit); every engine converts here.
    @inlinable public static func outcome(rawState: Int32, internalObjective f: Double, problem: FitProblem) -> (state: FitState, objective: Double) {
        let state = FitState(rawValue: rawState) ?? .nonFinite
        return (state, state.isUsable ? problem.reportedObjective(internal: f) : .nan)
    }

    public init(parameterCount: Int, count: Int) {
        self.parameterCount = parameterCount
        parameters = [Double](repeating: .nan, count: count * parameterCount)
        objective = [Double](repeating: .nan, count: count)
        iterations = [Int32](repeating: 0, count: count)
        states = [FitState](repeating: .nonFinite, count: count)
    }

    public func parameters(of fit: Int) -> [Double] {
        Array(parameters[fit * parameterCount..<(fit + 1) * parameterCount])
    }
}
