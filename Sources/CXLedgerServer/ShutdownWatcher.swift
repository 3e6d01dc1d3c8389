import ServiceLifecycle

/// A service that runs `action` as soon as graceful shutdown begins, before the listeners drain:
/// the server uses it to release long-polling readers so they do not hold the shutdown up.
struct ShutdownWatcher: Service {
    let action: @Sendable () -> Void

    func run() async throws {
        try? await gracefulShutdown()
        action()
    }
}
