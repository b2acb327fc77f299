public import Foundation
public import SealService

/// `SealOperations` answered by a running `seald` over its Unix socket.
public final class DaemonClient: SealOperations {
    public let socketPath: String

    public init(socketPath: String) { self.socketPath = socketPath }

    // MARK: transport

    /// One request on a fresh connection; a non-2xx answer becomes the daemon's error.
    func call(_ method: String, _ target: String, body: [UInt8] = [], contentType: String? = nil) throws(ServiceError) -> [UInt8] {
        try Self.body(of: try HTTPConnection(socketPath: socketPath).send(method, target, body: body, contentType: contentType))
    }

    /// A 2xx answer's body; any other answer becomes the daemon's error, category and all.
    static func body(of response: HTTPConnection.Response) throws(ServiceError) -> [UInt8] {
        guard (200..<300).contains(response.status) else {
            if let error = try? JSON.decoder().decode(ErrorBody.self, from: Data(response.body)) {
                throw .remote(error.error.category, error.error.message)
            }
            throw .remote(.failure, "the daemon answered \(response.status)")
        }
        return response.body
    }

    func get<T: Decodable>(_ type: T.Type, _ target: String) throws(ServiceError) -> T {
        try decode(type, try call("GET", target))
    }

    func post<T: Decodable>(_ type: T.Type, _ target: String, json: some Encodable) throws(ServiceError) -> T {
        try decode(type, try call("POST", target, body: try encode(json), contentType: "application/json"))
    }

    func encode(_ value: some Encodable) throws(ServiceError) -> [UInt8] {
        do { return Array(try JSON.encoder().encode(value)) } catch { throw .io("cannot encode a request: \(error)") }
    }

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws(ServiceError) -> T {
        do { return try JSON.decoder().decode(type, from: Data(bytes)) } catch {
            throw .remote(.failure, "unexpected answer from the daemon: \(error)")
        }
    }

    static func escape(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? component
    }

    // MARK: operations

    public func enroll(name: String, department: String, organizationIdentifier: String?, algorithm: SignatureAlgorithm?,
                       days: Int, appearance: SealAppearance) throws(ServiceError) -> SealInfo {
        try post(SealInfo.self, "/v1/seals", json: Wire.EnrollRequest(name: name, department: department,
                                                                       organizationIdentifier: organizationIdentifier,
                                                                       algorithm: algorithm, days: days, appearance: appearance))
    }

    public func seals() throws(ServiceError) -> [SealInfo] { try get([SealInfo].self, "/v1/seals") }

    public func electronicSeal(_ name: String) throws(ServiceError) -> ElectronicSeal {
        let der = try call("GET", "/v1/seals/\(Self.escape(name))/seal.esl")
        do { return try ElectronicSeal(der: der) } catch { throw .remote(.failure, "the daemon sent an unreadable seal object: \(error)") }
    }

    public func seal(_ documents: [[UInt8]], sealName name: String, format: DocumentFormat?,
                     placement: StampPlacement) throws(ServiceError) -> [Sealed] {
        var sealed: [Sealed] = []
        let connection = try HTTPConnection(socketPath: socketPath)
        var target = "/v1/seals/\(Self.escape(name))"
        let embedded = format == .ofd || format == .pdf
        if embedded { target += Wire.placementQuery(placement) }
        for document in documents {
            let response = try connection.send("POST", target, body: document,
                                               contentType: embedded ? format!.mediaType : "application/octet-stream")
            let bytes = try Self.body(of: response)
            guard let format = DocumentFormat.allCases.first(where: { $0.mediaType == response.header("Content-Type") }),
                  let receipt = response.header("Seal-Receipt").flatMap({ Data(base64Encoded: $0) }).flatMap({ try? Receipt(der: Array($0)) }) else {
                throw .remote(.failure, "the daemon's answer names no known format or no readable receipt")
            }
            sealed.append(Sealed(format: format, bytes: bytes, receipt: receipt))
        }
        return sealed
    }

    public func verify(seal: [UInt8], document: [UInt8], receipt: [UInt8]?, revocationLists: [RevocationList],
                       statusList: DocumentStatusList?) throws(ServiceError) -> VerificationReport {
        let crls = try Self.encoded(revocationLists)
        return try post(VerificationReport.self, "/v1/verify",
                        json: Wire.VerifyRequest(seal: Data(seal).base64EncodedString(), document: Data(document).base64EncodedString(),
                                                 receipt: receipt.map { Data($0).base64EncodedString() },
                                                 crls: crls.isEmpty ? nil : crls, statusList: statusList?.signedNote))
    }

    public func verifyDocument(_ document: [UInt8], revocationLists: [RevocationList],
                               statusList: DocumentStatusList?) throws(ServiceError) -> DocumentVerificationReport {
        let crls = try Self.encoded(revocationLists)
        return try post(DocumentVerificationReport.self, "/v1/verify",
                        json: Wire.VerifyRequest(seal: nil, document: Data(document).base64EncodedString(), receipt: nil,
                                                 crls: crls.isEmpty ? nil : crls, statusList: statusList?.signedNote))
    }

    /// CRLs as the verify request carries them: DER, base64.
    static func encoded(_ revocationLists: [RevocationList]) throws(ServiceError) -> [String] {
        var crls: [String] = []
        for list in revocationLists {
            do { crls.append(Data(try list.der).base64EncodedString()) } catch { throw ServiceError(error) }
        }
        return crls
    }

    public func refreshReceipts(_ bytes: [UInt8], receipt: [UInt8]?) throws(ServiceError) -> [UInt8] {
        // The daemon takes the salt from its archive; an earlier receipt is not needed.
        try call("POST", "/v1/receipts", body: bytes,
                 contentType: SealService.isPDF(bytes) ? DocumentFormat.pdf.mediaType
                    : SealService.isOFD(bytes) ? DocumentFormat.ofd.mediaType : DocumentFormat.detachedSES.mediaType)
    }

    public func trustBundle() throws(ServiceError) -> TrustBundle {
        try SealService.trustBundle(pem: try call("GET", "/v1/trust"))
    }

    public func refreshReceipt(_ seal: SealSignature) throws(ServiceError) -> SealSignature {
        try SealService.sealSignature(try call("POST", "/v1/receipts", body: seal.der, contentType: "application/pkcs7-signature"),
                                      path: "the daemon's seal")
    }

    public func revoke(_ seal: SealedItem, reason: DocumentRevocation.Reason, replacement: SealedItem?, note: String?,
                       as revoker: Revoker) throws(ServiceError) -> Int {
        var name: String? = nil
        if case .department(let requested) = revoker { name = requested }
        let request = Wire.DocumentRevocationRequest(seal: Data(seal.der).base64EncodedString(), reason: reason.description,
                                                     replacedBy: replacement.map { Data($0.der).base64EncodedString() },
                                                     note: note, as: name, asAuthority: revoker == .authority ? true : nil)
        return try post(Wire.DocumentRevocationResponse.self, "/v1/revocations", json: request).index
    }

    public func revokeSeal(_ name: String, reason: SealRevocationReason, invalidSince: Date?) throws(ServiceError) -> RevocationList {
        let der = try call("POST", "/v1/seals/\(Self.escape(name))/revocation",
                           body: try encode(Wire.SealRevocationRequest(reason: reason.rawValue, invalidSince: invalidSince)),
                           contentType: "application/json")
        return try SealService.revocationList(der)
    }

    public func currentRevocationList() throws(ServiceError) -> RevocationList {
        try SealService.revocationList(try call("GET", "/v1/crl"))
    }

    public func documentStatusList() throws(ServiceError) -> String {
        String(decoding: try call("GET", "/v1/status"), as: UTF8.self)
    }

    public func checkpoint(size: Int?) throws(ServiceError) -> String {
        String(decoding: try call("GET", "/v1/checkpoint" + (size.map { "?size=\($0)" } ?? "")), as: UTF8.self)
    }

    public func logEntries(from: Int, count: Int) throws(ServiceError) -> [LogEntryInfo] {
        try get([LogEntryInfo].self, "/v1/entries?from=\(from)&count=\(count)")
    }

    public func inclusionProof(index: Int, size: Int?) throws(ServiceError) -> InclusionProofInfo {
        try get(InclusionProofInfo.self, "/v1/proofs/inclusion?index=\(index)" + (size.map { "&size=\($0)" } ?? ""))
    }

    public func consistencyProof(from: Int, to: Int?) throws(ServiceError) -> ConsistencyProofInfo {
        try get(ConsistencyProofInfo.self, "/v1/proofs/consistency?from=\(from)" + (to.map { "&to=\($0)" } ?? ""))
    }

    /// Exports what the daemon serves: entries and checkpoints read page by page, so the export
    /// (and an audit of it) checks the daemon's answers rather than trusting them.
    public func exportArchive(to target: URL, progress: (Int, Int) -> Void) throws(ServiceError) {
        let trust = try trustBundle()
        let logKey = trust.logKeys.first ?? ""
        let source = RemoteExportSource(client: self)
        try AtomicFile.createDirectory(target, occupied: .directoryNotEmpty(target.path)) { folder in
            try ArchiveExport.write(source, to: folder, logKey: logKey, trustPEM: trust.pem, progress: progress)
        }
    }

    public func audit(savedCheckpoint: String?, verifySignatures: Bool, progress: (Int, Int) -> Void) throws(ServiceError) -> AuditReport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seal-audit-\(secureRandomBytes(8).hex)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try exportArchive(to: folder, progress: progress)
        return try SealService.auditExport(folder, trust: nil, savedCheckpoint: savedCheckpoint, verifySignatures: verifySignatures)
    }
}

/// The daemon's log read in pages, as an export source.
struct RemoteExportSource: ExportSource {
    let client: DaemonClient
    static let page = 1000

    func allCheckpoints() throws -> [StoredCheckpoint] {
        var result: [StoredCheckpoint] = []
        while true {
            let next = (result.last?.size ?? -1) + 1
            let page = try client.get([CheckpointInfo].self, "/v1/checkpoints?from=\(next)&count=\(Self.page)")
            result += page.map { StoredCheckpoint(size: $0.size, root: [], note: $0.note) }
            if page.count < Self.page { return result }
        }
    }

    func forEachEntry(batch: Int, _ body: (StoredEntry) throws -> Void) throws {
        var next = 0
        while true {
            let page = try client.logEntries(from: next, count: Self.page)
            for info in page {
                guard info.index == next, let data = Data(base64Encoded: info.entry) else {
                    throw ServiceError.remote(.failure, "the daemon returned entry \(info.index) where \(next) was expected")
                }
                try body(StoredEntry(index: info.index, data: Array(data), leafHash: [], committedAt: info.committedAt))
                next += 1
            }
            if page.count < Self.page { return }
        }
    }
}
