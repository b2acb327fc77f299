public import Foundation
import SwiftASN1
import SealCore

/// Proof that a seal was archived: its leaf, an RFC 9162 inclusion proof, and the signed
/// checkpoint the proof leads to. Carried in the seal as the unsigned attribute
/// `SealOID.archiveReceipt`, DER-encoded as
///
///     ArchiveReceipt ::= SEQUENCE {
///         version        INTEGER (1),
///         salt           OCTET STRING (SIZE (32)),  -- opens the entry's document commitment
///         leafIndex      INTEGER,
///         treeSize       INTEGER,
///         leafHash       OCTET STRING (SIZE (32)),
///         inclusionProof SEQUENCE OF OCTET STRING,  -- RFC 9162 order, leaf level first
///         checkpoint     UTF8String }               -- the whole C2SP signed note
public struct Receipt: Sendable, Equatable {
    public let salt: [UInt8]
    public let index: Int
    public let treeSize: Int
    public let leafHash: TreeHash
    public let proof: [TreeHash]
    public let checkpoint: String

    public static let version = 1
    /// Receipts larger than this are refused unread (a proof at 2^63 entries is < 2.1 KB).
    public static let maximumSize = 80 * 1024

    public init(salt: [UInt8], index: Int, treeSize: Int, leafHash: TreeHash, proof: [TreeHash], checkpoint: String) {
        self.salt = salt
        self.index = index
        self.treeSize = treeSize
        self.leafHash = leafHash
        self.proof = proof
        self.checkpoint = checkpoint
    }

    public var der: [UInt8] {
        var writer = DERWriter(capacity: 160 + 34 * proof.count + checkpoint.utf8.count)
        writer.constructed(.sequence) { writer in
            writer.integer(Self.version)
            writer.octetString(salt)
            writer.integer(index)
            writer.integer(treeSize)
            writer.octetString(leafHash)
            writer.constructed(.sequence) { list in
                for hash in proof { list.octetString(hash) }
            }
            writer.primitive(0x0C, checkpoint.utf8)
        }
        return writer.bytes
    }

    public init(der bytes: [UInt8]) throws(ArchiveError) {
        guard bytes.count <= Self.maximumSize else { throw .invalidArgument("the receipt is too large") }
        do {
            let root = try DER.parse(bytes)
            self = try DER.sequence(root, identifier: .sequence) { nodes in
                let version = try Int(derEncoded: &nodes)
                guard version == Self.version else { throw ASN1Error.invalidASN1Object(reason: "receipt version") }
                let salt = Array(try ASN1OctetString(derEncoded: &nodes).bytes)
                let index = try Int(derEncoded: &nodes)
                let size = try Int(derEncoded: &nodes)
                let leaf = Array(try ASN1OctetString(derEncoded: &nodes).bytes)
                let proof = try DER.sequence(of: ASN1OctetString.self, identifier: .sequence, nodes: &nodes).map { Array($0.bytes) }
                let checkpoint = String(try ASN1UTF8String(derEncoded: &nodes))
                guard salt.count == 32, leaf.count == 32, proof.allSatisfy({ $0.count == 32 }), proof.count <= 64,
                      index >= 0, size > index else {
                    throw ASN1Error.invalidASN1Object(reason: "receipt field sizes")
                }
                return Receipt(salt: salt, index: index, treeSize: size, leafHash: leaf, proof: proof, checkpoint: checkpoint)
            }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw .invalidArgument("malformed receipt: \(error)")
        }
    }

    /// The JSON form `seal receipt --json` prints: exactly these keys.
    public struct JSONForm: Codable, Equatable, Sendable {
        public let index: Int
        public let treeSize: Int
        public let leafHash: String
        public let proof: [String]
        public let checkpoint: String
    }

    public var json: JSONForm {
        JSONForm(index: index, treeSize: treeSize, leafHash: Data(leafHash).base64EncodedString(),
                 proof: proof.map { Data($0).base64EncodedString() }, checkpoint: checkpoint)
    }
}
