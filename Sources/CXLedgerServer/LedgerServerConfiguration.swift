import CXLedgerCore
import Prometheus

/// How a `LedgerServer` runs: where its data and sockets live, and its request limits.
public struct LedgerServerConfiguration: Sendable {
    public var dataDirectory: String
    /// The read-write socket; `DIR/cxledger.sock` by default.
    public var socketPath: String
    /// A second listener that serves every GET and refuses writes with 403 `read_only`.
    public var readOnlySocketPath: String?
    /// Permission bits of the socket files (0660 by default: owner and group may connect).
    public var socketMode: UInt16 = 0o660
    public var maxBodyBytes: Int = 4 << 20
    public var maxBatchEvents: Int = 10_000
    /// The most events that may wait for the writer; beyond it appends get 503 `unavailable`.
    public var groupCommitLimit: Int = 100_000
    /// A fixed "now" for SLA judgements (`--now`); the wall clock when nil.
    public var now: Timestamp?
    /// The longest a long-poll may wait, whatever the client asks.
    public var maxWaitSeconds: Double = 300
    /// How long a connection may sit with no request in progress (never sent one, stopped in the middle of
    /// one, or kept alive after its last answer) before the server closes it, so idle clients cannot hold
    /// connections forever. A request being answered, a long-poll too, is not idle. Nil keeps idle
    /// connections open; a value that is not a positive number of seconds (up to a day) is refused at start.
    public var idleTimeoutSeconds: Double? = 60
    /// The idle timeouts a server accepts: zero would close every connection before its request is read,
    /// and a value past Int64 milliseconds would trap converting it.
    public static func isValidIdleTimeout(_ seconds: Double) -> Bool { seconds > 0 && seconds <= 86_400 }
    /// The same bounds in words, for the refusals.
    public static let idleTimeoutBounds = "from 0 (exclusive) to 86400 seconds"
    /// The registry `/metrics` prints; the `serve` command also bootstraps swift-metrics with it.
    public var metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()

    public init(dataDirectory: String, socketPath: String? = nil, readOnlySocketPath: String? = nil) {
        self.dataDirectory = dataDirectory
        self.socketPath = socketPath ?? dataDirectory + "/cxledger.sock"
        self.readOnlySocketPath = readOnlySocketPath
    }
}
