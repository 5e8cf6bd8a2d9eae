import ArgumentParser
import CSVReading
import FitEngine
import FitService
import Foundation

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the fitting service: an HTTP API that queues fit and ladder jobs and runs them on the device.",
        discussion: """
        Routes: GET /healthz, GET /readyz, GET /v1/devices, POST /v1/jobs, GET /v1/jobs (?state, ?limit, ?offset), \
        GET /v1/jobs/ID, GET /v1/jobs/ID/result, GET /v1/jobs/ID/result.csv (ladder jobs), DELETE /v1/jobs/ID \
        (cancels a queued job). \
        Jobs are kept in --data-dir (SQLite, WAL) and survive a restart; a job interrupted by one runs again \
        from the start. Without access tokens (not there yet) it listens on loopback addresses only.

        Example: gpufit serve --port 8080 --device cpu
        """)

    @Option(name: .long, help: "Address to listen on; loopback only (127.0.0.1, ::1, localhost).")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(name: .long, help: "Folder of the job store. (default: $XDG_DATA_HOME/gpufit, else ~/.local/share/gpufit)")
    var dataDir: String?

    @Option(name: .long, help: "auto (a GPU if any, else the CPU engine), an OpenCL device index from `gpufit devices`, or cpu. (default: auto)",
            transform: DeviceChoice.argument)
    var device: DeviceChoice = .auto

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port): must be >= 0 and <= 65535") }
    }

    static func defaultDataDirectory() -> URL {
        if let xdg = ProcessInfo.processInfo.environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("gpufit")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/gpufit")
    }

    func run() throws {
        guard JobServer.isLoopback(host) else {
            throw InputError.usage("--host \(host): not a loopback address; without access tokens (not there yet) gpufit serve listens on 127.0.0.1, ::1 or localhost only")
        }
        let directory = dataDir.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? Self.defaultDataDirectory()
        let store: JobStore
        do { store = try JobStore(directory: directory) } catch {
            throw InputError("--data-dir \(directory.path): cannot open the job store: \(error)", kind: .cannotCreateOutput)
        }
        try JobServer(host: host, port: port, store: store, runner: FitJobRunner(device: device)).run()
    }
}
