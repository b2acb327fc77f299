import Foundation
import Testing
import SealDaemon
import SealService
import SealClient
import SealTestSupport

/// The OpenAPI file describes exactly the routes the router serves, with the access each has,
/// and a live daemon answers each with a status the file documents.
@Suite struct OpenAPITests {
    struct Operation: Hashable {
        let method: String
        let path: String
        let access: String
    }

    static func document() throws -> [String: Any] {
        let data = try Data(contentsOf: TestSupport.repository.appendingPathComponent("openapi.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func operations() throws -> [Operation: [String: Any]] {
        let paths = try #require(try document()["paths"] as? [String: [String: [String: Any]]])
        var result: [Operation: [String: Any]] = [:]
        for (path, methods) in paths {
            for (method, operation) in methods {
                result[Operation(method: method.uppercased(), path: path, access: operation["x-seal-access"] as? String ?? "?")] = operation
            }
        }
        return result
    }

    @Test func fileAndRouterAgree() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        let documented = Set(try Self.operations().keys)
        let routed = Set(SealRoutes.all.map { Operation(method: $0.methodName, path: $0.path, access: $0.access.rawValue) })
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed))")
        #expect(routed.subtracting(documented).isEmpty, "routed but not documented: \(routed.subtracting(documented))")
    }

    @Test func liveAnswersAreDocumented() throws {
        let port = Int.random(in: 20_000..<60_000)
        let daemon = try DaemonProcess.withAuthority("openapi", seals: ["civil"], sm2Seals: ["gov"], arguments: ["--listen", "127.0.0.1:\(port)"])
        defer { daemon.cleanUp() }
        let operations = try Self.operations()
        let document = Array("Openapi document\n".utf8)
        let sealed = try daemon.request("POST", "/v1/seals/civil", body: document)
        #expect(sealed.status == 201)
        func json(_ object: [String: Any]) throws -> [UInt8] { Array(try JSONSerialization.data(withJSONObject: object)) }
        let sealBase64 = Data(sealed.body).base64EncodedString()
        // One well-formed request per route, in an order where each finds what it needs.
        let samples: [(RouteSpec, String, [UInt8], String?)] = try SealRoutes.all.map { route in
            switch (route.methodName, route.path) {
            case ("POST", "/v1/verify"):
                return (route, route.path, try json(["seal": sealBase64, "document": Data(document).base64EncodedString()]), "application/json")
            case ("POST", "/v1/receipts"): return (route, route.path, sealed.body, "application/pkcs7-signature")
            case ("POST", "/v1/seals"): return (route, route.path, try json(["name": "fresh", "department": "Fresh"]), "application/json")
            case ("POST", "/v1/seals/{name}"): return (route, "/v1/seals/civil", document, nil)
            case ("POST", "/v1/seals/{name}/revocation"):
                return (route, "/v1/seals/fresh/revocation", try json(["reason": "superseded"]), "application/json")
            case ("POST", "/v1/revocations"): return (route, route.path, try json(["seal": sealBase64, "reason": "error"]), "application/json")
            case ("GET", "/v1/proofs/inclusion"): return (route, route.path + "?index=0", [], nil)
            case ("GET", "/v1/proofs/consistency"): return (route, route.path + "?from=1", [], nil)
            case ("GET", "/v1/entries/{index}"): return (route, "/v1/entries/0", [], nil)
            case ("GET", "/v1/seals/{name}/seal.esl"): return (route, "/v1/seals/gov/seal.esl", [], nil)
            default: return (route, route.path, [], nil)
            }
        }
        for (route, target, body, type) in samples {
            let operation = try #require(operations[Operation(method: route.methodName, path: route.path, access: route.access.rawValue)])
            let responses = try #require(operation["responses"] as? [String: Any])
            let response = try daemon.request(route.methodName, target, body: body, contentType: type)
            #expect((200..<300).contains(response.status), "\(route.method) \(target): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
            #expect(responses[String(response.status)] != nil, "\(route.method) \(target) answered undocumented \(response.status)")
            let documentedTypes = ((responses[String(response.status)] as? [String: Any])?["content"] as? [String: Any]).map { Set($0.keys) } ?? []
            let contentType = response.header("Content-Type")?.split(separator: ";").first.map(String.init) ?? ""
            #expect(documentedTypes.contains(contentType), "\(route.method) \(target) answered \(contentType), documented \(documentedTypes)")

            // The public listener serves exactly the public routes.
            let overTCP = try TestSupport.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", route.methodName,
                                                      "http://127.0.0.1:\(port)\(target)"])
            if route.access == .public {
                #expect(overTCP.stdout != "404", "\(route.method) \(target) missing on TCP")
            } else {
                #expect(overTCP.stdout == "404", "\(route.method) \(target) exposed on TCP: \(overTCP.stdout)")
            }
        }
        // An SM2 seal answers with a detached SES signature, its receipt in Seal-Receipt; both
        // verify through /v1/verify.
        let ses = try daemon.request("POST", "/v1/seals/gov", body: document)
        #expect(ses.status == 201)
        let sealResponses = try #require(operations[Operation(method: "POST", path: "/v1/seals/{name}", access: "department")]?["responses"] as? [String: Any])
        let documented = ((sealResponses["201"] as? [String: Any])?["content"] as? [String: Any]).map { Set($0.keys) } ?? []
        #expect(ses.header("Content-Type") == "application/vnd.gbt38540.ses" && documented.contains("application/vnd.gbt38540.ses"))
        let receipt = try #require(ses.header("Seal-Receipt"))
        let verified = try daemon.request("POST", "/v1/verify", body: try json(["seal": Data(ses.body).base64EncodedString(), "receipt": receipt,
                                                                              "document": Data(document).base64EncodedString()]),
                                          contentType: "application/json")
        #expect(verified.status == 200)
        #expect(String(decoding: verified.body, as: UTF8.self).contains("\"indication\" : \"TOTAL-PASSED\""), "\(String(decoding: verified.body, as: UTF8.self))")

        // An OFD is sealed in place (the last page unless a query says), and verified whole.
        let invoice = TestSupport.bytes(ExternalVectors.url("ses/v4_kinggrid_cq-tax-test_invoice.ofd"))
        let ofd = try daemon.request("POST", "/v1/seals/gov?page=2&x=20&y=30", body: invoice, contentType: "application/ofd")
        #expect(ofd.status == 201, "\(String(decoding: ofd.body, as: UTF8.self))")
        #expect(ofd.header("Content-Type") == "application/ofd" && documented.contains("application/ofd"))
        let whole = try daemon.request("POST", "/v1/verify", body: try json(["document": Data(ofd.body).base64EncodedString()]),
                                       contentType: "application/json")
        #expect(whole.status == 200)
        let report = try JSON.decoder().decode(DocumentVerificationReport.self, from: Data(whole.body))
        #expect(report.signatures.map { $0.report.indication } == [.totalFailed, .totalPassed], "online, the archive does not hold KingGrid's seal")
        #expect(report.signatures.last?.report.checks.contains { $0.name == .references && $0.outcome == .passed } == true)
        let misplaced = try daemon.request("POST", "/v1/seals/gov?x=20", body: invoice, contentType: "application/ofd")
        #expect(misplaced.status == 400)
        #expect(String(decoding: misplaced.body, as: UTF8.self).contains("give both x and y, or neither"))
    }
}
