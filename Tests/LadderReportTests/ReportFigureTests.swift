import FitEngine
import FitSweep
import Foundation
import LadderFit
import Testing
@testable import LadderReport
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct ScaleTests {
    @Test func linearTicksAreNiceAndInsideTheDomain() {
        let s = Scale(kind: .linear, domain: (0.23, 0.87), pixels: (0, 500), format: .percent)
        let ticks = s.ticks
        #expect(ticks.map(\.value).allSatisfy { $0 >= 0.23 && $0 <= 0.87 })
        #expect(ticks.map(\.label) == ["30", "40", "50", "60", "70", "80"])
        #expect(s(0.23) == 0 && s(0.87) == 500)
    }

    @Test func logTicksAtDecadesWithPowerLabels() {
        let s = Scale(kind: .log, covering: [4.3e18, 2.1e21, 4e23], pixels: (0, 600))
        #expect(s.lo == 1e18 && s.hi == 1e24)
        let major = s.ticks.filter(\.major)
        #expect(major.map(\.value) == [1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24])
        #expect(major.first?.label == "10^18")
        #expect(abs(s(1e21) - 300) < 1e-9)
        #expect(s.ticks.contains { !$0.major && $0.value == 2e18 })
    }

    @Test func narrowLogAxisUsesOneTwoFive() {
        let s = Scale(kind: .log, covering: [0.7, 1.9], pixels: (0, 100))
        #expect(s.lo <= 0.7 && s.hi >= 1.9)
        #expect(s.ticks.map(\.label).contains("1"))
    }

    @Test func superscriptsAndEscaping() {
        #expect(richText("10^-3", size: 10).contains("\u{2212}3</tspan>"))
        #expect(richText("A/N^α + B", size: 10).contains(">α</tspan><tspan dy=\"4.00\"> + B</tspan>"))
        #expect(xmlEscape("a < b & \"c\"") == "a &lt; b &amp; &quot;c&quot;")
    }
}

extension ReportSuites {
    @Suite struct ReportFigureTests {
        @Test func everyFigureIsWellFormedStandaloneSVG() throws {
            let f = try Fixture.get()
            let figures = try ReportFigures.all(ladder: f.ladder, method: f.method, result: f.result, variance: f.variance)
            // forest, variance, and per task step 1, step 2, landscape.
            #expect(figures.count == 2 + 3 * f.result.tasks.count)
            #expect(Set(figures.map(\.name)).count == figures.count)
            for figure in figures {
                let svg = try Inspected(figure.svg)
                #expect(svg.root.localName == "svg")
                #expect(svg.root.uri == "http://www.w3.org/2000/svg")
                #expect(svg.root.attr("viewBox") == "0 0 720.00 \(svg.root.attr("height")!)")
                #expect(try svg.texts("title").first == figure.title)
                #expect(!figure.svg.contains("<script"))
                // Readable at A4 width: nothing smaller than 11 px in a 720 px figure.
                for text in try svg.elements("text") { #expect((text.double("font-size") ?? 12) >= 11) }
            }
        }

        @Test func step1PointsSitWhereTheDataSays() throws {
            let f = try Fixture.get()
            let task = f.result.tasks.first { $0.task == "mmlu" }!
            let figure = try ReportFigures.step1(ladder: f.ladder, method: f.method, task: task)
            let svg = try Inspected(figure.svg)
            #expect(try svg.axisLabels() == ["training compute C = 6·N·D (FLOPs)", "task loss (bits per byte)"])
            #expect(try svg.legend() == ["190M (N = 1.9·10^8)", "370M (N = 3.7·10^8)", "760M (N = 7.6·10^8)", "1B (N = 1.3·10^9)",
                                         "7B-4T predicted, 95%", "13B-5T predicted, 95%", "actual"])
            let x = try svg.axis("x"), y = try svg.axis("y")
            #expect(x.kind == "log" && y.kind == "linear")
            // The x axis spans the smallest ladder run to the largest target, in whole decades.
            let runC = f.ladder.runs.map { 6 * $0.n * $0.finalTokens }, targetC = f.ladder.targets.map { 6 * $0.n * $0.d }
            #expect(x.min <= runC.min()! && x.max >= targetC.max()!)
            #expect(x.min == 1e18 && x.max == 1e24)
            #expect(x.ticks.map(\.label).contains("1021"))  // "10" and the superscript "21"

            let points = try svg.elements(withClass: "point")
            #expect(points.count == f.ladder.runs.count)
            // Each run: data coordinates recomputed from the ladder, pixels from the drawn ticks.
            for run in f.ladder.runs {
                let p = try #require(points.first { $0.attr("data-run") == run.name })
                let c = 6 * run.n * run.finalTokens, loss = try f.method.step1Value(run, task: "mmlu")
                #expect(close(p.double("data-x")!, c, 1e-8))
                #expect(close(p.double("data-y")!, loss, 1e-8))
                let (cx, cy) = Inspected.center(p)!
                #expect(abs(cx - x.pixel(c)) < 0.02, "\(run.name) x")
                #expect(abs(cy - y.pixel(loss)) < 0.02, "\(run.name) y")
                #expect(p.attr("data-series") == String(run.name.split(separator: "-")[0]))
            }
            #expect(y.min <= (try f.ladder.runs.map { try f.method.step1Value($0, task: "mmlu") }.min()!))

            // Targets: the predicted loss at (6 N_t D_t) with its bootstrap interval, and the actual loss.
            for target in f.ladder.targets {
                let prediction = task.predictions.first { $0.target == target.name }!
                let c = 6 * target.n * target.d
                let marks = try svg.elements(withClass: "target")
                let predicted = try #require(marks.first { Inspected.series($0) == "\(target.name) predicted" })
                let (px, py) = Inspected.center(predicted)!
                #expect(abs(px - x.pixel(c)) < 0.02 && abs(py - y.pixel(prediction.predictedX!)) < 0.02)
                let interval = try #require(try svg.elements(withClass: "interval").first { Inspected.series($0) == "\(target.name) predicted" })
                #expect(close(interval.double("data-from")!, prediction.predictedXBootstrap!.p025, 1e-8))
                #expect(close(interval.double("data-to")!, prediction.predictedXBootstrap!.p975, 1e-8))
                let actual = try #require(marks.first { Inspected.series($0) == "\(target.name) actual" })
                #expect(close(actual.double("data-y")!, prediction.actualX!, 1e-8))
                #expect(y.min <= prediction.predictedXBootstrap!.p025 && y.max >= prediction.predictedXBootstrap!.p975)
            }
            // One fitted curve per ladder size and per target size.
            let curves = try svg.elements("polyline").compactMap { $0.attr("data-series") }
            #expect(Set(curves) == ["190M law", "370M law", "760M law", "1B law", "7B-4T law", "13B-5T law"])
        }

        @Test func step1CurveIsTheFittedLaw() throws {
            let f = try Fixture.get()
            let task = f.result.tasks[0]
            let svg = try Inspected(try ReportFigures.step1(ladder: f.ladder, method: f.method, task: task).svg)
            let x = try svg.axis("x"), y = try svg.axis("y")
            let line = try #require(try svg.elements("polyline").first { $0.attr("data-series") == "1B law" })
            let n = f.ladder.runs.map(\.n).max()!
            // Every vertex of the 1B curve: back from pixels to C, D = C / 6N, and L(N, D) from the fit.
            for pair in line.attr("points")!.split(separator: " ") {
                let v = pair.split(separator: ",").map { Double($0)! }
                let c = pow(10, log10(x.ticks[0].value) + (v[0] - x.ticks[0].pixel) / (x.ticks.last!.pixel - x.ticks[0].pixel)
                            * (log10(x.ticks.last!.value) - log10(x.ticks[0].value)))
                let loss = f.method.step1Model.value(parameters: task.step1!.parameters, at: [n, c / (6 * n)])
                #expect(abs(v[1] - y.pixel(loss)) < 0.05)
            }
        }

        @Test func step2PointsBandAndTargets() throws {
            let f = try Fixture.get()
            let task = f.result.tasks.first { $0.task == "arc_easy" }!
            let fit = try #require(task.step2)
            #expect(fit.replicateParameters.count == fit.usableReplicates && fit.usableReplicates > 0)
            #expect(fit.replicateParameters.allSatisfy { $0.count == fit.parameters.count })
            let svg = try Inspected(try ReportFigures.step2(ladder: f.ladder, method: f.method, task: task).svg)
            #expect(try svg.axisLabels() == ["task loss (bits per byte)", "accuracy (%)"])
            let x = try svg.axis("x"), y = try svg.axis("y")
            #expect(x.kind == "linear" && y.kind == "linear")
            for tick in y.ticks { #expect(abs(Double(tick.label)! - tick.value * 100) < 1e-9) }  // accuracy in %

            // Every checkpoint the fit used, by model size, at its coordinates.
            let points = try svg.elements(withClass: "point")
            var expected = 0
            for group in ReportFigures.sizeGroups(f.ladder) {
                var xs = [Double](), accs = [Double]()
                for run in group.runs {
                    let p = try f.method.step2Points(run, task: task.task)
                    xs += p.x
                    accs += p.accuracy
                }
                expected += xs.count
                let drawn = points.filter { Inspected.series($0) == group.label }
                #expect(drawn.count == xs.count)
                for i in [0, xs.count / 2, xs.count - 1] {
                    let e = drawn[i]
                    #expect(close(e.double("data-x")!, xs[i], 1e-6) && close(e.double("data-y")!, accs[i], 1e-6))
                    let (cx, cy) = Inspected.center(e)!
                    #expect(abs(cx - x.pixel(xs[i])) < 0.02 && abs(cy - y.pixel(accs[i])) < 0.02)
                }
            }
            #expect(points.count == expected)
            #expect(expected == 1401)

            // The band: pointwise 2.5-97.5% over the replicate parameter sets, recomputed at each vertex.
            let band = try #require(try svg.elements("polygon").first { $0.attr("data-series") == "bootstrap band" })
            let vertices = band.attr("points")!.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
            #expect(vertices.count == 320)
            let model = f.method.step2Model
            for i in [0, 40, 80, 159] {
                let upper = vertices[i], lower = vertices[319 - i]
                #expect(abs(upper[0] - lower[0]) < 1e-9)
                let xv = x.ticks[0].value + (upper[0] - x.ticks[0].pixel) / (x.ticks.last!.pixel - x.ticks[0].pixel) * (x.ticks.last!.value - x.ticks[0].value)
                let values = fit.replicateParameters.map { model.value(parameters: $0, at: [xv]) }.sorted()
                #expect(abs(lower[1] - y.pixel(Distribution.quantile(values, 0.025))) < 0.05)
                #expect(abs(upper[1] - y.pixel(Distribution.quantile(values, 0.975))) < 0.05)
                #expect(upper[1] <= lower[1])  // pixels grow downwards
            }

            // Targets: chained prediction at (predicted loss, predicted accuracy), intervals both ways, actuals.
            for target in f.ladder.targets {
                let p = task.predictions.first { $0.target == target.name }!
                let mark = try #require(try svg.elements(withClass: "target").first { Inspected.series($0) == "\(target.name) predicted" })
                let (cx, cy) = Inspected.center(mark)!
                #expect(abs(cx - x.pixel(p.predictedX!)) < 0.02 && abs(cy - y.pixel(p.predictedAccuracy)) < 0.02)
                let intervals = try svg.elements(withClass: "interval").filter { Inspected.series($0) == "\(target.name) predicted" }
                #expect(intervals.count == 2)
                #expect(intervals.contains { close($0.double("data-from")!, p.predictedAccuracyBootstrap!.p025, 1e-8) })
                #expect(intervals.contains { close($0.double("data-to")!, p.predictedXBootstrap!.p975, 1e-8) })
                let actual = try #require(try svg.elements(withClass: "target").first { Inspected.series($0) == "\(target.name) actual" })
                #expect(close(actual.double("data-x")!, p.actualX!, 1e-8) && close(actual.double("data-y")!, p.actualAccuracy!, 1e-8))
            }
            #expect(try svg.legend().contains("95% band (\(fit.replicateParameters.count) repl.)"))
        }

        /// The method's variants draw their own axes: compute on step 1, the single-step law, TaskCE.
        @Test(arguments: ["compute", "single-step", "taskce"])
        func variantsRender(_ variant: String) throws {
            var method = LadderMethod()
            switch variant {
            case "compute": method.step1Form = .compute
            case "single-step": method.singleStep = true
            default: method.intermediate = .taskCE
            }
            var settings = LadderSettings()
            settings.starts = 2
            settings.bootstrap = 3
            var ladder = try LadderLoader.embedded()
            ladder.tasks = ["hellaswag"]
            let result = try LadderFitter(ladder: ladder, method: method, settings: settings, engine: CPUEngine()).run()
            let variance = try VarianceReport.analyse(ladder: ladder, result: result)
            let figures = try ReportFigures.all(ladder: ladder, method: method, result: result, variance: variance)
            for figure in figures { _ = try Inspected(figure.svg) }
            let names = figures.map(\.name)
            let step1 = try Inspected(try #require(figures.first { $0.name == "step1-hellaswag" }).svg)
            let x = try step1.axis("x")
            let run = ladder.runs.last!
            let point = try #require(try step1.elements(withClass: "point").first { $0.attr("data-run") == run.name })
            switch variant {
            case "compute":
                #expect(try step1.axisLabels() == ["training compute C = D × FLOPs per token (FLOPs)", "task loss (bits per byte)"])
                #expect(close(point.double("data-x")!, run.finalTokens * run.flopsPerToken!, 1e-12))
                #expect(try step1.elements("polyline").compactMap { $0.attr("data-series") } == ["fitted law"])
                #expect(names.contains("step2-hellaswag"))
            case "single-step":
                #expect(try step1.axisLabels() == ["training compute C = 6·N·D (FLOPs)", "accuracy (%)"])
                #expect(!names.contains("step2-hellaswag"))
                let p = result.tasks[0].predictions.first { $0.target == "13B-5T" }!
                let mark = try #require(try step1.elements(withClass: "target").first { Inspected.series($0) == "13B-5T predicted" })
                #expect(close(mark.double("data-y")!, p.predictedAccuracy, 1e-12))
                let landscape = try Inspected(try #require(figures.first { $0.name == "landscape-hellaswag" }).svg)
                #expect(try landscape.elements(withClass: "panel").map { $0.attr("data-step") } == ["single step"])
            default:
                #expect(try step1.axisLabels() == ["training compute C = 6·N·D (FLOPs)", "TaskCE (nats)"])
                let step2 = try Inspected(try #require(figures.first { $0.name == "step2-hellaswag" }).svg)
                #expect(try step2.axisLabels() == ["TaskCE (nats)", "accuracy (%)"])
                #expect(try step2.elements("polyline").compactMap { $0.attr("data-series") } == ["fitted log-sigmoid"])
            }
            #expect(abs(Inspected.center(point)!.0 - x.pixel(point.double("data-x")!)) < 0.02)
        }

        @Test func bandUsesJointParameterSets() throws {
            // Two replicate sets whose parameters are correlated: the band over joint sets differs from any band
            // made by mixing parameters across sets.
            let model = LadderMethod().step2Model
            let sets = [[-0.7, 1.0, 3.0, 0.95], [-0.7, 1.4, 6.0, 0.95]]
            let band = ReportFigures.bootstrapBand(model: model, replicates: sets, at: [1.2])
            let values = sets.map { model.value(parameters: $0, at: [1.2]) }.sorted()
            #expect(close(band.lo[0], Distribution.quantile(values, 0.025), 1e-12))
            #expect(close(band.hi[0], Distribution.quantile(values, 0.975), 1e-12))
        }

        @Test func forestPlotHasEveryTaskAndTarget() throws {
            let f = try Fixture.get()
            let svg = try Inspected(ReportFigures.forest(ladder: f.ladder, result: f.result).svg)
            #expect(try svg.axisLabels() == ["accuracy (%)"])
            let x = try svg.axis("x")
            let predicted = try svg.elements(withClass: "point")
            let actual = try svg.elements(withClass: "actual")
            #expect(predicted.count == f.result.tasks.count * f.ladder.targets.count)
            #expect(actual.count == predicted.count)
            var lastY = -Double.infinity
            for task in f.result.tasks {
                for target in f.ladder.targets {
                    let p = task.predictions.first { $0.target == target.name }!
                    let mark = try #require(predicted.first { $0.attr("data-task") == task.task && $0.attr("data-target") == target.name })
                    #expect(close(mark.double("data-x")!, p.predictedAccuracy, 1e-8))
                    let (cx, cy) = Inspected.center(mark)!
                    #expect(abs(cx - x.pixel(p.predictedAccuracy)) < 0.02)
                    #expect(cy > lastY)  // rows in task order, top to bottom
                    lastY = cy
                    let a = try #require(actual.first { $0.attr("data-task") == task.task && $0.attr("data-target") == target.name })
                    #expect(abs(Inspected.center(a)!.0 - x.pixel(p.actualAccuracy!)) < 0.02 && abs(Inspected.center(a)!.1 - cy) < 0.01)
                    #expect(x.min <= p.predictedAccuracyBootstrap!.p025 && x.max >= p.predictedAccuracyBootstrap!.p975)
                }
            }
            let labels = try svg.elements(withClass: "task-label").map { $0.stringValue ?? "" }
            #expect(labels == ["MMLU", "ARC-Easy", "PIQA"])
            let errors = try svg.elements(withClass: "error").map { $0.stringValue ?? "" }
            let expectedErrors = f.result.tasks.flatMap { t in f.ladder.targets.map { target in String(format: "%+.1f", t.predictions.first { $0.target == target.name }!.errorPoints!) } }
            #expect(errors == expectedErrors)
            #expect(try svg.legend() == ["7B-4T predicted, 95% interval", "13B-5T predicted, 95% interval", "actual accuracy"])
        }

        @Test func varianceFigureShowsEachMeasureSideBySide() throws {
            let f = try Fixture.get()
            let svg = try Inspected(ReportFigures.variance(f.variance, targets: f.ladder.targets.map(\.name)).svg)
            let panels = try svg.elements(withClass: "panel").map { $0.attr("data-measure") ?? "" }
            #expect(panels == ["task-loss SD", "task-loss CV", "accuracy SD", "accuracy CV", "prediction SD", "starts at best", "|error|"])
            let rows = f.variance.rows
            let taskLabels = try svg.elements(withClass: "task-label").map { $0.stringValue ?? "" }
            #expect(taskLabels.prefix(rows.count).elementsEqual(rows.map { ReportFigures.taskName($0.task) }))
            let points = try svg.elements(withClass: "point")
            // Checkpoint noise: one mark per task per measure, at the report's value.
            for (i, (measure, value)) in [("task-loss SD", \VarianceReport.Row.lossSD), ("accuracy CV", \VarianceReport.Row.accuracyCV)].enumerated() {
                let axis = try svg.axis("x", panel: i == 0 ? 0 : 3)
                let marks = points.filter { $0.attr("data-measure") == measure }
                #expect(marks.count == rows.count)
                for row in rows {
                    let m = try #require(marks.first { $0.attr("data-task") == row.task })
                    #expect(close(m.double("data-x")!, row[keyPath: value], 1e-8))
                    #expect(abs(Inspected.center(m)!.0 - axis.pixel(row[keyPath: value])) < 0.02)
                }
                #expect(axis.min == 0)
            }
            // Bootstrap SD per target: only the fitted tasks have one.
            let sd = points.filter { $0.attr("data-measure") == "prediction SD" }
            #expect(sd.count == f.result.tasks.count * f.ladder.targets.count)
            let mmlu = rows.first { $0.task == "mmlu" }!
            let mark = try #require(sd.first { $0.attr("data-task") == "mmlu" && Inspected.series($0) == "13B-5T" })
            #expect(close(mark.double("data-x")!, mmlu.predictionSD["13B-5T"]!, 1e-8))
            #expect(try svg.axis("x", panel: 5).ticks.map(\.label).contains("100"))  // share of starts in %
        }

        @Test func landscapeSortsEveryStartAndMarksTheBest() throws {
            let f = try Fixture.get()
            let task = f.result.tasks[0]
            let svg = try Inspected(ReportFigures.landscape(task: task).svg)
            let panels = try svg.elements(withClass: "panel")
            #expect(panels.map { $0.attr("data-step") } == ["step 1", "step 2"])
            for (i, (panel, fit)) in zip(panels, [task.step1!, task.step2!]).enumerated() {
                #expect(close(panel.double("data-best")!, fit.objective, 1e-8))
                let y = try svg.axis("y", panel: i), x = try svg.axis("x", panel: i)
                #expect(y.kind == "log")
                let points = try svg.elements(withClass: "point", in: panel)
                #expect(points.count == fit.startObjectives.filter(\.isFinite).count)
                #expect(points.count == fit.starts)  // few starts: all kept for the landscape
                let objectives = points.map { $0.double("data-objective")! }
                #expect(objectives == objectives.sorted())
                #expect(Set(points.map { $0.attr("data-start")! }) == Set((0..<fit.starts).map(String.init)))
                #expect(close(objectives[0], fit.objective, 1e-8))
                let reached = points.filter { Inspected.series($0) == "reached best" }
                #expect(reached.count == fit.startsReachedBest)
                for (rank, p) in points.enumerated() {
                    let (cx, cy) = Inspected.center(p)!
                    #expect(abs(cx - x.pixel(Double(rank + 1))) < 0.02)
                    let excess = ReportFigures.relativeExcess(p.double("data-objective")!, best: fit.objective)
                    if excess >= y.min { #expect(abs(cy - y.pixel(excess)) < 0.02) } else { #expect(abs(cy - y.pixel(y.min)) < 0.02) }
                }
                let published = try #require(try svg.elements(withClass: "published", in: panel).first)
                #expect(published.attr("data-start") == "0")
                #expect(close(published.double("data-objective")!, fit.startObjectives[0], 1e-8))
                let tolerance = try #require(try svg.elements(withClass: "reference", in: panel).first)
                #expect(close(tolerance.double("data-y")!, fit.nearBestTolerance, 1e-12))
            }
        }
    }
}
