#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CXLedgerCore
import Dispatch

/// A small HTTP/1.1 client over a Unix domain socket: one keep-alive connection per instance,
/// `Content-Length` request bodies, `Content-Length` or chunked responses.
///
/// Give each concurrent task its own instance. Requests on one instance run one at a time on its own
/// serial dispatch queue, so the blocking socket calls never occupy Swift's cooperative threads
/// (which, in a test, would starve the server running in the same process).
///
/// ```swift
/// let client = UnixSocketHTTPClient(socketPath: "/data/cxledger.sock")
/// let answer = try await client.post("/v1/events", json: event)   // answer.status == 201
/// ```
public final class UnixSocketHTTPClient: @unchecked Sendable {
    // @unchecked: `descriptor` and `pending` are only touched by blocks running on `queue`, which is
    // serial, and the synchronous entry points go through `queue.sync`.

    /// One HTTP response.
    public struct Response: Sendable {
        public let status: Int
        /// Header names in lower case.
        public let headers: [String: String]
        public let body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body parsed as JSON.
        public func json() throws -> JSONValue { try JSONParser.parse(body) }
    }

    /// Why a request failed below HTTP.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    public let socketPath: String
    private let queue: DispatchQueue
    private var descriptor: Int32 = -1
    /// Bytes received beyond the response being read (none with a well-behaved server).
    private var pending: [UInt8] = []

    public init(socketPath: String) {
        self.socketPath = socketPath
        queue = DispatchQueue(label: "cxledger.http-client")
    }

    deinit {
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    // MARK: Asynchronous API

    /// Sends one request and waits for its response.
    public func send(_ method: String, _ path: String, body: [UInt8]? = nil,
                     contentType: String? = "application/json", headers: [(String, String)] = []) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    try self.perform(method, path, body: body, contentType: contentType, headers: headers)
                })
            }
        }
    }

    public func get(_ path: String) async throws -> Response {
        try await send("GET", path)
    }

    public func post(_ path: String, json: JSONValue) async throws -> Response {
        try await send("POST", path, body: CanonicalJSON.encode(json))
    }

    /// Writes `bytes` as they are (a hand-made, possibly malformed request), reads one response and
    /// closes the connection, since the server may still expect the rest of what was announced.
    public func sendRaw(_ bytes: [UInt8]) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    defer { self.disconnect() }
                    self.disconnect()
                    try self.connect()
                    try self.writeAll(bytes)
                    return try self.readResponse(method: "POST")
                })
            }
        }
    }

    /// Closes the connection; the next request opens a new one.
    public func close() {
        queue.sync { disconnect() }
    }

    // MARK: Synchronous API (for commands that have no concurrency to protect)

    public func sendSync(_ method: String, _ path: String, body: [UInt8]? = nil,
                         contentType: String? = "application/json", headers: [(String, String)] = []) throws -> Response {
        try queue.sync { try perform(method, path, body: body, contentType: contentType, headers: headers) }
    }

    // MARK: Implementation (on `queue`)

    private struct ConnectionLost: Error {}

    private func perform(_ method: String, _ path: String, body: [UInt8]?, contentType: String?,
                         headers: [(String, String)]) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        if let body {
            head += "Content-Length: \(body.count)\r\n"
            if let contentType { head += "Content-Type: \(contentType)\r\n" }
        } else if method == "POST" || method == "PUT" {
            head += "Content-Length: 0\r\n"
        }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var request = Array(head.utf8)
        if let body { request.append(contentsOf: body) }

        // A kept-alive connection the server has closed meanwhile fails before any byte of the answer
        // arrives; only then is the request sent again, on a fresh connection.
        let reused = descriptor >= 0
        do {
            if !reused { try connect() }
            try writeAll(request)
            return try readResponse(method: method)
        } catch is ConnectionLost where reused {
            disconnect()
            try connect()
            do {
                try writeAll(request)
                return try readResponse(method: method)
            } catch is ConnectionLost {
                disconnect()
                throw Failure(description: "the server at \(socketPath) closed the connection without answering")
            }
        } catch is ConnectionLost {
            disconnect()
            throw Failure(description: "the server at \(socketPath) closed the connection without answering")
        } catch {
            disconnect()
            throw error
        }
    }

    private func connect() throws {
        do {
            descriptor = try UnixSocket.connect(path: socketPath)
            pending = []
        } catch {
            throw Failure(description: "cannot reach the server at \(socketPath): \(error)")
        }
    }

    private func disconnect() {
        if descriptor >= 0 { _ = systemClose(descriptor) }
        descriptor = -1
        pending = []
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(descriptor, raw.baseAddress! + offset, raw.count - offset, 0)
                #endif
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || errno == ECONNRESET { throw ConnectionLost() }
                throw Failure(description: "write to \(socketPath): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Reads more bytes into `pending`; false at the end of the stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                pending.append(contentsOf: chunk[..<n])
                return true
            }
            if n == 0 { return false }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return false }
            throw Failure(description: "read from \(socketPath): \(String(cString: strerror(errno)))")
        }
    }

    private func readResponse(method: String) throws -> Response {
        // The head.
        var headEnd: Int?
        var searched = 0
        while true {
            if let end = Self.find([13, 10, 13, 10], in: pending, from: max(0, searched - 3)) {
                headEnd = end
                break
            }
            searched = pending.count
            guard try fill() else {
                if pending.isEmpty { throw ConnectionLost() }
                throw Failure(description: "the server closed the connection in the middle of a response head")
            }
        }
        let headText = String(decoding: pending[..<headEnd!], as: UTF8.self)
        pending.removeFirst(headEnd! + 4)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            throw Failure(description: "not an HTTP/1.1 response: \(headText.prefix(80))")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            headers[name] = headers[name].map { $0 + ", " + value } ?? String(value)
        }

        // The body.
        var body: [UInt8] = []
        let bodiless = method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status)
        if bodiless {
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try readChunked()
        } else if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else {
                throw Failure(description: "bad Content-Length \(lengthText)")
            }
            body = try readExactly(length)
        } else {
            while try fill() {}
            body = pending
            pending = []
            headers["connection"] = "close"
        }
        if headers["connection"]?.lowercased() == "close" { disconnect() }
        return Response(status: status, headers: headers, body: body)
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while pending.count < count {
            guard try fill() else { throw Failure(description: "the server closed the connection in the middle of a body") }
        }
        let out = Array(pending[..<count])
        pending.removeFirst(count)
        return out
    }

    private func readLine() throws -> String {
        while true {
            if let end = Self.find([13, 10], in: pending, from: 0) {
                let line = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 2)
                return line
            }
            guard try fill() else { throw Failure(description: "the server closed the connection in a chunked body") }
        }
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeText = try readLine().split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingSpaces, radix: 16) else {
                throw Failure(description: "bad chunk size \(sizeText)")
            }
            if size == 0 {
                while try !readLine().isEmpty {} // trailers
                return body
            }
            body.append(contentsOf: try readExactly(size))
            _ = try readExactly(2)
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

#if canImport(Glibc)
private let systemClose = Glibc.close
#elseif canImport(Darwin)
private let systemClose = Darwin.close
#endif

private extension String {
    var trimmingSpaces: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}
