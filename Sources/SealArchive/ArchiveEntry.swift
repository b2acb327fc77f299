public import SealCore

/// An archive entry in its canonical, versioned encoding (big-endian, length-prefixed, like
/// RFC 8446 §3). The leaf hash is SHA-256(0x00 ‖ encoding). Personal data never enters an entry:
/// the document appears only as a salted commitment, and the seal's signature only as its hash
/// (a signature value plus the public key would let anyone confirm a guessed document).
///
///     entry        = version:u8 (1) ‖ kind:u8 ‖ body
///     seal body    = digestAlgorithm:u8 ‖ documentCommitment[32] ‖ signatureHash[32]
///                    ‖ signerCertificate<u16> ‖ timeStampToken<u32>
///     commitment   = SHA-256("seal/document-commitment/v1" ‖ 0x00 ‖ salt[32] ‖ documentDigest)
///     signatureHash = SHA-256(signature value)   (equal to the time-stamp's message imprint)
public enum ArchiveEntry: Sendable, Equatable {
    case seal(SealEntry)

    public static let version: UInt8 = 1

    public enum Kind: UInt8, Sendable, Codable {
        case seal = 1
        case revocation = 2
    }

    public var kind: Kind {
        switch self { case .seal: .seal }
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        writer.u8(kind.rawValue)
        switch self {
        case .seal(let entry): entry.encode(into: &writer)
        }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(ArchiveError) {
        var reader = ByteReader(bytes)
        guard let version = reader.u8(), version == Self.version else { throw .damaged("unknown entry version") }
        guard let raw = reader.u8(), let kind = Kind(rawValue: raw) else { throw .damaged("unknown entry kind") }
        switch kind {
        case .seal: self = .seal(try SealEntry(reading: &reader))
        case .revocation: throw .damaged("revocation entries are not supported by this version")
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
        guard let algorithm = seal.digestAlgorithm else { throw .invalidArgument("the seal's digest algorithm is not supported") }
        guard let certificate = seal.signerCertificate else { throw .invalidArgument("the seal does not carry its certificate") }
        guard let token = seal.timeStampToken else { throw .invalidArgument("the seal has no time-stamp") }
        guard salt.count == Self.saltSize, documentDigest.count == algorithm.byteCount else {
            throw .invalidArgument("bad salt or document digest length")
        }
        self.init(digestAlgorithm: algorithm,
                  documentCommitment: Self.commitment(salt: salt, documentDigest: documentDigest),
                  signatureHash: DigestAlgorithm.sha256.hash(seal.signatureValue),
                  signerCertificate: certificate.der, timeStampToken: token)
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
        }
    }

    static func algorithm(code: UInt8) -> DigestAlgorithm? {
        switch code {
        case 1: .sha256
        case 2: .sha384
        case 3: .sha512
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
