public import Foundation
public import SealCore

/// A C2SP signed-note verifier key, `name+keyid+base64(0x01 ‖ Ed25519 public key)`.
public struct NoteVerifierKey: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let keyID: UInt32
    public let publicKey: Ed25519PublicKey

    public static let ed25519Type: UInt8 = 0x01

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case malformed(String)
        public var description: String {
            switch self { case .malformed(let why): "malformed verifier key: \(why)" }
        }
    }

    public init(name: String, publicKey: Ed25519PublicKey) throws(ParseError) {
        guard SignedNote.isValidName(name) else { throw .malformed("invalid key name") }
        self.name = name
        self.publicKey = publicKey
        self.keyID = Self.keyID(name: name, publicKey: publicKey)
    }

    /// Parses and checks a verifier key string (the key ID must match name and key).
    public init(_ text: String) throws(ParseError) {
        // Split at the first two '+': the base64 key may itself contain '+'.
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected name+keyid+key") }
        let name = String(parts[0])
        guard SignedNote.isValidName(name) else { throw .malformed("invalid key name") }
        guard parts[1].count == 8, let id = UInt32(parts[1], radix: 16) else { throw .malformed("key ID is not 8 hex digits") }
        guard let decoded = Data(base64Encoded: String(parts[2])), decoded.count == 33, decoded.first == Self.ed25519Type,
              let key = try? Ed25519PublicKey(raw: Array(decoded.dropFirst())) else {
            throw .malformed("not an Ed25519 key (type 0x01, 32 bytes)")
        }
        guard Self.keyID(name: name, publicKey: key) == id else { throw .malformed("key ID does not match the name and key") }
        self.name = name
        self.keyID = id
        self.publicKey = key
    }

    /// SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[:4], big-endian.
    static func keyID(name: String, publicKey: Ed25519PublicKey) -> UInt32 {
        let digest = DigestAlgorithm.sha256.hash(Array(name.utf8) + [0x0A, ed25519Type] + publicKey.raw)
        return digest.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    public var description: String {
        "\(name)+\(String(format: "%08x", keyID))+\(Data([Self.ed25519Type] + publicKey.raw).base64EncodedString())"
    }
}

/// Signs notes with an Ed25519 key under a name (for the archive: the log's origin).
public struct NoteSigner: Sendable {
    public let verifierKey: NoteVerifierKey
    let key: Ed25519PrivateKey

    public init(name: String, key: Ed25519PrivateKey) throws(NoteVerifierKey.ParseError) {
        self.key = key
        self.verifierKey = try NoteVerifierKey(name: name, publicKey: key.publicKey)
    }

    /// The signed note: `text`, a blank line, and one signature line.
    public func sign(_ text: String) throws(SignedNote.NoteError) -> String {
        guard SignedNote.isValidText(text) else { throw .malformed("note text must be non-empty, end in a newline and hold no control characters") }
        let signature: [UInt8]
        do { signature = try key.sign(Array(text.utf8)) } catch { throw .malformed("signing failed: \(error)") }
        var id = verifierKey.keyID.bigEndian
        let idBytes = withUnsafeBytes(of: &id) { Array($0) }
        return text + "\n— \(verifierKey.name) \(Data(idBytes + signature).base64EncodedString())\n"
    }
}

/// C2SP signed-note parsing and verification (c2sp.org/signed-note), kept apart from what the
/// note says: a note is trusted only through the signatures of the keys the caller knows.
public enum SignedNote {
    /// Notes larger than this are refused unread.
    public static let maximumSize = 64 * 1024
    static let maximumSignatures = 100

    public enum NoteError: Error, Sendable, Equatable, CustomStringConvertible {
        case malformed(String)
        case invalidSignature(String)
        case noKnownSignature([String])
        public var description: String {
            switch self {
            case .malformed(let why): "malformed signed note: \(why)"
            case .invalidSignature(let name): "the note's signature by \(name) does not verify"
            case .noKnownSignature(let names):
                names.isEmpty ? "the note has no signature" : "the note is signed only by unknown keys: \(names.joined(separator: ", "))"
            }
        }
    }

    /// A note whose signatures were checked.
    public struct Verified: Sendable, Equatable {
        public let text: String
        /// Known keys whose signatures verified, as `name+keyid`.
        public let verifiedSigners: [String]
        /// Signatures by keys the caller does not know (not checked).
        public let unverifiedSigners: [String]
    }

    /// Key names: non-empty, no whitespace, no '+'.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 }
    }

    /// Note text: non-empty, newline-terminated UTF-8 with no control characters but newline.
    static func isValidText(_ text: String) -> Bool {
        !text.isEmpty && text.hasSuffix("\n") && !text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F }
    }

    /// Parses `note` and verifies every signature by a key in `verifiers`. A signature that fails
    /// to verify rejects the whole note; at least one known signature is required.
    public static func open(_ note: [UInt8], verifiers: [NoteVerifierKey]) throws(NoteError) -> Verified {
        guard note.count <= maximumSize else { throw .malformed("larger than \(maximumSize) bytes") }
        guard let message = String(validating: note, as: UTF8.self) else { throw .malformed("not UTF-8") }
        guard !message.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F }) else {
            throw .malformed("control characters")
        }
        guard let split = message.range(of: "\n\n", options: .backwards) else { throw .malformed("no signature block") }
        let text = String(message[..<split.lowerBound]) + "\n"
        let block = message[split.upperBound...]
        guard !block.isEmpty, block.hasSuffix("\n") else { throw .malformed("the signature block must end in a newline") }

        var verified: [String] = []
        var unverified: [String] = []
        var count = 0
        for line in block.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            count += 1
            guard count <= maximumSignatures else { throw .malformed("too many signatures") }
            guard line.hasPrefix("— ") else { throw .malformed("a signature line must start with an em dash") }
            let fields = line.dropFirst(2).split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            // Canonical base64 only: decoders ignore the unused bits of the last character, so a
            // non-canonical line would let the note's bytes change without its signature failing.
            guard fields.count == 2, isValidName(String(fields[0])), !fields[1].isEmpty,
                  let raw = Data(base64Encoded: String(fields[1])), raw.count >= 5,
                  raw.base64EncodedString() == fields[1] else {
                throw .malformed("bad signature line")
            }
            let name = String(fields[0])
            let bytes = Array(raw)
            let id = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let signer = "\(name)+\(String(format: "%08x", id))"
            guard let key = verifiers.first(where: { $0.name == name && $0.keyID == id }) else {
                if !unverified.contains(signer) { unverified.append(signer) }
                continue
            }
            if verified.contains(signer) { continue }
            guard key.publicKey.isValidSignature(Array(bytes.dropFirst(4)), for: Array(text.utf8)) else {
                throw .invalidSignature(signer)
            }
            verified.append(signer)
        }
        guard !verified.isEmpty else { throw .noKnownSignature(unverified) }
        return Verified(text: text, verifiedSigners: verified, unverifiedSigners: unverified)
    }
}
