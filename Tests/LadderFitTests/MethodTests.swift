import LadderFit
import Testing

@Suite struct MethodTests {
    @Test func movingAverageUsesPartialMeansAtTheStart() {
        #expect(movingAverage([1, 2, 3, 4, 5, 6, 7], window: 5) == [1, 1.5, 2, 2.5, 3, 4, 5])
        #expect(movingAverage([3, 1], window: 1) == [3, 1])
    }

    @Test func step2DropsTheFirstTenthRoundedUpThenSmooths() throws {
        var run = LadderRun(name: "r", n: 1e8)
        let losses = (0..<11).map { Double(20 - $0) / 10 }
        run.steps = (0..<11).map(Double.init)
        run.tokens = run.steps.map { ($0 + 1) * 1e9 }
        run.c4Loss = [Double?](repeating: 3, count: 11)
        run.tasks["t"] = TaskSeries(loss: losses, accuracy: losses.map { 1 - $0 / 4 }, taskCE: losses)
        let (x, acc) = try LadderMethod().step2Points(run, task: "t")
        #expect(x.count == 9)  // ceil(1.1) = 2 rows dropped
        #expect(x[0] == losses[2])
        #expect(abs(x[4] - losses[2...6].reduce(0, +) / 5) < 1e-15)
        #expect(acc.count == 9)
        var ce = LadderMethod()
        ce.intermediate = .taskCE
        #expect(try ce.step2Points(run, task: "t").x.count == 5)  // ceil(5.5) = 6 dropped, no smoothing
        #expect(try ce.step1Value(run, task: "t") == losses.last!)
        #expect(try LadderMethod().step1Value(run, task: "t") == losses.suffix(5).reduce(0, +) / 5)
    }
}
