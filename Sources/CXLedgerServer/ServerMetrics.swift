import Metrics
import Prometheus
import Synchronization

/// The server's metrics, made through swift-metrics with a factory bound to this server's registry,
/// so two servers in one process (as in the tests) never mix their numbers.
final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// Successful append requests and the events they stored (already stored ones are not counted).
    private let appends: CoreMetrics.Counter
    private let eventsAppended: CoreMetrics.Counter
    private let commits: CoreMetrics.Counter
    /// Requests and events per group commit: how well concurrent appends are coalesced.
    private let commitRequests: CoreMetrics.Recorder
    private let commitEvents: CoreMetrics.Recorder
    /// From the writer taking the group to the durable commit.
    private let commitLatency: CoreMetrics.Timer
    private let head: CoreMetrics.Gauge
    private let responses = Mutex<[Int: CoreMetrics.Counter]>([:])
    private let lags = Mutex<[String: CoreMetrics.Gauge]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        let sizes: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536]
        factory.valueHistogramBuckets = ["cxledger_commit_requests": sizes, "cxledger_commit_events": sizes]
        factory.durationHistogramBuckets = ["cxledger_commit_duration_seconds": [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(5),
        ]]
        self.factory = factory
        appends = CoreMetrics.Counter(label: "cxledger_appends_total", factory: factory)
        eventsAppended = CoreMetrics.Counter(label: "cxledger_events_appended_total", factory: factory)
        commits = CoreMetrics.Counter(label: "cxledger_commits_total", factory: factory)
        commitRequests = CoreMetrics.Recorder(label: "cxledger_commit_requests", factory: factory)
        commitEvents = CoreMetrics.Recorder(label: "cxledger_commit_events", factory: factory)
        commitLatency = CoreMetrics.Timer(label: "cxledger_commit_duration_seconds", factory: factory)
        head = CoreMetrics.Gauge(label: "cxledger_head_position", factory: factory)
    }

    /// Called on the writer thread after each durable group commit.
    func recordCommit(requests: Int, events: Int, seconds: Double) {
        commits.increment()
        commitRequests.record(requests)
        commitEvents.record(events)
        commitLatency.recordNanoseconds(Int64(seconds * 1e9))
    }

    func recordAppend(storedEvents: Int) {
        appends.increment()
        if storedEvents > 0 { eventsAppended.increment(by: storedEvents) }
    }

    func recordResponse(status: Int) {
        let counter = responses.withLock { counters in
            if let c = counters[status] { return c }
            let c = CoreMetrics.Counter(label: "cxledger_http_responses_total", dimensions: [("status", String(status))],
                            factory: factory)
            counters[status] = c
            return c
        }
        counter.increment()
    }

    /// Updated when `/metrics` is scraped, from the registry's checkpoints and the log's head.
    func recordGauges(headPosition: Int, lags projectionLags: [(String, Int)]) {
        head.record(headPosition)
        for (name, lag) in projectionLags {
            let gauge = lags.withLock { gauges in
                if let g = gauges[name] { return g }
                let g = CoreMetrics.Gauge(label: "cxledger_projection_lag_events", dimensions: [("projection", name)], factory: factory)
                gauges[name] = g
                return g
            }
            gauge.record(lag)
        }
    }

    func prometheusText() -> [UInt8] {
        registry.emitToBuffer()
    }
}
