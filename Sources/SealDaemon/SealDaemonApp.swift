import Foundation
public import Hummingbird
public import Logging
public import SealService
import SealClient
import NIOCore
import Prometheus
import HTTPTypes

/// The daemon's request handling: decode, check access, hand off to `SealService`, encode.
/// No operation is implemented here.
public final class SealDaemonApp: Sendable {
    public let service: SealService
    let configuration: DaemonConfiguration
    let metrics: DaemonMetrics
    let logger: Logger
    let audit: Logger
    /// The verification page at `/`, on both listeners.
    let pages: VerificationPages

    /// Opens the authority of `configuration` with the daemon's pipeline settings, loads its
    /// signing keys and starts the archive writer: a wrong passphrase stops it here.
    public init(configuration: DaemonConfiguration, logger: Logger) throws(ServiceError) {
        self.configuration = configuration
        self.logger = logger
        var audit = logger
        audit[metadataKey: "log"] = "audit"
        self.audit = audit
        let metrics = DaemonMetrics()
        self.metrics = metrics
        service = try SealService(directory: configuration.dataDirectory, passphrase: configuration.passphrase, configuration: .init(
            groupCommit: configuration.groupCommit, signerLifetime: configuration.signerLifetime, archive: configuration.archive,
            onBatch: { batch in
                metrics.batchSizes.record(Double(batch.size))
                metrics.commitDuration.recordNanoseconds(Int64(batch.seconds * 1e9))
                if let size = batch.treeSize { metrics.treeSize.set(Double(size)) }
            }))
        // Page verifications at once: two per core (one receiving or rendering while the other
        // verifies keeps the background threads busy), half of them while sealing calls arrive.
        // The background threads' low priority is what keeps sealing first; this bounds memory.
        let service = self.service
        do {
            pages = try VerificationPages(maximumUpload: configuration.maxBodySize,
                                          concurrency: 2 * max(1, ProcessInfo.processInfo.activeProcessorCount),
                                          reserving: { service.isSealing })
        } catch {
            throw .io("the verification page's templates do not parse: \(error)")
        }
        try service.checkKeys()
        try service.startWriter()
        if let size = try? service.withArchive({ try $0.size }) { metrics.treeSize.set(Double(size)) }
    }

    /// Commits what is pending and stops the writer; call after the listeners have stopped.
    public func shutdown() { service.shutdown() }

    /// A router serving `routes`, with JSON errors, 405 for known paths, and request metrics.
    public func router(publicOnly: Bool) -> Router<SealRequestContext> {
        let router = Router(context: SealRequestContext.self)
        let routes = SealRoutes.served(publicOnly: publicOnly)
        router.add(middleware: ErrorMiddleware(routes: routes, metrics: metrics, logger: logger, audit: audit))
        for route in routes {
            router.on(RouterPath(route.routerPath), method: route.method) { request, context in
                try await self.handle(route, request, context)
            }
        }
        pages.register(on: router, service: service)
        return router
    }

    // MARK: dispatch

    func handle(_ route: RouteSpec, _ request: Request, _ context: SealRequestContext) async throws -> Response {
        let peer = await context.peer()
        // The service asks the same policy again inside each operation; this refuses the admin
        // routes before their bodies are read.
        if route.access == .admin { try service.authorize(.peer(peer), .administer) }
        let service = self.service
        switch (route.method, route.path) {
        case (.get, "/healthz"):
            let size = try await service.run { () throws(ServiceError) in try service.withArchive { try $0.size } }
            if let halted = service.archiveHalted {
                // Not fit to seal: a load balancer or monitor takes it out, and says why.
                return try json(Health(status: "halted", treeSize: size, reason: halted), status: .serviceUnavailable)
            }
            return try json(Health(status: "ok", treeSize: size, reason: nil))
        case (.get, "/metrics"):
            return bytes(metrics.text, type: "text/plain; version=0.0.4; charset=utf-8")
        case (.post, "/v1/verify"):
            let body = try await decode(Wire.VerifyRequest.self, request)
            let parsed = try await service.run { () throws(ServiceError) in
                try body.parsed(trust: { () throws(ServiceError) in try service.trustBundle() })
            }
            guard let seal = parsed.seal else {
                // No seal: the document carries its signatures (an OFD).
                return try json(try await service.run { () throws(ServiceError) in
                    try service.verifyDocument(parsed.document, revocationLists: parsed.crls, statusList: parsed.statusList)
                })
            }
            return try json(try await service.run { () throws(ServiceError) in
                try service.verify(seal: seal, document: parsed.document, receipt: parsed.receipt,
                                   revocationLists: parsed.crls, statusList: parsed.statusList)
            })
        case (.get, "/v1/checkpoint"):
            let size: Int? = try query(request, "size")
            return bytes(Array(try await service.run { () throws(ServiceError) in try service.checkpoint(size: size) }.utf8), type: "text/plain; charset=utf-8")
        case (.get, "/v1/checkpoints"):
            let (from, count): (Int, Int) = (try query(request, "from") ?? 0, try pageSize(request))
            return try json(try await service.run { () throws(ServiceError) in try service.checkpoints(from: from, count: count) })
        case (.get, "/v1/proofs/inclusion"):
            guard let index: Int = try query(request, "index") else { throw ServiceError.invalidArgument("the index parameter is required") }
            let size: Int? = try query(request, "size")
            return try json(try await service.run { () throws(ServiceError) in try service.inclusionProof(index: index, size: size) })
        case (.get, "/v1/proofs/consistency"):
            guard let from: Int = try query(request, "from") else { throw ServiceError.invalidArgument("the from parameter is required") }
            let to: Int? = try query(request, "to")
            return try json(try await service.run { () throws(ServiceError) in try service.consistencyProof(from: from, to: to) })
        case (.get, "/v1/entries"):
            let (from, count): (Int, Int) = (max(0, try query(request, "from") ?? 0), try pageSize(request))
            return try json(try await service.run { () throws(ServiceError) in try service.logEntries(from: from, count: count) })
        case (.get, "/v1/entries/{index}"):
            guard let index = context.parameters.get("index", as: Int.self), index >= 0 else {
                throw ServiceError.invalidArgument("the entry index must be a non-negative integer")
            }
            guard let entry = try await service.run({ () throws(ServiceError) in try service.logEntries(from: index, count: 1).first }) else {
                throw HTTPError(.notFound, message: "no entry \(index) in the archive")
            }
            return try json(entry)
        case (.get, "/v1/crl"):
            let pem = request.uri.queryParameters["format"] == "pem"
            return bytes(try await service.run { () throws(ServiceError) in try service.currentRevocationListBytes(der: !pem) },
                         type: pem ? "application/x-pem-file" : "application/pkix-crl")
        case (.get, "/v1/trust"):
            return bytes(Array(try await service.run { () throws(ServiceError) in try service.trustBundle().pem }.utf8), type: "application/x-pem-file")
        case (.get, "/v1/status"):
            return bytes(Array(try await service.run { () throws(ServiceError) in try service.documentStatusList() }.utf8), type: "text/plain; charset=utf-8")
        case (.post, "/v1/receipts"):
            let type = request.headers[.contentType]?.lowercased() ?? ""
            let document = [DocumentFormat.pdf, .ofd].first { type.hasPrefix($0.mediaType) }
            if document != nil || type.hasPrefix(DocumentFormat.detachedSES.mediaType) {
                let payload = try await body(request)
                let renewed = try await service.run { () throws(ServiceError) in try service.refreshReceipts(payload, receipt: nil) }
                return bytes(renewed, type: document?.mediaType ?? "application/octet-stream")
            }
            let seal = try SealService.sealSignature(try await body(request), path: "the request body")
            return bytes(try await service.run { () throws(ServiceError) in try service.refreshReceipt(seal).der }, type: "application/pkcs7-signature")
        case (.get, "/v1/seals"):
            return try json(try await service.run { () throws(ServiceError) in try service.seals() })
        case (.post, "/v1/seals"):
            let body = try await decode(Wire.EnrollRequest.self, request)
            let info = try await service.run { () throws(ServiceError) in
                try service.enroll(name: body.name, department: body.department, organizationIdentifier: body.organizationIdentifier,
                                   algorithm: body.algorithm, days: body.days ?? 365,
                                   appearance: body.appearance ?? SealAppearance(), by: .peer(peer))
            }
            audit.notice("seal enrolled", metadata: ["seal": "\(info.name)", "by": "\(peer.map(String.init(describing:)) ?? "?")"])
            return try json(info, status: .created)
        case (.get, "/v1/seals/{name}/seal.esl"):
            let name = try context.parameters.require("name")
            return bytes(try await service.run { () throws(ServiceError) in try service.electronicSeal(name).der },
                         type: "application/octet-stream")
        case (.post, "/v1/seals/{name}"):
            return try await seal(request, with: try context.parameters.require("name"), by: peer)
        case (.post, "/v1/seals/{name}/revocation"):
            let name = try context.parameters.require("name")
            let body = try await decode(Wire.SealRevocationRequest.self, request)
            let reason = try body.parsedReason()
            let crl = try await service.run { () throws(ServiceError) in
                let crl = try service.revokeSeal(name, reason: reason, invalidSince: body.invalidSince, by: .peer(peer))
                do { return try crl.der } catch let error as OpenSSLError { throw ServiceError(error) } catch { throw ServiceError.crypto("\(error)") }
            }
            audit.notice("seal revoked", metadata: ["seal": "\(name)", "reason": "\(reason.rawValue)",
                                                    "by": "\(peer.map(String.init(describing:)) ?? "?")"])
            return bytes(crl, type: "application/pkix-crl", status: .created)
        case (.post, "/v1/revocations"):
            return try await revokeDocument(request, by: peer)
        default:
            throw HTTPError(.notFound)
        }
    }

    // MARK: operations that need more than one step

    /// Seals the body (the document, or a JSON digest request) through the service's pipeline;
    /// 201 with the archived seal once its batch is durable.
    func seal(_ request: Request, with name: String, by peer: PeerIdentity?) async throws -> Response {
        let payload = try await body(request)
        let type = request.headers[.contentType]?.lowercased() ?? ""
        let isJSON = type.hasPrefix("application/json")
        let document: DocumentInput = isJSON ? .digest(try Wire.decode(Wire.DigestSealRequest.self, payload).bytes()) : .content(payload)
        // A PDF or an OFD is sealed in place; anything else gets the seal's detached format.
        let embedded = [DocumentFormat.pdf, .ofd].first { type.hasPrefix($0.mediaType) }
        let placement = embedded == nil ? StampPlacement() : try StampPlacement.checked(
            page: try query(request, "page"), x: try query(request, "x"), y: try query(request, "y"), riding: try query(request, "riding"),
            width: try query(request, "width"), invisible: try query(request, "invisible"),
            field: request.uri.queryParameters["field"].map(String.init), longTermValidation: try query(request, "ltv"))
        let sealed = try await service.seal(document, with: name, format: embedded, placement: placement, by: .peer(peer))
        metrics.seals.increment()
        var headers: HTTPFields = [.contentType: sealed.format.mediaType]
        headers[HTTPField.Name("Seal-Archive-Index")!] = String(sealed.receipt.index)
        headers[HTTPField.Name("Seal-Tree-Size")!] = String(sealed.receipt.treeSize)
        // The receipt, also for formats that have no place for it (a detached SES signature).
        headers[HTTPField.Name("Seal-Receipt")!] = Data(sealed.receipt.der).base64EncodedString()
        return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: sealed.bytes)))
    }

    func revokeDocument(_ request: Request, by peer: PeerIdentity?) async throws -> Response {
        let body = try await decode(Wire.DocumentRevocationRequest.self, request)
        let (seal, reason, replacement) = try body.parsed()
        // The department acting is the one that sealed the document, or the one named.
        let revoker: Revoker = body.asAuthority == true ? .authority : .department(body.as)
        let index = try await service.revoke(seal, reason: reason, replacement: replacement, note: body.note, as: revoker, by: .peer(peer))
        audit.notice("document revoked", metadata: ["entry": "\(index)", "reason": "\(reason)",
                                                    "by": "\(peer.map(String.init(describing:)) ?? "?")"])
        return try json(Wire.DocumentRevocationResponse(index: index), status: .created)
    }

    // MARK: encoding

    struct Health: Encodable {
        let status: String
        let treeSize: Int
        let reason: String?
    }

    func body(_ request: Request) async throws -> [UInt8] {
        var buffer = try await request.body.collect(upTo: configuration.maxBodySize)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        try Wire.decode(type, try await body(request))
    }

    func query<T: LosslessStringConvertible>(_ request: Request, _ name: String) throws(ServiceError) -> T? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard let value = T(String(text)) else { throw .invalidArgument("the \(name) parameter must be an integer") }
        return value
    }

    func pageSize(_ request: Request) throws(ServiceError) -> Int {
        let count: Int = try query(request, "count") ?? 100
        guard (1...1000).contains(count) else { throw .invalidArgument("count must be between 1 and 1000") }
        return count
    }

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws(ServiceError) -> Response {
        do { return bytes(Array(try JSON.encoder().encode(value)) + [0x0A], type: "application/json", status: status) } catch {
            throw .io("cannot encode the response: \(error)")
        }
    }

    func bytes(_ bytes: [UInt8], type: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
