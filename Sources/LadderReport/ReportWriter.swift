import Foundation
import LadderFit
import SafeOutput

/// Writes a ladder run's report: one self-contained `report.html` (inline SVG and CSS, no scripts) and each
/// figure as its own `.svg` file.
public enum ReportWriter {
    /// Writes report.html and the figures into `directory` (created if missing), each file atomically.
    /// Returns the files written, report.html first. Throws a one-line `InputError` naming the path on failure.
    @discardableResult
    public static func write(ladder: Ladder, method: LadderMethod, result: LadderResult, variance: VarianceReport, to directory: URL,
                             budget: BudgetSweep? = nil) throws -> [URL] {
        try write(ladder: ladder, method: method, result: result, variance: variance,
                  to: OutputFolder(directory.path, option: "--report"), budget: budget)
    }

    /// The same into a folder checked before the run (`OutputFolder`): links followed, files replaced atomically.
    @discardableResult
    public static func write(ladder: Ladder, method: LadderMethod, result: LadderResult, variance: VarianceReport, to folder: OutputFolder,
                             budget: BudgetSweep? = nil) throws -> [URL] {
        let figures = try ReportFigures.all(ladder: ladder, method: method, result: result, variance: variance, budget: budget)
        let html = ReportHTML.render(ladder: ladder, method: method, result: result, variance: variance, budget: budget, figures: figures)
        let files = [(name: "report.html", text: html)] + figures.map { (name: "\($0.name).svg", text: $0.svg) }
        return try folder.write(files).map { URL(fileURLWithPath: $0) }
    }
}
