import Foundation

/// The query of `GET /v1/jobs`: `state` (one of the job states), `limit` (default 50, at most 500) and
/// `offset` (jobs to skip, newest first). A value it cannot use throws a `JobRejection` naming the parameter.
struct JobListQuery: Equatable {
    static let defaultLimit = 50
    static let maxLimit = 500

    var state: JobStore.State?
    var limit = JobListQuery.defaultLimit
    var offset = 0

    init(state: JobStore.State? = nil, limit: Int = JobListQuery.defaultLimit, offset: Int = 0) {
        self.state = state
        self.limit = limit
        self.offset = offset
    }

    init(_ parameters: [(key: String, value: String)]) throws {
        var seen = Set<String>()
        for (key, value) in parameters {
            guard seen.insert(key).inserted else { throw JobRejection("query parameter '\(key)' is given twice") }
            switch key {
            case "state":
                guard let state = JobStore.State(rawValue: value) else {
                    throw JobRejection("query parameter 'state': '\(value)' is not a state; use one of \(JobStore.State.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                self.state = state
            case "limit":
                guard let limit = Int(value), (1...Self.maxLimit).contains(limit) else {
                    throw JobRejection("query parameter 'limit': '\(value)' is not a whole number from 1 to \(Self.maxLimit)")
                }
                self.limit = limit
            case "offset":
                guard let offset = Int(value), offset >= 0 else {
                    throw JobRejection("query parameter 'offset': '\(value)' is not a whole number >= 0")
                }
                self.offset = offset
            default:
                throw JobRejection("query parameter '\(key)' is not known; GET /v1/jobs takes state, limit and offset")
            }
        }
    }

    /// The URL of the page after this one.
    var next: String {
        "/v1/jobs?" + (state.map { "state=\($0.rawValue)&" } ?? "") + "limit=\(limit)&offset=\(offset + limit)"
    }
}

/// The answer of `GET /v1/jobs`: a page of status objects, newest first, and the next page's URL while there is one.
struct JobPage: Encodable {
    var jobs: [JobStatus]
    var next: String?
}
