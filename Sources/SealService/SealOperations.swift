public import Foundation
public import SealCore
public import SealArchive

/// Everything the `seal` CLI asks of an authority, answered either in-process from a data
/// directory (`SealService`) or by a running daemon over its socket (`SealClient`). The CLI
/// speaks only to this, so both paths print the same output and exit the same way.
public protocol SealOperations: Sendable {
    func enroll(name: String, department: String, organizationIdentifier: String?, algorithm: SignatureAlgorithm?,
                days: Int, appearance: SealAppearance) throws(ServiceError) -> SealInfo
    func seals() throws(ServiceError) -> [SealInfo]
    /// Seal `name`'s GB/T 38540 seal object (SM2 seals).
    func electronicSeal(_ name: String) throws(ServiceError) -> ElectronicSeal
    /// Seals and archives documents with seal `name` in `format` (nil: the seal's own detached
    /// format), each with its receipt; `placement` places the seal on an OFD's pages.
    func seal(_ documents: [[UInt8]], sealName name: String, format: DocumentFormat?,
              placement: StampPlacement) throws(ServiceError) -> [Sealed]
    /// Verifies online against this authority.
    func verify(seal: [UInt8], document: [UInt8], receipt: [UInt8]?, revocationLists: [RevocationList],
                statusList: DocumentStatusList?) throws(ServiceError) -> VerificationReport
    /// Verifies every signature of an OFD document online.
    func verifyDocument(_ document: [UInt8], revocationLists: [RevocationList],
                        statusList: DocumentStatusList?) throws(ServiceError) -> DocumentVerificationReport
    func trustBundle() throws(ServiceError) -> TrustBundle
    func refreshReceipt(_ seal: SealSignature) throws(ServiceError) -> SealSignature
    /// Fresh receipts for an SES signature (its receipt) or an OFD (the document, receipts renewed).
    func refreshReceipts(_ bytes: [UInt8], receipt: [UInt8]?) throws(ServiceError) -> [UInt8]
    func revoke(_ seal: SealedItem, reason: DocumentRevocation.Reason, replacement: SealedItem?, note: String?,
                as revoker: Revoker) throws(ServiceError) -> Int
    func revokeSeal(_ name: String, reason: SealRevocationReason, invalidSince: Date?) throws(ServiceError) -> RevocationList
    func currentRevocationList() throws(ServiceError) -> RevocationList
    func documentStatusList() throws(ServiceError) -> String
    /// The signed checkpoint of tree size `size`, or the newest.
    func checkpoint(size: Int?) throws(ServiceError) -> String
    func logEntries(from: Int, count: Int) throws(ServiceError) -> [LogEntryInfo]
    func inclusionProof(index: Int, size: Int?) throws(ServiceError) -> InclusionProofInfo
    func consistencyProof(from: Int, to: Int?) throws(ServiceError) -> ConsistencyProofInfo
    /// Writes an export of the archive into a new directory, whole or not at all.
    func exportArchive(to target: URL, progress: (Int, Int) -> Void) throws(ServiceError)
    func audit(savedCheckpoint: String?, verifySignatures: Bool, progress: (Int, Int) -> Void) throws(ServiceError) -> AuditReport
}

extension SealOperations {
    /// The current CRL as DER or PEM.
    public func currentRevocationListBytes(der: Bool) throws(ServiceError) -> [UInt8] {
        let crl = try currentRevocationList()
        do { return der ? try crl.der : Array(try crl.pem.utf8) } catch { throw ServiceError(error) }
    }
}

/// An RFC 9162 inclusion proof as `seal log proof` and `GET /v1/proofs/inclusion` give it.
public struct InclusionProofInfo: Codable, Sendable, Equatable {
    public let index: Int
    public let treeSize: Int
    public let leafHash: String
    public let proof: [String]
    public let checkpoint: String?
}

/// An RFC 9162 consistency proof as `seal log consistency` and `GET /v1/proofs/consistency` give it.
public struct ConsistencyProofInfo: Codable, Sendable, Equatable {
    public let from: Int
    public let to: Int
    public let fromRoot: String
    public let toRoot: String
    public let proof: [String]
}

extension SealService: SealOperations {
    /// The CLI on the data directory acts as its owner.
    @discardableResult
    public func enroll(name: String, department: String, organizationIdentifier: String?, algorithm: SignatureAlgorithm?,
                       days: Int, appearance: SealAppearance = SealAppearance()) throws(ServiceError) -> SealInfo {
        try enroll(name: name, department: department, organizationIdentifier: organizationIdentifier, algorithm: algorithm,
                   days: days, appearance: appearance, by: .directoryOwner)
    }

    @discardableResult
    public func revokeSeal(_ name: String, reason: SealRevocationReason, invalidSince: Date?) throws(ServiceError) -> RevocationList {
        try revokeSeal(name, reason: reason, invalidSince: invalidSince, by: .directoryOwner)
    }

    /// Seals `documents` through the pipeline (`seal(_:with:format:inFlight:)`): the signer and
    /// the writer are loaded once for the call (three passphrase derivations per load took half
    /// of a 4,000-file run when it was per transaction), each 256 seals one transaction.
    public func seal(_ documents: [[UInt8]], sealName name: String, format: DocumentFormat? = nil,
                     placement: StampPlacement = StampPlacement()) throws(ServiceError) -> [Sealed] {
        try seal(documents.map { .content($0) }, with: name, format: format, placement: placement)
    }

    public func checkpoint(size: Int?) throws(ServiceError) -> String {
        try withArchive { store in
            guard let checkpoint = try size.map({ try store.checkpoint(size: $0) }) ?? store.latestCheckpoint() else {
                throw ServiceError.invalidArgument("no checkpoint of size \(size.map(String.init) ?? "any")")
            }
            return checkpoint.note
        }
    }

    public func inclusionProof(index: Int, size: Int?) throws(ServiceError) -> InclusionProofInfo {
        try withArchive { store in
            let newest = try store.size
            let treeSize = size ?? newest
            guard index >= 0, index < treeSize, treeSize <= newest else {
                throw ServiceError.invalidArgument("index \(index) is outside the tree of size \(treeSize)")
            }
            let leaf = try store.entries(from: index, count: 1).first?.leafHash ?? []
            let proof = try store.inclusionProof(index: index, size: treeSize)
            return InclusionProofInfo(index: index, treeSize: treeSize, leafHash: Data(leaf).base64EncodedString(),
                                      proof: proof.map { Data($0).base64EncodedString() },
                                      checkpoint: try store.checkpoint(size: treeSize)?.note)
        }
    }

    public func consistencyProof(from: Int, to: Int?) throws(ServiceError) -> ConsistencyProofInfo {
        try withArchive { store in
            let newest = try store.size
            let second = to ?? newest
            guard from > 0, from <= second, second <= newest else {
                throw ServiceError.invalidArgument("need 0 < from <= to <= \(newest)")
            }
            return ConsistencyProofInfo(from: from, to: second, fromRoot: Data(try store.rootHash(size: from)).base64EncodedString(),
                                        toRoot: Data(try store.rootHash(size: second)).base64EncodedString(),
                                        proof: try store.consistencyProof(from: from, to: second).map { Data($0).base64EncodedString() })
        }
    }

    /// Checkpoints of size >= `from`, at most `count`, by increasing size (for paged reads).
    public func checkpoints(from: Int, count: Int) throws(ServiceError) -> [CheckpointInfo] {
        try withArchive { store in
            try store.checkpoints(from: from, count: count).map { CheckpointInfo(size: $0.size, note: $0.note) }
        }
    }
}

/// One signed checkpoint as `GET /v1/checkpoints` lists it.
public struct CheckpointInfo: Codable, Sendable, Equatable {
    public let size: Int
    public let note: String
}
