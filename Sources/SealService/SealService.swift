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
    /// The threads, the archive writer, the read connections and the signers kept open.
    let runtime: ServiceRuntime

    /// Opens an existing authority. Keys are loaded only when an operation needs them.
    public init(directory: DataDirectory, passphrase: Passphrase?, clock: @escaping @Sendable () -> Date = { Date() },
                configuration: ServiceConfiguration = .init()) throws(ServiceError) {
        guard directory.exists else { throw .noAuthority(directory.url.path) }
        self.directory = directory
        self.authority = try JSON.decode(AuthorityRecord.self, from: directory.authorityRecord)
        self.passphrase = passphrase
        self.clock = clock
        runtime = ServiceRuntime(configuration: configuration, directory: directory)
    }

    /// Runs blocking `body` (file and archive reads, key derivation) on the service's threads,
    /// for async callers such as the daemon's request handlers.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws(ServiceError) -> T) async throws(ServiceError) -> T {
        try await runtime.run(body)
    }

    /// Runs blocking `body` on threads the kernel schedules after every other thread of the
    /// process (nice 19): work that must never slow sealing down, such as the public page's
    /// verifications, which then use only the CPU that sealing leaves.
    public func runInBackground<T: Sendable>(_ body: @escaping @Sendable () throws(ServiceError) -> T) async throws(ServiceError) -> T {
        try await runtime.run(on: runtime.backgroundThreads()) { () throws(ServiceError) -> T in
            ServiceRuntime.lowerThisThread()
            return try body()
        }
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
                       algorithm: SignatureAlgorithm?, days: Int, appearance: SealAppearance = SealAppearance(),
                       by caller: Caller) throws(ServiceError) -> SealInfo {
        try authorize(caller, .administer)
        let name = try SealName(rawName)
        try Self.checkNameField(department, "the department name")
        if let organizationIdentifier { try Self.checkNameField(organizationIdentifier, "the organization identifier") }
        guard (1...3650).contains(days) else { throw .invalidArgument("--days must be between 1 and 3650") }
        let folder = directory.sealFolder(name)
        if FileManager.default.fileExists(atPath: folder.path) { throw .sealExists(name.value) }
        let rootKey = try loadKey(directory.rootKey)
        let root = try rootCertificate()
        let algorithm = algorithm ?? authority.algorithm
        // The authority makes an SM2 seal's GB/T 38540 seal object with its own SM2 key.
        if algorithm == .sm2 && authority.algorithm != .sm2 {
            throw .invalidArgument("an SM2 seal needs an SM2 authority (seal init --algorithm sm2): the authority signs its GB/T 38540 seal object")
        }
        let picture = try appearance.picture(name: department)
        let now = clock()
        let record = SealRecord(name: name.value, department: department,
                                organizationIdentifier: organizationIdentifier, algorithm: algorithm, createdAt: now,
                                pictureSize: algorithm == .sm2 ? nil : [picture.widthMillimetres, picture.heightMillimetres])

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
            if algorithm != .sm2 {
                let file = directory.sealPicture(name, type: picture.type == "JPG" ? "jpg" : "png").lastPathComponent
                try AtomicFile.write(picture.data, to: staging.appendingPathComponent(file))
            } else {
                let making = ElectronicSeal.Making(identifier: UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
                                                   name: department, certificates: [certificate], createDate: now,
                                                   validStart: certificate.notBefore, validEnd: certificate.notAfter, picture: picture)
                let seal: ElectronicSeal
                do { seal = try ElectronicSeal.make(making, maker: root, makerKey: rootKey) } catch { throw ServiceError.crypto("\(error)") }
                try AtomicFile.write(seal.der, to: staging.appendingPathComponent("seal.esl"))
            }
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
}

extension SealService {
    /// Whether sealing calls are arriving now (one started in the last quarter second): the
    /// verification page then uses only half the service's threads.
    public var isSealing: Bool { runtime.sealingRecently() }

    /// Why the archive refuses to sign, once a commit found its log going back in time or forked.
    public var archiveHalted: String? { runtime.haltedReason }
}
