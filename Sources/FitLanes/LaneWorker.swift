import FitModels
import SolverCore

/// The lane engine's entry point. This file is compiled twice, as FitLanes (portable x86-64 or the host's
/// baseline) and as FitLanesAVX2 (AVX2 and FMA instructions allowed); the CPU engine picks one at run time by
/// what the processor supports. The switch names each built-in model so that the worker loop is
/// specialised, and compiled with this module's instruction set, for it.
public enum LaneEngine {
    /// Whether this build was compiled for AVX2 and FMA (the FitLanesAVX2 module on an x86-64 host).
    #if GPUFIT_AVX2_BUILD
    public static let isAVX2Build = true
    #else
    public static let isAVX2Build = false
    #endif

    /// Whether `runWorker` has a specialisation for this model.
    public static func supports(_ model: any FitModel) -> Bool {
        model is LossLawModel || model is SigmoidModel || model is ComputeLawModel || model is SingleStepModel
    }

    /// Runs one worker: fits from `feed` until the batch is used up, results into `job`'s outputs. Returns
    /// false (and runs nothing) for a model this engine has no specialisation for.
    public static func runWorker(model: any VectorizedFitModel, job: LaneJob, feed: inout FitFeed) -> Bool {
        switch model {
        case let m as LossLawModel: run(m, job, &feed)
        case let m as SigmoidModel: run(m, job, &feed)
        case let m as ComputeLawModel: run(m, job, &feed)
        case let m as SingleStepModel: run(m, job, &feed)
        default: return false
        }
        return true
    }

    /// The lane engine's worker loop with the iteration on vectors: takes fits from `feed` and keeps all
    /// lanes busy.
    static func run<Model: VectorizedFitModel>(_ model: Model, _ job: LaneJob, _ feed: inout FitFeed) {
        let np = job.parameterCount
        let pass = LanePass(model: model, job: job)
        var lm = LaneIteration<Model>(job: job)
        defer { lm.deallocate(); pass.deallocate() }
        var laneFit = [Int](repeating: -1, count: Lanes.scalarCount)
        var laneSet = [Int32](repeating: -2, count: Lanes.scalarCount)
        var active = LaneMask(repeating: false)
        while true {
            for lane in 0..<Lanes.scalarCount where laneFit[lane] < 0 {
                guard let fit = feed.take() else { break }
                let set = job.setOfFit?[fit] ?? -1
                if set != laneSet[lane] {
                    laneSet[lane] = set
                    pass.setWeights(lane: lane, set: set, job: job)
                }
                lm.begin(lane: lane, start: job.starts + fit * np)
                laneFit[lane] = fit
                active[lane] = true
            }
            if !anyLane(active) { break }
            lm.writePendingPoints(into: pass.params)
            let (f, ok) = pass.accumulate(huber: active .& lm.huberActive)
            let stopped = lm.consume(f, ok: ok, active: active, gPass: pass.grad, hPass: pass.hess)
            guard anyLane(stopped) else { continue }
            for lane in 0..<Lanes.scalarCount where stopped[lane] {
                let fit = laneFit[lane]
                for j in 0..<np { job.parameters[fit * np + j] = lm.p[j][lane] }
                job.objective[fit] = lm.f[lane]
                job.iterations[fit] = Int32(lm.iterations[lane])
                job.states[fit] = Int32(lm.state[lane])
                laneFit[lane] = -1
                active[lane] = false
            }
        }
    }
}
