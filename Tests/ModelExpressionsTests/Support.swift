import Foundation
import FitModels
@testable import ModelExpressions
import TestSupport

/// The NIST StRD files shipped with the project: ../shared/data/nist-strd relative to the package root.
enum TestData {
    static let nistDirectory: URL? = {
        var dir = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            for candidate in [dir.appendingPathComponent("../shared/data/nist-strd"),
                              dir.appendingPathComponent("shared/data/nist-strd")] {
                let c = candidate.standardizedFileURL
                if FileManager.default.fileExists(atPath: c.appendingPathComponent("Misra1a.dat").path) { return c }
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    static var nistFiles: [URL] {
        guard let dir = nistDirectory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.filter { $0.hasSuffix(".dat") }.sorted().map { dir.appendingPathComponent($0) }
    }

    static func nist(_ name: String) throws -> NISTProblem {
        guard let dir = nistDirectory else { throw CocoaError(.fileNoSuchFile) }
        return try NISTProblem(contentsOf: dir.appendingPathComponent("\(name).dat"))
    }
}

/// The expression tests' generator: SplitMix64 from the seed as its raw state.
typealias SplitMix = SplitMix64
extension SplitMix64 {
    init(seed: UInt64) { self.init(state: seed) }
}

extension FitModel {
    /// (f, df/dp) at one point.
    func valueAndGradient(_ p: [Double], _ x: [Double]) -> (Double, [Double]) {
        var g = [Double](repeating: 0, count: parameterCount)
        let xs = x.isEmpty ? [0.0] : x
        let f = p.withUnsafeBufferPointer { pp in
            xs.withUnsafeBufferPointer { xp in
                g.withUnsafeMutableBufferPointer { gp in evaluate(pp.baseAddress!, xp.baseAddress!, gp.baseAddress!) }
            }
        }
        return (f, g)
    }
}
