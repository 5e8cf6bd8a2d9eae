import Foundation
import Hummingbird

/// `gpufit serve`: the HTTP routes over a `JobStore`, with one `JobWorker` running the queue.
///
/// Routes: `GET /healthz`, `GET /readyz`, `GET /v1/devices`, `POST /v1/jobs`, `GET /v1/jobs`, `GET /v1/jobs/{id}`,
/// `GET /v1/jobs/{id}/result`, `DELETE /v1/jobs/{id}`. Errors are `application/problem+json` (RFC 9457).
public struct JobServer: Sendable {
    public var host: String
    public var port: Int
    public let store: JobStore
    public let runner: any JobRunner
    /// The largest request body accepted (bytes).
    public var maxBodyBytes = 64 << 20

    public init(host: String, port: Int, store: JobStore, runner: any JobRunner) {
        self.host = host
        self.port = port
        self.store = store
        self.runner = runner
    }

    /// Whether `host` names this machine only (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Requeues interrupted jobs, starts the worker, and serves until the process ends.
    public func run() throws {
        let requeued = try store.requeueInterrupted()
        if requeued > 0 { FileHandle.standardError.write(Data("note: \(requeued) interrupted job(s) queued again\n".utf8)) }
        let worker = JobWorker(store: store, runner: runner)
        worker.start()
        let app = Application(
            router: router(worker: worker),
            configuration: .init(address: .hostname(host, port: port), serverName: "gpufit"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                FileHandle.standardOutput.write(Data("gpufit serve: listening on http://\(host):\(port)\n".utf8))
            })
        let done = DispatchSemaphore(value: 0)
        let failure = ErrorBox()
        Task {
            do { try await app.runService() } catch { failure.error = error }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw error }
    }

    func router(worker: JobWorker) -> Router<BasicRequestContext> {
        let router = Router()
        let store = self.store, runner = self.runner, maxBody = maxBodyBytes
        router.get("/healthz") { _, _ in json(["status": "ok"]) }
        router.get("/readyz") { _, _ in
            guard worker.isRunning, (try? store.journalMode) != nil else { return Problem(.serviceUnavailable, "the job store or the worker is not ready").response }
            return json(["status": "ready"])
        }
        router.get("/v1/devices") { _, _ in
            do { return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try runner.devicesJSON()))) }
            catch { return Problem(.internalServerError, "listing devices failed: \(error)").response }
        }
        router.post("/v1/jobs") { request, _ in
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: maxBody) } catch {
                return Problem(.contentTooLarge, "the request body is over the limit of \(maxBody) bytes").response
            }
            let job: JobRequest
            do { job = try JSONDecoder().decode(JobRequest.self, from: Data(buffer: body)) } catch {
                return Problem(.badRequest, "the body is not a job: \(describe(error)); send {\"kind\": \"fit\", \"data\": \"<csv text>\", \"options\": {...}}").response
            }
            if job.kind == "fit" && job.data == nil {
                return Problem(.badRequest, "the body is not a job: field 'data' is missing (a fit job's CSV text)").response
            }
            do { try runner.check(job) } catch {
                return Problem(.unprocessableContent, String(describing: error)).response
            }
            let id: JobID
            do { id = try store.submit(job) } catch { return Problem(.internalServerError, "could not store the job: \(error)").response }
            worker.notify()
            let url = "/v1/jobs/\(id)"
            return json(["id": id.description, "url": url, "resultUrl": url + "/result"], status: .accepted, location: url)
        }
        addJobRoutes(router)
        return router
    }
}

extension JobServer {
    /// `GET /v1/jobs`, `GET /v1/jobs/{id}`, `GET /v1/jobs/{id}/result`, `DELETE /v1/jobs/{id}`.
    func addJobRoutes(_ router: Router<BasicRequestContext>) {
        let store = self.store
        router.get("/v1/jobs") { request, _ in
            let query: JobListQuery
            do { query = try JobListQuery(request.uri.queryParameters.map { (key: String($0.key), value: String($0.value)) }) } catch {
                return Problem(.badRequest, String(describing: error)).response
            }
            var probe = query
            probe.limit += 1
            let jobs = try store.jobs(probe)
            return json(JobPage(jobs: jobs.prefix(query.limit).map(JobStatus.init), next: jobs.count > query.limit ? query.next : nil))
        }
        router.get("/v1/jobs/:id") { _, context in
            guard let id = checkedID(context), let job = try store.job(id) else { return noSuchJob(context) }
            return json(JobStatus(job))
        }
        router.get("/v1/jobs/:id/result") { _, context in
            guard let id = checkedID(context), let job = try store.job(id) else { return noSuchJob(context) }
            switch job.state {
            case .done: return try file(store.resultFile(id), type: "application/json")
            case .failed: return Problem(.conflict, "job \(id) failed: \(job.error ?? "no message"); it has no result").response
            case .cancelled: return Problem(.conflict, "job \(id) was cancelled; it has no result").response
            case .queued, .running: return Problem(.conflict, "job \(id) is \(job.state.rawValue); its result is there once GET /v1/jobs/\(id) says done").response
            }
        }
        router.get("/v1/jobs/:id/result.csv") { _, context in
            guard let id = checkedID(context), let job = try store.job(id) else { return noSuchJob(context) }
            guard job.state == .done else { return Problem(.conflict, "job \(id) is \(job.state.rawValue); a CSV result is there once it is done").response }
            guard FileManager.default.fileExists(atPath: store.resultCSVFile(id).path) else {
                return Problem(.notFound, "job \(id) is a \(job.kind) job; only ladder jobs have a CSV result").response
            }
            return try file(store.resultCSVFile(id), type: "text/csv; charset=utf-8")
        }
        router.delete("/v1/jobs/:id") { _, context in
            guard let id = checkedID(context), let before = try store.cancel(id) else { return noSuchJob(context) }
            switch before.state {
            case .queued: return json(JobStatus(try store.job(id) ?? before))
            case .running: return Problem(.conflict, "job \(id) is running; running jobs cannot be cancelled yet").response
            case .done, .failed, .cancelled:
                return Problem(.conflict, "job \(id) is \(before.state.rawValue) already; only a queued job can be cancelled").response
            }
        }
    }
}

/// `GET /v1/jobs/{id}`.
struct JobStatus: Encodable {
    var id: String
    var kind: String
    var state: String
    var created: String
    var started: String?
    var finished: String?
    var seconds: Double?
    var error: String?
    var url: String
    var resultUrl: String?

    init(_ job: JobStore.Job) {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        id = job.id.description
        kind = job.kind
        state = job.state.rawValue
        created = f.string(from: job.created)
        started = job.started.map(f.string(from:))
        finished = job.finished.map(f.string(from:))
        if let s = job.started, let e = job.finished { seconds = e.timeIntervalSince(s) }
        error = job.error
        url = "/v1/jobs/\(job.id)"
        resultUrl = job.state == .done ? url + "/result" : nil
    }
}

/// A result file as the answer.
private func file(_ url: URL, type: String) throws -> Response {
    Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: try Data(contentsOf: url))))
}

/// The path's id, checked before it is used anywhere (nil: not an id, answered 404).
private func checkedID(_ context: BasicRequestContext) -> JobID? { JobID(checking: context.parameters.get("id") ?? "") }

private func noSuchJob(_ context: BasicRequestContext) -> Response {
    Problem(.notFound, "no job with id '\(context.parameters.get("id") ?? "")' (ids are 32 hex digits, from POST /v1/jobs)").response
}

private func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, location: String? = nil) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var headers: HTTPFields = [.contentType: "application/json"]
    if let location { headers[.location] = location }
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: ((try? encoder.encode(value)) ?? Data()) + Data("\n".utf8))))
}

private func describe(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): return "field '\(key.stringValue)' is missing"
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
        return "field '\(c.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
    case DecodingError.dataCorrupted(let c):
        return c.codingPath.isEmpty ? "malformed JSON" : "field '\(c.codingPath.map(\.stringValue).joined(separator: "."))': \(c.debugDescription)"
    default: return "malformed JSON"
    }
}

private final class ErrorBox: @unchecked Sendable {
    var error: Error?
}
