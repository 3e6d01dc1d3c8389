import ArgumentParser

/// Drives a rebuild through a running server's socket.
struct RemoteRebuild {
    let socket: String

    func run(_ names: [String], check: Bool) async throws {
        throw CleanExit.message("--socket is not available yet; use --data while no server runs")
    }
}
