import ArgumentParser
import FitEngine
import Foundation

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List OpenCL platforms and devices, and the built-in CPU engine.")

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    struct Listing: Encodable {
        var devices: [OpenCLDevice]
        var openCLError: String?
        var cpuEngine: CPUEngineInfo
        var auto: String
    }

    struct CPUEngineInfo: Encodable {
        var name = "cpu"
        var description = "native Swift Levenberg-Marquardt engine"
        var threads: Int
        var fp64 = true
        /// Which build of the lane loop runs on this processor: "avx2" or "portable" (see CPUEngine).
        var lanes = LaneInstructionSet.default.rawValue
    }

    /// What `--json` prints, and `GET /v1/devices` answers.
    static func listing() -> Listing {
        let result = OpenCLRuntime.devices()
        let devices = (try? result.get()) ?? []
        var openCLError: String?
        if case .failure(let e) = result { openCLError = e.description }
        let cpu = CPUEngineInfo(threads: ProcessInfo.processInfo.activeProcessorCount)
        let auto = devices.first { $0.type == "gpu" }.map { "\($0.index)" } ?? "cpu"
        return Listing(devices: devices, openCLError: openCLError, cpuEngine: cpu, auto: auto)
    }

    func run() throws {
        let listing = Self.listing()
        let (devices, openCLError, cpu, auto) = (listing.devices, listing.openCLError, listing.cpuEngine, listing.auto)
        if json {
            print(try encodeJSON(listing), terminator: "")
            return
        }
        var table = TextTable(["device", "platform", "name", "type", "OpenCL", "fp64", "units", "memory"])
        for d in devices {
            table.add([String(d.index), d.platform, d.name, d.type, d.openCLVersion, d.fp64 ? "yes" : "no",
                       String(d.computeUnits), String(format: "%.1f GiB", Double(d.globalMemoryBytes) / 1_073_741_824)])
        }
        let lanes = LaneInstructionSet.default == .avx2 ? "AVX2" : "portable"
        table.add(["cpu", "gpufit", "native Swift engine, \(lanes) lanes", "cpu", "-", "yes", String(cpu.threads), "-"])
        print(table.render())
        if let openCLError { print("OpenCL: \(openCLError)") }
        print("--device auto uses: \(auto)")
    }
}

/// A plain text table with aligned columns (numbers right-aligned).
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    init(_ header: [String]) { self.header = header }
    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
        func numeric(_ s: String) -> Bool { Double(s.replacingOccurrences(of: "%", with: "")) != nil || s.hasPrefix("[") }
        func line(_ row: [String]) -> String {
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: max(0, widths[c] - cell.count))
                return numeric(cell) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }
}
