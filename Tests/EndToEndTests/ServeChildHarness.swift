#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CXLedgerCore
import CXLedgerServer
import Foundation

// Helpers for the crash, fuzz and resource tests: the real `cxledger serve` binary as a child
// process, the other built tools, a seeded random generator and short temporary directories.

enum Harness {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A built product: `.build/debug/NAME` (or `release` in a release test build).
    static func tool(_ name: String) -> String {
        let variable = name == "cxledger" ? "CXLEDGER_BINARY" : name == "cxledger-rebuild" ? "CXLEDGER_REBUILD_BINARY" : ""
        if let override = ProcessInfo.processInfo.environment[variable] { return override }
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        return packageRoot.appendingPathComponent(".build/\(configuration)/\(name)").path
    }

    /// Whether the binaries these tests start are built.
    static var toolsBuilt: Bool {
        FileManager.default.isExecutableFile(atPath: tool("cxledger"))
            && FileManager.default.isExecutableFile(atPath: tool("cxledger-rebuild"))
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct ToolResult {
        var status: Int32
        var output: String
    }

    /// Runs a built tool to completion; standard output and error go to one file, read afterwards.
    static func run(_ name: String, _ arguments: [String], scratch: String) throws -> ToolResult {
        let outPath = scratch + "/tool-\(UUID().uuidString.prefix(8)).out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool(name))
        process.arguments = arguments
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? out.close()
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        return ToolResult(status: process.terminationStatus, output: text)
    }
}

/// A temporary directory under /tmp with a short name (socket paths must fit in 107 bytes), removed when released.
final class HarnessDirectory: Sendable {
    let path: String

    init(_ label: String) {
        path = "/tmp/cxe2e-\(label)-" + UUID().uuidString.prefix(8).lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// `cxledger serve` running as a child process; its output goes to a file in `logDirectory`.
final class ServeChild: @unchecked Sendable {
    // @unchecked: `process` is configured before `run()` and afterwards only signalled and waited on.
    let process = Process()
    let socket: String
    let logPath: String

    init(data: String, socket: String, logDirectory: String, extra: [String] = []) throws {
        self.socket = socket
        logPath = logDirectory + "/serve-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Harness.tool("cxledger"))
        process.arguments = ["serve", "--data", data, "--socket", socket] + extra
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()
    }

    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts a server and returns once `/v1/health` answers 200; throws (with the log) if it exits first
    /// or does not answer within `patience`.
    static func start(data: String, socket: String, logDirectory: String, extra: [String] = [],
                      patience: Duration = .seconds(120)) async throws -> ServeChild {
        let child = try ServeChild(data: data, socket: socket, logDirectory: logDirectory, extra: extra)
        let deadline = ContinuousClock.now + patience
        while true {
            if !child.process.isRunning {
                throw Harness.Failure(description: "cxledger serve exited with \(child.process.terminationStatus):\n\(child.log)")
            }
            let probe = UnixSocketHTTPClient(socketPath: socket)
            if let answer = try? await probe.get("/v1/health"), answer.status == 200 {
                probe.close()
                return child
            }
            probe.close()
            if ContinuousClock.now > deadline {
                child.kill()
                throw Harness.Failure(description: "cxledger serve did not answer /v1/health:\n\(child.log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// SIGKILL, then waits for the process to be gone.
    func kill() {
        if process.isRunning { _ = systemKill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM (graceful shutdown), then the exit status.
    func terminate() async -> Int32 {
        if process.isRunning { process.terminate() }
        return await withCheckedContinuation { c in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                c.resume(returning: self.process.terminationStatus)
            }
        }
    }
}

#if canImport(Glibc)
private let systemKill = Glibc.kill
#elseif canImport(Darwin)
private let systemKill = Darwin.kill
#endif

/// SplitMix64: small, fast and reproducible from its seed.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed from the environment variable `name` when set, else a fresh random one.
    static func seed(from name: String) -> UInt64 {
        if let text = ProcessInfo.processInfo.environment[name], let seed = UInt64(text) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }
}

/// Reads the whole log over the socket, oldest first, as (position, id) pairs.
func harnessReadLog(_ client: UnixSocketHTTPClient, from: Int = 1) async throws -> [(position: Int, id: String)] {
    var out: [(Int, String)] = []
    var from = from
    while true {
        let answer = try await client.get("/v1/events?from=\(from)&limit=10000")
        guard answer.status == 200 else { throw Harness.Failure(description: "GET /v1/events: \(answer.status) \(answer.text)") }
        let page = try answer.json()
        guard let events = page["events"]?.arrayValue, let next = page["next"]?.intValue else {
            throw Harness.Failure(description: "GET /v1/events: unexpected body \(answer.text.prefix(200))")
        }
        if events.isEmpty { return out }
        for e in events {
            guard let p = e["position"]?.intValue, let id = e["id"]?.stringValue else {
                throw Harness.Failure(description: "a stored event without position or id: \(e)")
            }
            out.append((p, id))
        }
        from = next
    }
}

/// An answer read off a raw connection.
struct RawAnswer: Sendable {
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> JSONValue { try JSONParser.parse(body) }
}

/// A keep-alive connection for hand-made requests, with send and receive timeouts so that a server that
/// stops reading or answering shows up as a failure instead of a hang. Not thread-safe: one per task.
final class HarnessConnection {
    enum Outcome {
        /// A complete response; `closed` when the server closed the connection after it.
        case answer(RawAnswer, closed: Bool)
        /// No complete response: why.
        case noAnswer(String)
    }

    let socketPath: String
    let timeoutSeconds: Int
    private var fd: Int32 = -1
    private var pending: [UInt8] = []

    init(socket: String, timeoutSeconds: Int = 15) {
        socketPath = socket
        self.timeoutSeconds = timeoutSeconds
    }

    deinit { close() }

    func close() {
        if fd >= 0 { _ = harnessClose(fd) }
        fd = -1
        pending = []
    }

    private func connectIfNeeded() -> String? {
        guard fd < 0 else { return nil }
        let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { _ = harnessClose(s); return "path too long" }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in pathBytes.enumerated() { raw[i] = b }
            raw[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            _ = harnessClose(s)
            return "connect: \(reason)"
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        fd = s
        pending = []
        return nil
    }

    /// Writes `bytes` (as far as the server reads them: it may answer early and stop reading) and reads one
    /// response. `method` tells whether the response has a body (HEAD has none).
    func exchange(_ bytes: [UInt8], method: String) -> Outcome {
        if let failure = connectIfNeeded() { return .noAnswer(failure) }
        var offset = 0
        var writeFailure: String?
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                #if canImport(Glibc)
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                #else
                send(fd, raw.baseAddress! + offset, raw.count - offset, 0)
                #endif
            }
            if n < 0 {
                if errno == EINTR { continue }
                writeFailure = String(cString: strerror(errno))
                break // the server stopped reading: its answer may be waiting
            }
            offset += n
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var atEnd = false
        while true {
            if let (answer, used) = harnessParseAnswer(pending, bodiless: method == "HEAD", atEnd: atEnd) {
                pending.removeFirst(used)
                let closed = atEnd || writeFailure != nil || answer.headers["connection"]?.lowercased() == "close"
                if closed { close() }
                return .answer(answer, closed: closed)
            }
            if atEnd {
                let got = pending.count
                close()
                return .noAnswer("the server closed the connection after \(got) bytes of an answer"
                                 + (writeFailure.map { " (writing the request failed: \($0))" } ?? ""))
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                pending += chunk[..<n]
            } else if n == 0 || errno == ECONNRESET {
                atEnd = true
            } else if errno == EINTR {
                continue
            } else {
                let reason = String(cString: strerror(errno))
                let got = pending.count
                close()
                return .noAnswer("no complete answer within \(timeoutSeconds) s (\(reason)) after \(got) bytes; wrote \(offset) of \(bytes.count)"
                                 + (writeFailure.map { " (writing failed: \($0))" } ?? ""))
            }
        }
    }
}

#if canImport(Glibc)
private let harnessClose = Glibc.close
#elseif canImport(Darwin)
private let harnessClose = Darwin.close
#endif

/// Sends `bytes` on a connection of its own and reads one response; nil without a complete one.
func harnessRawExchange(socket path: String, bytes: [UInt8], method: String = "POST", timeoutSeconds: Int = 15) -> RawAnswer? {
    let connection = HarnessConnection(socket: path, timeoutSeconds: timeoutSeconds)
    if case .answer(let answer, _) = connection.exchange(bytes, method: method) { return answer }
    return nil
}

/// One complete HTTP/1.1 response at the start of `bytes` and how many bytes it took, or nil while incomplete.
/// A response with neither Content-Length nor chunked encoding runs to the end of the stream.
func harnessParseAnswer(_ bytes: [UInt8], bodiless: Bool, atEnd: Bool) -> (RawAnswer, Int)? {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard bytes.count >= 4,
          let headEnd = (0...(bytes.count - 4)).first(where: { bytes[$0..<($0 + 4)].elementsEqual(separator) }) else {
        return nil
    }
    let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
    var lines = head.components(separatedBy: "\r\n")
    let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
    guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
    var headers: [String: String] = [:]
    for line in lines {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
    }
    let start = headEnd + 4
    if bodiless || status == 204 || status == 304 || (100..<200).contains(status) {
        return (RawAnswer(status: status, headers: headers, body: []), start)
    }
    if let length = headers["content-length"].flatMap(Int.init) {
        guard bytes.count - start >= length else { return nil }
        return (RawAnswer(status: status, headers: headers, body: Array(bytes[start..<(start + length)])), start + length)
    }
    if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
        var body: [UInt8] = []
        var i = start
        while true {
            guard i + 1 < bytes.count, let lineEnd = (i..<(bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else {
                return nil
            }
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            i = lineEnd + 2
            if size == 0 {
                // Trailers end with an empty line.
                guard i + 1 < bytes.count else { return nil }
                while !(bytes[i] == 13 && bytes[i + 1] == 10) {
                    guard let end = (i..<(bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { return nil }
                    i = end + 2
                    guard i + 1 < bytes.count else { return nil }
                }
                return (RawAnswer(status: status, headers: headers, body: body), i + 2)
            }
            guard bytes.count >= i + size + 2 else { return nil }
            body += bytes[i..<(i + size)]
            i += size + 2
        }
    }
    guard atEnd else { return nil }
    var unframed = headers
    unframed["x-harness-unframed"] = "true"
    return (RawAnswer(status: status, headers: unframed, body: Array(bytes[start...])), bytes.count)
}
