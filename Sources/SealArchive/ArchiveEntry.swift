public import Foundation
public import SealCore

/// An archive entry in its canonical, versioned encoding (big-endian, length-prefixed, like
/// RFC 8446 §3). The leaf hash is SHA-256(0x00 ‖ encoding). Personal data never enters an entry:
/// the document appears only as a salted commitment, and the seal's signature only as its hash
/// (a signature value plus the public key would let anyone confirm a guessed document).
///
///     entry        = version:u8 (1) ‖ kind:u8 ‖ body
///     seal body    = digestAlgorithm:u8 ‖ documentCommitment[32] ‖ signatureHash[32]
///                    ‖ signerCertificate<u16> ‖ timeStampToken<u32>
///     document revocation body = see `DocumentRevocation`
///     CRL body     = crl<u32>  (a DER X.509 CRL the authority issued)
///     commitment   = SHA-256("seal/document-commitment/v1" ‖ 0x00 ‖ salt[32] ‖ documentDigest)
///     signatureHash = SHA-256(signature value)   (equal to the time-stamp's message imprint)
public enum ArchiveEntry: Sendable, Equatable {
    case seal(SealEntry)
    case documentRevocation(DocumentRevocation)
    case revocationList(IssuedRevocationList)

    public static let version: UInt8 = 1

    public enum Kind: UInt8, Sendable, Codable {
        case seal = 1
        case documentRevocation = 2
        case revocationList = 3
    }

    public var kind: Kind {
        switch self {
        case .seal: .seal
        case .documentRevocation: .documentRevocation
        case .revocationList: .revocationList
        }
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        writer.u8(kind.rawValue)
        switch self {
        case .seal(let entry): entry.encode(into: &writer)
        case .documentRevocation(let entry): entry.encode(into: &writer)
        case .revocationList(let entry): writer.u32Prefixed(entry.crl)
        }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(ArchiveError) {
        var reader = ByteReader(bytes)
        guard let version = reader.u8(), version == Self.version else { throw .damaged("unknown entry version") }
        guard let raw = reader.u8(), let kind = Kind(rawValue: raw) else { throw .damaged("unknown entry kind") }
        switch kind {
        case .seal: self = .seal(try SealEntry(reading: &reader))
        case .documentRevocation: self = .documentRevocation(try DocumentRevocation(reading: &reader))
        case .revocationList:
            guard let crl = reader.u32Prefixed() else { throw .damaged("truncated CRL entry") }
            self = .revocationList(IssuedRevocationList(crl: crl))
        }
        guard reader.isAtEnd else { throw .damaged("trailing bytes after an entry") }
    }
}

/// The archived form of one seal.
public struct SealEntry: Sendable, Equatable {
    public let digestAlgorithm: DigestAlgorithm
    public let documentCommitment: [UInt8]
    public let signatureHash: [UInt8]
    public let signerCertificate: [UInt8]
    public let timeStampToken: [UInt8]

    public static let commitmentDomain = Array("seal/document-commitment/v1".utf8) + [0]
    public static let saltSize = 32

    public init(digestAlgorithm: DigestAlgorithm, documentCommitment: [UInt8], signatureHash: [UInt8],
                signerCertificate: [UInt8], timeStampToken: [UInt8]) {
        self.digestAlgorithm = digestAlgorithm
        self.documentCommitment = documentCommitment
        self.signatureHash = signatureHash
        self.signerCertificate = signerCertificate
        self.timeStampToken = timeStampToken
    }

    /// The entry for `seal` over a document whose digest (with the seal's digest algorithm) is
    /// `documentDigest`. Sealing and verification both build entries here, so they agree.
    public init(seal: SealSignature, documentDigest: [UInt8], salt: [UInt8]) throws(ArchiveError) {
        let sealed: SealSigner.Sealed
        do { sealed = try SealSigner.Sealed(seal) } catch { throw .invalidArgument("\(error)") }
        try self.init(sealed: sealed, documentDigest: documentDigest, salt: salt)
    }

    /// The same entry from a new seal's fields, without parsing the seal.
    public init(sealed: SealSigner.Sealed, documentDigest: [UInt8], salt: [UInt8]) throws(ArchiveError) {
        guard let token = sealed.timeStampToken else { throw .invalidArgument("the seal has no time-stamp") }
        guard salt.count == Self.saltSize, documentDigest.count == sealed.digestAlgorithm.byteCount else {
            throw .invalidArgument("bad salt or document digest length")
        }
        self.init(digestAlgorithm: sealed.digestAlgorithm,
                  documentCommitment: Self.commitment(salt: salt, documentDigest: documentDigest),
                  signatureHash: DigestAlgorithm.sha256.hash(sealed.signatureValue),
                  signerCertificate: sealed.signerCertificate, timeStampToken: token)
    }

    public static func commitment(salt: [UInt8], documentDigest: [UInt8]) -> [UInt8] {
        DigestAlgorithm.sha256.hash(commitmentDomain + salt + documentDigest)
    }

    func encode(into writer: inout ByteWriter) {
        writer.u8(Self.code(of: digestAlgorithm))
        writer.raw(documentCommitment)
        writer.raw(signatureHash)
        writer.u16Prefixed(signerCertificate)
        writer.u32Prefixed(timeStampToken)
    }

    init(reading reader: inout ByteReader) throws(ArchiveError) {
        guard let code = reader.u8(), let algorithm = Self.algorithm(code: code),
              let commitment = reader.raw(32), let signatureHash = reader.raw(32),
              let certificate = reader.u16Prefixed(), let token = reader.u32Prefixed() else {
            throw .damaged("truncated seal entry")
        }
        self.init(digestAlgorithm: algorithm, documentCommitment: commitment, signatureHash: signatureHash,
                  signerCertificate: certificate, timeStampToken: token)
    }

    static func code(of algorithm: DigestAlgorithm) -> UInt8 {
        switch algorithm {
        case .sha256: 1
        case .sha384: 2
        case .sha512: 3
        case .sm3: 4
        }
    }

    static func algorithm(code: UInt8) -> DigestAlgorithm? {
        switch code {
        case 1: .sha256
        case 2: .sha384
        case 3: .sha512
        case 4: .sm3
        default: nil
        }
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }
    mutating func u16Prefixed(_ value: [UInt8]) {
        precondition(value.count <= 0xFFFF)
        bytes.append(contentsOf: [UInt8(value.count >> 8), UInt8(value.count & 0xFF)])
        bytes.append(contentsOf: value)
    }
    mutating func u32Prefixed(_ value: [UInt8]) {
        let count = UInt32(value.count)
        bytes.append(contentsOf: [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)])
        bytes.append(contentsOf: value)
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var isAtEnd: Bool { offset == bytes.count }
    mutating func u8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func raw(_ count: Int) -> [UInt8]? {
        guard count >= 0, bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }
    mutating func u16Prefixed() -> [UInt8]? {
        guard let length = raw(2) else { return nil }
        return raw(Int(length[0]) << 8 | Int(length[1]))
    }
    mutating func u32Prefixed() -> [UInt8]? {
        guard let length = raw(4) else { return nil }
        return raw(length.reduce(0) { $0 << 8 | Int($1) })
    }
}

/// A CRL the authority issued, archived so that the CRL history is part of the log.
public struct IssuedRevocationList: Sendable, Equatable {
    public let crl: [UInt8]
    public init(crl: [UInt8]) { self.crl = crl }
}

/// The withdrawal of a sealed document, signed by the department that sealed it or by the
/// authority. The free-text note is kept out of the entry (it may name a person).
///
///     body = target:u64 ‖ targetLeafHash[32] ‖ reason:u8 ‖ revokedAt:u64 (ms)
///            ‖ hasReplacement:u8 ‖ [replacement:u64 ‖ replacementLeafHash[32]]
///            ‖ revokerCertificate<u16> ‖ signature<u16>
///     signature over "seal/document-revocation/v1" ‖ 0x00 ‖ body-without-signature
public struct DocumentRevocation: Sendable, Equatable {
    /// The target field of a revocation entry's encoding (bytes 3 to 10, after the version and
    /// kind): what both stores search the log itself for, beside their revocation index.
    public static func targetField(of target: Int) -> [UInt8] {
        var field = ByteWriter()
        field.u64(UInt64(target))
        return field.bytes
    }

    public enum Reason: UInt8, Sendable, CaseIterable, Codable, CustomStringConvertible {
        case superseded = 1
        case error = 2
        case withdrawn = 3
        public var description: String {
            switch self {
            case .superseded: "superseded"
            case .error: "error"
            case .withdrawn: "withdrawn"
            }
        }
        public init?(name: String) {
            guard let reason = Self.allCases.first(where: { $0.description == name }) else { return nil }
            self = reason
        }
    }

    public struct Reference: Sendable, Equatable {
        public let index: Int
        public let leafHash: TreeHash
        public init(index: Int, leafHash: TreeHash) {
            self.index = index
            self.leafHash = leafHash
        }
    }

    public let target: Reference
    public let reason: Reason
    public let revokedAt: Date
    public let replacement: Reference?
    public let revokerCertificate: [UInt8]
    public let signature: [UInt8]

    static let domain = Array("seal/document-revocation/v1".utf8) + [0]

    /// Builds and signs a revocation with `key`, whose certificate is `revoker`.
    public init(target: Reference, reason: Reason, revokedAt: Date, replacement: Reference?, revoker: Certificate,
                key: PrivateKey) throws(ArchiveError) {
        self.target = target
        self.reason = reason
        self.revokedAt = Date(timeIntervalSince1970: (revokedAt.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        self.replacement = replacement
        self.revokerCertificate = revoker.der
        do { self.signature = try key.sign(Self.domain + Self.body(target, reason, self.revokedAt, replacement, revoker.der)) } catch {
            throw .signing("\(error)")
        }
    }

    init(target: Reference, reason: Reason, revokedAt: Date, replacement: Reference?, revokerCertificate: [UInt8], signature: [UInt8]) {
        self.target = target
        self.reason = reason
        self.revokedAt = revokedAt
        self.replacement = replacement
        self.revokerCertificate = revokerCertificate
        self.signature = signature
    }

    /// Whether the signature verifies with the revoker certificate's key.
    public var isSignatureValid: Bool {
        guard let certificate = try? Certificate(der: revokerCertificate), let key = certificate.publicKey() else { return false }
        return key.isValidSignature(signature, for: Self.domain + Self.body(target, reason, revokedAt, replacement, revokerCertificate))
    }

    static func body(_ target: Reference, _ reason: Reason, _ revokedAt: Date, _ replacement: Reference?,
                     _ certificate: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        writer.u64(UInt64(target.index))
        writer.raw(target.leafHash)
        writer.u8(reason.rawValue)
        writer.u64(UInt64(max(0, (revokedAt.timeIntervalSince1970 * 1000).rounded())))
        if let replacement {
            writer.u8(1)
            writer.u64(UInt64(replacement.index))
            writer.raw(replacement.leafHash)
        } else {
            writer.u8(0)
        }
        writer.u16Prefixed(certificate)
        return writer.bytes
    }

    func encode(into writer: inout ByteWriter) {
        writer.raw(Self.body(target, reason, revokedAt, replacement, revokerCertificate))
        writer.u16Prefixed(signature)
    }

    init(reading reader: inout ByteReader) throws(ArchiveError) {
        guard let target = reader.u64(), let targetLeaf = reader.raw(32), let code = reader.u8(), let reason = Reason(rawValue: code),
              let millis = reader.u64(), let flag = reader.u8(), flag <= 1 else { throw .damaged("truncated revocation entry") }
        var replacement: Reference? = nil
        if flag == 1 {
            guard let index = reader.u64(), let leaf = reader.raw(32) else { throw .damaged("truncated revocation entry") }
            replacement = Reference(index: Int(clamping: index), leafHash: leaf)
        }
        guard let certificate = reader.u16Prefixed(), let signature = reader.u16Prefixed() else {
            throw .damaged("truncated revocation entry")
        }
        self.init(target: Reference(index: Int(clamping: target), leafHash: targetLeaf), reason: reason,
                  revokedAt: Date(timeIntervalSince1970: Double(millis) / 1000), replacement: replacement,
                  revokerCertificate: certificate, signature: signature)
    }
}

extension ByteWriter {
    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((value >> UInt64(shift)) & 0xFF)) }
    }
}

extension ByteReader {
    mutating func u64() -> UInt64? {
        guard let bytes = raw(8) else { return nil }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
