import Foundation
import Prometheus

/// What `GET /metrics` exposes, in the Prometheus text format.
final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let latency: DurationHistogram
    let seals: Counter
    let batchSizes: ValueHistogram
    let treeSize: Gauge
    let commitDuration: DurationHistogram
    let refusals: Counter

    init() {
        latency = registry.makeDurationHistogram(
            descriptor: .init(namespace: "seald", metricName: "request_duration", unitName: "seconds", helpText: "Request latency."),
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5)])
        seals = registry.makeCounter(descriptor: .init(namespace: "seald", metricName: "seals", unitName: "total",
                                                       helpText: "Seals made and archived."))
        batchSizes = registry.makeValueHistogram(
            descriptor: .init(namespace: "seald", metricName: "batch", unitName: "size", helpText: "Entries per group commit."),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
        commitDuration = registry.makeDurationHistogram(
            descriptor: .init(namespace: "seald", metricName: "commit_duration", unitName: "seconds",
                              helpText: "Time to write, sync and checkpoint one batch."),
            buckets: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                      .milliseconds(10), .milliseconds(25), .milliseconds(100)])
        treeSize = registry.makeGauge(descriptor: .init(namespace: "seald", metricName: "tree", unitName: "size",
                                                        helpText: "Archive entries under the newest checkpoint."))
        refusals = registry.makeCounter(descriptor: .init(namespace: "seald", metricName: "refusals", unitName: "total",
                                                          helpText: "Requests refused for lack of permission."))
    }

    func request(route: String, method: String, status: Int) {
        registry.makeCounter(descriptor: .init(namespace: "seald", metricName: "requests", unitName: "total",
                                               helpText: "Requests answered, by route and status."),
                             labels: [("route", route), ("method", method), ("status", String(status))]).increment()
    }

    var text: [UInt8] { registry.emitToBuffer() }
}
