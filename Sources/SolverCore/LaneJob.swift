/// A batch of fits as the lane engines (modules FitLanes and FitLanesAVX2, one source compiled for two
/// instruction sets) take it: plain pointers and numbers, so that both builds share this one type. The
/// CPU engine fills it from a `FitProblem` and keeps every buffer alive while the workers run.
public struct LaneJob: @unchecked Sendable {
    public var parameterCount: Int
    public var variableCount: Int
    public var pointCount: Int
    /// Transformed points, point-major; observations (ln y for log residuals); base weights; resampling
    /// group of each point (-1: never resampled).
    public var x: UnsafePointer<Double>
    public var y: UnsafePointer<Double>
    public var weights: UnsafePointer<Double>
    public var groups: UnsafePointer<Int32>
    public var groupCount: Int
    /// Bootstrap multiplicities (set-major) and the weight set of each fit (-1: base weights); nil: none.
    public var multiplicity: UnsafePointer<Double>?
    public var setOfFit: UnsafePointer<Int32>?
    public var logResiduals: Bool
    /// Huber's delta, or nil for least squares.
    public var huberDelta: Double?
    public var lower: UnsafePointer<Double>
    public var upper: UnsafePointer<Double>
    public var ftol: Double, xtol: Double, gtol: Double, maxIterations: Int, initialDamping: Double
    /// Start of fit i at starts[i * parameterCount].
    public var starts: UnsafePointer<Double>
    public var fits: Int
    /// Outputs per fit: parameters, the internal objective F (sum of w rho), iterations, `FitState` raw value.
    public var parameters: UnsafeMutablePointer<Double>
    public var objective: UnsafeMutablePointer<Double>
    public var iterations: UnsafeMutablePointer<Int32>
    public var states: UnsafeMutablePointer<Int32>

    public init(parameterCount: Int, variableCount: Int, pointCount: Int, x: UnsafePointer<Double>, y: UnsafePointer<Double>,
                weights: UnsafePointer<Double>, groups: UnsafePointer<Int32>, groupCount: Int,
                multiplicity: UnsafePointer<Double>?, setOfFit: UnsafePointer<Int32>?, logResiduals: Bool, huberDelta: Double?,
                lower: UnsafePointer<Double>, upper: UnsafePointer<Double>,
                ftol: Double, xtol: Double, gtol: Double, maxIterations: Int, initialDamping: Double,
                starts: UnsafePointer<Double>, fits: Int, parameters: UnsafeMutablePointer<Double>,
                objective: UnsafeMutablePointer<Double>, iterations: UnsafeMutablePointer<Int32>, states: UnsafeMutablePointer<Int32>) {
        self.parameterCount = parameterCount; self.variableCount = variableCount; self.pointCount = pointCount
        self.x = x; self.y = y; self.weights = weights; self.groups = groups; self.groupCount = groupCount
        self.multiplicity = multiplicity; self.setOfFit = setOfFit; self.logResiduals = logResiduals; self.huberDelta = huberDelta
        self.lower = lower; self.upper = upper
        self.ftol = ftol; self.xtol = xtol; self.gtol = gtol; self.maxIterations = maxIterations; self.initialDamping = initialDamping
        self.starts = starts; self.fits = fits
        self.parameters = parameters; self.objective = objective; self.iterations = iterations; self.states = states
    }

    /// Effective weight of point i in weight set `set` (-1: the base weight).
    @inlinable public func weight(point i: Int, set: Int32) -> Double {
        let group = Int(groups[i])
        guard set >= 0, group >= 0, let multiplicity else { return weights[i] }
        return weights[i] * multiplicity[Int(set) * groupCount + group]
    }
}
