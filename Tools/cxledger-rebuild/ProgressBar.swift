import CXLedgerCore
import Synchronization
import Foundation

/// Draws rebuild progress: a redrawn bar on a terminal, plain lines (at most one a second) otherwise.
final class ProgressBar: Sendable {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let lastLine = Mutex<Double>(0)

    func update(_ p: RebuildProgress) {
        let now = Date().timeIntervalSince1970
        let eta = p.etaSeconds.map { String(format: "%.0fs", $0) } ?? "?"
        let rate = Int(p.eventsPerSecond)
        if isTerminal {
            let width = 30
            let filled = Int(p.fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let text = String(format: "\r%@ %@ %5.1f%% %d/%d  %d ev/s  ETA %@", p.name, bar, p.fraction * 100,
                              p.applied, p.total, rate, eta)
            FileHandle.standardError.write(Data(text.utf8))
            if p.finished { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            let due = lastLine.withLock { last -> Bool in
                guard p.finished || now - last >= 1 else { return false }
                last = now
                return true
            }
            if due {
                let text = String(format: "%@: %d/%d events (%.1f%%), %d events/s, ETA %@%@\n", p.name, p.applied, p.total,
                                  p.fraction * 100, rate, eta, p.finished ? ", done" : "")
                FileHandle.standardError.write(Data(text.utf8))
            }
        }
    }
}
