import CXLedgerCore
import CXLedgerServer
import Foundation
import Synchronization
import Testing

// Socket-level fuzzing of the real `cxledger serve`: mutated event bodies, content types, methods,
// paths and query strings, invalid UTF-8, deep nesting, huge numbers and over-limit lengths.
// Every answer must be JSON with a status from SPEC's table; the server must stay up and its log verify.
//
// CXLEDGER_FUZZ_SEED=<n> replays a run; CXLEDGER_FUZZ_REQUESTS=<n> changes the count (default 10,000).

/// One fuzzed request and what the answer may be.
struct FuzzRequest: Sendable {
    var method: String
    var path: String
    var body: [UInt8]?
    var contentType: String?
    /// Sent as these bytes instead (a hand-made request head), on a connection of its own.
    var raw: [UInt8]?
    var label: String
}

/// Builds mutated requests from a seeded generator.
struct RequestFuzzer {
    var rng: SeededGenerator

    static let allowedStatuses: Set<Int> = [200, 201, 202, 400, 403, 404, 409, 413, 415, 503]

    // MARK: Seeds

    private mutating func uuid() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }

    private mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

    /// A valid event (valid on its own; lifecycle rules may still refuse it).
    mutating func validEvent() -> JSONValue {
        let customer: JSONValue = .string("fz-" + String(Int.random(in: 0..<40, using: &rng)))
        let caseId: JSONValue = .string("fzc-" + String(Int.random(in: 0..<60, using: &rng)))
        var e: [String: JSONValue] = ["type": "", "customerId": customer, "occurredAt": "2026-04-10T10:00:00Z", "data": [:]]
        if Bool.random(using: &rng) { e["id"] = .string(uuid()) }
        switch Int.random(in: 0..<12, using: &rng) {
        case 0:
            e["type"] = "customer.profiled"; e["data"] = ["segment": "vip", "name": "Ada", "organizationId": "org-1"]
        case 1:
            e["type"] = "customer.influence_observed"; e["data"] = ["channel": "social", "handle": "@ada", "followers": 12000]
        case 2:
            e["type"] = "interaction.recorded"
            e["data"] = ["channel": "social", "direction": "inbound", "public": true, "summary": "angry", "sentiment": -0.8,
                         "templateId": "t1"]
            if Bool.random(using: &rng) { e["caseId"] = caseId }
        case 3:
            e["type"] = "case.opened"; e["caseId"] = caseId
            e["data"] = ["category": "billing", "channel": "phone", "severity": 2, "summary": "double charge", "product": "p"]
        case 4:
            e["type"] = "case.escalated"; e["caseId"] = caseId
            e["data"] = ["level": .number(Double(Int.random(in: 1...4, using: &rng))), "reason": "vip", "kind": "hierarchical"]
        case 5:
            e["type"] = "case.plan_agreed"; e["caseId"] = caseId
            e["data"] = ["successCriteria": [["id": "c1", "text": "refund"], ["id": "c2", "text": "apology"]],
                         "targetDate": "2026-05-01", "remedy": ["kind": "credit", "days": 3, "amount": 25.5]]
        case 6:
            e["type"] = "case.criterion_met"; e["caseId"] = caseId; e["data"] = ["criterionId": "c1"]
        case 7:
            e["type"] = "case.resolution_proposed"; e["caseId"] = caseId; e["data"] = ["resolution": "refunded"]
        case 8:
            e["type"] = "case.closed"; e["caseId"] = caseId; e["data"] = ["reason": "resolved"]
        case 9:
            e["type"] = "case.linked"; e["caseId"] = caseId
            e["data"] = ["relatedCaseId": .string("fzc-" + String(Int.random(in: 0..<60, using: &rng))), "relation": "same_incident"]
        case 10:
            e = ["type": "sla.policy_set", "occurredAt": "2026-04-10T10:00:00Z",
                 "data": ["segment": "vip", "channel": "phone", "firstResponseMinutes": 30, "resolutionHours": 48]]
        default:
            e = ["type": "review.held", "occurredAt": "2026-04-10T10:00:00Z",
                 "data": ["periodStart": "2026-04-01", "periodEnd": "2026-04-30", "findings": ["slow"], "actions": []]]
        }
        if Int.random(in: 0..<4, using: &rng) == 0 {
            e["metadata"] = ["correlationId": .string(uuid()), "actor": "fuzz"]
        }
        return .object(e)
    }

    mutating func validBody() -> JSONValue {
        if Int.random(in: 0..<3, using: &rng) == 0 {
            return ["events": .array((0..<Int.random(in: 1...6, using: &rng)).map { _ in validEvent() })]
        }
        return validEvent()
    }

    // MARK: Mutations

    static let oddValues: [String] = [
        "1e999999", "-1e999999", "123456789012345678901234567890123456789", "1.7976931348623157e309", "-0", "0.0",
        "1E+2", "9007199254740993", "-9223372036854775809", "NaN", "Infinity", "0x10", "01", "1.", ".5", "+1",
        "null", "true", "[]", "{}", "\"\"", "\"\\ud800\"", "\"\\u0000\"", "\"\\uDFFF\\uD800\"", "[[[[[[[[]]]]]]]]",
        "\"2026-02-30T25:61:61Z\"", "\"2026-04-10\"", "\"\(String(repeating: "x", count: 300))\"",
    ]

    /// Replaces the value of a random field, at the top level or inside `data`, with an odd one.
    private mutating func oddField(_ body: JSONValue) -> [UInt8] {
        guard case .object(var top) = body, !top.isEmpty else { return CanonicalJSON.encode(body) }
        let marker = "\u{1}ODD\u{1}"
        if case .object(var data)? = top["data"], !data.isEmpty, Bool.random(using: &rng) {
            let key = pick(data.keys.sorted())
            data[key] = .string(marker)
            top["data"] = .object(data)
        } else {
            top[pick(top.keys.sorted())] = .string(marker)
        }
        let text = String(decoding: CanonicalJSON.encode(.object(top)), as: UTF8.self)
        return Array(text.replacingOccurrences(of: "\"\\u0001ODD\\u0001\"", with: pick(Self.oddValues)).utf8)
    }

    private mutating func nested(depth: Int) -> [UInt8] {
        let (open, close): (String, String) = pick([("[", "]"), ("{\"a\":", "}"), ("{\"data\":", "}")])
        var inner = String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
        if Bool.random(using: &rng) {
            // Inside an otherwise valid event's data.
            inner = "{\"type\":\"customer.profiled\",\"customerId\":\"fz-deep\",\"occurredAt\":\"2026-04-10T10:00:00Z\","
                + "\"data\":{\"segment\":\"vip\",\"deep\":" + inner + "}}"
        }
        if Bool.random(using: &rng) { inner.removeLast(Int.random(in: 1...min(depth, 50), using: &rng)) }
        return Array(inner.utf8)
    }

    private static let invalidUTF8: [[UInt8]] = [
        [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xFE, 0xFF], [0xC3],
    ]

    /// A mutated body, and the label of the mutation.
    mutating func mutatedBody() -> ([UInt8], String) {
        var bytes = CanonicalJSON.encode(validBody())
        // Costly mutations (megabytes to parse) are rare, so that 10,000 requests take well under a minute.
        let roll = Int.random(in: 0..<200, using: &rng)
        let kind = roll < 2 ? 3 : roll < 4 ? 8 : roll < 6 ? 10 : [0, 1, 2, 4, 5, 6, 7, 9, 11, 12][roll % 10]
        switch kind {
        case 0:
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= UInt8.random(in: 1...255, using: &rng)
            }
            return (bytes, "byte-flip")
        case 1:
            return (Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng))), "truncate")
        case 2:
            let junk = (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes.insert(contentsOf: junk, at: Int.random(in: 0...bytes.count, using: &rng))
            return (bytes, "insert-bytes")
        case 3:
            return (nested(depth: pick([64, 500, 5_000, 100_000, 600_000])), "deep-nesting")
        case 4:
            return (oddField(validBody()), "odd-value")
        case 5:
            // Invalid UTF-8 inside a string value.
            if let quote = bytes.indices.filter({ bytes[$0] == UInt8(ascii: "\"") }).randomElement(using: &rng) {
                bytes.insert(contentsOf: pick(Self.invalidUTF8), at: quote + 1)
            }
            return (bytes, "invalid-utf8")
        case 6:
            // Structural: drop a field, add an unknown one, or change a type.
            guard case .object(var top) = validEvent() else { return (bytes, "structural") }
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: top.removeValue(forKey: pick(top.keys.sorted()))
            case 1: top["colour"] = "blue"
            case 2: top[pick(top.keys.sorted())] = pick([.null, true, 3, [], [:], "x"])
            default:
                if case .object(var data)? = top["data"], !data.isEmpty {
                    data.removeValue(forKey: pick(data.keys.sorted()))
                    top["data"] = .object(data)
                }
            }
            return (CanonicalJSON.encode(.object(top)), "structural")
        case 7:
            // Duplicate keys, spelled out.
            let text = String(decoding: bytes, as: UTF8.self)
            return (Array(text.replacingOccurrences(of: "{\"", with: "{\"type\":\"case.opened\",\"").utf8), "duplicate-key")
        case 8:
            // A long string somewhere.
            let long = String(repeating: pick(["a", "é", "\\u0041", "😀", "\\\""]), count: pick([1_000, 100_000, 600_000]))
            let text = String(decoding: bytes, as: UTF8.self)
            return (Array(text.replacingOccurrences(of: "\"Ada\"", with: "\"\(long)\"")
                .replacingOccurrences(of: "\"angry\"", with: "\"\(long)\"").utf8), "long-string")
        case 9:
            // Not JSON at all, or JSON of the wrong shape.
            return (Array(pick(["", " ", "null", "[]", "[1,2]", "\"x\"", "42", "{\"events\":[]}", "{\"events\":{}}",
                                "{\"events\":[1]}", "{\"events\":[],\"x\":1}", "{} {}", "{\"a\":1}garbage", "\u{FEFF}{}",
                                "<xml/>", "{\"type\":\"customer.profiled\"}"]).utf8), "shape")
        case 10:
            // A batch over the limit of 10,000 events (small events).
            let one = "{\"type\":\"sla.policy_set\",\"occurredAt\":\"2026-04-10T10:00:00Z\",\"data\":{}}"
            return (Array(("{\"events\":[" + Array(repeating: one, count: 10_001).joined(separator: ",") + "]}").utf8),
                    "batch-over-limit")
        case 11:
            // Lone surrogates and control characters through escapes.
            let text = String(decoding: bytes, as: UTF8.self)
            return (Array(text.replacingOccurrences(of: "fz-", with: pick(["\\ud83d", "\\u0000", "\\n", "\\udc00x", "\u{7}"])).utf8),
                    "escapes")
        default:
            return (bytes, "valid")
        }
    }

    static let contentTypes: [String?] = [
        "application/json", "application/json", "application/json", "application/json; charset=utf-8", nil,
        "text/plain", "application/x-www-form-urlencoded", "application/xml", "application/jsonx", "application/json; charset=latin1",
        "APPLICATION/JSON", "application/ld+json", "multipart/form-data; boundary=x", "", "application/*", "*/*",
    ]

    // FOO and get are refused by NIO's HTTP parser and CONNECT would become a tunnel; all three are answered in
    // SPEC's JSON by MalformedRequestHandler, and checked here like any other answer.
    static let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO", "get", "PROPFIND", "CONNECT"]

    static let paths = [
        "/v1/events", "/v1/streams/customer-fz-1", "/v1/streams/case-fzc-3", "/v1/streams/nope", "/v1/cases/open",
        "/v1/cases/fzc-1", "/v1/cases/fzc-1/related", "/v1/customers/fz-1/history", "/v1/at-risk", "/v1/projections",
        "/v1/audit/head", "/v1/health", "/metrics", "/", "/v1", "/v1/", "/v2/events", "/v1/events/", "/v1//events",
        "/v1/cases/%00", "/v1/cases/%ff%fe", "/v1/cases/" + String(repeating: "x", count: 5000), "/v1/customers//history",
        "/v1/streams/%2e%2e%2f%2e%2e", "/v1/cases/..", "/v1/projections/open-cases/rebuild", "/v1/projections/nope/rebuild",
        "/v1/cases/%E2%82", "/v1/customers/%F0%9F%98%80/history",
    ]

    static let queryKeys = ["from", "limit", "type", "customerId", "caseId", "minLevel", "segment", "breached",
                            "olderThanHours", "owner", "cursor", "asOf", "before", "x", "", "wait"]
    static let queryValues = ["1", "0", "-1", "99999999999999999999", "abc", "", "%00", "%ff", "1e3", "true", "vip",
                              "2026-04-10T10:00:00Z", "2026-13-99", "case.opened", "fz-1", "%E2%82%AC", "1.5", "+5",
                              String(repeating: "9", count: 400)]

    private mutating func queryString() -> String {
        let n = Int.random(in: 0...4, using: &rng)
        guard n > 0 else { return "" }
        var parts: [String] = []
        for _ in 0..<n {
            let key = pick(Self.queryKeys)
            // A long poll would only stall the fuzzer: `wait` gets 0 or a malformed value.
            let value = key == "wait" ? pick(["0", "-1", "x", "1e9", "NaN", "inf"]) : pick(Self.queryValues)
            parts.append(Bool.random(using: &rng) ? key + "=" + value : key)
        }
        return "?" + parts.joined(separator: pick(["&", "&&", ";"]))
    }

    /// The next request.
    mutating func next() -> FuzzRequest {
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<62:
            let (body, label) = mutatedBody()
            return FuzzRequest(method: "POST", path: "/v1/events", body: body, contentType: "application/json", label: label)
        case 62..<70:
            let (body, label) = mutatedBody()
            return FuzzRequest(method: "POST", path: "/v1/events", body: body, contentType: pick(Self.contentTypes),
                               label: "content-type/" + label)
        case 70..<88:
            let method = pick(Self.methods)
            let path = pick(Self.paths) + queryString()
            let body: [UInt8]? = Bool.random(using: &rng) ? nil : mutatedBody().0
            return FuzzRequest(method: method, path: path, body: body, contentType: pick(Self.contentTypes),
                               label: "method-path")
        case 88..<92:
            // A query string on the readers.
            let path = pick(["/v1/events", "/v1/cases/open", "/v1/customers/fz-1/history", "/v1/at-risk",
                             "/v1/cases/fzc-2", "/v1/streams/customer-fz-2"]) + queryString()
            return FuzzRequest(method: "GET", path: path, label: "query")
        case 92..<94:
            // Announced over the limit of 4 MiB, body not sent: refused from Content-Length.
            let length = pick([4 * 1024 * 1024 + 1, 50_000_000, Int(Int32.max), 1 << 40])
            let head = "POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(length)\r\n\r\n{\"type\":"
            return FuzzRequest(method: "POST", path: "/v1/events", raw: Array(head.utf8), label: "over-limit-length")
        case 94..<95:
            // Over the limit and actually sent.
            let big = "{\"type\":\"customer.profiled\",\"customerId\":\"fz-big\",\"occurredAt\":\"2026-04-10T10:00:00Z\","
                + "\"data\":{\"segment\":\"vip\",\"pad\":\"" + String(repeating: "p", count: 4 * 1024 * 1024) + "\"}}"
            let head = "POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(big.utf8.count)\r\n\r\n"
            return FuzzRequest(method: "POST", path: "/v1/events", raw: Array(head.utf8) + Array(big.utf8),
                               label: "over-limit-body")
        default:
            // A chunked body (no Content-Length), well framed, with a mutated payload.
            let (body, _) = mutatedBody()
            var raw = Array("POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".utf8)
            var offset = 0
            while offset < body.count {
                let n = min(body.count - offset, Int.random(in: 1...4096, using: &rng))
                raw += Array((String(n, radix: 16) + "\r\n").utf8) + body[offset..<(offset + n)] + Array("\r\n".utf8)
                offset += n
            }
            raw += Array("0\r\n\r\n".utf8)
            return FuzzRequest(method: "POST", path: "/v1/events", raw: raw, label: "chunked")
        }
    }

    /// What is wrong with `answer` to `request`, or nil.
    /// The request as bytes on the wire.
    func wireBytes(_ request: FuzzRequest) -> [UInt8] {
        if let raw = request.raw { return raw }
        var head = "\(request.method) \(request.path) HTTP/1.1\r\nHost: localhost\r\n"
        if let body = request.body {
            head += "Content-Length: \(body.count)\r\n"
            if let contentType = request.contentType { head += "Content-Type: \(contentType)\r\n" }
        } else if request.method == "POST" || request.method == "PUT" {
            head += "Content-Length: 0\r\n"
        }
        return Array((head + "\r\n").utf8) + (request.body ?? [])
    }

    static func problem(status: Int, headers: [String: String], body: [UInt8], to request: FuzzRequest) -> String? {
        guard allowedStatuses.contains(status) else { return "status \(status) is not in SPEC's table" }
        if headers["x-harness-unframed"] != nil { return "a response without Content-Length or chunked framing" }
        if request.method == "HEAD" && request.raw == nil { return nil }
        let contentType = headers["content-type"] ?? ""
        if request.path.hasPrefix("/metrics") && status == 200 { return nil }
        guard contentType.contains("json") else { return "content type \(contentType) is not JSON" }
        guard let json = try? JSONParser.parse(body) else { return "the body is not JSON" }
        if status >= 400 {
            guard json["error"]?.stringValue != nil, json["message"]?.stringValue != nil else {
                return "an error without error and message"
            }
        }
        if status == 503 && headers["retry-after"] == nil { return "503 without Retry-After" }
        return nil
    }
}

/// Counts and findings across the fuzzing tasks.
private struct FuzzTally: Sendable {
    var statuses: [Int: Int] = [:]
    var labels: [String: Int] = [:]
    var seconds: [String: Double] = [:]
    var problems: [String] = []
    var sent = 0
}

private final class FuzzTallyBox: Sendable {
    private let state = Mutex(FuzzTally())
    func withLock<R>(_ body: (inout FuzzTally) -> R) -> R { state.withLock { body(&$0) } }
}

@Suite("Socket fuzzing of the real server", .serialized)
struct SocketFuzzTests {
    /// Runs blocking work on a thread of its own, off Swift's cooperative pool.
    static func onThread(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let thread = Thread { work(); c.resume() }
            thread.start()
        }
    }

    /// One fuzzing connection: `count` requests on a kept-alive connection (hand-made requests on their own).
    private static func worker(_ w: Int, count: Int, seed: UInt64, socket: String, tally: FuzzTallyBox) {
        var fuzzer = RequestFuzzer(rng: SeededGenerator(seed: seed))
        let connection = HarnessConnection(socket: socket)
        for n in 0..<count {
            let request = fuzzer.next()
            let bytes = fuzzer.wireBytes(request)
            let started = ContinuousClock.now
            let outcome = request.raw == nil
                ? connection.exchange(bytes, method: request.method)
                : HarnessConnection(socket: socket).exchange(bytes, method: request.method)
            let elapsed = ContinuousClock.now - started
            tally.withLock {
                $0.seconds[request.label, default: 0] += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
            let what = "worker \(w) #\(n) \(request.label) \(request.method) \(request.path.prefix(80)) "
                + "[\(request.contentType ?? "-")] \(String(decoding: (request.body ?? request.raw ?? []).prefix(160), as: UTF8.self))"
            switch outcome {
            case .noAnswer(let reason):
                print("socket-fuzz problem: \(what.prefix(400)): no answer: \(reason)")
                tally.withLock {
                    $0.sent += 1
                    $0.problems.append("\(what): no answer: \(reason)")
                }
            case .answer(let answer, _):
                let problem = RequestFuzzer.problem(status: answer.status, headers: answer.headers, body: answer.body, to: request)
                tally.withLock {
                    $0.sent += 1
                    $0.statuses[answer.status, default: 0] += 1
                    $0.labels[request.label, default: 0] += 1
                    if let problem {
                        $0.problems.append("\(what): \(problem); answer \(answer.status) \(answer.text.prefix(200))")
                    }
                }
            }
        }
    }

    @Test("10,000 mutated requests: every answer is JSON with a documented status, the server stays up, the log verifies",
          .enabled(if: Harness.toolsBuilt, "needs .build/debug/cxledger and cxledger-rebuild (swift build --build-tests)"),
          .timeLimit(.minutes(10)))
    func fuzzTheSocket() async throws {
        let total = ProcessInfo.processInfo.environment["CXLEDGER_FUZZ_REQUESTS"].flatMap(Int.init) ?? 10_000
        let seed = SeededGenerator.seed(from: "CXLEDGER_FUZZ_SEED")
        print("socket-fuzz: seed \(seed) (CXLEDGER_FUZZ_SEED=\(seed) replays it), \(total) requests")
        let directory = HarnessDirectory("fuzz")
        let data = directory.sub("data")
        let socket = directory.sub("s.sock")
        let server = try await ServeChild.start(data: data, socket: socket, logDirectory: directory.path)

        let workers = 4
        let tally = FuzzTallyBox()
        var seeder = SeededGenerator(seed: seed)
        let seeds = (0..<workers).map { _ in seeder.next() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<workers {
                let count = total / workers + (w < total % workers ? 1 : 0)
                group.addTask {
                    await Self.onThread { Self.worker(w, count: count, seed: seeds[w], socket: socket, tally: tally) }
                }
            }
            try await group.waitForAll()
        }

        let result = tally.withLock { $0 }
        for problem in result.problems.prefix(30) { Issue.record("\(problem)") }
        if !result.problems.isEmpty || !server.process.isRunning {
            print("socket-fuzz: the server's log ends with:\n\(server.log.suffix(6000))")
        }
        try #require(server.process.isRunning, "the server died under fuzzing (status \(server.process.terminationStatus))")
        #expect(result.problems.isEmpty, "\(result.problems.count) problems (first 30 recorded), seed \(seed)")
        #expect(result.sent == total)

        // Still up, still writing.
        let client = UnixSocketHTTPClient(socketPath: socket)
        let health = try await client.get("/v1/health")
        #expect(health.status == 200, "health after fuzzing: \(health.status) \(health.text)")
        let probe = try await client.post("/v1/events", json: ["type": "sla.policy_set", "occurredAt": "2026-04-10T10:00:00Z",
                                                                "data": ["segment": "vip", "firstResponseMinutes": 5,
                                                                         "resolutionHours": 8]])
        #expect(probe.status == 201, "append after fuzzing: \(probe.status) \(probe.text)")
        let head = try await client.get("/v1/audit/head").json()["position"]?.intValue ?? -1
        client.close()
        let status = await server.terminate()
        #expect(status == 0, "graceful stop exited \(status):\n\(server.log.suffix(2000))")
        #expect(!server.log.contains("request failed"), "the server logged a failed request:\n\(server.log.suffix(3000))")

        let verify = try Harness.run("cxledger", ["verify", "--data", data], scratch: directory.path)
        #expect(verify.status == 0, "verify after fuzzing failed:\n\(verify.output)")
        let check = try Harness.run("cxledger-rebuild", ["--data", data, "all", "--check"], scratch: directory.path)
        #expect(check.status == 0, "cxledger-rebuild all --check after fuzzing:\n\(check.output)")

        let statuses = result.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        let slowest = result.seconds.sorted { $0.value > $1.value }.prefix(5)
            .map { "\($0.key) \(Int($0.value * 1000)) ms" }.joined(separator: ", ")
        print("socket-fuzz: time spent by mutation (summed over workers), largest first: \(slowest)")
        let labels = result.labels.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        print("socket-fuzz: \(result.sent) requests, \(result.problems.count) problems, head \(head), statuses: \(statuses)"
              + "; "
              + "mutations: \(labels); seed \(seed)")
    }
}
