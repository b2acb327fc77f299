public import Foundation
public import SealCore
import SealPDF
public import SealArchive

/// Who revokes a document: the department that sealed it (by seal name), or the authority.
public enum Revoker: Sendable, Equatable {
    /// The named seal, or (nil) whichever enrolled seal sealed the document.
    case department(String?)
    case authority
}

/// How a seal can be revoked (`seal revoke-seal --reason`).
public enum SealRevocationReason: String, CaseIterable, Sendable {
    case keyCompromise = "key-compromise"
    case superseded
    case cessation

    var crlReason: RevocationReason {
        switch self {
        case .keyCompromise: .keyCompromise
        case .superseded: .superseded
        case .cessation: .cessationOfOperation
        }
    }
}

extension SealService {
    /// How long an issued CRL or status list is fresh.
    public static let revocationInformationLifetime: TimeInterval = 7 * 86_400
    /// `seal crl` issues a new CRL once the newest has less than this left.
    static let crlRenewalMargin: TimeInterval = 86_400

    /// The archive entry of a seal, found by its signature value.
    func archivedEntry(of seal: SealedItem, store: any ArchiveStorage) throws(ServiceError) -> DocumentRevocation.Reference {
        do {
            guard let found = try store.find(signatureHash: DigestAlgorithm.sha256.hash(seal.signatureValue)),
                  let entry = try store.entries(from: found.index, count: 1).first else {
                throw ServiceError.refused("the seal is not in this authority's archive")
            }
            return DocumentRevocation.Reference(index: found.index, leafHash: entry.leafHash)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .archive("\(error)")
        }
    }

    /// Revokes a sealed document, optionally naming the seal that replaces it. Appends a signed
    /// revocation entry (one transaction, one checkpoint); refuses, appending nothing, when the
    /// document is unknown or already revoked, the replacement is not archived, or the revoker
    /// is not entitled.
    @discardableResult
    public func revoke(_ seal: SealedItem, reason: DocumentRevocation.Reason, replacement: SealedItem?, note: String?,
                       as revoker: Revoker, by caller: Caller) async throws(ServiceError) -> Int {
        let (entry, writer) = try await run { () throws(ServiceError) in
            (try self.prepareRevocation(seal, reason: reason, replacement: replacement, note: note, as: revoker, by: caller),
             try self.writer())
        }
        guard case .index(let index) = try await writer.submit(.entry(entry)) else { throw .archive("the archive gave no index") }
        return index
    }

    /// `revoke` for synchronous callers (the CLI).
    @discardableResult
    public func revoke(_ seal: SealedItem, reason: DocumentRevocation.Reason, replacement: SealedItem?, note: String?,
                       as revoker: Revoker) throws(ServiceError) -> Int {
        let entry = try prepareRevocation(seal, reason: reason, replacement: replacement, note: note, as: revoker)
        guard case .index(let index) = try writer().commit(.entry(entry)) else { throw .archive("the archive gave no index") }
        return index
    }

    /// The signed revocation entry for `seal`, checked but not yet archived.
    func prepareRevocation(_ seal: SealedItem, reason: DocumentRevocation.Reason, replacement: SealedItem?,
                           note: String?, as revoker: Revoker, by caller: Caller = .directoryOwner) throws(ServiceError) -> NewArchiveEntry {
        // The authority's revocations need an admin; a department's, the seal that acts.
        switch revoker {
        case .authority: try authorize(caller, .administer)
        case .department(let named):
            let acting: String
            if let named { acting = named } else { acting = try sealingSealName(of: seal) }
            try authorize(caller, .seal(with: acting))
        }
        let store = try archiveStore()
        let target = try archivedEntry(of: seal, store: store)
        do {
            if try store.documentRevocation(of: target.index) != nil {
                throw ServiceError.refused("this document (archive entry \(target.index)) is already revoked")
            }
        } catch let error as ServiceError { throw error } catch { throw .archive("\(error)") }
        var replacementReference: DocumentRevocation.Reference? = nil
        if let replacement {
            do { replacementReference = try archivedEntry(of: replacement, store: store) } catch {
                throw .refused("the replacement seal is not archived: \(error)")
            }
            guard replacementReference?.index != target.index else { throw .refused("a document cannot replace itself") }
        }
        guard let signerCertificate = seal.signerCertificate else { throw .invalidArgument("the seal carries no certificate") }
        let (certificate, key) = try revokingIdentity(revoker, sealedBy: signerCertificate)
        do {
            let revocation = try DocumentRevocation(target: target, reason: reason, revokedAt: clock(),
                                                    replacement: replacementReference, revoker: certificate, key: key)
            return NewArchiveEntry(entry: .documentRevocation(revocation), salt: nil, note: note)
        } catch {
            throw .crypto("\(error)")
        }
    }

    /// The enrolled seal whose certificate made `signer`'s seals.
    private func sealingSeal(_ signer: Certificate) throws(ServiceError) -> SealInfo {
        guard let sealing = try seals().first(where: { $0.certificate == signer }) else {
            throw .forbidden("no enrolled seal sealed this document; only the authority may revoke it (--as-authority)")
        }
        return sealing
    }

    /// The name of the enrolled seal that sealed `seal` (who may revoke it, besides the authority).
    public func sealingSealName(of seal: SealedItem) throws(ServiceError) -> String {
        guard let certificate = seal.signerCertificate else { throw .invalidArgument("the seal carries no certificate") }
        return try sealingSeal(certificate).name
    }

    /// The certificate and key that sign a revocation, enforcing who may revoke.
    private func revokingIdentity(_ revoker: Revoker, sealedBy signer: Certificate) throws(ServiceError) -> (Certificate, PrivateKey) {
        switch revoker {
        case .authority:
            return (try rootCertificate(), try loadKey(directory.rootKey))
        case .department(let requested):
            let sealing = try sealingSeal(signer)
            if let requested, requested != sealing.name {
                throw .forbidden("seal '\(requested)' did not seal this document; only '\(sealing.name)' or the authority may revoke it")
            }
            let name = try SealName(sealing.name)
            return (sealing.certificate, try loadKey(directory.sealKey(name)))
        }
    }

    // MARK: seals and CRLs

    /// Revokes a seal: the authority issues a new CRL listing it, archived in one transaction, and
    /// the seal can no longer sign.
    @discardableResult
    public func revokeSeal(_ rawName: String, reason: SealRevocationReason, invalidSince: Date?,
                           by caller: Caller) throws(ServiceError) -> RevocationList {
        try authorize(caller, .administer)
        let name = try SealName(rawName)
        let info = try info(name, now: clock())
        if let invalidSince, invalidSince > clock() { throw .invalidArgument("--invalid-since lies in the future") }
        return try issueRevocationList { current throws(ServiceError) in
            if current?.entry(for: info.certificate) != nil { throw .refused("seal '\(name)' is already revoked") }
            return [RevokedCertificate(serialNumber: info.serialNumber, revocationDate: clock(), reason: reason.crlReason,
                                       invalidityDate: invalidSince)]
        }
    }

    /// The CRL to publish: the newest, or a fresh one (same entries, next number) when it is
    /// close to its next update. Every CRL issued is archived.
    public func currentRevocationList() throws(ServiceError) -> RevocationList {
        if let current = try latestRevocationList()?.crl, let next = current.nextUpdate,
           next.timeIntervalSince(clock()) > Self.crlRenewalMargin { return current }
        return try issueRevocationList { _ in [] }
    }

    /// The current CRL encoded as DER or PEM.
    public func currentRevocationListBytes(der: Bool) throws(ServiceError) -> [UInt8] {
        let crl = try currentRevocationList()
        do { return der ? try crl.der : Array(try crl.pem.utf8) } catch { throw ServiceError(error) }
    }

    /// The newest archived CRL and its entry index.
    func latestRevocationList() throws(ServiceError) -> (index: Int, crl: RevocationList)? {
        if case .sqlite(let url) = archiveLocation, !FileManager.default.fileExists(atPath: url.path) { return nil }
        return try withArchive { store in
            do {
                guard let latest = try store.latestRevocationList() else { return nil }
                return (latest.index, try RevocationList(bytes: latest.crl))
            } catch let error as ArchiveError {
                throw ServiceError(error)
            } catch {
                throw ServiceError.archive("the archived CRL is unreadable: \(error)")
            }
        }
    }

    /// Issues the next CRL: the newest one's entries plus `additions(newest)`, the next number,
    /// archived only if no other CRL was archived meanwhile (then it starts over, a few times).
    private func issueRevocationList(_ additions: (RevocationList?) throws(ServiceError) -> [RevokedCertificate]) throws(ServiceError) -> RevocationList {
        for _ in 0..<5 {
            let current = try latestRevocationList()
            let new = try additions(current?.crl)
            // Never dated before the newest CRL: another host's clock may run ahead of this
            // one's, and the audit refuses a CRL dated before its predecessor.
            let now = max(clock(), current?.crl.thisUpdate ?? .distantPast)
            do {
                let crl = try RevocationList.issue(by: try rootCertificate(), key: try loadKey(directory.rootKey),
                                                   number: (current?.crl.number ?? 0) + 1, thisUpdate: now,
                                                   nextUpdate: now.addingTimeInterval(Self.revocationInformationLifetime),
                                                   revoked: (current?.crl.entries ?? []) + new)
                _ = try writer().commit(.revocationList(.init(entry: .revocationList(IssuedRevocationList(crl: try crl.der)), salt: nil),
                                                        after: current?.index))
                runtime.signers.invalidate()
                return crl
            } catch ServiceError.conflict {
                continue
            } catch let error as ServiceError {
                throw error
            } catch let error as OpenSSLError {
                throw ServiceError(error)
            } catch {
                throw .archive("\(error)")
            }
        }
        throw .archive("CRLs kept being issued concurrently; try again")
    }

    /// Whether the newest CRL lists `certificate`.
    func isRevoked(_ certificate: Certificate) throws(ServiceError) -> RevocationEntry? {
        try latestRevocationList()?.crl.entry(for: certificate)
    }

    // MARK: status list

    /// The signed list of revoked documents, valid for `revocationInformationLifetime`.
    public func documentStatusList() throws(ServiceError) -> String {
        let now = clock()
        let logSigner = try logSigner()
        return try withArchive { store in
            let items = try store.documentRevocations().map { entry in
                DocumentStatusList.Item(index: entry.revocation.target.index, leafHash: entry.revocation.target.leafHash,
                                        reason: entry.revocation.reason, revokedAt: entry.revocation.revokedAt,
                                        replacedBy: entry.revocation.replacement?.index)
            }
            let list = DocumentStatusList(origin: authority.logOrigin, issued: now,
                                          nextUpdate: now.addingTimeInterval(Self.revocationInformationLifetime),
                                          treeSize: try store.size, items: items)
            return try list.signed(by: logSigner)
        }
    }

    /// Parses a status list with the trust bundle's log keys.
    public static func documentStatusList(_ bytes: [UInt8], trust: TrustBundle) throws(ServiceError) -> DocumentStatusList {
        do { return try DocumentStatusList(note: String(decoding: bytes, as: UTF8.self), logKeys: try logKeys(of: trust)) } catch {
            throw .badStatusList("\(error)")
        }
    }
}

/// What revocation needs of an archived seal, whatever its format: the signature value the
/// archive finds it by, and the certificate that says who sealed.
public struct SealedItem: Sendable {
    /// The seal as given: a CAdES seal's DER or an SES signature's.
    public let der: [UInt8]
    public let signatureValue: [UInt8]
    public let signerCertificate: Certificate?

    public init(_ seal: SealSignature) {
        der = seal.der
        signatureValue = seal.signatureValue
        signerCertificate = seal.signerCertificate
    }

    public init(_ signature: SESSignature) {
        der = signature.der
        signatureValue = signature.signature
        signerCertificate = try? Certificate(der: signature.signerCertificate)
    }

    /// A CAdES seal or an SES signature, told apart by its shape.
    public init(der bytes: [UInt8], path: String) throws(ServiceError) {
        if SESSignature.hasItsShape(bytes) {
            do { self.init(try SESSignature(der: bytes)) } catch { throw .badElectronicSeal("\(path): \(error)") }
        } else {
            self.init(try SealService.sealSignature(bytes, path: path))
        }
    }

    /// What a file holds: one seal, every SES signature of an OFD document, or every CMS
    /// signature of a PDF, in the order they were added.
    public static func all(in bytes: [UInt8], path: String) throws(ServiceError) -> [SealedItem] {
        if SealService.isPDF(bytes) {
            do {
                return try PDFFile(bytes: bytes).signatures().filter { $0.kind == .signature }.compactMap { signature in
                    (try? SealSignature(foreign: signature.contents)).map(SealedItem.init)
                }
            } catch { throw .badDocument("\(path): \(error)") }
        }
        guard SealService.isOFD(bytes) else { return [try SealedItem(der: bytes, path: path)] }
        do {
            let document = try OFDDocument(package: try OFDPackage(bytes: bytes))
            return try document.signatures().compactMap { entry throws(OFDError) in
                let description = try OFDSignatureDescription(name: entry.descriptionName, package: document.package)
                return (try? SESSignature(der: try document.package.file(description.signedValueName))).map(SealedItem.init)
            }
        } catch { throw .badDocument("\(path): \(error)") }
    }
}
