import CSVReading
import FitEngine
import FitModels
import Foundation

/// What x the two steps go through (the paper's intermediate feature).
public enum Intermediate: String, Sendable, Codable, CaseIterable {
    /// Task loss (bits per byte of the correct answer): the paper's main method.
    case taskLoss = "task-loss"
    /// C4 validation loss: one step-1 fit shared by all tasks.
    case c4
    /// TaskCE = -log softmax-normalised probability of the correct option; step 1 on the last row only,
    /// step 2 a log-sigmoid on the last 50% of rows, unsmoothed, with no ideal point.
    case taskCE = "taskce"
}

/// Step 1's inputs: (N, D), or compute F = D x FLOPs per token.
public enum Step1Form: String, Sendable, Codable, CaseIterable {
    case nd
    case compute
}

/// The method's choices, as stated in docs (ladder-method.md); each variant of the paper is one field.
public struct LadderMethod: Sendable, Codable, Hashable {
    public var intermediate: Intermediate = .taskLoss
    public var step1Form: Step1Form = .nd
    /// Fit accuracy straight from (N, D) with the single-step law, skipping the intermediate.
    public var singleStep = false
    /// Huber delta of step 1 (and of the single-step fit), on log residuals.
    public var huberDelta = 1e-3
    /// Rows averaged for a run's step-1 point (TaskCE: 1, the last row).
    public var step1LastRows: Int { intermediate == .taskCE ? 1 : 5 }
    /// Share of each run's first rows dropped before step 2 (rounded up).
    public var step2SkipFraction: Double { intermediate == .taskCE ? 0.5 : 0.1 }
    /// Trailing moving-average window of step 2 (1: none).
    public var step2Smoothing: Int { intermediate == .taskCE ? 1 : 5 }
    /// Whether step 2 gets the ideal point (x = 0, accuracy = 1).
    public var idealPoint: Bool { intermediate != .taskCE }

    public init() {}

    public var label: String {
        if singleStep { return "single-step (N, D) -> accuracy" }
        return "\(intermediate.rawValue) intermediate, step 1 over \(step1Form == .nd ? "(N, D)" : "compute C")"
    }

    // MARK: models, bounds and the published start points

    public var step1Model: any FitModel { step1Form == .nd ? LossLawModel() : ComputeLawModel() }
    public var step1Start: [Double] { step1Form == .nd ? [3.0, 6.0, 0.1, 0.2, 1.0] : [3.0, 0.1, 1.0] }
    public var step1Lower: [Double] { step1Form == .nd ? [0, 0, 0, 0, 0] : [0, 0, 0] }
    public var step1Upper: [Double] { step1Form == .nd ? [Double](repeating: .infinity, count: 5) : [.infinity, 1, .infinity] }

    public var step2Model: any FitModel { intermediate == .taskCE ? LogSigmoidModel() : SigmoidModel() }
    public func step2Start(chance: Double) -> [Double] { intermediate == .taskCE ? [-0.1, 0.9, 3.0] : [chance - 1, 0.9, 3.0, 1.0] }
    public var step2Lower: [Double] { intermediate == .taskCE ? [-.infinity, 0, 0] : [-1, 0, 0, 0] }
    public var step2Upper: [Double] { intermediate == .taskCE ? [0, .infinity, .infinity] : [0, .infinity, .infinity, 1] }
    /// Random start ranges of step 2 (the B2 benchmark's for the sigmoid).
    public var step2StartRanges: [StartRange] {
        intermediate == .taskCE ? [StartRange(-1, 0), StartRange(0, 2), StartRange(0.5, 20)]
            : [StartRange(-1, 0), StartRange(0.2, 1.5), StartRange(0.5, 20), StartRange(0.5, 1)]
    }

    public var singleStepModel: any FitModel { SingleStepModel() }
    public func singleStepStart(chance: Double) -> [Double] { [3.0, 5.0, 0.2, 0.3, 0.0, chance - 1, 1.0] }

    // MARK: data preparation

    /// x of a checkpoint row for the chosen intermediate.
    public func intermediateSeries(_ run: LadderRun, task: String) -> [Double?] {
        switch intermediate {
        case .taskLoss: return run.tasks[task]?.loss ?? []
        case .c4: return run.c4Loss
        case .taskCE: return run.tasks[task]?.taskCE ?? []
        }
    }

    /// A run's step-1 value: mean of the intermediate over its last `step1LastRows` rows.
    public func step1Value(_ run: LadderRun, task: String) throws -> Double {
        let values = intermediateSeries(run, task: task)
        let tail = values.suffix(step1LastRows)
        guard tail.count == step1LastRows || tail.count == values.count, !tail.isEmpty, tail.allSatisfy({ $0 != nil }) else {
            throw InputError("run '\(run.name)': \(task) \(intermediate.rawValue) is missing in its last \(step1LastRows) rows")
        }
        return tail.reduce(0) { $0 + $1! } / Double(tail.count)
    }

    /// A run's step-1 inputs: (N, D) or (F), D the last row's tokens.
    public func step1Inputs(n: Double, d: Double, flopsPerToken: Double?) -> [Double] {
        step1Form == .nd ? [n, d] : [d * (flopsPerToken ?? .nan)]
    }

    /// A run's step-2 points: the first ceil(skip x rows) dropped, then x and accuracy smoothed separately.
    public func step2Points(_ run: LadderRun, task: String) throws -> (x: [Double], accuracy: [Double]) {
        let xs = intermediateSeries(run, task: task), accs = run.tasks[task]?.accuracy ?? []
        let skip = Int((step2SkipFraction * Double(xs.count)).rounded(.up))
        var x = [Double](), acc = [Double]()
        for i in skip..<xs.count {
            guard let xv = xs[i], let av = accs[i] else {
                throw InputError("run '\(run.name)' checkpoint \(i + 1): \(task) \(xs[i] == nil ? intermediate.rawValue : "accuracy") is missing")
            }
            x.append(xv)
            acc.append(av)
        }
        return (movingAverage(x, window: step2Smoothing), movingAverage(acc, window: step2Smoothing))
    }

    /// Target's actual x and accuracy: x averaged like step 1, accuracy the last value of the step-2 smoothing
    /// over the whole file (TaskCE: last row of each).
    public func actualValues(_ run: LadderRun, task: String) -> (x: Double?, accuracy: Double?) {
        let x = try? step1Value(run, task: task)
        let accs = (run.tasks[task]?.accuracy ?? []).compactMap { $0 }
        let acc = accs.isEmpty ? nil : movingAverage(accs, window: step2Smoothing).last
        return (x, acc)
    }
}

/// Trailing moving average whose first window-1 values are partial means (of the first 1, 2, ... values).
public func movingAverage(_ values: [Double], window: Int) -> [Double] {
    guard window > 1 else { return values }
    var out = [Double]()
    out.reserveCapacity(values.count)
    for i in values.indices {
        let lo = max(0, i - window + 1)
        out.append(values[lo...i].reduce(0, +) / Double(i - lo + 1))
    }
    return out
}
