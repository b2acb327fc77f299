public import Foundation
public import SealCore

/// Loaded signers kept between seals: loading a key means a passphrase derivation (about a
/// fifth of a second), far too slow per seal. A cached signer is re-checked against the seal's
/// validity on every use and reloaded (which re-reads the CRL) after `lifetime`; a seal revoked
/// through this service is dropped at once.
final class SignerCache: @unchecked Sendable {
    private struct Entry {
        let signer: SealSigner
        let loaded: Date
    }

    private let lifetime: TimeInterval
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// Each seal's PDF assets, made once per `lifetime`: deflating a seal picture costs more
    /// than signing, and the CRL they carry is renewed like the signer's.
    private var assets: [String: (assets: PDFSealingAssets, loaded: Date)] = [:]

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    func signer(for name: String, load: (String) throws(ServiceError) -> SealSigner) throws(ServiceError) -> SealSigner {
        let now = Date()
        lock.lock()
        let cached = entries[name]
        lock.unlock()
        if let cached, now.timeIntervalSince(cached.loaded) < lifetime,
           cached.signer.certificate.notBefore <= now, now <= cached.signer.certificate.notAfter {
            return cached.signer
        }
        let signer = try load(name)
        lock.lock()
        entries[name] = Entry(signer: signer, loaded: now)
        lock.unlock()
        return signer
    }

    func assets(for name: String, make: () throws(ServiceError) -> PDFSealingAssets) throws(ServiceError) -> PDFSealingAssets {
        let now = Date()
        if let cached = lock.withLock({ assets[name] }), now.timeIntervalSince(cached.loaded) < lifetime { return cached.assets }
        let made = try make()
        lock.withLock { assets[name] = (made, now) }
        return made
    }

    /// Forgets one seal's signer (or all), so the next use re-checks it.
    func invalidate(_ name: String? = nil) {
        lock.lock()
        if let name {
            entries[name] = nil
            assets[name] = nil
        } else {
            entries.removeAll()
            assets.removeAll()
        }
        lock.unlock()
    }
}
