import CXLedgerCore
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The ledger's HTTP+JSON server on a Unix domain socket (plus an optional read-only one).
///
/// ```swift
/// let server = try LedgerServer(configuration: .init(dataDirectory: dir))
/// try await server.run(handlingSignals: true)   // until SIGTERM, SIGINT or shutdown()
/// ```
/// Creating it takes the data directory (refusing when a server or a writing command holds it)
/// and refuses a socket path a live server answers on. `run` serves until graceful shutdown:
/// the listeners stop accepting, in-flight requests (appends included) are committed and
/// answered, and the socket files are removed.
public final class LedgerServer: Sendable {
    /// Why the server would not start.
    public struct StartupError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let configuration: LedgerServerConfiguration
    public let log: EventLog
    public let host: ProjectionHost
    let lock: DataDirectoryLock
    let notifier = CommitNotifier()
    let metrics: ServerMetrics
    let rebuilds = RebuildTracker()
    let logger: Logger
    private let ready: ReadySignal
    private let group = Mutex<ServiceGroup?>(nil)
    private let shutdownRequested = Mutex(false)

    public init(configuration: LedgerServerConfiguration, logger: Logger = Logger(label: "cxledger.server")) throws {
        self.configuration = configuration
        self.logger = logger
        let sockets = [configuration.socketPath] + (configuration.readOnlySocketPath.map { [$0] } ?? [])
        guard Set(sockets).count == sockets.count else {
            throw StartupError(description: "the read-only socket must differ from the read-write socket")
        }
        if let idle = configuration.idleTimeoutSeconds, !LedgerServerConfiguration.isValidIdleTimeout(idle) {
            throw StartupError(description: "the idle timeout must be \(LedgerServerConfiguration.idleTimeoutBounds), not \(idle)")
        }
        // The directory first: its refusal names the socket to use instead.
        lock = try DataDirectoryLock.acquire(directory: configuration.dataDirectory, socketPath: configuration.socketPath)
        for path in sockets where UnixSocket.isLive(path: path) {
            throw StartupError(description: "a server is already listening on \(path); stop it first or choose another --socket")
        }
        log = try EventLog(directory: configuration.dataDirectory, groupCommitLimit: configuration.groupCommitLimit)
        // Created after the log so that it installs itself and appends move the projections live.
        host = try ProjectionHost(log: log)
        metrics = ServerMetrics(registry: configuration.metricsRegistry)
        ready = ReadySignal(listeners: sockets.count)
        let (notifier, metrics) = (self.notifier, self.metrics)
        log.setCommitListener { requests, events, seconds in
            metrics.recordCommit(requests: requests, events: events, seconds: seconds)
            notifier.signal()
        }
    }

    /// Serves until graceful shutdown: `shutdown()`, or SIGTERM/SIGINT when `handlingSignals`.
    public func run(handlingSignals: Bool = false) async throws {
        let api = LedgerAPI(log: log, host: host, notifier: notifier, metrics: metrics, rebuilds: rebuilds,
                            configuration: configuration, logger: logger)
        var listeners: [(path: String, app: any Service)] = [
            (configuration.socketPath, application(api, path: configuration.socketPath, readOnly: false)),
        ]
        if let path = configuration.readOnlySocketPath {
            listeners.append((path, application(api, path: path, readOnly: true)))
        }
        let notifier = self.notifier
        var services = listeners.map {
            ServiceGroupConfiguration.ServiceConfiguration(
                service: $0.app, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .cancelGroup, serviceName: "listener \($0.path)")
        }
        // Last, so that it is the first told to shut down: long-polls end before the listeners drain.
        services.append(.init(service: ShutdownWatcher { notifier.close() }, successTerminationBehavior: .ignore,
                              failureTerminationBehavior: .ignore, serviceName: "long-poll release"))
        var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
        groupConfiguration.gracefulShutdownSignals = handlingSignals ? [.sigterm, .sigint] : []
        // A client that never finishes its request must not hold the shutdown for ever; appends already
        // queued still commit on the writer thread when the group is cancelled after this.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(60)
        let serviceGroup = ServiceGroup(configuration: groupConfiguration)
        let stopAtOnce = group.withLock { g -> Bool in
            g = serviceGroup
            return shutdownRequested.withLock { $0 }
        }
        logger.info("cxledger server starting", metadata: [
            "data": "\(configuration.dataDirectory)", "socket": "\(configuration.socketPath)",
            "readOnlySocket": "\(configuration.readOnlySocketPath ?? "none")",
            "head": "\((try? log.head().position) ?? 0)"])
        if stopAtOnce { await serviceGroup.triggerGracefulShutdown() }
        do {
            try await serviceGroup.run()
        } catch {
            ready.fail(error)
            notifier.close()
            removeSocketFiles()
            logger.error("cxledger server stopped on an error", metadata: ["error": "\(error)"])
            throw error
        }
        ready.fail(StartupError(description: "the server shut down before it was ready"))
        notifier.close()
        removeSocketFiles()
        logger.info("cxledger server stopped", metadata: ["head": "\((try? log.head().position) ?? 0)"])
    }

    /// Returns once every listener accepts connections; throws if the server failed to start.
    public func waitUntilReady() async throws {
        try await ready.wait()
    }

    /// Starts graceful shutdown: stop accepting, finish and answer in-flight requests, then `run` returns.
    public func shutdown() async {
        let serviceGroup = group.withLock { g in
            shutdownRequested.withLock { $0 = true }
            return g
        }
        await serviceGroup?.triggerGracefulShutdown()
    }

    /// Returns once `count` long-polling readers are parked (for tests that must append after a reader waits).
    func waitForLongPolls(_ count: Int) async {
        await notifier.waitForWaiters(count)
    }

    /// Returns once no projection rebuild started over the socket is running.
    func waitForRebuilds() async {
        await rebuilds.waitUntilIdle()
    }

    private let socketIdentities = Mutex<[String: (UInt64, UInt64)]>([:])

    private func application(_ api: LedgerAPI, path: String, readOnly: Bool) -> some Service {
        let mode = configuration.socketMode
        let ready = self.ready
        let logger = self.logger
        let metrics = self.metrics
        return Application(
            router: LedgerRoutes.router(api, readOnly: readOnly),
            // Evaluated for each connection: every one gets its own handler.
            server: .http1(configuration: .init(additionalChannelHandlers: [
                MalformedRequestHandler(metrics: metrics, logger: logger),
            ], idleTimeout: configuration.idleTimeoutSeconds.map { .milliseconds(Int64(($0 * 1000).rounded(.up))) })),
            configuration: .init(address: .unixDomainSocket(path: path), serverName: nil),
            onServerRunning: { _ in
                do {
                    try UnixSocket.setMode(path: path, mode: mode)
                } catch {
                    logger.error("cannot set the socket's mode", metadata: ["socket": "\(path)", "error": "\(error)"])
                }
                if let identity = UnixSocket.identity(path: path) {
                    self.socketIdentities.withLock { $0[path] = identity }
                }
                logger.info("listening", metadata: ["socket": "\(path)", "readOnly": "\(readOnly)",
                                                    "mode": "\(String(mode, radix: 8))"])
                ready.listenerReady()
            },
            logger: logger)
    }

    private func removeSocketFiles() {
        for (path, identity) in socketIdentities.withLock({ $0 }) {
            UnixSocket.remove(path: path, ifIdentity: identity)
        }
    }
}
