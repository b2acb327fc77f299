public import Foundation
public import SealCore
public import SealArchive

/// Sealing: a signer per seal, seals prepared and archived in batches, receipts attached.
extension SealService {
    /// A signer for seal `name`, refusing a seal that is not currently valid.
    public func signer(for rawName: String) throws(ServiceError) -> SealSigner {
        let name = try SealName(rawName)
        let info = try info(name, now: clock())
        guard info.status == .active else { throw .sealNotUsable(name.value, info.statusDetail) }
        if let revoked = try isRevoked(info.certificate) {
            throw .sealNotUsable(name.value, "it was revoked (\(revoked.reason)) on \(revoked.revocationDate.rfc3339)")
        }
        let key = try loadKey(directory.sealKey(name))
        do {
            return try SealSigner(certificate: info.certificate, key: key, timeStampAuthority: try timeStampAuthority(), clock: clock)
        } catch let error as SealSigner.SetupError {
            throw .crypto(error.description)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .crypto("\(error)")
        }
    }

    /// Seals documents with `signer` and archives them in one batch (one transaction, one new
    /// checkpoint); each returned seal carries its receipt. A seal is returned only once it is
    /// durably archived.
    public func seal(_ documents: [[UInt8]], with signer: SealSigner) throws(ServiceError) -> [SealSignature] {
        var sealed: [SealSignature] = []
        for der in try sealDER(documents, with: signer) { sealed.append(try Self.sealSignature(der, path: "a new seal")) }
        return sealed
    }

    /// `seal(_:with:)` as bytes, never parsed: what the CLI writes and the daemon returns.
    public func sealDER(_ documents: [[UInt8]], with signer: SealSigner) throws(ServiceError) -> [[UInt8]] {
        try sealDER(documents, with: signer, through: archiveWriter())
    }

    /// `sealDER(_:with:)` through an archive writer the caller keeps open across batches, as a
    /// long-running process does: the store stays open and the log key decrypted.
    public func sealDER(_ documents: [[UInt8]], with signer: SealSigner, through writer: ArchiveWriter) throws(ServiceError) -> [[UInt8]] {
        var items: [Archive.Item] = []
        for document in documents { items.append(try prepareSeal(digest: signer.documentDigestAlgorithm.hash(document), with: signer)) }
        let committed = try writer.commit(items.map { .seal($0) })
        var sealed: [[UInt8]] = []
        for (item, result) in zip(items, committed) { sealed.append(try attachReceipt(result, to: item)) }
        return sealed
    }

    /// Seals a document given by its digest (`signer.documentDigestAlgorithm`), ready to archive.
    public func prepareSeal(digest: [UInt8], with signer: SealSigner) throws(ServiceError) -> Archive.Item {
        guard digest.count == signer.documentDigestAlgorithm.byteCount else {
            throw .invalidArgument("a \(signer.documentDigestAlgorithm.rawValue) digest has \(signer.documentDigestAlgorithm.byteCount) bytes, not \(digest.count)")
        }
        do { return Archive.Item(sealed: try signer.sealed(digest: digest), documentDigest: digest) } catch { throw ServiceError(error) }
    }

    /// Archives a batch in one transaction under one new checkpoint. Returns once the batch is
    /// durable, each item answered in order.
    public func commit(_ pending: [Archive.Pending]) throws(ServiceError) -> [Archive.Committed] {
        try archiveWriter().commit(pending)
    }

    /// The archive held open for writing with the log key loaded, for a long-running writer
    /// (the daemon's group commit): opening the store and decrypting the key once, not per batch.
    public func archiveWriter() throws(ServiceError) -> ArchiveWriter {
        ArchiveWriter(archive: try archive(), signer: try logSigner(), clock: clock)
    }

    /// The archived seal's DER: `item`'s seal with the receipt its batch produced embedded.
    public func attachReceipt(_ committed: Archive.Committed, to item: Archive.Item) throws(ServiceError) -> [UInt8] {
        guard case .receipt(let receipt) = committed else { throw .archive("the archive answered a seal without a receipt") }
        do { return try SealSignature.der(item.sealed.der, settingUnsignedAttribute: SealOID.archiveReceipt, to: receipt.der) } catch {
            throw .crypto(error.description)
        }
    }
}

/// Appends batches to the archive (see `SealService.archiveWriter`).
public final class ArchiveWriter: @unchecked Sendable {
    let archive: Archive
    let signer: NoteSigner
    let clock: @Sendable () -> Date

    init(archive: Archive, signer: NoteSigner, clock: @escaping @Sendable () -> Date) {
        self.archive = archive
        self.signer = signer
        self.clock = clock
    }

    /// One transaction, one new checkpoint; durable when it returns.
    public func commit(_ pending: [Archive.Pending]) throws(ServiceError) -> [Archive.Committed] {
        do { return try archive.append(pending, signer: signer, now: clock()) } catch { throw ServiceError(error) }
    }
}
