import CSVReading
import FitEngine
import FitSweep
import Foundation

/// The parts given to `gpufit merge`, checked to be every shard of one job exactly once, and merged.
///
/// Parts are read and folded one at a time, so merge holds one part and the running merge, never all parts.
/// Each refusal is one line naming the file(s) and what to do (exit 65; 66 for an unreadable file).
struct PartSet {
    let command: String
    let fingerprint: Fingerprint
    let shardCount: Int
    /// The first shard's working directory (see `PartFile.directory`).
    let directory: String
    /// One merged part per sweep of the job.
    let sweeps: [SweepPart]
    /// The shards' engines (each once) and the sum of their seconds.
    let engine: String
    let seconds: Double

    init(paths: [String]) throws {
        guard let firstPath = paths.first else { throw InputError.usage("merge: give the part files the shards wrote") }
        let first = try PartFile.read(firstPath)
        var seen = [first.shard.index: firstPath]
        var sweeps = first.sweeps
        var engines = [first.run.engine], seconds = first.run.seconds
        let tolerance = SweepPlan().nearBestTolerance
        for path in paths.dropFirst() {
            let part = try PartFile.read(path)
            try Self.check(part, path: path, against: first, path: firstPath)
            if let other = seen[part.shard.index] {
                throw InputError("\(other) and \(path) are both shard \(part.shard): give each shard once")
            }
            seen[part.shard.index] = path
            sweeps = zip(sweeps, part.sweeps).map { $0.merged(with: $1, nearBestTolerance: tolerance) }
            if !engines.contains(part.run.engine) { engines.append(part.run.engine) }
            seconds += part.run.seconds
        }
        let missing = (0..<first.shard.count).filter { seen[$0] == nil }
        if !missing.isEmpty {
            let names = missing.map { "\($0)/\(first.shard.count)" }.joined(separator: ", ")
            throw InputError("shard\(missing.count == 1 ? "" : "s") \(names) missing (\(paths.count) part(s) given); run \(missing.count == 1 ? "it" : "them") with --shard and merge all \(first.shard.count)")
        }
        try first.fingerprint.checkInputsUnchanged(part: firstPath)
        self.command = first.command
        self.fingerprint = first.fingerprint
        self.shardCount = first.shard.count
        self.directory = first.directory
        self.sweeps = sweeps
        self.engine = engines.joined(separator: "; ")
        self.seconds = seconds
    }

    /// Merged sweep `i`, labelled with the shards' engines and seconds (what the merged result reports).
    func sweep(_ i: Int) -> SweepPart {
        var part = sweeps[i]
        part.engineLabel = "merged from \(shardCount) shard(s): \(engine)"
        part.seconds = seconds
        return part
    }

    /// What the merged result reports as the engine selection: nothing was run, nothing fell back.
    func selection(precision: Precision) -> EngineSelection {
        EngineSelection(engine: CPUEngine(), requested: .auto, requestedPrecision: precision, warning: nil)
    }

    /// One line naming both files when `part` is not a shard of the same job as `first`.
    static func check(_ part: PartFile, path: String, against first: PartFile, path firstPath: String) throws {
        let both = "\(firstPath) and \(path)"
        if part.command != first.command {
            throw InputError("\(both) are parts of different commands (\(first.command) and \(part.command)); merge the parts of one run")
        }
        if part.shard.count != first.shard.count {
            throw InputError("\(both) are shards of different counts (\(first.shard) and \(part.shard)); merge the parts of one run")
        }
        if let field = first.fingerprint.difference(from: part.fingerprint) {
            throw InputError("\(both) differ in \(field); merge the parts of one run")
        }
        if part.sweeps.count != first.sweeps.count {
            throw InputError("\(both) hold \(first.sweeps.count) and \(part.sweeps.count) sweeps; rerun the damaged shard")
        }
    }
}
