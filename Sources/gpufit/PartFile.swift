import CSVReading
import FitEngine
import FitSweep
import Foundation
import SafeOutput

/// A shard's partial result, as `gpufit fit|ladder --shard i/n --out FILE` writes it: JSON (sorted keys,
/// non-finite numbers as "nan"/"inf"/"-inf"), documented in the README.
///
/// Everything but `run` is a pure function of the job and the shard (same seed, same part, on any device
/// precision aside, any chunk size); `run` says where and how long it ran.
struct PartFile: Codable {
    struct Run: Codable {
        var engine: String
        var seconds: Double
    }

    static let currentFormat = "gpufit-part/1"

    var format = PartFile.currentFormat
    /// The command that made it: fit or ladder.
    var command: String
    var shard: Shard
    /// The shard's working directory: its arguments' relative paths are relative to it (merge runs there).
    var directory = FileManager.default.currentDirectoryPath
    var fingerprint: Fingerprint
    /// One part per sweep of the job (fit: one; ladder: one per task step, in `LadderFitter.sweeps()` order).
    var sweeps: [SweepPart]
    var run: Run

    /// The part of `sweeps`, written to the command's --out.
    static func write(command: String, shard: Shard, fingerprint: Fingerprint, sweeps: [SweepPart], to target: OutputTarget) throws {
        let labels = sweeps.map(\.engineLabel).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let part = PartFile(command: command, shard: shard, fingerprint: fingerprint, sweeps: sweeps,
                            run: Run(engine: labels.joined(separator: ", "), seconds: sweeps.reduce(0) { $0 + $1.seconds }))
        try target.write(try encodeJSON(part))
    }

    /// The line a shard prints: what it ran and where its part went.
    static func summary(command: String, shard: Shard, fits: Int, total: Int, output: OutputTarget) -> String {
        "gpufit \(command): shard \(shard), \(fits) of \(total) fits; part written to \(output.isStandardOutput ? "standard output" : output.given)"
    }

    /// Reads a part; a file that is not one is a one-line error naming it.
    static func read(_ path: String) throws -> PartFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError.missingInput("\(path): cannot read this part file")
        }
        struct Header: Decodable { var format: String? }
        let header = try? JSONDecoder().decode(Header.self, from: data)
        guard let format = header?.format, format.hasPrefix("gpufit-part/") else {
            throw InputError("\(path): not a gpufit part (no \"format\": \"\(currentFormat)\"); give the files that --shard i/n --out wrote")
        }
        guard format == currentFormat else {
            throw InputError("\(path): part format \(format); this gpufit \(GPUFitVersion.string) reads \(currentFormat): rerun the shards with it")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(PartFile.self, from: data)
        } catch {
            throw InputError("\(path): a damaged gpufit part (\(Self.describe(error))); rerun its shard")
        }
    }

    private static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        switch e {
        case .keyNotFound(let key, let c): return "no \((c.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            return "bad \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        @unknown default: return "\(e)"
        }
    }
}
