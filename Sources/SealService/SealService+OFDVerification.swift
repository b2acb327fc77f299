public import Foundation
public import SealCore
public import SealArchive
public import SealOFD

/// Verifying an OFD document: every signature it lists, each as received, with its References
/// and the receipt it carries in the package.
extension SealService {
    /// Verifies a document with its seals inside (an OFD or a PDF) online, against this
    /// authority (see `verify(seal:document:…)`).
    public func verifyDocument(_ document: [UInt8], revocationLists: [RevocationList] = [],
                               statusList: DocumentStatusList? = nil) throws(ServiceError) -> DocumentVerificationReport {
        let online = revocationLists.isEmpty
        let crls = online ? (try latestRevocationList()).map { [$0.crl] } ?? [] : revocationLists
        let verifier = try OfflineVerifier(trust: trustBundle(), revocationLists: crls, revocationListsAreCurrent: online,
                                           statusList: statusList, clock: clock, caches: runtime.verificationCaches)
        return try withArchive { store in verifier.verify(document: document, lookup: Archive(store: store)) }
    }

    /// Verifies an OFD or a PDF offline against a trust bundle.
    public static func verifyDocument(_ document: [UInt8], trust: TrustBundle, revocationLists: [RevocationList] = [],
                                      statusList: DocumentStatusList? = nil,
                                      clock: @escaping @Sendable () -> Date = { Date() }) throws(ServiceError) -> DocumentVerificationReport {
        try OfflineVerifier(trust: trust, revocationLists: revocationLists, statusList: statusList, clock: clock).verify(document: document)
    }

    /// Whether `bytes` are a PDF, by its header.
    public static func isPDF(_ bytes: [UInt8]) -> Bool { bytes.starts(with: Array("%PDF-".utf8)) }

    /// Whether `bytes` are a document that carries its seals inside (PDF or OFD).
    public static func carriesItsSeals(_ bytes: [UInt8]) -> Bool { isPDF(bytes) || isOFD(bytes) }

    /// Whether `bytes` look like an OFD package (a zip), for front ends that take any document.
    public static func isOFD(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) }
}

extension SealService.OfflineVerifier {
    public func verify(ofd bytes: [UInt8]) -> DocumentVerificationReport { verify(ofd: bytes, archive: archive) }

    /// Verifies a PDF or an OFD, told apart by their content.
    public func verify(document bytes: [UInt8]) -> DocumentVerificationReport { verify(document: bytes, archive: archive) }

    func verify(document bytes: [UInt8], lookup: any ArchiveLookup) -> DocumentVerificationReport {
        verify(document: bytes, archive: ArchiveVerifier(logKeys: archive.logKeys, lookup: lookup, statusList: archive.statusList,
                                                         checkpoints: archive.checkpoints))
    }

    private func verify(document bytes: [UInt8], archive: ArchiveVerifier) -> DocumentVerificationReport {
        SealService.isPDF(bytes) ? verify(pdf: bytes, archive: archive) : verify(ofd: bytes, archive: archive)
    }

    private func verify(ofd bytes: [UInt8], archive: ArchiveVerifier) -> DocumentVerificationReport {
        let document: OFDDocument
        let entries: [OFDSignatureEntry]
        do {
            document = try OFDDocument(package: try OFDPackage(bytes: bytes))
            entries = try document.signatures()
        } catch {
            return DocumentVerificationReport(signatures: [], failure: .failed(.format, .totalFailed, .formatFailure, error.description))
        }
        // Read once for every signature (and not at all without one): each must protect them all.
        let files = entries.isEmpty ? .success([]) : Result { () throws(OFDError) in try document.filesRead() }
        return DocumentVerificationReport(signatures: entries.map { entry in
            .init(id: entry.id, location: entry.location, report: verify(entry, in: document, files: files, archive: archive))
        })
    }

    private func verify(_ entry: OFDSignatureEntry, in document: OFDDocument, files: Result<[String], OFDError>,
                        archive: ArchiveVerifier) -> VerificationReport {
        let package = document.package
        let description: OFDSignatureDescription
        let signedValue: [UInt8]
        do {
            description = try OFDSignatureDescription(name: entry.descriptionName, package: package)
            signedValue = try package.file(description.signedValueName)
        } catch {
            var report = VerificationReport(validationTime: verifier.clock())
            report.append(.failed(.format, .totalFailed, .formatFailure, error.description))
            return report
        }
        guard entry.type == "Seal" else {
            var report = VerificationReport(validationTime: verifier.clock())
            report.append(.failed(.format, .indeterminate, .cryptoConstraintsFailure,
                                  "a Type=\(entry.type) signature (GB/T 35275 SignedData) is not one Seal checks"))
            return report
        }
        let receipt = package.contains(description.receiptName) ? try? package.file(description.receiptName) : nil
        let descriptionHash = DigestAlgorithm.sm3.hash(description.bytes)
        return verifier.verify(ses: signedValue, contentHash: descriptionHash) { parsed, report in
            switch files {
            case .success(let files):
                report.append(Self.referencesCheck(description.checkReferences(in: package, documentFiles: files)))
            case .failure(let error):
                report.append(.failed(.references, .totalFailed, .formatFailure,
                                      "cannot tell which files the document is read from, so not whether the signature protects them: \(error)"))
            }
            archive.check(SealSigner.Sealed(parsed), documentDigest: descriptionHash, receipt: receipt, into: &report)
        }
    }

    static func referencesCheck(_ check: OFDReferenceCheck) -> VerificationCheck {
        if let method = check.unsupportedMethod {
            return .failed(.references, .indeterminate, .cryptoConstraintsFailure, "the References use CheckMethod \(method), which Seal does not accept (SM3 only)")
        }
        guard check.total > 0 else { return .failed(.references, .totalFailed, .formatFailure, "the signature protects no file") }
        if !check.changed.isEmpty || !check.missing.isEmpty {
            let changed = check.changed.isEmpty ? "" : "changed after signing: \(check.changed.joined(separator: ", "))"
            let missing = check.missing.isEmpty ? "" : "missing: \(check.missing.joined(separator: ", "))"
            return .failed(.references, .totalFailed, .hashFailure, [changed, missing].filter { !$0.isEmpty }.joined(separator: "; "))
        }
        guard check.unprotected.isEmpty else {
            return .failed(.references, .totalFailed, .modifiedAfterSealing,
                           "the document is read from files the signature does not protect: \(check.unprotected.joined(separator: ", "))")
        }
        let entry = check.protectsEntry ? "" : "; OFD.xml is not among them, so the document information it holds (DocInfo: title, author, custom data) is not signed"
        return .passed(.references, "all \(check.total) files the signature protects are unchanged\(entry)")
    }
}
