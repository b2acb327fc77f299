public import Foundation

/// ETSI EN 319 102-1 main status indication.
public enum Indication: String, Codable, Sendable, CaseIterable {
    case totalPassed = "TOTAL-PASSED"
    case totalFailed = "TOTAL-FAILED"
    case indeterminate = "INDETERMINATE"

    /// `seal verify` exit status: 0, 1, 2.
    public var exitCode: Int32 {
        switch self {
        case .totalPassed: 0
        case .totalFailed: 1
        case .indeterminate: 2
        }
    }
}

/// ETSI EN 319 102-1 sub-indications that Seal reports (clause 5.1.3), plus the project's own
/// where no standard one fits (documented in README "Verification verdicts").
public enum SubIndication: String, Codable, Sendable, CaseIterable {
    // TOTAL-FAILED
    case formatFailure = "FORMAT_FAILURE"
    case hashFailure = "HASH_FAILURE"
    case sigCryptoFailure = "SIG_CRYPTO_FAILURE"
    case revoked = "REVOKED"
    case expired = "EXPIRED"
    case notYetValid = "NOT_YET_VALID"
    // INDETERMINATE
    case sigConstraintsFailure = "SIG_CONSTRAINTS_FAILURE"
    case chainConstraintsFailure = "CHAIN_CONSTRAINTS_FAILURE"
    case certificateChainGeneralFailure = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    case cryptoConstraintsFailure = "CRYPTO_CONSTRAINTS_FAILURE"
    case noSigningCertificateFound = "NO_SIGNING_CERTIFICATE_FOUND"
    case noCertificateChainFound = "NO_CERTIFICATE_CHAIN_FOUND"
    case revokedNoPOE = "REVOKED_NO_POE"
    case outOfBoundsNoPOE = "OUT_OF_BOUNDS_NO_POE"
    case tryLater = "TRY_LATER"
    // Project sub-indications (no ETSI one fits the provincial archiving rule):
    /// No proof that the service archived the seal (INDETERMINATE offline; TOTAL-FAILED when the
    /// authority's own archive says it does not hold it).
    case notArchived = "NOT_ARCHIVED"
    /// The receipt is present but does not prove archiving: malformed, for another seal or
    /// document, a wrong inclusion proof, or a checkpoint whose signature fails.
    case archiveProofFailure = "ARCHIVE_PROOF_FAILURE"
    /// A later revision of a PDF changes what the signed revision showed (its pages, content,
    /// annotations or form beyond filling and signing).
    case modifiedAfterSealing = "MODIFIED_AFTER_SEALING"
}

/// One check that verification ran, with its outcome and the reason in words. Checks are values:
/// the report's indication is derived from them, never set separately.
public struct VerificationCheck: Codable, Sendable, Equatable {
    public enum Name: String, Codable, Sendable, CaseIterable {
        case format
        case signedAttributes = "signed-attributes"
        case signingCertificate = "signing-certificate"
        case messageDigest = "message-digest"
        case signature
        case timestampImprint = "timestamp-imprint"
        case timestampChain = "timestamp-chain"
        case timestampSignature = "timestamp-signature"
        case certificateChain = "certificate-chain"
        case keyUsage = "key-usage"
        case revocation
        case archive
        case documentRevocation = "document-revocation"
        // GB/T 38540 seals: the seal object the signature carries.
        case sealSignature = "seal-signature"
        case sealCertificate = "seal-certificate"
        case sealValidity = "seal-validity"
        /// An OFD signature's References: every file it protects, hashed again.
        case references
        /// A PDF signature's /ByteRange: everything but its own /Contents, to a revision's end.
        case byteRange = "byte-range"
        /// A PDF's revisions after the signed one: only changes that leave what it shows alone.
        case changesAfterSigning = "changes-after-signing"
    }

    public enum Outcome: String, Codable, Sendable {
        case passed, failed, skipped
    }

    public let name: Name
    public let outcome: Outcome
    public let indication: Indication?
    public let subIndication: SubIndication?
    public let detail: String

    public static func passed(_ name: Name, _ detail: String) -> VerificationCheck {
        VerificationCheck(name: name, outcome: .passed, indication: nil, subIndication: nil, detail: detail)
    }

    public static func skipped(_ name: Name, _ detail: String) -> VerificationCheck {
        VerificationCheck(name: name, outcome: .skipped, indication: nil, subIndication: nil, detail: detail)
    }

    public static func failed(_ name: Name, _ indication: Indication, _ subIndication: SubIndication,
                              _ detail: String) -> VerificationCheck {
        VerificationCheck(name: name, outcome: .failed, indication: indication, subIndication: subIndication, detail: detail)
    }
}

/// Who sealed, as the signer certificate says.
public struct SignerSummary: Codable, Sendable, Equatable {
    public let department: String?
    public let organization: String?
    public let organizationIdentifier: String?
    public let certificateSerial: String
    public let certificateSHA256: String
    public let notBefore: Date
    public let notAfter: Date

    init(_ certificate: Certificate) {
        let subject = certificate.subject
        department = subject.commonName
        organization = subject.organization
        organizationIdentifier = subject.organizationIdentifier
        certificateSerial = certificate.serialNumber
        certificateSHA256 = certificate.fingerprint
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
    }
}

/// The signature time-stamp (CAdES-T), as read from the token.
public struct TimestampSummary: Codable, Sendable, Equatable {
    public let time: Date
    public let authority: String?
    public let serialNumber: String
    public let policy: String
}

/// What revocation information said, and how fresh it was.
public struct RevocationSummary: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case notChecked = "not-checked"
        case good
        case revoked
        case revokedAfterSealing = "revoked-after-sealing"
        case stale
    }
    public var status: Status
    public var source: String?
    public var thisUpdate: Date?
    public var nextUpdate: Date?
    public var reason: String?
    public var revokedAt: Date?
    public var invalidSince: Date?
    /// Whether the sealed document itself was withdrawn (status list or online archive).
    public var document: DocumentRevocationSummary?

    public static let notChecked = RevocationSummary(status: .notChecked)

    public init(status: Status, source: String? = nil, thisUpdate: Date? = nil, nextUpdate: Date? = nil,
                reason: String? = nil, revokedAt: Date? = nil, invalidSince: Date? = nil) {
        self.status = status
        self.source = source
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.reason = reason
        self.revokedAt = revokedAt
        self.invalidSince = invalidSince
    }
}

/// Whether the sealed document was revoked, by whom it was replaced, and how fresh that is.
public struct DocumentRevocationSummary: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case notRevoked = "not-revoked"
        case revoked
        case stale
    }
    public var status: Status
    /// "status-list" (offline) or "archive" (online).
    public var source: String
    public var reason: String?
    public var revokedAt: Date?
    /// Archive index of the document that replaces this one.
    public var replacedBy: Int?
    public var issued: Date?
    public var nextUpdate: Date?

    public init(status: Status, source: String, reason: String? = nil, revokedAt: Date? = nil, replacedBy: Int? = nil,
                issued: Date? = nil, nextUpdate: Date? = nil) {
        self.status = status
        self.source = source
        self.reason = reason
        self.revokedAt = revokedAt
        self.replacedBy = replacedBy
        self.issued = issued
        self.nextUpdate = nextUpdate
    }
}

/// Whether the seal was shown to be archived, and where.
public struct ArchiveSummary: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case notChecked = "not-checked"
        case archived
        case notArchived = "not-archived"
        case invalidReceipt = "invalid-receipt"
    }
    public var status: Status
    /// The log's origin line.
    public var log: String?
    public var index: Int?
    public var treeSize: Int?
    /// Where the proof came from: the seal's embedded receipt, or an online archive lookup.
    public var source: String?

    public static let notChecked = ArchiveSummary(status: .notChecked)

    public init(status: Status, log: String? = nil, index: Int? = nil, treeSize: Int? = nil, source: String? = nil) {
        self.status = status
        self.log = log
        self.index = index
        self.treeSize = treeSize
        self.source = source
    }
}

/// The outcome of verifying one seal: every check with its result, and the indication they imply.
public struct VerificationReport: Sendable, Equatable {
    public internal(set) var checks: [VerificationCheck] = []
    public internal(set) var signer: SignerSummary?
    public internal(set) var signingTime: Date?
    public internal(set) var timestamp: TimestampSummary?
    public var revocation: RevocationSummary = .notChecked
    public var archive: ArchiveSummary = .notChecked
    public let validationTime: Date

    public init(validationTime: Date) { self.validationTime = validationTime }

    /// The check that decides the verdict: the first TOTAL-FAILED one, else the first INDETERMINATE.
    public var decidingCheck: VerificationCheck? {
        checks.first { $0.indication == .totalFailed } ?? checks.first { $0.indication == .indeterminate }
    }

    public var indication: Indication { decidingCheck?.indication ?? .totalPassed }
    public var subIndication: SubIndication? { decidingCheck?.subIndication }

    public mutating func append(_ check: VerificationCheck) { checks.append(check) }

    /// One line for people: the verdict, who sealed and when, or what went wrong.
    public var summary: String {
        let who = signer.map { signer in
            [signer.department, signer.organizationIdentifier.map { "org \($0)" }].compactMap { $0 }.joined(separator: ", ")
        }
        guard let failure = decidingCheck else {
            let when = timestamp.map { "time-stamped \($0.time.rfc3339)" }
                ?? signingTime.map { "claimed signing time \($0.rfc3339), not time-stamped" } ?? "no signing time"
            let archived = archive.status == .archived ? ", archived as entry \(archive.index ?? 0) of \(archive.log ?? "the log")" : ""
            return "TOTAL-PASSED: sealed by \(who ?? "unknown signer"), \(when)\(archived)"
        }
        let sub = failure.subIndication.map { "/\($0.rawValue)" } ?? ""
        let by = who.map { " (seal of \($0))" } ?? ""
        return "\(failure.indication?.rawValue ?? "")\(sub): \(failure.detail)\(by)"
    }
}

extension VerificationReport: Codable {
    private enum CodingKeys: String, CodingKey {
        case indication, subIndication, summary, signer, signingTime, timestamp, archive, revocation, validationTime, checks
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(indication, forKey: .indication)
        try container.encode(subIndication, forKey: .subIndication)
        try container.encode(summary, forKey: .summary)
        try container.encode(signer, forKey: .signer)
        try container.encode(signingTime, forKey: .signingTime)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(archive, forKey: .archive)
        try container.encode(revocation, forKey: .revocation)
        try container.encode(validationTime, forKey: .validationTime)
        try container.encode(checks, forKey: .checks)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        validationTime = try container.decode(Date.self, forKey: .validationTime)
        checks = try container.decode([VerificationCheck].self, forKey: .checks)
        signer = try container.decodeIfPresent(SignerSummary.self, forKey: .signer)
        signingTime = try container.decodeIfPresent(Date.self, forKey: .signingTime)
        timestamp = try container.decodeIfPresent(TimestampSummary.self, forKey: .timestamp)
        revocation = try container.decode(RevocationSummary.self, forKey: .revocation)
        archive = try container.decode(ArchiveSummary.self, forKey: .archive)
    }
}

/// The verdict on a document that carries several signatures (an OFD): one report per signature,
/// and the worst of them for the document (TOTAL-FAILED, then INDETERMINATE).
public struct DocumentVerificationReport: Codable, Sendable, Equatable {
    public struct Signature: Codable, Sendable, Equatable {
        /// The signature's ID in the document's signature list.
        public let id: String
        /// Its Signature.xml location as the list gives it.
        public let location: String
        public let report: VerificationReport
        /// A PDF signature's PAdES baseline level (B-B, B-T, B-LT, B-LTA), or "document
        /// time-stamp"; nil for other formats.
        public let level: String?

        public init(id: String, location: String, report: VerificationReport, level: String? = nil) {
            self.id = id
            self.location = location
            self.report = report
            self.level = level
        }
    }

    public let signatures: [Signature]
    /// Why the document itself could not be read, when it could not.
    public let failure: VerificationCheck?

    public init(signatures: [Signature], failure: VerificationCheck? = nil) {
        self.signatures = signatures
        self.failure = failure
    }

    /// The deciding signature report: the first TOTAL-FAILED, else the first INDETERMINATE.
    var deciding: VerificationReport? {
        signatures.first { $0.report.indication == .totalFailed }?.report ?? signatures.first { $0.report.indication == .indeterminate }?.report
    }

    public var indication: Indication {
        if let failure { return failure.indication ?? .totalFailed }
        guard !signatures.isEmpty else { return .indeterminate }
        return deciding?.indication ?? .totalPassed
    }

    public var subIndication: SubIndication? {
        if let failure { return failure.subIndication }
        guard !signatures.isEmpty else { return .noSigningCertificateFound }
        return deciding?.subIndication
    }

    public var summary: String {
        if let failure { return "\(indication.rawValue)/\(failure.subIndication?.rawValue ?? ""): \(failure.detail)" }
        guard !signatures.isEmpty else { return "INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND: the document carries no signature" }
        let counts = Indication.allCases.compactMap { indication -> String? in
            let count = signatures.filter { $0.report.indication == indication }.count
            return count == 0 ? nil : "\(count) \(indication.rawValue)"
        }
        return "\(indication.rawValue): \(signatures.count) signature\(signatures.count == 1 ? "" : "s") (\(counts.joined(separator: ", ")))"
    }

    private enum CodingKeys: String, CodingKey {
        case indication, subIndication, summary, failure, signatures
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(indication, forKey: .indication)
        try container.encode(subIndication, forKey: .subIndication)
        try container.encode(summary, forKey: .summary)
        try container.encodeIfPresent(failure, forKey: .failure)
        try container.encode(signatures, forKey: .signatures)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        signatures = try container.decode([Signature].self, forKey: .signatures)
        failure = try container.decodeIfPresent(VerificationCheck.self, forKey: .failure)
    }
}
