import Foundation
import GRDB

/// The durable queue: one SQLite table (WAL mode) in the data folder, and per job a folder
/// `jobs/ID/` with its data (`data.csv`) and config (`config.json`) if the request sent them and, once done, its
/// result (`result.json`, and `result.csv` for a ladder job), all written atomically.
public final class JobStore: Sendable {
    public enum State: String, Codable, Sendable, CaseIterable { case queued, running, done, failed, cancelled }

    /// One row of the table.
    public struct Job: Sendable {
        public var id: JobID
        public var kind: String
        public var request: JobRequest.Stored
        public var state: State
        public var created: Date
        public var started: Date?
        public var finished: Date?
        public var error: String?
    }

    public let directory: URL
    private let pool: DatabasePool

    /// Opens (or creates) the store in `directory`.
    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("jobs"), withIntermediateDirectories: true)
        pool = try DatabasePool(path: directory.appendingPathComponent("jobs.sqlite").path)  // WAL by default
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS job (
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    request TEXT NOT NULL,
                    state TEXT NOT NULL,
                    created REAL NOT NULL,
                    started REAL,
                    finished REAL,
                    error TEXT)
                """)
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS job_state_created ON job(state, created)")
        }
    }

    public var journalMode: String {
        get throws { try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?" } }
    }

    /// The folder of a job's files (the id is checked hex, so this stays inside the store).
    public func folder(_ id: JobID) -> URL { directory.appendingPathComponent("jobs").appendingPathComponent(id.description) }
    public func dataFile(_ id: JobID) -> URL { folder(id).appendingPathComponent("data.csv") }
    public func resultFile(_ id: JobID) -> URL { folder(id).appendingPathComponent("result.json") }
    public func resultCSVFile(_ id: JobID) -> URL { folder(id).appendingPathComponent("result.csv") }
    public func configFile(_ id: JobID) -> URL { folder(id).appendingPathComponent("config.json") }

    /// A job's files for its runner: data and config where the request sent them.
    public func files(_ id: JobID) -> JobFiles {
        let existing = { (url: URL) in FileManager.default.fileExists(atPath: url.path) ? url : nil }
        return JobFiles(data: existing(dataFile(id)), config: existing(configFile(id)), result: resultFile(id), resultCSV: resultCSVFile(id))
    }

    /// Writes the data and config, then records the job as queued: a queued row always has its files.
    public func submit(_ request: JobRequest) throws -> JobID {
        let id = JobID.random()
        try FileManager.default.createDirectory(at: folder(id), withIntermediateDirectories: true)
        if let data = request.data { try Data(data.utf8).write(to: dataFile(id), options: .atomic) }
        if let config = request.config { try Data(config.utf8).write(to: configFile(id), options: .atomic) }
        let stored = String(decoding: try JSONEncoder().encode(JobRequest.Stored(kind: request.kind, options: request.options)), as: UTF8.self)
        try pool.write { db in
            try db.execute(sql: "INSERT INTO job (id, kind, request, state, created) VALUES (?, ?, ?, 'queued', ?)",
                           arguments: [id.description, request.kind, stored, Date().timeIntervalSince1970])
        }
        return id
    }

    public func job(_ id: JobID) throws -> Job? {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id.description]) }.map(Self.job)
    }

    /// Jobs newest first, of one state or all, a page of them.
    func jobs(_ query: JobListQuery) throws -> [Job] {
        try pool.read { db in
            let filter = query.state == nil ? "" : "WHERE state = ? "
            var arguments: StatementArguments = []
            if let state = query.state { arguments += [state.rawValue] }
            arguments += [query.limit, query.offset]
            return try Row.fetchAll(db, sql: "SELECT * FROM job \(filter)ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?", arguments: arguments)
        }.map(Self.job)
    }

    /// Cancels a queued job (it never runs, also not after a restart); returns the job as it was before,
    /// nil for an unknown id. A job in any other state is left as it is.
    public func cancel(_ id: JobID) throws -> Job? {
        try pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id.description]) else { return nil }
            let job = Self.job(row)
            if job.state == .queued {
                try db.execute(sql: "UPDATE job SET state = 'cancelled', finished = ? WHERE id = ? AND state = 'queued'",
                               arguments: [Date().timeIntervalSince1970, id.description])
            }
            return job
        }
    }

    /// At startup: jobs a previous server left running go back to the queue, to run again from the start.
    @discardableResult
    public func requeueInterrupted() throws -> Int {
        try pool.write { db in
            try db.execute(sql: "UPDATE job SET state = 'queued', started = NULL WHERE state = 'running'")
            return db.changesCount
        }
    }

    /// Takes the oldest queued job and marks it running, in one transaction.
    public func claimNext() throws -> Job? {
        try pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM job WHERE state = 'queued' ORDER BY created, rowid LIMIT 1") else { return nil }
            var job = Self.job(row)
            job.state = .running
            job.started = Date()
            try db.execute(sql: "UPDATE job SET state = 'running', started = ? WHERE id = ?",
                           arguments: [job.started!.timeIntervalSince1970, job.id.description])
            return job
        }
    }

    public func finish(_ id: JobID, error: String?) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE job SET state = ?, finished = ?, error = ? WHERE id = ?",
                           arguments: [error == nil ? "done" : "failed", Date().timeIntervalSince1970, error, id.description])
        }
    }

    private static func job(_ row: Row) -> Job {
        let requestText: String = row["request"]
        let request = (try? JSONDecoder().decode(JobRequest.Stored.self, from: Data(requestText.utf8))) ?? .init(kind: row["kind"], options: [:])
        let started: Double? = row["started"], finished: Double? = row["finished"]
        return Job(id: JobID(checking: row["id"])!, kind: row["kind"], request: request,
                   state: State(rawValue: row["state"]) ?? .failed, created: Date(timeIntervalSince1970: row["created"]),
                   started: started.map(Date.init(timeIntervalSince1970:)), finished: finished.map(Date.init(timeIntervalSince1970:)),
                   error: row["error"])
    }
}
