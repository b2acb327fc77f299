public import Foundation
public import SealCore
public import SealArchive

/// The operations of an authority's data directory, used by the CLI (and later the daemon).
/// Policy lives here: who may seal, with which seal, and when a seal may no longer sign.
public final class SealService: Sendable {
    public let directory: DataDirectory
    public let authority: AuthorityRecord
    let passphrase: Passphrase?
    let clock: @Sendable () -> Date

    /// Opens an existing authority. Keys are loaded only when an operation needs them.
    public init(directory: DataDirectory, passphrase: Passphrase?,
                clock: @escaping @Sendable () -> Date = { Date() }) throws(ServiceError) {
        guard directory.exists else { throw .noAuthority(directory.url.path) }
        self.directory = directory
        self.authority = try JSON.decode(AuthorityRecord.self, from: directory.authorityRecord)
        self.passphrase = passphrase
        self.clock = clock
    }

    // MARK: init

    /// Creates a new authority: a self-signed root and a TSA certificate issued by it, built whole
    /// or not at all (`AtomicFile.createDirectory`).
    @discardableResult
    public static func initialize(directory: DataDirectory, name: String, algorithm: SignatureAlgorithm,
                                  passphrase: Passphrase?, origin: String? = nil,
                                  clock: @Sendable () -> Date = { Date() }) throws(ServiceError) -> AuthorityRecord {
        let target = directory.url
        let manager = FileManager.default
        if directory.exists { throw .authorityExists(target.path) }
        if manager.fileExists(atPath: target.path) {
            let contents = (try? manager.contentsOfDirectory(atPath: target.path)) ?? ["?"]
            guard contents.isEmpty else { throw .directoryNotEmpty(target.path) }
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalidArgument("the authority name is empty") }

        let now = clock()
        let origin = origin ?? defaultOrigin(for: name)
        guard SignedNote.isValidName(origin) else {
            throw .invalidArgument("invalid log origin '\(origin)': no spaces or '+' allowed")
        }
        let logKey: Ed25519PrivateKey
        let logSigner: NoteSigner
        do {
            logKey = try Ed25519PrivateKey.generate()
            logSigner = try NoteSigner(name: origin, key: logKey)
        } catch { throw .crypto("\(error)") }
        let record = AuthorityRecord(name: name, algorithm: algorithm, createdAt: now, keysEncrypted: passphrase != nil,
                                     logOrigin: origin, logVerifierKey: logSigner.verifierKey.description)
        try AtomicFile.createDirectory(target, occupied: .directoryNotEmpty(target.path)) { folder in
            let staging = DataDirectory(folder)
            let rootKey = try PrivateKey.generate(algorithm)
            let root = try Certificate.issue(.root(name: name, from: now.addingTimeInterval(-300)),
                                             for: rootKey, issuer: nil, issuerKey: rootKey)
            let tsaKey = try PrivateKey.generate(algorithm)
            let tsa = try Certificate.issue(.timeStampAuthority(authority: name, from: now.addingTimeInterval(-300)),
                                            for: tsaKey, issuer: root, issuerKey: rootKey)
            try AtomicFile.makeDirectory(staging.authorityFolder)
            try AtomicFile.makeDirectory(staging.sealsFolder)
            try AtomicFile.write(Array(root.pem.utf8), to: staging.rootCertificate)
            try AtomicFile.write(try rootKey.pem(passphrase: passphrase), to: staging.rootKey, mode: 0o600)
            try AtomicFile.write(Array(tsa.pem.utf8), to: staging.tsaCertificate)
            try AtomicFile.write(try tsaKey.pem(passphrase: passphrase), to: staging.tsaKey, mode: 0o600)
            try AtomicFile.write(try logKey.pem(passphrase: passphrase), to: staging.logKey, mode: 0o600)
            // The archive starts with a signed checkpoint of the empty tree.
            _ = try ArchiveStore(url: staging.archive).append([], signer: logSigner, now: now)
            chmod(staging.archive.path, 0o600)
            try AtomicFile.write(try JSON.encode(record), to: staging.authorityRecord)
        }
        return record
    }

    /// `seal.local/<name as a slug>-<random>`: unique per authority, valid as a key name.
    static func defaultOrigin(for name: String) -> String {
        let slug = String(name.lowercased().map { $0.isLetter && $0.isASCII || $0.isNumber ? $0 : "-" })
            .split(separator: "-").joined(separator: "-")
        return "seal.local/\(slug.isEmpty ? "authority" : slug)-\(secureRandomBytes(4).hex)"
    }

    // MARK: keys

    func loadKey(_ url: URL) throws(ServiceError) -> PrivateKey {
        if authority.keysEncrypted && passphrase == nil { throw .passphraseRequired }
        let pem = try AtomicFile.read(url)
        do { return try PrivateKey(pem: pem, passphrase: passphrase) } catch {
            throw .keyUnreadable(url.path, error.description)
        }
    }

    func loadCertificate(_ url: URL) throws(ServiceError) -> Certificate {
        let pem = try AtomicFile.read(url)
        guard let certificate = try? Certificate.all(fromPEM: pem).first else { throw .io("\(url.path) is not a PEM certificate") }
        return certificate
    }

    public func rootCertificate() throws(ServiceError) -> Certificate { try loadCertificate(directory.rootCertificate) }

    func timeStampAuthority() throws(ServiceError) -> TimeStampAuthority {
        let certificate = try loadCertificate(directory.tsaCertificate)
        let key = try loadKey(directory.tsaKey)
        do { return try TimeStampAuthority(certificate: certificate, key: key, clock: clock) } catch {
            throw .crypto(error.description)
        }
    }

    // MARK: enroll

    /// Issues a seal (key + certificate) to a department.
    @discardableResult
    public func enroll(name rawName: String, department: String, organizationIdentifier: String?,
                       algorithm: SignatureAlgorithm?, days: Int) throws(ServiceError) -> SealInfo {
        let name = try SealName(rawName)
        try Self.checkNameField(department, "the department name")
        if let organizationIdentifier { try Self.checkNameField(organizationIdentifier, "the organization identifier") }
        guard (1...3650).contains(days) else { throw .invalidArgument("--days must be between 1 and 3650") }
        let folder = directory.sealFolder(name)
        if FileManager.default.fileExists(atPath: folder.path) { throw .sealExists(name.value) }
        let rootKey = try loadKey(directory.rootKey)
        let root = try rootCertificate()
        let algorithm = algorithm ?? authority.algorithm
        let now = clock()
        let record = SealRecord(name: name.value, department: department,
                                organizationIdentifier: organizationIdentifier, algorithm: algorithm, createdAt: now)

        var issued: Certificate? = nil
        try AtomicFile.createDirectory(folder, occupied: .sealExists(name.value)) { staging in
            let key = try PrivateKey.generate(algorithm)
            let certificate = try Certificate.issue(
                .departmentSeal(department: department, organizationIdentifier: organizationIdentifier,
                                authority: authority.name, from: now.addingTimeInterval(-300), days: days),
                for: key, issuer: root, issuerKey: rootKey)
            try AtomicFile.write(Array(certificate.pem.utf8), to: staging.appendingPathComponent("certificate.pem"))
            try AtomicFile.write(try key.pem(passphrase: passphrase), to: staging.appendingPathComponent("key.pem"), mode: 0o600)
            try AtomicFile.write(try JSON.encode(record), to: staging.appendingPathComponent("seal.json"))
            issued = certificate
        }
        guard let certificate = issued else { throw .io("enrolment produced no certificate") }
        return SealInfo(record: record, certificate: certificate, now: now)
    }

    /// A value for a certificate subject field: not blank, no control characters (a NUL in a
    /// subject is a classic way to make a name read differently), at most 64 characters (X.520).
    static func checkNameField(_ value: String, _ what: String) throws(ServiceError) {
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalidArgument("\(what) is empty") }
        guard value.count <= 64 else { throw .invalidArgument("\(what) is longer than 64 characters") }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidArgument("\(what) contains control characters")
        }
    }

    // MARK: seals

    /// Every enrolled seal, by name.
    public func seals() throws(ServiceError) -> [SealInfo] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.sealsFolder.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        let now = clock()
        let crl = try latestRevocationList()?.crl
        var result: [SealInfo] = []
        for raw in names {
            guard let name = try? SealName(raw) else { continue }
            var info = try info(name, now: now)
            if let entry = crl?.entry(for: info.certificate) { info.status = .revoked(entry) }
            result.append(info)
        }
        return result
    }

    func info(_ name: SealName, now: Date) throws(ServiceError) -> SealInfo {
        guard FileManager.default.fileExists(atPath: directory.sealRecord(name).path) else { throw .unknownSeal(name.value) }
        let record = try JSON.decode(SealRecord.self, from: directory.sealRecord(name))
        return SealInfo(record: record, certificate: try loadCertificate(directory.sealCertificate(name)), now: now)
    }

    // MARK: sign

    /// A signer for seal `name`, refusing a seal that is not currently valid.
    public func signer(for rawName: String) throws(ServiceError) -> SealSigner {
        let name = try SealName(rawName)
        let info = try info(name, now: clock())
        guard info.status == .active else { throw .sealNotUsable(name.value, info.statusDetail) }
        if let revoked = try isRevoked(info.certificate) {
            throw .sealNotUsable(name.value, "it was revoked (\(revoked.reason)) on \(revoked.revocationDate.rfc3339)")
        }
        let key = try loadKey(directory.sealKey(name))
        do {
            return try SealSigner(certificate: info.certificate, key: key, timeStampAuthority: try timeStampAuthority(), clock: clock)
        } catch let error as SealSigner.SetupError {
            throw .crypto(error.description)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .crypto("\(error)")
        }
    }

    /// Seals documents with `signer` and archives them in one batch (one transaction, one new
    /// checkpoint); each returned seal carries its receipt. A seal is returned only once it is
    /// durably archived.
    public func seal(_ documents: [[UInt8]], with signer: SealSigner) throws(ServiceError) -> [SealSignature] {
        var sealed: [SealSignature] = []
        for der in try sealDER(documents, with: signer) { sealed.append(try Self.sealSignature(der, path: "a new seal")) }
        return sealed
    }

    /// `seal(_:with:)` as bytes, never parsed: what the CLI writes and the daemon returns.
    public func sealDER(_ documents: [[UInt8]], with signer: SealSigner) throws(ServiceError) -> [[UInt8]] {
        try sealDER(documents, with: signer, through: archiveWriter())
    }

    /// `sealDER(_:with:)` through an archive writer the caller keeps open across batches, as a
    /// long-running process does: the store stays open and the log key decrypted.
    public func sealDER(_ documents: [[UInt8]], with signer: SealSigner, through writer: ArchiveWriter) throws(ServiceError) -> [[UInt8]] {
        var items: [Archive.Item] = []
        for document in documents { items.append(try prepareSeal(digest: signer.documentDigestAlgorithm.hash(document), with: signer)) }
        let committed = try writer.commit(items.map { .seal($0) })
        var sealed: [[UInt8]] = []
        for (item, result) in zip(items, committed) { sealed.append(try attachReceipt(result, to: item)) }
        return sealed
    }

    /// Seals a document given by its digest (`signer.documentDigestAlgorithm`), ready to archive.
    public func prepareSeal(digest: [UInt8], with signer: SealSigner) throws(ServiceError) -> Archive.Item {
        guard digest.count == signer.documentDigestAlgorithm.byteCount else {
            throw .invalidArgument("a \(signer.documentDigestAlgorithm.rawValue) digest has \(signer.documentDigestAlgorithm.byteCount) bytes, not \(digest.count)")
        }
        do { return Archive.Item(sealed: try signer.sealed(digest: digest), documentDigest: digest) } catch { throw ServiceError(error) }
    }

    /// Archives a batch in one transaction under one new checkpoint. Returns once the batch is
    /// durable, each item answered in order.
    public func commit(_ pending: [Archive.Pending]) throws(ServiceError) -> [Archive.Committed] {
        try archiveWriter().commit(pending)
    }

    /// The archive held open for writing with the log key loaded, for a long-running writer
    /// (the daemon's group commit): opening the store and decrypting the key once, not per batch.
    public func archiveWriter() throws(ServiceError) -> ArchiveWriter {
        ArchiveWriter(archive: try archive(), signer: try logSigner(), clock: clock)
    }

    /// The archived seal's DER: `item`'s seal with the receipt its batch produced embedded.
    public func attachReceipt(_ committed: Archive.Committed, to item: Archive.Item) throws(ServiceError) -> [UInt8] {
        guard case .receipt(let receipt) = committed else { throw .archive("the archive answered a seal without a receipt") }
        do { return try SealSignature.der(item.sealed.der, settingUnsignedAttribute: SealOID.archiveReceipt, to: receipt.der) } catch {
            throw .crypto(error.description)
        }
    }

    // MARK: trust and verification

    /// The trust bundle third parties use to verify offline.
    public func trustBundle() throws(ServiceError) -> TrustBundle {
        TrustBundle(roots: [try rootCertificate()], logKeys: [authority.logVerifierKey])
    }

    /// Verifies online: against this authority's own root and log key, looking the seal up in
    /// the archive when it carries no receipt.
    public func verify(seal: [UInt8], document: [UInt8], revocationLists: [RevocationList] = [],
                       statusList: DocumentStatusList? = nil) throws(ServiceError) -> VerificationReport {
        let archive = try archiveStore()
        // Online, the authority's own newest CRL is complete as of now, unless CRLs were given.
        let online = revocationLists.isEmpty
        let crls = online ? (try latestRevocationList()).map { [$0.crl] } ?? [] : revocationLists
        return try Self.verify(seal: seal, document: document, trust: trustBundle(), revocationLists: crls,
                               revocationListsAreCurrent: online, statusList: statusList, lookup: Archive(store: archive), clock: clock)
    }

    /// Verifies offline against a trust bundle (and, when given, an archive to look seals up in).
    public static func verify(seal: [UInt8], document: [UInt8], trust: TrustBundle,
                              revocationLists: [RevocationList] = [], revocationListsAreCurrent: Bool = false,
                              statusList: DocumentStatusList? = nil, lookup: (any ArchiveLookup)? = nil,
                              clock: @escaping @Sendable () -> Date = { Date() }) throws(ServiceError) -> VerificationReport {
        try OfflineVerifier(trust: trust, revocationLists: revocationLists, revocationListsAreCurrent: revocationListsAreCurrent,
                            statusList: statusList, lookup: lookup, clock: clock).verify(seal: seal, document: document)
    }

    /// Offline verification prepared once for a trust bundle, for verifying many seals: the
    /// bundle's log keys are parsed once rather than for each seal.
    public struct OfflineVerifier {
        let verifier: SealVerifier
        let archive: ArchiveVerifier

        public init(trust: TrustBundle, revocationLists: [RevocationList] = [], revocationListsAreCurrent: Bool = false,
                    statusList: DocumentStatusList? = nil, lookup: (any ArchiveLookup)? = nil,
                    clock: @escaping @Sendable () -> Date = { Date() }) throws(ServiceError) {
            verifier = SealVerifier(trust: trust.anchors, revocationLists: revocationLists,
                                    revocationListsAreCurrent: revocationListsAreCurrent, clock: clock)
            archive = ArchiveVerifier(logKeys: try logKeys(of: trust), lookup: lookup, statusList: statusList)
        }

        public func verify(seal: [UInt8], document: [UInt8]) -> VerificationReport {
            verifier.verify(seal: seal, document: document) { parsed, report in
                archive.check(parsed, document: document, into: &report)
            }
        }
    }

    /// The trust bundle's log keys, parsed.
    static func logKeys(of trust: TrustBundle) throws(ServiceError) -> [NoteVerifierKey] {
        var keys: [NoteVerifierKey] = []
        for text in trust.logKeys {
            do { keys.append(try NoteVerifierKey(text)) } catch { throw .badTrustBundle(error.description) }
        }
        return keys
    }

    /// Parses trust bundle bytes with a service error (log keys included).
    public static func trustBundle(pem: [UInt8]) throws(ServiceError) -> TrustBundle {
        let bundle: TrustBundle
        do { bundle = try TrustBundle(pem: pem) } catch { throw .badTrustBundle(error.description) }
        _ = try logKeys(of: bundle)
        return bundle
    }

    /// Parses CRL bytes with a service error.
    public static func revocationList(_ bytes: [UInt8]) throws(ServiceError) -> RevocationList {
        do { return try RevocationList(bytes: bytes) } catch { throw .badRevocationList(error.description) }
    }
}

/// A seal as listed by `seal seals`.
public struct SealInfo: Sendable, Codable {
    public enum Status: Encodable, Sendable, Equatable {
        case active
        case expired
        case notYetValid
        case revoked(RevocationEntry)

        public var name: String {
            switch self {
            case .active: "active"
            case .expired: "expired"
            case .notYetValid: "not-yet-valid"
            case .revoked: "revoked"
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }
    }

    public let name: String
    public let department: String
    public let organizationIdentifier: String?
    public let algorithm: SignatureAlgorithm
    public let notBefore: Date
    public let notAfter: Date
    public let serialNumber: String
    public internal(set) var status: Status
    let certificate: Certificate

    init(record: SealRecord, certificate: Certificate, now: Date) {
        name = record.name
        department = record.department
        organizationIdentifier = record.organizationIdentifier
        algorithm = record.algorithm
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        serialNumber = certificate.serialNumber
        self.certificate = certificate
        status = now < certificate.notBefore ? .notYetValid : now > certificate.notAfter ? .expired : .active
    }

    var statusDetail: String {
        switch status {
        case .active: "active"
        case .expired: "its certificate expired on \(notAfter.rfc3339)"
        case .notYetValid: "its certificate is valid only from \(notBefore.rfc3339)"
        case .revoked(let entry): "it was revoked (\(entry.reason)) on \(entry.revocationDate.rfc3339)"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case name, department, organizationIdentifier, algorithm, notBefore, notAfter, serialNumber, status
        case revokedAt, revocationReason, certificate
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(department, forKey: .department)
        try container.encodeIfPresent(organizationIdentifier, forKey: .organizationIdentifier)
        try container.encode(algorithm, forKey: .algorithm)
        try container.encode(notBefore, forKey: .notBefore)
        try container.encode(notAfter, forKey: .notAfter)
        try container.encode(serialNumber, forKey: .serialNumber)
        try container.encode(status, forKey: .status)
        if case .revoked(let entry) = status {
            try container.encode(entry.revocationDate, forKey: .revokedAt)
            try container.encode(entry.reason.rawValue, forKey: .revocationReason)
        }
        try container.encode(certificate.pem, forKey: .certificate)
    }

    /// Reads a seal as the daemon lists it: the certificate is the source of truth.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let pem = try container.decode(String.self, forKey: .certificate)
        guard let certificate = try? Certificate.all(fromPEM: Array(pem.utf8)).first else {
            throw DecodingError.dataCorruptedError(forKey: .certificate, in: container, debugDescription: "not a PEM certificate")
        }
        self.certificate = certificate
        name = try container.decode(String.self, forKey: .name)
        department = try container.decode(String.self, forKey: .department)
        organizationIdentifier = try container.decodeIfPresent(String.self, forKey: .organizationIdentifier)
        algorithm = try container.decode(SignatureAlgorithm.self, forKey: .algorithm)
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        serialNumber = certificate.serialNumber
        switch try container.decode(String.self, forKey: .status) {
        case "active": status = .active
        case "expired": status = .expired
        case "not-yet-valid": status = .notYetValid
        case "revoked":
            let reason = RevocationReason(rawValue: try container.decode(Int.self, forKey: .revocationReason)) ?? .unspecified
            status = .revoked(RevocationEntry(revocationDate: try container.decode(Date.self, forKey: .revokedAt), reason: reason,
                                              invalidityDate: nil))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .status, in: container, debugDescription: "unknown status \(other)")
        }
    }
}

/// Appends batches to the archive (see `SealService.archiveWriter`).
public final class ArchiveWriter: @unchecked Sendable {
    let archive: Archive
    let signer: NoteSigner
    let clock: @Sendable () -> Date

    init(archive: Archive, signer: NoteSigner, clock: @escaping @Sendable () -> Date) {
        self.archive = archive
        self.signer = signer
        self.clock = clock
    }

    /// One transaction, one new checkpoint; durable when it returns.
    public func commit(_ pending: [Archive.Pending]) throws(ServiceError) -> [Archive.Committed] {
        do { return try archive.append(pending, signer: signer, now: clock()) } catch { throw ServiceError(error) }
    }
}
