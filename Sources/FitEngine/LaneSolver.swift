import FitLanes
import FitModels
import Foundation
import SolverCore

/// How the lane engine runs the LM iteration of its lanes: as one `LaneIteration` on vectors (the
/// default), or as one scalar `LMIteration` per lane fed from the same pass (kept to test that the two agree bit for
/// bit).
enum LaneLogic: Sendable { case vector, scalarPerLane }

extension CPUEngine {
    /// The lane engine's worker loop with one scalar `LMIteration` per lane (see `LaneLogic`).
    static func runLanes<Model: VectorizedFitModel>(
        model: Model, problem: FitProblem, job: LaneJob, feed: inout FitFeed
    ) {
        let np = problem.parameterCount
        let pass = LanePass(model: model, job: job)
        let slots = UnsafeMutablePointer<LMIteration>.allocate(capacity: Lanes.scalarCount)
        for lane in 0..<Lanes.scalarCount { (slots + lane).initialize(to: LMIteration(problem: problem, lower: job.lower, upper: job.upper)) }
        defer {
            for lane in 0..<Lanes.scalarCount { slots[lane].deallocate() }
            slots.deinitialize(count: Lanes.scalarCount); slots.deallocate()
            pass.deallocate()
        }
        var laneFit = [Int](repeating: -1, count: Lanes.scalarCount)
        var laneSet = [Int32](repeating: -2, count: Lanes.scalarCount)
        while true {
            // Empty lanes take the next fits.
            var firstActive = -1
            for lane in 0..<Lanes.scalarCount {
                if laneFit[lane] < 0, let fit = feed.take() {
                    let set = job.setOfFit?[fit] ?? -1
                    if set != laneSet[lane] {
                        laneSet[lane] = set
                        pass.setWeights(lane: lane, set: set, job: job)
                    }
                    slots[lane].begin(start: job.starts + fit * np)
                    laneFit[lane] = fit
                }
                if laneFit[lane] >= 0 && firstActive < 0 { firstActive = lane }
            }
            if firstActive < 0 { break }
            // Each lane's pending point; an idle lane repeats an active one's (its result is not used).
            var huber = LaneMask(repeating: false)
            for lane in 0..<Lanes.scalarCount {
                let source = laneFit[lane] >= 0 ? lane : firstActive
                let point = slots[source].pendingPoint
                for j in 0..<np { pass.params[j][lane] = point[j] }
                huber[lane] = laneFit[lane] >= 0 && slots[lane].huberActive
            }
            let (f, ok) = pass.accumulate(huber: huber)
            for lane in 0..<Lanes.scalarCount where laneFit[lane] >= 0 {
                let slot = slots + lane
                let gTrial = slot.pointee.gTrial, hTrial = slot.pointee.hTrial
                for j in 0..<np {
                    gTrial[j] = pass.grad[j][lane]
                    for k in j..<np { hTrial[j * np + k] = pass.hess[j * np + k][lane] }
                }
                if !slot.pointee.consume(f[lane], ok: ok[lane]) {
                    let fit = laneFit[lane]
                    for j in 0..<np { job.parameters[fit * np + j] = slot.pointee.p[j] }
                    job.objective[fit] = slot.pointee.f
                    job.iterations[fit] = slot.pointee.iterations
                    job.states[fit] = slot.pointee.state.rawValue
                    laneFit[lane] = -1
                }
            }
        }
    }
}
