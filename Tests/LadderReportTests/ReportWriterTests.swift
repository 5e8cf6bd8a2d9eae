import CSVReading
import FitSweep
import Foundation
import LadderFit
import LadderReport
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

extension ReportSuites {
    @Suite struct ReportWriterTests {
        static func temporaryDirectory() throws -> URL {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("gpufit-report-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }

        @Test func writesTheReportAndEachFigure() throws {
            let f = try Fixture.get()
            let base = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: base) }
            let dir = base.appendingPathComponent("nested/report")  // created when missing
            let files = try ReportWriter.write(ladder: f.ladder, method: f.method, result: f.result, variance: f.variance, to: dir)
            #expect(files.first?.lastPathComponent == "report.html")
            let names = Set(files.map(\.lastPathComponent))
            var expected: Set<String> = ["report.html", "forest.svg", "variance.svg"]
            for task in ["mmlu", "arc-easy", "piqa"] { expected.formUnion(["step1-\(task).svg", "step2-\(task).svg", "landscape-\(task).svg"]) }
            #expect(names == expected)
            let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
            #expect(onDisk == expected)  // atomic writes leave no temporary files behind
            for file in files where file.pathExtension == "svg" {
                let svg = try Inspected(try String(contentsOf: file, encoding: .utf8))
                #expect(svg.root.localName == "svg")
            }
        }

        @Test func htmlIsSelfContainedAndRepeatsTheNumbers() throws {
            let f = try Fixture.get()
            let figures = try ReportFigures.all(ladder: f.ladder, method: f.method, result: f.result, variance: f.variance)
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            try ReportWriter.write(ladder: f.ladder, method: f.method, result: f.result, variance: f.variance, to: dir)
            let text = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
            let html = try Inspected(text)  // well-formed XHTML
            #expect(html.root.localName == "html")
            // Inline figures (each the same SVG as its file), inline CSS, no scripts, nothing fetched.
            let svgs = try html.elements("svg")
            #expect(svgs.count == figures.count)
            #expect(Set(svgs.compactMap { $0.attr("id") }) == Set(figures.map(\.name)))
            for tag in ["script", "link", "img", "iframe", "object"] { #expect(try html.elements(tag).isEmpty) }
            #expect(try html.elements("style").count == 1)
            let external = try html.document.nodes(forXPath: "//@*[local-name()='href' or local-name()='src']").map { $0.stringValue ?? "" }
            #expect(external.allSatisfy { $0.hasPrefix("#") })
            // Element ids are unique across the page (clip paths of different figures must not collide).
            let ids = try html.document.nodes(forXPath: "//@id").compactMap(\.stringValue)
            #expect(Set(ids).count == ids.count)
            // Figure files and inline copies agree.
            for figure in figures {
                #expect(try String(contentsOf: dir.appendingPathComponent("\(figure.name).svg"), encoding: .utf8) == figure.svg)
                #expect(text.contains(figure.svg))
            }

            // The settings that produced the numbers.
            let cells = try html.elements("td").map { $0.stringValue ?? "" }
            func setting(_ name: String) -> String? { cells.firstIndex(of: name).map { cells[$0 + 1] } }
            #expect(setting("seed") == "7")
            #expect(setting("starts per fit") == "6 (start 0: the published start)")
            #expect(setting("bootstrap replicates") == "12 (resampling ladder runs)")
            #expect(setting("device (engine)") == f.result.info.engine)
            #expect(setting("gpufit version") == "test-1.2.3")
            #expect(setting("data") == "embedded OLMo ladder")
            let command = try html.elements("pre").first?.stringValue ?? ""
            #expect(command.contains("gpufit ladder --starts 6 --bootstrap 12 --seed 7 --tasks mmlu,arc_easy,piqa --targets 7B-4T,13B-5T"))

            // The main job's numbers: every prediction's accuracy, interval and error; every fitted parameter.
            for task in f.result.tasks {
                for p in task.predictions {
                    #expect(cells.contains(String(format: "%.4g", p.predictedAccuracy)))
                    #expect(cells.contains(String(format: "[%.3g, %.3g]", p.predictedAccuracyBootstrap!.p025, p.predictedAccuracyBootstrap!.p975)))
                    #expect(cells.contains(String(format: "%+.1f", p.errorPoints!)))
                    #expect(cells.contains(String(format: "%.4g", p.predictedX!)))
                }
                for v in task.step1!.parameters + task.step2!.parameters { #expect(cells.contains(String(format: "%.6g", v))) }
            }
            for row in f.variance.rows { #expect(cells.contains(String(format: "%.3g", row.accuracyCV))) }
            // Headings for every task.
            let headings = try html.elements("h3").map { $0.stringValue ?? "" }
            for name in ["MMLU", "ARC-Easy", "PIQA"] { #expect(headings.contains(name)) }
        }

        @Test func budgetSweepAddsItsFigureAndTable() throws {
            let f = try Fixture.get()
            // A hand-made sweep (fitting one would make the test slow): two steps, two targets.
            let json = """
            {"order": "compute", "steps": [
              {"runs": ["a", "b"], "computeShare": 0.05, "predictions": {}, "meanAbsoluteErrorPoints": {"7B-4T": 6.5, "13B-5T": 7.25}},
              {"runs": ["a", "b", "c"], "computeShare": 0.4, "predictions": {}, "meanAbsoluteErrorPoints": {"7B-4T": 3.5, "13B-5T": 4.0}}]}
            """
            let budget = try JSONDecoder().decode(BudgetSweep.self, from: Data(json.utf8))
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let files = try ReportWriter.write(ladder: f.ladder, method: f.method, result: f.result, variance: f.variance, to: dir, budget: budget)
            #expect(files.contains { $0.lastPathComponent == "budget.svg" })
            let svg = try Inspected(try String(contentsOf: dir.appendingPathComponent("budget.svg"), encoding: .utf8))
            let x = try svg.axis("x"), y = try svg.axis("y")
            #expect(x.kind == "log" && y.min == 0)
            let p = try #require(try svg.elements(withClass: "point").first { Inspected.series($0) == "13B-5T" && $0.double("data-x") == 0.4 })
            #expect(p.double("data-y") == 4.0)
            #expect(abs(Inspected.center(p)!.0 - x.pixel(0.4)) < 0.02 && abs(Inspected.center(p)!.1 - y.pixel(4.0)) < 0.02)
            let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
            #expect(html.contains("<td>7.25</td>") && html.contains("--budget compute"))
        }

        @Test func unwritableFolderGivesOneLineNamingThePath() throws {
            let f = try Fixture.get()
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let file = dir.appendingPathComponent("not-a-folder")
            try Data("x".utf8).write(to: file)
            let target = file.appendingPathComponent("report")
            do {
                try ReportWriter.write(ladder: f.ladder, method: f.method, result: f.result, variance: f.variance, to: target)
                Issue.record("writing under a file should fail")
            } catch let error as InputError {
                #expect(error.description.contains(target.path))
                #expect(!error.description.contains("\n"))
            }
        }
    }
}
