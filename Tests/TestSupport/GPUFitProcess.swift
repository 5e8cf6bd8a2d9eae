import Foundation

/// Runs the built `gpufit` executable, for tests of what a user sees.
public enum GPUFitProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The executable built beside the test bundle.
    public static let executable: URL = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            SharedData.packageRoot.appendingPathComponent(".build/debug"),
        ]
        for dir in candidates {
            let url = dir.appendingPathComponent("gpufit")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return SharedData.packageRoot.appendingPathComponent(".build/debug/gpufit")
    }()

    /// Runs gpufit with arguments and extra environment; stdin is closed.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh temporary folder.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gpufit-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// An OpenCL vendors folder with no ICD in it: the loader then reports no platform (-1001).
    public static func emptyVendorsDirectory() throws -> URL { try temporaryDirectory() }
}

extension NISTData {
    /// The problem's data as a CSV file with columns y, x (or x1, x2, ...).
    public func writeCSV(to url: URL) throws {
        let nx = x.first?.count ?? 1
        let names = nx == 1 ? ["x"] : (1...nx).map { "x\($0)" }
        var text = (["y"] + names).joined(separator: ",") + "\n"
        for (row, value) in zip(x, y) { text += ([value] + row).map { String($0) }.joined(separator: ",") + "\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}
