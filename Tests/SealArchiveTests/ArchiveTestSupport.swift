import Foundation
import SealCore
@testable import SealArchive
import SealTestSupport

/// A scratch archive of synthetic seal entries (random fields), for store and audit tests.
final class ScratchArchive {
    let folder: URL
    let url: URL
    let signer: NoteSigner
    let store: ArchiveStore

    init() throws {
        folder = try TestSupport.scratchDirectory("archive")
        url = folder.appendingPathComponent("archive.sqlite")
        signer = try NoteSigner(name: "seal.test/archive", key: try Ed25519PrivateKey.generate())
        store = try ArchiveStore(url: url)
        _ = try store.append([], signer: signer)
    }

    deinit { TestSupport.cleanUp(folder) }

    static func entry(_ n: Int) -> NewArchiveEntry {
        let entry = SealEntry(digestAlgorithm: .sha256, documentCommitment: DigestAlgorithm.sha256.hash(Array("doc \(n)".utf8)),
                              signatureHash: DigestAlgorithm.sha256.hash(Array("sig \(n)".utf8)),
                              signerCertificate: Array("certificate \(n % 3)".utf8), timeStampToken: Array("token \(n)".utf8))
        return .init(entry: .seal(entry), salt: secureRandomBytes(32))
    }

    /// Appends `count` entries in batches of `batch`, one checkpoint per batch.
    func fill(_ count: Int, batch: Int) throws {
        var next = (try? store.size) ?? 0
        while next < count {
            let size = min(batch, count - next)
            _ = try store.append((next..<(next + size)).map(Self.entry), signer: signer)
            next += size
        }
    }

    func audit(saved: String? = nil) throws -> AuditReport {
        try Auditor(logKey: signer.verifierKey, trust: nil).audit(try ArchiveStore(url: url, readOnly: true), savedCheckpoint: saved)
    }

    /// Runs raw SQL on the archive file, as an attacker with write access would.
    func tamper(_ sql: String) throws {
        let database = try SQLiteDatabase(path: url.path, readOnly: false)
        try database.execute(sql)
    }
}

extension ScratchArchive {
    func appendRevocation(of target: Int) throws { try ScratchEntries.appendRevocation(of: target, to: store, signer: signer) }
    func appendRevocationList() throws { try ScratchEntries.appendRevocationList(to: store, signer: signer) }
}

extension ScratchStorage {
    func appendRevocation(of target: Int) throws { try ScratchEntries.appendRevocation(of: target, to: store, signer: signer) }
    func appendRevocationList() throws { try ScratchEntries.appendRevocationList(to: store, signer: signer) }
}

/// Entries other than seals, for either backend.
enum ScratchEntries {
    /// Appends, in a batch of its own, a revocation of seal entry `target` (its signature is not
    /// checked by audits without trust anchors).
    static func appendRevocation(of target: Int, to store: any ArchiveStorage, signer: NoteSigner) throws {
        guard let leaf = try store.entries(from: target, count: 1).first?.leafHash else { throw ArchiveError.notFound("entry \(target)") }
        let revocation = DocumentRevocation(target: .init(index: target, leafHash: leaf), reason: .error, revokedAt: Date(),
                                            replacement: nil, revokerCertificate: Array("certificate 0".utf8), signature: [1, 2, 3])
        _ = try store.append([.init(entry: .documentRevocation(revocation), salt: nil)], signer: signer)
    }

    /// Appends, in a batch of its own, a real CRL (numbered 1, listing nothing) from a fresh root.
    static func appendRevocationList(to store: any ArchiveStorage, signer: NoteSigner) throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let root = try Certificate.issue(.root(name: "Scratch Authority", from: Date().addingTimeInterval(-86400)),
                                         for: key, issuer: nil, issuerKey: key)
        let crl = try RevocationList.issue(by: root, key: key, number: 1, thisUpdate: Date(),
                                           nextUpdate: Date().addingTimeInterval(86400), revoked: [])
        _ = try store.append([.init(entry: .revocationList(IssuedRevocationList(crl: try crl.der)), salt: nil)], signer: signer)
    }
}
