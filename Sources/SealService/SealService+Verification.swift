public import Foundation
public import SealCore
public import SealArchive

/// Trust bundles and verification, online against this authority or offline against a bundle.
extension SealService {
    /// The trust bundle third parties use to verify offline.
    public func trustBundle() throws(ServiceError) -> TrustBundle {
        TrustBundle(roots: [try rootCertificate()], logKeys: [authority.logVerifierKey])
    }

    /// Verifies online: against this authority's own root and log key, looking the seal up in
    /// the archive when it carries no receipt. `seal` is a CAdES seal or an SES signature;
    /// `receipt` is the receipt that came beside one (an SES signature has no place for it).
    public func verify(seal: [UInt8], document: [UInt8], receipt: [UInt8]? = nil, revocationLists: [RevocationList] = [],
                       statusList: DocumentStatusList? = nil) throws(ServiceError) -> VerificationReport {
        // Online, the authority's own newest CRL is complete as of now, unless CRLs were given.
        let online = revocationLists.isEmpty
        let crls = online ? (try latestRevocationList()).map { [$0.crl] } ?? [] : revocationLists
        let verifier = try OfflineVerifier(trust: trustBundle(), revocationLists: crls, revocationListsAreCurrent: online,
                                           statusList: statusList, clock: clock, caches: runtime.verificationCaches)
        return try withArchive { store in verifier.verify(seal: seal, document: document, receipt: receipt, lookup: Archive(store: store)) }
    }

    /// Verifies offline against a trust bundle (and, when given, an archive to look seals up in).
    public static func verify(seal: [UInt8], document: [UInt8], receipt: [UInt8]? = nil, trust: TrustBundle,
                              revocationLists: [RevocationList] = [], revocationListsAreCurrent: Bool = false,
                              statusList: DocumentStatusList? = nil, lookup: (any ArchiveLookup)? = nil,
                              clock: @escaping @Sendable () -> Date = { Date() }) throws(ServiceError) -> VerificationReport {
        try OfflineVerifier(trust: trust, revocationLists: revocationLists, revocationListsAreCurrent: revocationListsAreCurrent,
                            statusList: statusList, lookup: lookup, clock: clock).verify(seal: seal, document: document, receipt: receipt)
    }

    /// What verifiers remember between seals (paths, ESS bindings, checkpoints); a verifier
    /// owns its caches, and the service shares one set among its own online verifications.
    public struct VerificationCaches: Sendable {
        let seals = VerificationCache()
        let checkpoints = VerifiedCheckpoints()
        public init() {}
    }

    /// Offline verification prepared once for a trust bundle, for verifying many seals: the
    /// bundle's log keys are parsed once rather than for each seal, and what one seal proved
    /// (a path, a checkpoint) is remembered for the next.
    public struct OfflineVerifier {
        let verifier: SealVerifier
        let archive: ArchiveVerifier

        public init(trust: TrustBundle, revocationLists: [RevocationList] = [], revocationListsAreCurrent: Bool = false,
                    statusList: DocumentStatusList? = nil, lookup: (any ArchiveLookup)? = nil,
                    clock: @escaping @Sendable () -> Date = { Date() }, caches: VerificationCaches = .init()) throws(ServiceError) {
            verifier = SealVerifier(trust: trust.anchors, revocationLists: revocationLists,
                                    revocationListsAreCurrent: revocationListsAreCurrent, clock: clock, cache: caches.seals)
            archive = ArchiveVerifier(logKeys: try logKeys(of: trust), lookup: lookup, statusList: statusList,
                                      checkpoints: caches.checkpoints)
        }

        /// Verifies a CAdES seal or a detached SES signature (told apart by their shape) over
        /// `document`, with the receipt it carries or `receipt`.
        public func verify(seal: [UInt8], document: [UInt8], receipt: [UInt8]? = nil) -> VerificationReport {
            verify(seal: seal, document: document, receipt: receipt, archive: archive)
        }

        /// `verify` looking seals up in `lookup` instead of the one given at creation.
        func verify(seal: [UInt8], document: [UInt8], receipt: [UInt8]?, lookup: any ArchiveLookup) -> VerificationReport {
            verify(seal: seal, document: document, receipt: receipt,
                   archive: ArchiveVerifier(logKeys: archive.logKeys, lookup: lookup, statusList: archive.statusList,
                                            checkpoints: archive.checkpoints))
        }

        private func verify(seal: [UInt8], document: [UInt8], receipt: [UInt8]?, archive: ArchiveVerifier) -> VerificationReport {
            guard SESSignature.hasItsShape(seal) else {
                return verifier.verify(seal: seal, document: document) { parsed, digest, report in
                    archive.check(parsed, documentDigest: digest, into: &report)
                }
            }
            let documentHash = DigestAlgorithm.sm3.hash(document)
            return verifier.verify(ses: seal, contentHash: documentHash) { parsed, report in
                archive.check(SealSigner.Sealed(parsed), documentDigest: documentHash, receipt: receipt, into: &report)
            }
        }
    }

    /// The trust bundle's log keys, parsed.
    static func logKeys(of trust: TrustBundle) throws(ServiceError) -> [NoteVerifierKey] {
        var keys: [NoteVerifierKey] = []
        for text in trust.logKeys {
            do { keys.append(try NoteVerifierKey(text)) } catch { throw .badTrustBundle(error.description) }
        }
        return keys
    }

    /// Parses trust bundle bytes with a service error (log keys included).
    public static func trustBundle(pem: [UInt8]) throws(ServiceError) -> TrustBundle {
        let bundle: TrustBundle
        do { bundle = try TrustBundle(pem: pem) } catch { throw .badTrustBundle(error.description) }
        _ = try logKeys(of: bundle)
        return bundle
    }

    /// Parses CRL bytes with a service error.
    public static func revocationList(_ bytes: [UInt8]) throws(ServiceError) -> RevocationList {
        do { return try RevocationList(bytes: bytes) } catch { throw .badRevocationList(error.description) }
    }
}
