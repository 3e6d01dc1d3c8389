import ArgumentParser
import CXLedgerCore
import CXLedgerServer
import Logging
import Metrics
import Prometheus

/// `cxledger serve`: the HTTP+JSON server on a Unix domain socket.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ledger over HTTP+JSON on a Unix domain socket until SIGTERM or SIGINT.")

    @Option(help: "The data directory (held exclusively while the server runs).") var data: String
    @Option(help: "The socket path (default: DIR/cxledger.sock).") var socket: String?
    @Option(help: "A second socket that serves GETs only, for auditors.") var readOnlySocket: String?
    @Option(help: "Permission bits of the socket files, in octal.") var socketMode: String = "660"
    @Option(help: "The largest request body, in bytes.") var maxBodyBytes: Int = 4 << 20
    @Option(help: "The most events in one batch.") var maxBatchEvents: Int = 10_000
    @Option(help: "A fixed RFC 3339 'now' for SLA judgements (reproducible answers).") var now: String?
    @Option(help: "Seconds a connection may sit with no request in progress before it is closed (a long-poll being answered is not idle).")
    var idleTimeout: Double = 60
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"

    func validate() throws {
        guard parsedMode != nil else { throw ValidationError("--socket-mode must be octal permission bits, e.g. 660") }
        guard maxBodyBytes >= 1 else { throw ValidationError("--max-body-bytes must be at least 1") }
        guard maxBatchEvents >= 1 else { throw ValidationError("--max-batch-events must be at least 1") }
        guard LedgerServerConfiguration.isValidIdleTimeout(idleTimeout) else { throw ValidationError("--idle-timeout must be \(LedgerServerConfiguration.idleTimeoutBounds)") }
        if let now, Timestamp.parseDateTime(now) == nil { throw ValidationError("--now must be an RFC 3339 date-time") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    private var parsedMode: UInt16? {
        guard let mode = UInt16(socketMode, radix: 8), mode <= 0o777 else { return nil }
        return mode
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var configuration = LedgerServerConfiguration(dataDirectory: data, socketPath: socket,
                                                      readOnlySocketPath: readOnlySocket)
        configuration.socketMode = parsedMode ?? 0o660
        configuration.maxBodyBytes = maxBodyBytes
        configuration.maxBatchEvents = maxBatchEvents
        configuration.idleTimeoutSeconds = idleTimeout
        configuration.now = now.flatMap(Timestamp.parseDateTime)
        // Metrics from anywhere in the process (libraries included) land in the registry /metrics prints.
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: configuration.metricsRegistry))

        let server: LedgerServer
        do {
            server = try LedgerServer(configuration: configuration, logger: Logger(label: "cxledger"))
        } catch let held as DataDirectoryLock.Held {
            printError("cxledger serve: \(held)")
            throw ExitCode(3)
        } catch let refused as LedgerServer.StartupError {
            printError("cxledger serve: \(refused)")
            throw ExitCode(3)
        }
        try await server.run(handlingSignals: true)
    }
}
