public import Foundation
import SealCore

/// A C2SP tlog-checkpoint body: origin, tree size, root hash, then any further lines (kept
/// verbatim; Seal writes none).
public struct Checkpoint: Sendable, Equatable {
    public let origin: String
    public let size: Int
    public let rootHash: TreeHash
    /// Everything after the third line, as it was.
    public let rest: String

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case malformed(String)
        public var description: String {
            switch self { case .malformed(let why): "malformed checkpoint: \(why)" }
        }
    }

    public init(origin: String, size: Int, rootHash: TreeHash, rest: String = "") {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.rest = rest
    }

    /// Parses checkpoint note text: a non-empty origin line, a decimal size (no sign, no leading
    /// zeros, fits 63 bits), a base64 root hash line. The root's length is checked where it is
    /// used (a Merkle root is 32 bytes).
    public init(text: String) throws(ParseError) {
        var lines: [Substring] = []
        var remainder = Substring(text)
        for _ in 0..<3 {
            guard let newline = remainder.firstIndex(of: "\n") else { throw .malformed("needs origin, size and root hash lines") }
            lines.append(remainder[..<newline])
            remainder = remainder[remainder.index(after: newline)...]
        }
        guard !lines[0].isEmpty else { throw .malformed("empty origin") }
        let sizeText = lines[1]
        guard !sizeText.isEmpty, sizeText.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }),
              sizeText == "0" || !sizeText.hasPrefix("0"), let size = Int(sizeText) else {
            throw .malformed("bad tree size")
        }
        guard let root = Data(base64Encoded: String(lines[2])), !root.isEmpty else { throw .malformed("bad root hash") }
        self.init(origin: String(lines[0]), size: size, rootHash: Array(root), rest: String(remainder))
    }

    /// The note text.
    public var text: String { "\(origin)\n\(size)\n\(Data(rootHash).base64EncodedString())\n" + rest }
}

/// A checkpoint with the signed note it came from, verified against the log's key.
public struct SignedCheckpoint: Sendable, Equatable {
    public let checkpoint: Checkpoint
    /// The whole signed note.
    public let note: String

    /// A checkpoint and the note a store just signed of it (verified by whoever relies on it).
    public init(checkpoint: Checkpoint, note: String) {
        self.checkpoint = checkpoint
        self.note = note
    }

    public enum OpenError: Error, Sendable, Equatable, CustomStringConvertible {
        case note(SignedNote.NoteError)
        case checkpoint(Checkpoint.ParseError)
        case wrongOrigin(expected: String, found: String)
        public var description: String {
            switch self {
            case .note(let error): error.description
            case .checkpoint(let error): error.description
            case .wrongOrigin(let expected, let found): "the checkpoint is for log '\(found)', not '\(expected)'"
            }
        }
    }

    /// Verifies `note` with the log keys and parses its checkpoint. When `origin` is given the
    /// checkpoint must be for that log (Seal's logs use the origin as their key name).
    public init(note: String, logKeys: [NoteVerifierKey], origin: String? = nil) throws(OpenError) {
        let verified: SignedNote.Verified
        do { verified = try SignedNote.open(Array(note.utf8), verifiers: logKeys) } catch { throw .note(error) }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: verified.text) } catch { throw .checkpoint(error) }
        if let origin, checkpoint.origin != origin { throw .wrongOrigin(expected: origin, found: checkpoint.origin) }
        self.checkpoint = checkpoint
        self.note = note
    }
}

/// Checkpoints whose signature verified, by the exact note and keys, owned by one verifier
/// (`ArchiveVerifier.checkpoints`): every seal of a batch carries the same checkpoint, so its
/// signature is checked once. Only successes are kept, and any other bytes are a different key.
public final class VerifiedCheckpoints: Sendable {
    struct Key: Hashable {
        let note: String
        let logKeys: [NoteVerifierKey]
    }

    private let verified = BoundedCache<Key, SignedCheckpoint>(capacity: 1024)

    public init() {}

    /// `SignedCheckpoint(note:logKeys:)`, remembered.
    public func checkpoint(note: String, logKeys: [NoteVerifierKey]) throws(SignedCheckpoint.OpenError) -> SignedCheckpoint {
        try verified.value(for: Key(note: note, logKeys: logKeys)) { () throws(SignedCheckpoint.OpenError) in
            try SignedCheckpoint(note: note, logKeys: logKeys)
        }
    }
}
