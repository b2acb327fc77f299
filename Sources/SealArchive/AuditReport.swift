public import Foundation

/// One problem an audit found.
public struct AuditProblem: Codable, Sendable, Equatable, CustomStringConvertible {
    public let index: Int?
    public let checkpointSize: Int?
    public let reason: String
    public var description: String {
        let place = index.map { "entry \($0): " } ?? checkpointSize.map { "checkpoint \($0): " } ?? ""
        return place + reason
    }
}

/// The result of an audit: counts, and every problem with the first bad index.
public struct AuditReport: Codable, Sendable {
    public var entries = 0
    public var checkpoints = 0
    public var signaturesVerified = 0
    public var consistencyProofsVerified = 0
    public var treeSize = 0
    public var rootHash = ""
    public var firstBadIndex: Int?
    public var problems: [AuditProblem] = []
    public var ok: Bool { problems.isEmpty }

    mutating func problem(index: Int? = nil, checkpoint: Int? = nil, _ reason: String) {
        problems.append(AuditProblem(index: index, checkpointSize: checkpoint, reason: reason))
        if let index, firstBadIndex.map({ index < $0 }) ?? true { firstBadIndex = index }
    }

    private enum CodingKeys: String, CodingKey {
        case ok, entries, checkpoints, signaturesVerified, consistencyProofsVerified, treeSize, rootHash, firstBadIndex, problems
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(entries, forKey: .entries)
        try container.encode(checkpoints, forKey: .checkpoints)
        try container.encode(signaturesVerified, forKey: .signaturesVerified)
        try container.encode(consistencyProofsVerified, forKey: .consistencyProofsVerified)
        try container.encode(treeSize, forKey: .treeSize)
        try container.encode(rootHash, forKey: .rootHash)
        try container.encode(firstBadIndex, forKey: .firstBadIndex)
        try container.encode(problems, forKey: .problems)
    }
    public init() {}
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        entries = try container.decode(Int.self, forKey: .entries)
        checkpoints = try container.decode(Int.self, forKey: .checkpoints)
        signaturesVerified = try container.decode(Int.self, forKey: .signaturesVerified)
        consistencyProofsVerified = try container.decode(Int.self, forKey: .consistencyProofsVerified)
        treeSize = try container.decode(Int.self, forKey: .treeSize)
        rootHash = try container.decode(String.self, forKey: .rootHash)
        firstBadIndex = try container.decodeIfPresent(Int.self, forKey: .firstBadIndex)
        problems = try container.decode([AuditProblem].self, forKey: .problems)
    }
}
