import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// The real `gpufit serve` binary on a loopback port with a fresh data folder: routes, problems, results equal
/// to the command line's, and a `kill -9` in the middle of a queue.
@Suite(.serialized) struct ServiceTests {
    /// Misra1a as an expression model (the CLI tests' problem), with a few starts and replicates.
    static var options: [String: Any] {
        ["model": "b1*(1-exp[-b2*x])", "params": "b1,b2", "x": "x", "y": "y", "start": "500,0.0001",
         "starts": 8, "bootstrap": 4, "seed": 7]
    }
    /// The same options as `gpufit fit` arguments.
    static func cliArguments(_ options: [String: Any]) -> [String] {
        options.keys.sorted().map { "--\($0)=\(options[$0]!)" }
    }

    @Test func fitJobGivesTheCommandLinesResult() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        #expect(try await server.get("/healthz").status == 200)
        #expect(try await server.get("/readyz").status == 200)
        let devices = try await server.get("/v1/devices")
        #expect(devices.status == 200)
        #expect((devices.json?["cpuEngine"] as? [String: Any])?["name"] as? String == "cpu")

        let csv = try Self.misra1aCSV()
        let submit = try await server.post("/v1/jobs", json: ["kind": "fit", "data": csv, "options": Self.options])
        #expect(submit.status == 202, "\(submit.text)")
        let id = try #require(submit.json?["id"] as? String)
        #expect(id.count == 32)
        #expect(submit.json?["url"] as? String == "/v1/jobs/\(id)")
        let status = try await server.waitUntilFinished(id)
        #expect(status["state"] as? String == "done", "\(status)")
        #expect(status["created"] is String && status["started"] is String && status["finished"] is String)

        let result = try await server.get("/v1/jobs/\(id)/result")
        #expect(result.status == 200)
        #expect(result.contentType == "application/json")
        try Self.expectSameAsCommandLine(result.body, csv: csv, options: Self.options)
        Self.expectProblem(try await server.get("/v1/jobs/\(id)/result.csv"), 404, mentioning: ["ladder"], "a fit job's CSV result")
    }

    @Test func ladderJobGivesTheCommandLinesResults() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let options: [String: Any] = ["starts": 2, "bootstrap": 2, "tasks": "hellaswag", "seed": 3]
        let submit = try await server.post("/v1/jobs", json: ["kind": "ladder", "options": options])
        #expect(submit.status == 202, "\(submit.text)")
        let id = try #require(submit.json?["id"] as? String)
        #expect(try await server.waitUntilFinished(id)["state"] as? String == "done")
        let json = try await server.get("/v1/jobs/\(id)/result")
        let csv = try await server.get("/v1/jobs/\(id)/result.csv")
        #expect(json.status == 200 && json.contentType == "application/json")
        #expect(csv.status == 200 && csv.contentType == "text/csv; charset=utf-8", "\(csv.text)")

        let dir = try GPUFitProcess.temporaryDirectory()
        let jsonFile = dir.appendingPathComponent("ladder.json"), csvFile = dir.appendingPathComponent("ladder.csv")
        let run = try GPUFitProcess.run(["ladder"] + Self.cliArguments(options) + ["--device", "cpu", "--quiet", "--json", jsonFile.path,
                                        "--csv", csvFile.path], environment: ["GPUFIT_SCALAR": "1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(csv.text == (try String(contentsOf: csvFile, encoding: .utf8)), "the CSV, byte for byte")
        // info.seconds is the run's time, the one field that differs.
        var cli = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: jsonFile)) as? [String: Any])
        var served = try #require(try JSONSerialization.jsonObject(with: json.body) as? [String: Any])
        #expect((cli["info"] as? [String: Any])?["seconds"] is Double && (served["info"] as? [String: Any])?["seconds"] is Double)
        cli["info"] = (cli["info"] as? [String: Any])?.filter { $0.key != "seconds" }
        served["info"] = (served["info"] as? [String: Any])?.filter { $0.key != "seconds" }
        #expect(NSDictionary(dictionary: cli).isEqual(to: served), "the JSON, value for value but info.seconds")

        // A fit job has no CSV result; a ladder job's files are the server's.
        try await Self.expectProblem(server.post("/v1/jobs", json: ["kind": "ladder", "options": ["json": "/tmp/x.json"]]), 422,
                                     mentioning: ["json"], "a ladder option the server sets")
        try await Self.expectProblem(server.post("/v1/jobs", json: ["kind": "ladder", "options": ["starts": 0]]), 422,
                                     mentioning: ["--starts"], "a ladder option value the CLI refuses")
    }

    @Test func badRequestsAreProblemsAndTheServerKeepsServing() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        func expectProblem(_ reply: HTTPReply, _ status: Int, mentioning words: [String], _ what: String) {
            Self.expectProblem(reply, status, mentioning: words, what)
        }
        expectProblem(try await server.get("/v1/jobs/0123456789abcdef0123456789abcdef"), 404, mentioning: ["no job"], "unknown id")
        expectProblem(try await server.get("/v1/jobs/0123456789abcdef0123456789abcdef/result"), 404, mentioning: ["no job"], "unknown id's result")
        expectProblem(try await server.get("/v1/jobs/..%2F..%2Fjobs.sqlite"), 404, mentioning: ["no job"], "an id that is a path")
        expectProblem(try await server.post("/v1/jobs", body: Data("{\"kind\": \"fit\", ".utf8)), 400, mentioning: ["JSON"], "malformed JSON")
        expectProblem(try await server.post("/v1/jobs", json: ["kind": "fit", "options": [:]]), 400, mentioning: ["data"], "missing field")
        let csv = try Self.misra1aCSV()
        var options = Self.options
        options["starts"] = 0
        expectProblem(try await server.post("/v1/jobs", json: ["kind": "fit", "data": csv, "options": options]), 422,
                      mentioning: ["--starts"], "an option value the CLI refuses")
        options = Self.options
        options["no-such-option"] = 1
        expectProblem(try await server.post("/v1/jobs", json: ["kind": "fit", "data": csv, "options": options]), 422,
                      mentioning: ["no-such-option"], "an unknown option")
        options = Self.options
        options["device"] = "0"
        expectProblem(try await server.post("/v1/jobs", json: ["kind": "fit", "data": csv, "options": options]), 422,
                      mentioning: ["device"], "the server's option")
        expectProblem(try await server.post("/v1/jobs", json: ["kind": "variance", "data": csv, "options": [:]]), 422,
                      mentioning: ["variance"], "an unknown kind")
        #expect(try await server.get("/healthz").status == 200)
        #expect(server.isRunning)
    }

    @Test func aKilledServerRunsItsQueueAgainWithTheSameResults() async throws {
        let dataDirectory = try GPUFitProcess.temporaryDirectory()
        let csv = try Self.misra1aCSV()
        var options = Self.longOptions
        let first = try ServeProcess(dataDirectory: dataDirectory)
        let ids = try await Self.submitLongJobs(first, csv: csv)
        // Kill as soon as the first job runs: it is interrupted, the others are still queued.
        try await first.waitWhileQueued(ids[0])
        let states = [try await first.get("/v1/jobs/\(ids[0])").json?["state"] as? String,
                      try await first.get("/v1/jobs/\(ids[2])").json?["state"] as? String]
        first.kill()
        #expect(states[0] == "running", "the first job should have been running when killed (\(states))")
        #expect(states[1] == "queued")

        let second = try ServeProcess(dataDirectory: dataDirectory)
        var finished = [String: (status: String, result: Data)]()
        for (seed, id) in zip(1..., ids) {
            let status = try await second.waitUntilFinished(id)
            #expect(status["state"] as? String == "done", "\(status)")
            let result = try await second.get("/v1/jobs/\(id)/result")
            options["seed"] = seed
            try Self.expectSameAsCommandLine(result.body, csv: csv, options: options)
            finished[id] = (status["finished"] as? String ?? "", result.body)
        }
        second.kill()

        // Finished jobs are served unchanged by the next server and never run again.
        let third = try ServeProcess(dataDirectory: dataDirectory)
        defer { third.stop() }
        for id in ids {
            let status = try await third.get("/v1/jobs/\(id)")
            #expect(status.json?["state"] as? String == "done")
            #expect(status.json?["finished"] as? String == finished[id]?.status)
            #expect(try await third.get("/v1/jobs/\(id)/result").body == finished[id]?.result)
        }
    }

    @Test func jobsAreListedNewestFirstAndAQueuedJobCanBeCancelledForGood() async throws {
        let dataDirectory = try GPUFitProcess.temporaryDirectory()
        let first = try ServeProcess(dataDirectory: dataDirectory)
        let ids = try await Self.submitLongJobs(first, csv: try Self.misra1aCSV())
        // The newest job is still queued behind two long ones: it is cancelled, and only once.
        let cancel = try await first.delete("/v1/jobs/\(ids[2])")
        #expect(cancel.status == 200, "\(cancel.text)")
        #expect(cancel.json?["state"] as? String == "cancelled")
        try await Self.expectProblem(first.delete("/v1/jobs/\(ids[2])"), 409, mentioning: ["cancelled"], "cancelling twice")
        try await Self.expectProblem(first.get("/v1/jobs/\(ids[2])/result"), 409, mentioning: ["cancelled"], "a cancelled job's result")
        try await Self.expectProblem(first.delete("/v1/jobs/0123456789abcdef0123456789abcdef"), 404, mentioning: ["no job"], "unknown id")
        try await Self.expectProblem(first.delete("/v1/jobs/..%2Fjobs.sqlite"), 404, mentioning: ["no job"], "an id that is a path")

        // A running job cannot be cancelled yet (the engine has no stop hook): 409.
        try await first.waitWhileQueued(ids[0])
        #expect(try await first.delete("/v1/jobs/\(ids[0])").status == 409)
        try await Self.expectListing(first, "/v1/jobs", ids.reversed(), next: nil)
        try await Self.expectListing(first, "/v1/jobs?state=cancelled", [ids[2]], next: nil)
        try await Self.expectListing(first, "/v1/jobs?limit=1", [ids[2]], next: "/v1/jobs?limit=1&offset=1")
        try await Self.expectListing(first, "/v1/jobs?limit=1&offset=1", [ids[1]], next: "/v1/jobs?limit=1&offset=2")
        try await Self.expectListing(first, "/v1/jobs?offset=2&limit=1", [ids[0]], next: nil)
        try await Self.expectListing(first, "/v1/jobs?state=done&limit=500", [], next: nil)
        for (query, parameter) in [("limit=0", "limit"), ("limit=501", "limit"), ("limit=x", "limit"), ("offset=-1", "offset"),
                                   ("state=finished", "state"), ("page=2", "page"), ("limit=1&limit=2", "limit")] {
            try await Self.expectProblem(first.get("/v1/jobs?\(query)"), 400, mentioning: ["'\(parameter)'"], query)
        }
        let listed = try await first.get("/v1/jobs?limit=1")
        let item = try #require((listed.json?["jobs"] as? [[String: Any]])?.first)
        let single = try #require(try await first.get("/v1/jobs/\(ids[2])").json)
        #expect(NSDictionary(dictionary: item).isEqual(to: single), "a listed job is GET /v1/jobs/{id}'s object")
        first.kill()

        // After a restart the cancelled job stays cancelled and never runs; the others run.
        let second = try ServeProcess(dataDirectory: dataDirectory)
        defer { second.stop() }
        for id in ids[0...1] { #expect(try await second.waitUntilFinished(id)["state"] as? String == "done") }
        try await Task.sleep(nanoseconds: 500_000_000)
        let cancelled = try #require(try await second.get("/v1/jobs/\(ids[2])").json)
        #expect(cancelled["state"] as? String == "cancelled" && cancelled["started"] == nil, "\(cancelled)")
        try await Self.expectProblem(second.delete("/v1/jobs/\(ids[0])"), 409, mentioning: ["done"], "cancelling a finished job")
        try await Self.expectListing(second, "/v1/jobs?state=done", [ids[1], ids[0]], next: nil)
    }

    /// Options of a fit long enough (a second or so) to be seen running.
    static var longOptions: [String: Any] {
        var options = Self.options
        options["starts"] = 150
        options["bootstrap"] = 20
        return options
    }

    /// Three long fits (seeds 1, 2, 3) queued on `server`, oldest first: their ids.
    static func submitLongJobs(_ server: ServeProcess, csv: String) async throws -> [String] {
        var options = longOptions
        var ids = [String]()
        for seed in 1...3 {
            options["seed"] = seed
            let submit = try await server.post("/v1/jobs", json: ["kind": "fit", "data": csv, "options": options])
            #expect(submit.status == 202, "\(submit.text)")
            ids.append(try #require(submit.json?["id"] as? String))
        }
        return ids
    }

    /// A page of `GET /v1/jobs`: its ids in order and its next URL.
    static func expectListing(_ server: ServeProcess, _ path: String, _ ids: [String], next: String?) async throws {
        let reply = try await server.get(path)
        #expect(reply.status == 200, "\(path): \(reply.text)")
        let jobs = reply.json?["jobs"] as? [[String: Any]] ?? []
        #expect(jobs.map { $0["id"] as? String ?? "" } == ids, "\(path)")
        #expect(reply.json?["next"] as? String == next, "\(path): \(reply.text)")
    }

    static func expectProblem(_ reply: HTTPReply, _ status: Int, mentioning words: [String], _ what: String) {
        #expect(reply.status == status, "\(what): \(reply.text)")
        #expect(reply.contentType == "application/problem+json", "\(what)")
        #expect(reply.json?["status"] as? Int == status, "\(what)")
        #expect(reply.json?["title"] is String && reply.json?["type"] is String, "\(what)")
        let detail = reply.json?["detail"] as? String ?? ""
        for word in words { #expect(detail.contains(word), "\(what): \(detail)") }
    }

    @Test func aNonLoopbackHostIsRefused() throws {
        let run = try GPUFitProcess.run(["serve", "--host", "0.0.0.0", "--data-dir", GPUFitProcess.temporaryDirectory().path])
        #expect(run.status == 64)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("loopback"))
    }

    // MARK: - Helpers

    static func misra1aCSV() throws -> String {
        let dir = try GPUFitProcess.temporaryDirectory()
        let url = dir.appendingPathComponent("misra1a.csv")
        try NISTData(name: "Misra1a").writeCSV(to: url)
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Fields that differ between two runs of the same job and are not compared: `file` (the data's path: the
    /// server's copy in its data folder, the CLI's own file), `seconds` and `fitsPerSecond` (timings).
    static let runFields: Set<String> = ["file", "seconds", "fitsPerSecond"]

    /// `gpufit fit` on the same data and options writes the same JSON, value for value, but `runFields`.
    static func expectSameAsCommandLine(_ served: Data, csv: String, options: [String: Any]) throws {
        let dir = try GPUFitProcess.temporaryDirectory()
        let data = dir.appendingPathComponent("data.csv"), out = dir.appendingPathComponent("fit.json")
        try csv.write(to: data, atomically: true, encoding: .utf8)
        let run = try GPUFitProcess.run(["fit", data.path] + cliArguments(options) + ["--device", "cpu", "--quiet", "--out", out.path],
                                        environment: ["GPUFIT_SCALAR": "1"])
        #expect(run.status == 0, "\(run.stderr)")
        var cli = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        var server = try #require(try JSONSerialization.jsonObject(with: served) as? [String: Any])
        for field in runFields {
            #expect(cli.removeValue(forKey: field) != nil && server.removeValue(forKey: field) != nil, "field \(field)")
        }
        #expect(Set(cli.keys) == Set(server.keys))
        for key in cli.keys.sorted() {
            let same = NSDictionary(dictionary: [key: cli[key]!]).isEqual(to: [key: server[key] as Any])
            let message = "field \(key): CLI \(String(describing: cli[key])), server \(String(describing: server[key]))"
            #expect(same, Comment(rawValue: message))
        }
    }
}

/// One HTTP answer.
struct HTTPReply {
    var status: Int
    var contentType: String?
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
}

/// A `gpufit serve` process on a free loopback port (scalar CPU lanes: the debug build's vector loop is slow).
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: URL
    let session = URLSession(configuration: .ephemeral)

    init(dataDirectory: URL? = nil) throws {
        port = try Self.freePort()
        let dir = try dataDirectory ?? GPUFitProcess.temporaryDirectory()
        log = try GPUFitProcess.temporaryDirectory().appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = GPUFitProcess.executable
        process.arguments = ["serve", "--port", String(port), "--data-dir", dir.path, "--device", "cpu"]
        var environment = ProcessInfo.processInfo.environment
        environment["GPUFIT_SCALAR"] = "1"
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning { throw ServeError("gpufit serve exited: \(logText)") }
            if let reply = try? syncGet("/healthz"), reply == 200 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ServeError("gpufit serve did not answer /healthz within 20 s: \(logText)")
    }

    var isRunning: Bool { process.isRunning }
    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    func get(_ path: String) async throws -> HTTPReply { try await send("GET", path, body: nil) }
    func delete(_ path: String) async throws -> HTTPReply { try await send("DELETE", path, body: nil) }
    func post(_ path: String, body: Data) async throws -> HTTPReply { try await send("POST", path, body: body) }
    func post(_ path: String, json: [String: Any]) async throws -> HTTPReply {
        try await post(path, body: JSONSerialization.data(withJSONObject: json))
    }

    /// Polls a job until it is no longer queued (4 s at most).
    func waitWhileQueued(_ id: String) async throws {
        for _ in 0..<400 {
            guard try await get("/v1/jobs/\(id)").json?["state"] as? String == "queued" else { return }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    /// Polls a job until it is done or failed (60 s at most).
    func waitUntilFinished(_ id: String) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let reply = try await get("/v1/jobs/\(id)")
            guard reply.status == 200, let json = reply.json else { throw ServeError("GET /v1/jobs/\(id): \(reply.status) \(reply.text)") }
            if let state = json["state"] as? String, state == "done" || state == "failed" { return json }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw ServeError("job \(id) did not finish within 60 s: \(logText)")
    }

    private func send(_ method: String, _ path: String, body: Data?) async throws -> HTTPReply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        return HTTPReply(status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type"), body: data)
    }

    private func syncGet(_ path: String) throws -> Int {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status = 0
        session.dataTask(with: URL(string: "http://127.0.0.1:\(port)\(path)")!) { _, response, _ in
            status = (response as? HTTPURLResponse)?.statusCode ?? 0
            done.signal()
        }.resume()
        done.wait()
        return status
    }

    /// A port no one listens on now: bind port 0 and read what the system chose.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ServeError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct ServeError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
