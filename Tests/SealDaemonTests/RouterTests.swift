import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SealDaemon
import SealService
import SealClient
import SealTestSupport
import Testing

/// The router in process (no socket, so no peer credentials): every route in the table reaches its
/// handler, and errors map to the right status with a JSON body. A route missing from the handler's
/// switch would answer 404 here.
@Suite struct RouterTests {
    /// A daemon app on a fresh authority with seal `civil`, serving `publicOnly` routes.
    func withRouter(publicOnly: Bool, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let scratch = try TestSupport.scratchDirectory("router")
        defer { TestSupport.cleanUp(scratch) }
        let directory = DataDirectory(scratch.appendingPathComponent("authority"))
        try SealService.initialize(directory: directory, name: "Router Test Authority", algorithm: .ecdsaP256, passphrase: nil)
        let service = try SealService(directory: directory, passphrase: nil)
        try service.enroll(name: "civil", department: "Civil Registry", organizationIdentifier: nil, algorithm: nil, days: 30)
        let daemon = try SealDaemonApp(configuration: DaemonConfiguration(dataDirectory: directory, socketPath: "unused"),
                                       logger: Logger(label: "router-test", factory: { _ in SwiftLogNoOpLogHandler() }))
        defer { daemon.shutdown() }
        let app = Application(router: daemon.router(publicOnly: publicOnly))
        try await app.test(.router) { client in try await body(client) }
    }

    /// What each route answers a caller without credentials and with an empty or minimal request.
    static let expected: [String: HTTPResponse.Status] = [
        "GET /healthz": .ok,
        "GET /metrics": .ok,
        "POST /v1/verify": .badRequest,
        "GET /v1/checkpoint": .ok,
        "GET /v1/checkpoints": .ok,
        "GET /v1/proofs/inclusion": .badRequest,
        "GET /v1/proofs/consistency": .badRequest,
        "GET /v1/entries": .ok,
        "GET /v1/entries/{index}": .notFound,
        "GET /v1/crl": .ok,
        "GET /v1/trust": .ok,
        "GET /v1/status": .ok,
        "POST /v1/receipts": .badRequest,
        "GET /v1/seals": .ok,
        "POST /v1/seals": .forbidden,
        "POST /v1/seals/{name}": .forbidden,
        "POST /v1/seals/{name}/revocation": .forbidden,
        // Seal `civil` is an ECDSA seal: no GB/T 38540 seal object.
        "GET /v1/seals/{name}/seal.esl": .notFound,
        // The body names the document, and so the seal whose access decides: read first.
        "POST /v1/revocations": .badRequest,
    ]

    @Test func everyRouteReachesItsHandler() async throws {
        #expect(Set(Self.expected.keys) == Set(SealRoutes.all.map { "\($0.methodName) \($0.path)" }))
        try await withRouter(publicOnly: false) { client in
            for route in SealRoutes.all {
                let uri = route.path.replacingOccurrences(of: "{name}", with: "civil").replacingOccurrences(of: "{index}", with: "7")
                let response = try await client.execute(uri: uri, method: route.method, body: ByteBuffer())
                let key = "\(route.methodName) \(route.path)"
                #expect(response.status == Self.expected[key], "\(key): \(response.status) \(String(buffer: response.body))")
                if response.status.code >= 400 {
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(key)")
                    let error = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                    #expect(error?["error"] != nil, "\(key): \(String(buffer: response.body))")
                }
            }
        }
    }

    @Test func errorsMapToTheirStatus() async throws {
        try await withRouter(publicOnly: false) { client in
            let unknown = try await client.execute(uri: "/v1/nothing", method: .get)
            #expect(unknown.status == .notFound)
            let wrongMethod = try await client.execute(uri: "/v1/trust", method: .post, body: ByteBuffer())
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET")
            let badIndex = try await client.execute(uri: "/v1/entries/minus-one", method: .get)
            #expect(badIndex.status == .badRequest)
            let badJSON = try await client.execute(uri: "/v1/verify", method: .post, headers: [.contentType: "application/json"],
                                                   body: ByteBuffer(string: "{\"seal\": 3}"))
            #expect(badJSON.status == .badRequest)
            #expect(String(buffer: badJSON.body).contains("seal"), "\(String(buffer: badJSON.body))")
        }
    }

    /// The public listener serves only the public routes: the others are not there at all.
    @Test func publicListenerHasNoPrivateRoutes() async throws {
        try await withRouter(publicOnly: true) { client in
            for route in SealRoutes.all where route.access != .public {
                let uri = route.path.replacingOccurrences(of: "{name}", with: "civil")
                let response = try await client.execute(uri: uri, method: route.method, body: ByteBuffer())
                #expect(response.status == .notFound, "\(route.methodName) \(route.path): \(response.status)")
            }
            #expect(try await client.execute(uri: "/v1/trust", method: .get).status == .ok)
        }
    }
}
