// The verification page against the JSON API, and sealing on the socket while the page is
// flooded on the public listener.
//
//     swift build -c release && .build/release/seal-bench page [--clients 8] [--seconds 5] [--json]
import ArgumentParser
import Foundation
import Synchronization
import SealCore
import SealService
import SealClient

struct PageBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "page",
        abstract: "Verification through the page against POST /v1/verify, and sealing while the page is flooded.")

    @Option(help: "Concurrent keep-alive clients per phase.")
    var clients = 8

    @Option(help: "Seconds of each phase.")
    var seconds = 5

    @Option(help: "Rounds of the API and page phases, alternated so that the machine's drift falls on both alike.")
    var rounds = 3

    @Flag(help: "Print the report as JSON.")
    var json = false

    struct Report: Encodable {
        let apiVerificationsPerSecond: Double
        let pageVerificationsPerSecond: Double
        let pageRatio: Double
        let sealsPerSecond: Double
        let sealsWhileFloodedPerSecond: Double
        let floodRatio: Double
        let busyAnswers: Int
    }

    func run() throws {
        let seconds = Double(self.seconds)
        let daemon = try BenchDaemon(label: "page", listen: true)
        let (socket, port) = (daemon.socket, daemon.port!)
        // A sealed 96 KiB PDF, verified both ways.
        let sealed = try HTTPConnection(socketPath: socket).send("POST", "/v1/seals/bench", body: PDFBench.standardDocument(),
                                                                 contentType: "application/pdf").body
        let api = Array(try JSONSerialization.data(withJSONObject: ["document": Data(sealed).base64EncodedString()]))
        let boundary = "seal-bench-boundary"
        let form = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"document\"; filename=\"doc.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".utf8)
            + sealed + Array("\r\n--\(boundary)--\r\n".utf8)
        let verifyAPI = { @Sendable (connection: HTTPConnection) throws -> Int in
            try connection.send("POST", "/v1/verify", body: api, contentType: "application/json").status
        }
        let verifyPage = { @Sendable (connection: HTTPConnection) throws -> Int in
            try connection.send("POST", "/verify?lang=en", body: form, contentType: "multipart/form-data; boundary=\(boundary)").status
        }
        _ = Self.load(clients: clients, seconds: 1, connect: { try HTTPConnection(loopbackPort: port) }, request: verifyAPI)
        var (apiRates, pageRates) = ([Rate](), [Rate]())
        for _ in 0..<max(1, rounds) {
            apiRates.append(Self.load(clients: clients, seconds: seconds, connect: { try HTTPConnection(loopbackPort: port) }, request: verifyAPI))
            pageRates.append(Self.load(clients: clients, seconds: seconds, connect: { try HTTPConnection(loopbackPort: port) }, request: verifyPage))
        }
        let (apiRate, pageRate) = (Rate(mean: apiRates), Rate(mean: pageRates))

        let document = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let seal = { @Sendable (connection: HTTPConnection) throws -> Int in try connection.send("POST", "/v1/seals/bench", body: document).status }
        let sealRate = Self.load(clients: clients, seconds: seconds, connect: { try HTTPConnection(socketPath: socket) }, request: seal)
        // The flood runs beside the sealing clients for the whole phase.
        let flood = Thread { _ = Self.load(clients: clients, seconds: seconds + 1, connect: { try HTTPConnection(loopbackPort: port) }, request: verifyPage) }
        flood.start()
        usleep(300_000)
        let floodedRate = Self.load(clients: clients, seconds: seconds, connect: { try HTTPConnection(socketPath: socket) }, request: seal)
        while !flood.isFinished { usleep(50_000) }

        let report = Report(apiVerificationsPerSecond: apiRate.perSecond, pageVerificationsPerSecond: pageRate.perSecond,
                            pageRatio: pageRate.perSecond / apiRate.perSecond, sealsPerSecond: sealRate.perSecond,
                            sealsWhileFloodedPerSecond: floodedRate.perSecond, floodRatio: floodedRate.perSecond / sealRate.perSecond,
                            busyAnswers: pageRate.busy)
        if json { return try SealBench.printJSON(report) }
        print("seald: \(clients) clients per phase, \(Int(seconds)) s each, \(max(1, rounds)) rounds of API and page, a sealed 96 KiB PDF")
        print(String(format: "  POST /v1/verify (TCP)                 %8.0f /s", apiRate.perSecond))
        print(String(format: "  POST /verify, the page (TCP)          %8.0f /s   %.1f%% of the API (target ≥ 80%%; %d busy answers)",
                     pageRate.perSecond, 100 * report.pageRatio, pageRate.busy))
        print(String(format: "  seals on the socket                   %8.0f /s", sealRate.perSecond))
        print(String(format: "  seals while the page is flooded       %8.0f /s   %.1f%% (target ≥ 50%%)", floodedRate.perSecond, 100 * report.floodRatio))
    }

    struct Rate {
        let perSecond: Double
        let busy: Int
    }

    /// `clients` threads on keep-alive connections for `seconds`, counting 2xx answers; a 503
    /// (the page's concurrency limit) is counted apart and the request sent again.
    static func load(clients: Int, seconds: Double, connect: @escaping @Sendable () throws -> HTTPConnection,
                     request: @escaping @Sendable (HTTPConnection) throws -> Int) -> Rate {
        let totals = Mutex((done: 0, busy: 0))
        let end = Date().addingTimeInterval(seconds)
        let threads = (0..<clients).map { _ in
            Thread {
                var (done, busy) = (0, 0)
                if let connection = try? connect() {
                    while Date() < end {
                        guard let status = try? request(connection) else { break }
                        if (200..<300).contains(status) { done += 1 } else if status == 503 { busy += 1 } else { break }
                    }
                }
                totals.withLock { $0.done += done; $0.busy += busy }
            }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { usleep(10_000) }
        return totals.withLock { Rate(perSecond: Double($0.done) / seconds, busy: $0.busy) }
    }
}

extension PageBench.Rate {
    /// The rate over several phases of equal length.
    init(mean rates: [PageBench.Rate]) {
        self.init(perSecond: rates.map(\.perSecond).reduce(0, +) / Double(max(1, rates.count)), busy: rates.map(\.busy).reduce(0, +))
    }
}
