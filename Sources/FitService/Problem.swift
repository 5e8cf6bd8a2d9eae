import Foundation
import Hummingbird

/// An RFC 9457 problem document (`application/problem+json`): what went wrong, in a sentence a person can act on.
struct Problem: Encodable {
    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String

    init(_ status: HTTPResponse.Status, _ detail: String) {
        title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
    }

    var response: Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let body = ((try? encoder.encode(self)) ?? Data()) + Data("\n".utf8)
        return Response(status: .init(code: status), headers: [.contentType: "application/problem+json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
