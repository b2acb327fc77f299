public import Foundation
public import SealCore
public import SealArchive

/// The archive operations: receipts, log queries, export and audit.
extension SealService {
    /// The archive, opened for writing.
    func archive() throws(ServiceError) -> Archive {
        do { return Archive(store: try archiveLocation.open(readOnly: false)) } catch { throw ServiceError(error) }
    }

    /// The archive opened read-only (queries, audits).
    public func archiveStore() throws(ServiceError) -> any ArchiveStorage {
        do { return try archiveLocation.open(readOnly: true) } catch { throw ServiceError(error) }
    }

    /// Where this service's archive is.
    public var archiveLocation: ArchiveLocation { runtime.configuration.archive ?? .sqlite(directory.archive) }

    func logSigner() throws(ServiceError) -> NoteSigner {
        let pem = try AtomicFile.read(directory.logKey)
        if authority.keysEncrypted && passphrase == nil { throw .passphraseRequired }
        do { return try NoteSigner(name: authority.logOrigin, key: try Ed25519PrivateKey(pem: pem, passphrase: passphrase)) } catch {
            throw .keyUnreadable(directory.logKey.path, "\(error)")
        }
    }

    /// Loads every key the daemon signs with, so a wrong or missing passphrase stops it at start
    /// instead of failing the first request.
    public func checkKeys() throws(ServiceError) {
        _ = try logSigner()
        _ = try timeStampAuthority()
    }

    public var logVerifierKey: NoteVerifierKey {
        get throws(ServiceError) {
            do { return try NoteVerifierKey(authority.logVerifierKey) } catch { throw .archive("authority.json: \(error)") }
        }
    }

    /// The seal with its receipt replaced by one against the newest checkpoint.
    public func refreshReceipt(_ seal: SealSignature) throws(ServiceError) -> SealSignature {
        let embedded = seal.unsignedAttribute(SealOID.archiveReceipt).flatMap { try? Receipt(der: $0) }
        guard let receipt = try freshReceipt(signatureValue: seal.signatureValue, salt: embedded?.salt) else {
            throw .archive("the archive does not hold this seal")
        }
        do { return try seal.adding(unsignedAttribute: SealOID.archiveReceipt, value: receipt.der) } catch { throw ServiceError(error) }
    }

    /// A receipt against the newest checkpoint for the seal whose signature value is
    /// `signatureValue`, or nil when the archive does not hold it. `salt` is the one an earlier
    /// receipt gave, when the archive does not keep it.
    func freshReceipt(signatureValue: [UInt8], salt known: [UInt8]?) throws(ServiceError) -> Receipt? {
        try withArchive { store in
            guard let found = try store.find(signatureHash: DigestAlgorithm.sha256.hash(signatureValue)) else { return nil }
            guard let salt = known ?? found.salt else { throw ServiceError.archive("no salt is known for this seal") }
            return try Archive(store: store).receipt(index: found.index, salt: salt)
        }
    }

    /// Fresh receipts for what Seal archived of a sealed file: a detached SES signature (the
    /// receipt DER, beside it), an OFD (the document with every archived signature's
    /// `SealReceipt.der` renewed) or a PDF (one more revision with the renewed receipts);
    /// signatures made elsewhere are left as they are.
    public func refreshReceipts(_ bytes: [UInt8], receipt: [UInt8]?) throws(ServiceError) -> [UInt8] {
        if Self.isPDF(bytes) { return try refreshPDFReceipts(bytes) }
        if Self.isOFD(bytes) {
            let document: OFDDocument
            var renewed: [(name: String, bytes: [UInt8])] = []
            do {
                document = try OFDDocument(package: try OFDPackage(bytes: bytes))
                for entry in try document.signatures() {
                    let description = try OFDSignatureDescription(name: entry.descriptionName, package: document.package)
                    guard let signature = try? SESSignature(der: try document.package.file(description.signedValueName)) else { continue }
                    let name = description.receiptName
                    let old = document.package.contains(name) ? (try? Receipt(der: try document.package.file(name)))?.salt : nil
                    if let fresh = try freshReceipt(signatureValue: signature.signature, salt: old) { renewed.append((name, fresh.der)) }
                }
            } catch let error as OFDError {
                throw .badDocument(error.description)
            } catch let error as ServiceError {
                throw error
            } catch {
                throw .badDocument("\(error)")
            }
            guard !renewed.isEmpty else { throw .archive("the archive holds none of this document's signatures") }
            do { return try document.package.replacing(renewed) } catch { throw .badDocument(error.description) }
        }
        let signature: SESSignature
        do { signature = try SESSignature(der: bytes) } catch { throw .badElectronicSeal(error.description) }
        let salt = receipt.flatMap { try? Receipt(der: $0) }?.salt
        guard let fresh = try freshReceipt(signatureValue: signature.signature, salt: salt) else {
            throw .archive("the archive does not hold this signature")
        }
        return fresh.der
    }

    /// Runs `body` on a read-only connection kept open between calls (at most one per service
    /// thread stays open), mapping archive errors.
    public func withArchive<T>(_ body: (any ArchiveStorage) throws -> T) throws(ServiceError) -> T {
        try runtime.withReader(open: archiveStore) { store throws(ServiceError) in try Self.mappingArchiveErrors { try body(store) } }
    }

    private static func mappingArchiveErrors<T>(_ body: () throws -> T) throws(ServiceError) -> T {
        do { return try body() } catch let error as ServiceError {
            throw error
        } catch let error as ArchiveError {
            throw .archive(error.description)
        } catch let error as ProofError {
            throw .invalidArgument(error.description)
        } catch {
            throw .archive("\(error)")
        }
    }

    /// Writes an export of the archive into a new directory, whole or not at all.
    public func exportArchive(to target: URL, progress: (Int, Int) -> Void = { _, _ in }) throws(ServiceError) {
        let store = try archiveStore()
        let trust = try trustBundle().pem
        try AtomicFile.createDirectory(target, occupied: .directoryNotEmpty(target.path)) { folder in
            try ArchiveExport.write(store, to: folder, logKey: authority.logVerifierKey, trustPEM: trust, progress: progress)
        }
    }

    /// Audits this authority's archive.
    public func audit(savedCheckpoint: String?, verifySignatures: Bool = true,
                      progress: (Int, Int) -> Void = { _, _ in }) throws(ServiceError) -> AuditReport {
        let auditor = Auditor(logKey: try logVerifierKey, trust: verifySignatures ? try trustBundle().anchors : nil)
        let store = try archiveStore()
        do { return try auditor.audit(store, savedCheckpoint: savedCheckpoint, progress: progress) } catch {
            throw .archive("\(error)")
        }
    }

    /// Audits an export directory with the trust bundle inside it (or `trust` if given).
    public static func auditExport(_ folder: URL, trust: TrustBundle?, savedCheckpoint: String?, verifySignatures: Bool = true,
                                   progress: (Int, Int) -> Void = { _, _ in }) throws(ServiceError) -> AuditReport {
        do {
            let source = try ArchiveExport.Source(folder: folder)
            let bundle = try trust ?? source.trustPEM.map { pem throws(ServiceError) in try trustBundle(pem: pem) }
            let logKey = try NoteVerifierKey(bundle?.logKeys.first ?? source.logKey)
            let auditor = Auditor(logKey: logKey, trust: verifySignatures ? bundle?.anchors : nil)
            return try auditor.audit(source, savedCheckpoint: savedCheckpoint, progress: progress)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .archive("\(error)")
        }
    }
}

/// One archive entry as `seal log entries` lists it.
public struct LogEntryInfo: Codable, Sendable {
    public let index: Int
    public let kind: String
    public let leafHash: String
    public let committedAt: Date
    public let signer: String?
    public let timeStamped: Date?
    /// The entry's canonical bytes, base64.
    public let entry: String
}

extension SealService {
    /// Entries [from, from + count) with what they say.
    public func logEntries(from: Int, count: Int) throws(ServiceError) -> [LogEntryInfo] {
        try withArchive { store in
            try store.entries(from: from, count: count).map { stored in
                var kind = "unknown"
                var signer: String? = nil
                var time: Date? = nil
                switch try? ArchiveEntry(decoding: stored.data) {
                case .seal(let entry)?:
                    kind = "seal"
                    signer = (try? Certificate(der: entry.signerCertificate))?.subject.commonName
                    time = TimestampSummary(token: entry.timeStampToken)?.time
                case .documentRevocation?: kind = "document-revocation"
                case .revocationList?: kind = "crl"
                case nil: break
                }
                return LogEntryInfo(index: stored.index, kind: kind, leafHash: Data(stored.leafHash).base64EncodedString(),
                                    committedAt: stored.committedAt, signer: signer, timeStamped: time,
                                    entry: Data(stored.data).base64EncodedString())
            }
        }
    }

    /// The receipt a seal file carries.
    public static func receipt(of seal: SealSignature) throws(ServiceError) -> Receipt {
        guard let der = seal.unsignedAttribute(SealOID.archiveReceipt) else {
            throw .archive("the seal carries no archive receipt (refresh it with --refresh --data DIR)")
        }
        do { return try Receipt(der: der) } catch { throw .archive(error.description) }
    }

    /// A receipt file (beside an SES signature) with a service error.
    public static func receipt(der: [UInt8]) throws(ServiceError) -> ArchiveReceipt {
        do { return try Receipt(der: der) } catch { throw .archive(error.description) }
    }

    /// Each signature of an OFD document with the receipt its folder holds, if any.
    public static func receipts(ofOFD bytes: [UInt8]) throws(ServiceError) -> [DocumentSignatureReceipt] {
        do {
            let document = try OFDDocument(package: try OFDPackage(bytes: bytes))
            return try document.signatures().map { entry throws(OFDError) in
                let description = try OFDSignatureDescription(name: entry.descriptionName, package: document.package)
                let receipt = document.package.contains(description.receiptName)
                    ? try? Receipt(der: try document.package.file(description.receiptName)) : nil
                return DocumentSignatureReceipt(signature: entry.location, receipt: receipt?.json)
            }
        } catch { throw .badDocument(error.description) }
    }

    /// Parses a seal file with a service error.
    public static func sealSignature(_ bytes: [UInt8], path: String) throws(ServiceError) -> SealSignature {
        do { return try SealSignature(der: bytes) } catch { throw .invalidArgument("\(path): \(error)") }
    }
}

/// The archive's receipt type, by a name that does not clash with front ends' own.
public typealias ArchiveReceipt = Receipt

/// One signature's receipt in a document, as `seal receipt DOC.ofd|DOC.pdf` shows it.
public struct DocumentSignatureReceipt: Encodable, Sendable {
    /// The signature: an OFD's Signature.xml location, a PDF's field name.
    public let signature: String
    public let receipt: Receipt.JSONForm?
}
