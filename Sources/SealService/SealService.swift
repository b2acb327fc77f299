public import Foundation
public import SealCore

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
                                  passphrase: Passphrase?, clock: @Sendable () -> Date = { Date() }) throws(ServiceError) -> AuthorityRecord {
        let target = directory.url
        let manager = FileManager.default
        if directory.exists { throw .authorityExists(target.path) }
        if manager.fileExists(atPath: target.path) {
            let contents = (try? manager.contentsOfDirectory(atPath: target.path)) ?? ["?"]
            guard contents.isEmpty else { throw .directoryNotEmpty(target.path) }
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalidArgument("the authority name is empty") }

        let now = clock()
        let record = AuthorityRecord(name: name, algorithm: algorithm, createdAt: now, keysEncrypted: passphrase != nil)
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
            try AtomicFile.write(try JSON.encode(record), to: staging.authorityRecord)
        }
        return record
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
        guard !department.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalidArgument("the department name is empty") }
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

    // MARK: seals

    /// Every enrolled seal, by name.
    public func seals() throws(ServiceError) -> [SealInfo] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.sealsFolder.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        let now = clock()
        var result: [SealInfo] = []
        for raw in names {
            guard let name = try? SealName(raw) else { continue }
            result.append(try info(name, now: now))
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

    /// Seals one document with `signer`.
    public func seal(_ document: [UInt8], with signer: SealSigner) throws(ServiceError) -> SealSignature {
        do { return try signer.seal(document) } catch { throw ServiceError(error) }
    }

    // MARK: trust and verification

    /// The trust bundle third parties use to verify offline.
    public func trustBundle() throws(ServiceError) -> TrustBundle { TrustBundle(roots: [try rootCertificate()]) }

    /// Verifies against this authority's own root.
    public func verify(seal: [UInt8], document: [UInt8], revocationLists: [RevocationList] = []) throws(ServiceError) -> VerificationReport {
        Self.verify(seal: seal, document: document, trust: try trustBundle(), revocationLists: revocationLists, clock: clock)
    }

    /// Verifies offline against a trust bundle.
    public static func verify(seal: [UInt8], document: [UInt8], trust: TrustBundle,
                              revocationLists: [RevocationList] = [],
                              clock: @escaping @Sendable () -> Date = { Date() }) -> VerificationReport {
        SealVerifier(trust: trust.anchors, revocationLists: revocationLists, clock: clock).verify(seal: seal, document: document)
    }

    /// Parses trust bundle bytes with a service error.
    public static func trustBundle(pem: [UInt8]) throws(ServiceError) -> TrustBundle {
        do { return try TrustBundle(pem: pem) } catch { throw .badTrustBundle(error.description) }
    }

    /// Parses CRL bytes with a service error.
    public static func revocationList(_ bytes: [UInt8]) throws(ServiceError) -> RevocationList {
        do { return try RevocationList(bytes: bytes) } catch { throw .badRevocationList(error.description) }
    }
}

/// A seal as listed by `seal seals`.
public struct SealInfo: Sendable, Encodable {
    public enum Status: String, Encodable, Sendable {
        case active
        case expired
        case notYetValid = "not-yet-valid"
    }

    public let name: String
    public let department: String
    public let organizationIdentifier: String?
    public let algorithm: SignatureAlgorithm
    public let notBefore: Date
    public let notAfter: Date
    public let serialNumber: String
    public let status: Status
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
        }
    }

    private enum CodingKeys: String, CodingKey {
        case name, department, organizationIdentifier, algorithm, notBefore, notAfter, serialNumber, status
    }
}
