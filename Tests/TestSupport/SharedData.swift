import Foundation

/// Locations of the shared reference data beside the checkout (../shared/data), which tests may read.
public enum SharedData {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/TestSupport/SharedData.swift
        return url
    }()

    public static let root = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    public static let nist = root.appendingPathComponent("nist-strd")
    public static let olmoLadder = root.appendingPathComponent("olmo-ladder")
}

/// Minimal reader of a NIST StRD nonlinear regression file: starts, certified values and data.
public struct NISTData: Sendable {
    public var name: String
    public var parameterNames: [String]
    public var start1: [Double]
    public var start2: [Double]
    public var certified: [Double]
    public var certifiedRSS: Double
    /// One row per observation: the predictor values.
    public var x: [[Double]]
    public var y: [Double]

    public init(name: String) throws {
        self.name = name
        let text = try String(contentsOf: SharedData.nist.appendingPathComponent("\(name).dat"), encoding: .utf8)
        let lines = text.components(separatedBy: .newlines)
        parameterNames = []; start1 = []; start2 = []; certified = []; certifiedRSS = .nan; x = []; y = []
        var inData = false
        for line in lines {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if inData {
                let values = fields.compactMap(Double.init)
                if values.count == fields.count, values.count >= 2 { y.append(values[0]); x.append(Array(values.dropFirst())) }
                continue
            }
            if fields.count >= 6, fields[1] == "=", fields[0].hasPrefix("b"), let s1 = Double(fields[2]),
               let s2 = Double(fields[3]), let c = Double(fields[4]) {
                parameterNames.append(fields[0]); start1.append(s1); start2.append(s2); certified.append(c)
            } else if line.hasPrefix("Residual Sum of Squares:"), let v = fields.last.flatMap(Double.init) {
                certifiedRSS = v
            } else if line.hasPrefix("Data:"), fields.count >= 2, fields[1] == "y" {
                inData = true
            }
        }
    }
}
