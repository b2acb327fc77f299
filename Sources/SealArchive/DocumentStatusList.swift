public import Foundation
import SealCore

/// A signed, dated list of revoked documents that lets an offline verifier learn of withdrawals.
/// It is a C2SP signed note, signed with the archive's log key, whose text is:
///
///     seal-document-status/v1
///     <log origin>
///     <issued, RFC 3339 UTC>
///     <next update, RFC 3339 UTC>
///     <tree size the list covers>
///     <count>
///     revoked <index> <leaf hash, base64> <reason> <revoked at, RFC 3339> [<replaced-by index>]   (count lines)
///
/// Entries name archive leaves, which are public already; no personal data appears.
public struct DocumentStatusList: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public let index: Int
        public let leafHash: TreeHash
        public let reason: DocumentRevocation.Reason
        public let revokedAt: Date
        public let replacedBy: Int?

        public init(index: Int, leafHash: TreeHash, reason: DocumentRevocation.Reason, revokedAt: Date, replacedBy: Int?) {
            self.index = index
            self.leafHash = leafHash
            self.reason = reason
            self.revokedAt = revokedAt
            self.replacedBy = replacedBy
        }
    }

    public static let header = "seal-document-status/v1"

    public let origin: String
    public let issued: Date
    public let nextUpdate: Date
    public let treeSize: Int
    /// The signed note this list was read from (nil when built in memory).
    public private(set) var signedNote: String? = nil
    public let items: [Item]

    public init(origin: String, issued: Date, nextUpdate: Date, treeSize: Int, items: [Item]) {
        self.origin = origin
        self.issued = Self.seconds(issued)
        self.nextUpdate = Self.seconds(nextUpdate)
        self.treeSize = treeSize
        self.items = items.map { Item(index: $0.index, leafHash: $0.leafHash, reason: $0.reason,
                                      revokedAt: Self.seconds($0.revokedAt), replacedBy: $0.replacedBy) }
    }

    static func seconds(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }

    public var text: String {
        var lines = [Self.header, origin, Self.format(issued), Self.format(nextUpdate), String(treeSize), String(items.count)]
        for item in items {
            var line = "revoked \(item.index) \(Data(item.leafHash).base64EncodedString()) \(item.reason) \(Self.format(item.revokedAt))"
            if let replacedBy = item.replacedBy { line += " \(replacedBy)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Signs the list with the log's key.
    public func signed(by signer: NoteSigner) throws(ArchiveError) -> String {
        do { return try signer.sign(text) } catch { throw .signing(error.description) }
    }

    /// Verifies a signed list with the trust bundle's log keys and parses it.
    public init(note: String, logKeys: [NoteVerifierKey]) throws(ArchiveError) {
        let verified: SignedNote.Verified
        do { verified = try SignedNote.open(Array(note.utf8), verifiers: logKeys) } catch {
            throw .invalidArgument("status list: \(error)")
        }
        let lines = verified.text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 6, lines[0] == Self.header, let issued = Self.parse(lines[2]), let next = Self.parse(lines[3]),
              let size = Int(lines[4]), size >= 0, let count = Int(lines[5]), count == lines.count - 6 else {
            throw .invalidArgument("status list: not a seal-document-status/v1 list")
        }
        guard verified.verifiedSigners.contains(where: { $0.hasPrefix(lines[1] + "+") }) else {
            throw .invalidArgument("status list: signed by a key other than its log's")
        }
        var items: [Item] = []
        for line in lines.dropFirst(6) {
            let fields = line.split(separator: " ").map(String.init)
            guard (5...6).contains(fields.count), fields[0] == "revoked", let index = Int(fields[1]), index >= 0,
                  let leaf = Data(base64Encoded: fields[2]), leaf.count == 32, let reason = DocumentRevocation.Reason(name: fields[3]),
                  let at = Self.parse(fields[4]) else { throw .invalidArgument("status list: malformed line '\(line)'") }
            let replacedBy = fields.count == 6 ? Int(fields[5]) : nil
            if fields.count == 6 && replacedBy == nil { throw .invalidArgument("status list: malformed line '\(line)'") }
            items.append(Item(index: index, leafHash: Array(leaf), reason: reason, revokedAt: at, replacedBy: replacedBy))
        }
        self.init(origin: lines[1], issued: issued, nextUpdate: next, treeSize: size, items: items)
        signedNote = note
    }

    public func item(forLeaf leafHash: TreeHash) -> Item? { items.first { $0.leafHash == leafHash } }

    static func format(_ date: Date) -> String { date.rfc3339 }
    static func parse(_ text: String) -> Date? { Date(rfc3339: text) }
}

