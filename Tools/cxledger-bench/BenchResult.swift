import ArgumentParser
import CXLedgerCore
import Foundation
import Synchronization

/// One scenario's figures, printed as a table row or as one JSON object.
struct BenchResult {
    var scenario: String
    var events: Int
    var seconds: Double
    /// Per-operation latencies in milliseconds (commits, requests or queries).
    var latenciesMs: [Double]
    var errors = 0
    var extra: [String: JSONValue] = [:]

    var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }

    static var configuration: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    func percentile(_ p: Double) -> Double {
        guard !latenciesMs.isEmpty else { return 0 }
        let sorted = latenciesMs.sorted()
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "scenario": .string(scenario),
            "events": .number(Double(events)),
            "seconds": .number((seconds * 1000).rounded() / 1000),
            "eventsPerSecond": .number(eventsPerSecond.rounded()),
            "p50Ms": .number((percentile(50) * 1000).rounded() / 1000),
            "p99Ms": .number((percentile(99) * 1000).rounded() / 1000),
            "maxMs": .number(((latenciesMs.max() ?? 0) * 1000).rounded() / 1000),
            "errors": .number(Double(errors)),
            "cores": .number(Double(ProcessInfo.processInfo.activeProcessorCount)),
            "configuration": .string(Self.configuration),
        ]
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    /// Scenarios printed with errors in this process.
    private static let scenariosWithErrors = Atomic<Int>(0)

    /// Ends the run with a non-zero status when a printed scenario had errors: a rate that counts refused
    /// requests, or leaves them out, does not measure what it says.
    static func failIfAnyErrors() throws {
        let count = scenariosWithErrors.load(ordering: .relaxed)
        guard count > 0 else { return }
        FileHandle.standardError.write(Data("cxledger-bench: \(count) scenario(s) had errors; their figures do not count\n".utf8))
        throw ExitCode(1)
    }

    func print(json asJSON: Bool) {
        if errors > 0 {
            Self.scenariosWithErrors.add(1, ordering: .relaxed)
            let first = extra["firstError"]?.stringValue.map { ", the first: \($0)" } ?? ""
            FileHandle.standardError.write(Data("cxledger-bench: \(scenario): \(errors) errors\(first)\n".utf8))
        }
        if asJSON {
            Swift.print(String(decoding: CanonicalJSON.encode(json), as: UTF8.self))
        } else {
            var label = scenario
            if let q = extra["query"]?.stringValue { label += " " + q }
            if scenario == "ingest", let b = extra["batch"]?.intValue { label += " b=\(b)" }
            if extra["randomIds"]?.boolValue == true { label += " random ids" }
            Swift.print(String(format: "%-22@ %10.0f events/s  %9d events  %7.3f s  p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  errors %d",
                               label as NSString, eventsPerSecond, events, seconds, percentile(50), percentile(99),
                               latenciesMs.max() ?? 0, errors))
            if case .array(let windows)? = extra["windowEventsPerSecond"], windows.count > 1,
               let width = extra["windowSeconds"]?.doubleValue {
                let rates = windows.compactMap { $0.doubleValue }.map { String(Int($0)) }.joined(separator: " ")
                Swift.print("  events/s per \(Int(width)) s window: \(rates)")
            }
        }
    }
}

/// Monotonic seconds.
func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}

/// A fresh directory for a benchmark's ledger.
func benchDirectory(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "cxledger-bench-\(name)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
