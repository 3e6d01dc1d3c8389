import CXLedgerCore
import Foundation
import Testing
@testable import CXLedgerServer

@Suite struct BadInputTests {
    /// One bad request: what to send and the answer SPEC documents.
    struct Case: Sendable, CustomStringConvertible {
        let description: String
        let body: [UInt8]
        var contentType = "application/json"
        let status: Int
        let code: String
        var field: String? = nil
    }

    static func text(_ s: String) -> [UInt8] { Array(s.utf8) }
    static func json(_ v: JSONValue) -> [UInt8] { CanonicalJSON.encode(v) }

    static func profiled(_ change: (inout [String: JSONValue]) -> Void) -> [UInt8] {
        guard case .object(var o) = Events.profiled("C9") else { return [] }
        change(&o)
        return json(.object(o))
    }

    static let cases: [Case] = [
        Case(description: "malformed JSON", body: text(#"{"type": "customer.profiled", "#), status: 400, code: "invalid_json"),
        Case(description: "empty body", body: [], status: 400, code: "invalid_json"),
        Case(description: "wrong content type", body: json(Events.profiled("C9")), contentType: "text/plain",
             status: 415, code: "unsupported_media_type"),
        Case(description: "unknown type", body: profiled { $0["type"] = "customer.teleported" },
             status: 400, code: "unknown_type", field: "type"),
        Case(description: "missing field", body: profiled { $0["occurredAt"] = nil },
             status: 400, code: "invalid_event", field: "occurredAt"),
        Case(description: "wrong type", body: profiled { $0["data"] = ["segment": 7] },
             status: 400, code: "invalid_event", field: "data.segment"),
        Case(description: "bad UUID", body: profiled { $0["id"] = "not-a-uuid" },
             status: 400, code: "invalid_event", field: "id"),
        Case(description: "bad timestamp", body: profiled { $0["occurredAt"] = "yesterday at noon" },
             status: 400, code: "invalid_event", field: "occurredAt"),
        Case(description: "body over the limit", body: profiled { $0["data"] = ["segment": "vip", "name": .string(String(repeating: "x", count: 70_000))] },
             status: 413, code: "too_large"),
        Case(description: "nesting 10,000 deep",
             body: text(String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)),
             status: 400, code: "invalid_json"),
        Case(description: "invalid UTF-8",
             body: text(#"{"type":"customer.profiled","customerId":"C"#) + [0xC3, 0x28] + text(#"","occurredAt":"2026-04-10T09:00:00Z","data":{"segment":"vip"}}"#),
             status: 400, code: "invalid_json"),
        Case(description: "lifecycle violation in the middle of a batch",
             body: json(Events.batch([Events.opened("K7"), Events.caseEvent("case.reopened", caseId: "K7", data: ["reason": "again"]),
                                      Events.profiled("C9")])),
             status: 409, code: "lifecycle_violation", field: "events[1].type"),
        Case(description: "invalid event in the middle of a batch",
             body: json(Events.batch([Events.profiled("C8"), ["type": "customer.profiled"], Events.profiled("C9")])),
             status: 400, code: "invalid_event"),
        Case(description: "more events than the batch limit",
             body: json(Events.batch((0..<11).map { Events.profiled("C\($0)") })), status: 413, code: "too_large"),
        Case(description: "empty batch", body: json(Events.batch([])), status: 400, code: "invalid_event", field: "events"),
        Case(description: "an array instead of an object", body: text("[1,2]"), status: 400, code: "invalid_event"),
    ]

    @Test func everyBadRequestGetsItsCodeAndWritesNothing() async throws {
        let running = try await RunningServer.start { c, _ in
            c.maxBodyBytes = 64 * 1024
            c.maxBatchEvents = 10
        }
        let client = running.client()
        _ = try await client.post("/v1/events", json: Events.profiled("seed"))
        for bad in Self.cases {
            let answer = try await client.send("POST", "/v1/events", body: bad.body, contentType: bad.contentType)
            #expect(answer.status == bad.status, "\(bad): \(answer.text)")
            #expect(answer.errorCode == bad.code, "\(bad): \(answer.text)")
            if let field = bad.field { #expect(answer.errorField == field, "\(bad): \(answer.text)") }
            let body = try answer.json()
            #expect(body["message"]?.stringValue?.isEmpty == false, "\(bad)")
        }
        // Nothing was written and the server still answers.
        #expect(try await headPosition(client) == 1)
        let health = try await client.get("/v1/health")
        #expect(health.status == 200)
        #expect(try health.json()["position"] == 1)
        try await running.stop()
    }

    @Test func overLimitBodyIsRefusedFromContentLengthWithoutReadingIt() async throws {
        let running = try await RunningServer.start { c, _ in c.maxBodyBytes = 1024 }
        // Announce 10 MiB and send none of it: the answer cannot have waited for the body.
        let raw = "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n"
        let answer = try await running.client().sendRaw(Array(raw.utf8))
        #expect(answer.status == 413)
        #expect(answer.errorCode == "too_large")
        #expect(try await headPosition(running.client()) == 0)
        try await running.stop()
    }

    @Test func badQueryParametersNameTheParameter() async throws {
        let running = try await RunningServer.start()
        let client = running.client()
        for (query, parameter) in [("from=abc", "from"), ("limit=0", "limit"), ("wait=-1", "wait"), ("bogus=1", "bogus"),
                                   ("limit=999999", "limit"), ("type=", "type")] {
            let answer = try await client.get("/v1/events?\(query)")
            #expect(answer.status == 400, "\(query)")
            #expect(answer.errorCode == "invalid_query", "\(query)")
            #expect(answer.errorField == parameter, "\(query)")
        }
        let asOf = try await client.get("/v1/cases/K1?asOf=soon")
        #expect(asOf.errorCode == "invalid_query")
        #expect(asOf.errorField == "asOf")
        let minLevel = try await client.get("/v1/cases/open?minLevel=high")
        #expect(minLevel.errorField == "minLevel")
        try await running.stop()
    }
}
