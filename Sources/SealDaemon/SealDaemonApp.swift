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
    let service: SealService
    let configuration: DaemonConfiguration
    let signers: SignerCache
    let commits: GroupCommit
    let metrics: DaemonMetrics
    let access: AccessFile
    let logger: Logger
    let audit: Logger

    public init(service: SealService, configuration: DaemonConfiguration, logger: Logger) throws(ServiceError) {
        self.service = service
        self.configuration = configuration
        self.logger = logger
        var audit = logger
        audit[metadataKey: "log"] = "audit"
        self.audit = audit
        let metrics = DaemonMetrics()
        self.metrics = metrics
        signers = SignerCache(service: service, lifetime: configuration.signerLifetime)
        commits = try GroupCommit(service: service, configuration: configuration.groupCommit) { batch in
            metrics.batchSizes.record(Double(batch.size))
            metrics.commitDuration.recordNanoseconds(Int64(batch.seconds * 1e9))
            if let size = batch.treeSize { metrics.treeSize.set(Double(size)) }
        }
        access = AccessFile(directory: configuration.dataDirectory)
        if let size = try? service.withArchive({ try $0.size }) { metrics.treeSize.set(Double(size)) }
    }

    /// Commits what is pending and stops the writer; call after the listeners have stopped.
    public func shutdown() { commits.shutdown() }

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
        return router
    }

    // MARK: dispatch

    func handle(_ route: RouteSpec, _ request: Request, _ context: SealRequestContext) async throws -> Response {
        let peer = await context.peer()
        if route.access == .admin { try authorize(peer, route: route, { $0.isAdmin($1) }) }
        switch (route.method, route.path) {
        case (.get, "/healthz"):
            return try json(Health(status: "ok", treeSize: try service.withArchive { try $0.size }))
        case (.get, "/metrics"):
            return bytes(metrics.text, type: "text/plain; version=0.0.4; charset=utf-8")
        case (.post, "/v1/verify"):
            let body = try await decode(Wire.VerifyRequest.self, request).parsed(trust: { () throws(ServiceError) in try service.trustBundle() })
            return try json(try service.verify(seal: body.seal, document: body.document, revocationLists: body.crls,
                                               statusList: body.statusList))
        case (.get, "/v1/checkpoint"):
            return bytes(Array(try service.checkpoint(size: try query(request, "size")).utf8), type: "text/plain; charset=utf-8")
        case (.get, "/v1/checkpoints"):
            return try json(try service.checkpoints(from: try query(request, "from") ?? 0, count: try pageSize(request)))
        case (.get, "/v1/proofs/inclusion"):
            guard let index: Int = try query(request, "index") else { throw ServiceError.invalidArgument("the index parameter is required") }
            return try json(try service.inclusionProof(index: index, size: try query(request, "size")))
        case (.get, "/v1/proofs/consistency"):
            guard let from: Int = try query(request, "from") else { throw ServiceError.invalidArgument("the from parameter is required") }
            return try json(try service.consistencyProof(from: from, to: try query(request, "to")))
        case (.get, "/v1/entries"):
            return try json(try service.logEntries(from: max(0, try query(request, "from") ?? 0), count: try pageSize(request)))
        case (.get, "/v1/entries/{index}"):
            guard let index = context.parameters.get("index", as: Int.self), index >= 0 else {
                throw ServiceError.invalidArgument("the entry index must be a non-negative integer")
            }
            guard let entry = try service.logEntries(from: index, count: 1).first, index < (try service.withArchive { try $0.size }) else {
                throw HTTPError(.notFound, message: "no entry \(index) in the archive")
            }
            return try json(entry)
        case (.get, "/v1/crl"):
            let pem = request.uri.queryParameters["format"] == "pem"
            return bytes(try service.currentRevocationListBytes(der: !pem), type: pem ? "application/x-pem-file" : "application/pkix-crl")
        case (.get, "/v1/trust"):
            return bytes(Array(try service.trustBundle().pem.utf8), type: "application/x-pem-file")
        case (.get, "/v1/status"):
            return bytes(Array(try service.documentStatusList().utf8), type: "text/plain; charset=utf-8")
        case (.post, "/v1/receipts"):
            let seal = try SealService.sealSignature(try await body(request), path: "the request body")
            return bytes(try service.refreshReceipt(seal).der, type: "application/pkcs7-signature")
        case (.get, "/v1/seals"):
            return try json(try service.seals())
        case (.post, "/v1/seals"):
            let body = try await decode(Wire.EnrollRequest.self, request)
            let info = try service.enroll(name: body.name, department: body.department, organizationIdentifier: body.organizationIdentifier,
                                          algorithm: body.algorithm, days: body.days ?? 365)
            audit.notice("seal enrolled", metadata: ["seal": "\(info.name)", "by": "\(peer.map(String.init(describing:)) ?? "?")"])
            return try json(info, status: .created)
        case (.post, "/v1/seals/{name}"):
            let name = try context.parameters.require("name")
            try authorize(peer, route: route, seal: name) { $0.maySeal($1, with: name) }
            return try await seal(request, with: name)
        case (.post, "/v1/seals/{name}/revocation"):
            let name = try context.parameters.require("name")
            let body = try await decode(Wire.SealRevocationRequest.self, request)
            let reason = try body.parsedReason()
            let crl = try service.revokeSeal(name, reason: reason, invalidSince: body.invalidSince)
            signers.invalidate(name)
            audit.notice("seal revoked", metadata: ["seal": "\(name)", "reason": "\(reason.rawValue)",
                                                    "by": "\(peer.map(String.init(describing:)) ?? "?")"])
            do { return bytes(try crl.der, type: "application/pkix-crl", status: .created) } catch { throw ServiceError.crypto("\(error)") }
        case (.post, "/v1/revocations"):
            return try await revokeDocument(request, route: route, peer: peer)
        default:
            throw HTTPError(.notFound)
        }
    }

    // MARK: operations that need more than one step

    func seal(_ request: Request, with name: String) async throws -> Response {
        let isJSON = request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true
        let item = try prepareSeal(try await body(request), isJSON: isJSON, with: name)
        let committed = try await commits.submit(.seal(item))
        return try sealedResponse(committed, item)
    }

    /// Signs and time-stamps (on this request's thread, so signing runs on every core).
    func prepareSeal(_ payload: [UInt8], isJSON: Bool, with name: String) throws -> Archive.Item {
        let signer = try signers.signer(for: name)
        let digest: [UInt8]
        if isJSON {
            digest = try Wire.decode(Wire.DigestSealRequest.self, payload).bytes()
        } else {
            digest = signer.documentDigestAlgorithm.hash(payload)
        }
        return try service.prepareSeal(digest: digest, with: signer)
    }

    /// 201 with the archived seal, once its batch is durable.
    func sealedResponse(_ committed: Archive.Committed, _ item: Archive.Item) throws -> Response {
        let sealed = try service.attachReceipt(committed, to: item)
        metrics.seals.increment()
        var headers: HTTPFields = [.contentType: "application/pkcs7-signature"]
        if case .receipt(let receipt) = committed {
            headers[HTTPField.Name("Seal-Archive-Index")!] = String(receipt.index)
            headers[HTTPField.Name("Seal-Tree-Size")!] = String(receipt.treeSize)
        }
        return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: sealed)))
    }

    func revokeDocument(_ request: Request, route: RouteSpec, peer: PeerIdentity?) async throws -> Response {
        let body = try await decode(Wire.DocumentRevocationRequest.self, request)
        let (seal, reason, replacement) = try body.parsed()
        let revoker: Revoker
        if body.asAuthority == true {
            try authorize(peer, route: route) { $0.isAdmin($1) }
            revoker = .authority
        } else {
            // The department acting is the one that sealed the document (or the one named).
            let acting = try body.as ?? service.sealingSealName(of: seal)
            try authorize(peer, route: route, seal: acting) { $0.maySeal($1, with: acting) }
            revoker = .department(body.as)
        }
        let entry = try service.prepareRevocation(seal, reason: reason, replacement: replacement, note: body.note, as: revoker)
        guard case .index(let index) = try await commits.submit(.entry(entry)) else {
            throw ServiceError.archive("the archive gave no index for the revocation")
        }
        audit.notice("document revoked", metadata: ["entry": "\(index)", "reason": "\(reason)",
                                                    "by": "\(peer.map(String.init(describing:)) ?? "?")"])
        return try json(Wire.DocumentRevocationResponse(index: index), status: .created)
    }

    // MARK: access

    /// Refuses (403; the error middleware counts it and writes the audit line) unless `allowed`
    /// holds for the caller.
    func authorize(_ peer: PeerIdentity?, route: RouteSpec, seal: String? = nil,
                   _ allowed: (AccessPolicy, PeerIdentity) -> Bool) throws(ServiceError) {
        let (policy, problem) = access.current()
        if let problem { logger.error("access file unusable; only admins are served", metadata: ["error": "\(problem)"]) }
        if let peer, allowed(policy, peer) { return }
        let what = seal.map { "seal '\($0)'" } ?? "this operation (admin only)"
        throw .forbidden("\(peer.map { "uid \($0.uid)" } ?? "this caller") may not use \(what); see access.conf in the data directory")
    }

    // MARK: encoding

    struct Health: Encodable {
        let status: String
        let treeSize: Int
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
