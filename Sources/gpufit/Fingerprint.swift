import CSVReading
import Crypto
import Foundation
import LadderFit

/// What makes two shards parts of one job: the gpufit version, the seed, the inputs (absolute path and
/// SHA-256 of each file read) and every other option that changes results, as canonical arguments
/// (the command's own option spellings, absolute paths; device, chunk size and outputs left out: they do
/// not change results). `gpufit merge` refuses parts whose fingerprints differ and names the field.
struct Fingerprint: Codable, Equatable {
    /// An input: a file's absolute path and SHA-256 (hex), or the embedded ladder (`embeddedPath`).
    struct Input: Codable, Equatable {
        var path: String
        var sha256: String
    }

    static let embeddedPath = "(embedded OLMo ladder)"

    var version = GPUFitVersion.string
    var seed: UInt64
    var inputs: [Input]
    /// The command's results-affecting options, as arguments `gpufit merge` parses again.
    var arguments: [String]

    /// The first field in which `other` differs, in words, or nil when they are the same job.
    func difference(from other: Fingerprint) -> String? {
        if version != other.version { return "version (\(version) and \(other.version))" }
        if seed != other.seed { return "seed (\(seed) and \(other.seed))" }
        if inputs != other.inputs {
            let changed = zip(inputs, other.inputs).first { $0 != $1 }.map { "\($0.path) and \($1.path)" } ?? "input files"
            return "input (\(changed), compared by path and SHA-256)"
        }
        if arguments != other.arguments {
            let pair = zip(arguments, other.arguments).first { $0 != $1 }.map { "\($0) and \($1)" } ?? "\(arguments.count) and \(other.arguments.count) arguments"
            return "options (\(pair))"
        }
        return nil
    }

    /// A file's input entry; its path made absolute against the current directory.
    static func input(file path: String) throws -> Input {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw InputError.missingInput("\(url.path): cannot read it")
        }
        return Input(path: url.path, sha256: sha256(data))
    }

    /// Every .csv file directly in a folder (an --olmo folder), in name order.
    static func inputs(folder path: String) throws -> [Input] {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return try names.filter { $0.hasSuffix(".csv") }.sorted().map { try input(file: url.appendingPathComponent($0).path) }
    }

    static var embeddedLadder: Input { Input(path: embeddedPath, sha256: sha256(Data(embeddedOLMoLadderCSV.utf8))) }

    static func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    /// Checks that an input is still what the shards read: one line naming the file if it is missing or changed.
    func checkInputsUnchanged(part: String) throws {
        for input in inputs {
            let now = input.path == Self.embeddedPath ? Self.embeddedLadder : try? Self.input(file: input.path)
            guard let now else {
                throw InputError.missingInput("\(input.path): input of \(part) is missing; merge reads the shards' inputs at the same path")
            }
            guard now.sha256 == input.sha256 else {
                throw InputError("\(input.path): changed since \(part) was made (SHA-256 differs); rerun the shards on the file as it is now")
            }
        }
    }
}
