import ArgumentParser
import CXLedgerCore
import CXLedgerServer
import Foundation

/// Drives rebuilds through a running server's socket and draws their progress from `GET /v1/projections`.
struct RemoteRebuild {
    let socket: String

    func run(_ names: [String], check: Bool) async throws {
        if check {
            throw ValidationError("--check compares in scratch space and needs --data; stop the server, or check a backup copy")
        }
        let client = UnixSocketHTTPClient(socketPath: socket)
        defer { client.close() }
        let bar = ProgressBar()
        for name in names {
            let started = try await client.send("POST", "/v1/projections/\(name)/rebuild", body: nil)
            guard started.status == 202 else {
                throw ValidationError("the server refused to rebuild \(name): \(started.status) \(started.text)")
            }
            let began = Date()
            while true {
                try await Task.sleep(for: .milliseconds(200))
                let answer = try await client.get("/v1/projections")
                guard answer.status == 200,
                      let entry = try answer.json()["projections"]?.arrayValue?.first(where: { $0["name"]?.stringValue == name })
                else { throw ValidationError("the server did not list projection \(name): \(answer.text)") }
                if let failure = entry["lastError"]?.stringValue {
                    throw ValidationError("rebuilding \(name) failed on the server: \(failure)")
                }
                let head = try answer.json()["head"]?.intValue ?? 0
                let seconds = Date().timeIntervalSince(began)
                if entry["state"]?.stringValue == "live" {
                    bar.update(RebuildProgress(name: name, applied: head, total: head, seconds: seconds, finished: true))
                    print("\(name): rebuilt by the server to position \(entry["checkpoint"]?.intValue ?? 0)")
                    break
                }
                let progress = entry["progress"]
                bar.update(RebuildProgress(name: name, applied: progress?["applied"]?.intValue ?? 0,
                                           total: progress?["total"]?.intValue ?? head, seconds: seconds, finished: false))
            }
        }
    }
}
