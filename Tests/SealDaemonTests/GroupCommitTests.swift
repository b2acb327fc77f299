import Foundation
import Testing
import SealService
import SealClient
import SealTestSupport

/// Concurrent requests share transactions and checkpoints; each answer waits for its batch.
@Suite struct GroupCommitTests {
    @Test func concurrentSealsShareCheckpointsAndMetricsShowIt() throws {
        let daemon = try DaemonProcess.withAuthority("batch", seals: ["civil"], config: "batch-size = 64\nbatch-wait-ms = 40\n")
        defer { daemon.cleanUp() }
        let clients = 24
        let results = Locked<[(document: [UInt8], response: HTTPConnection.Response)]>([])
        let socket = daemon.socket
        let threads = (0..<clients).map { client in
            let thread = Thread {
                let document = Array("batched document \(client)".utf8)
                if let response = try? HTTPConnection(socketPath: socket).send("POST", "/v1/seals/civil", body: document) {
                    results.withLock { $0.append((document, response)) }
                }
            }
            thread.start()
            return thread
        }
        while threads.contains(where: { !$0.isFinished }) { usleep(10_000) }
        let answers = results.withLock { $0 }
        #expect(answers.count == clients)
        #expect(answers.allSatisfy { $0.response.status == 201 })

        // Each receipt is against its batch's checkpoint, which covers the entry; offline
        // verification (receipt only, no archive lookup) passes for every seal.
        let trust = try SealService.trustBundle(pem: try daemon.request("GET", "/v1/trust").body)
        var treeSizes = Set<String>()
        for answer in answers {
            let index = try #require(answer.response.header("Seal-Archive-Index").flatMap(Int.init))
            let size = try #require(answer.response.header("Seal-Tree-Size").flatMap(Int.init))
            #expect(index < size)
            treeSizes.insert(String(size))
            let report = try SealService.verify(seal: answer.response.body, document: answer.document, trust: trust)
            #expect(report.indication == .totalPassed, "\(report.summary)")
        }
        // Fewer checkpoints than seals: the requests were grouped.
        let checkpoints = try JSONSerialization.jsonObject(with: Data(try daemon.request("GET", "/v1/checkpoints?count=1000").body)) as? [Any]
        #expect((checkpoints?.count ?? 0) - 1 == treeSizes.count, "one checkpoint per batch (plus the empty tree's)")
        #expect(treeSizes.count < clients / 2, "\(treeSizes.count) batches for \(clients) concurrent seals")

        // /metrics reports requests, latency, seals, batch sizes and tree size.
        let metrics = String(decoding: try daemon.request("GET", "/metrics").body, as: UTF8.self)
        func value(_ name: String) -> Double? {
            metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(value("seald_seals_total") == Double(clients))
        #expect(value("seald_tree_size") == Double(clients))
        #expect(value("seald_batch_size_count") == Double(treeSizes.count))
        #expect(value("seald_batch_size_sum") == Double(clients))
        #expect(metrics.contains("seald_request_duration_seconds_bucket"))
        #expect(metrics.contains("seald_requests_total{route=\"/v1/seals/{name}\",method=\"POST\",status=\"201\"} \(clients)"))
    }
}
