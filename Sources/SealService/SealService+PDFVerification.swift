public import Foundation
public import SealCore
import SealArchive
import SealPDF

/// Verifying a PDF: every signature and document time-stamp in it, Seal's and others', each
/// as an ETSI report with its byte range, the changes made after it, and its PAdES level.
extension SealService.OfflineVerifier {
    func verify(pdf bytes: [UInt8], archive: ArchiveVerifier) -> DocumentVerificationReport {
        let file: PDFFile
        let signatures: [PDFSignature]
        do {
            file = try PDFFile(bytes: bytes)
            signatures = try file.signatures()
        } catch {
            return DocumentVerificationReport(signatures: [], failure: .failed(.format, .totalFailed, .formatFailure, error.description))
        }
        // The CRLs the document carries in its DSS count as revocation information too.
        var verifier = self.verifier
        verifier.revocationLists += Self.embeddedRevocationLists(file)
        return DocumentVerificationReport(signatures: signatures.map { signature in
            let report = verify(signature, in: file, verifier: verifier, archive: archive)
            return .init(id: signature.fieldName,
                         location: "object \(signature.dictionary.number), revision \(signature.revision) of \(signature.revisionCount)",
                         report: report, level: Self.level(of: signature, report: report))
        })
    }

    private func verify(_ signature: PDFSignature, in file: PDFFile, verifier: SealVerifier, archive: ArchiveVerifier) -> VerificationReport {
        var report = VerificationReport(validationTime: verifier.clock())
        if let problem = signature.coverageProblem {
            report.append(.failed(.byteRange, .totalFailed, .formatFailure, problem))
            return report
        }
        report.append(.passed(.byteRange, "the signature covers the whole of revision \(signature.revision) except its own /Contents"))
        let parts = signature.signedParts(of: file.bytes)
        switch signature.kind {
        case .documentTimeStamp:
            verifier.verifyDocumentTimeStamp(signature.contents, content: parts, into: &report)
        case .signature:
            guard signature.subFilter == "ETSI.CAdES.detached" || signature.subFilter == "adbe.pkcs7.detached" else {
                report.append(.failed(.format, .indeterminate, .formatFailure,
                                      "SubFilter \(signature.subFilter ?? "none") is not one Seal verifies (ETSI.CAdES.detached, adbe.pkcs7.detached)"))
                return report
            }
            let seal: SealSignature
            do {
                // Others' BER is read; a seal carrying Seal's receipt must be in Seal's own profile.
                seal = try SealSignature(foreign: signature.contents)
                report.append(.passed(.format, "detached CMS SignedData with one signer (\(signature.subFilter!))"))
            } catch {
                report.append(.failed(.format, .totalFailed, .formatFailure, "/Contents is not a CMS signature Seal accepts: \(error)"))
                return report
            }
            let profile: SealVerifier.Profile = signature.subFilter == "ETSI.CAdES.detached" ? .pades : .pkcs7
            let digest = SealVerifier.contentDigest(of: seal, content: parts)
            verifier.verify(seal, contentDigest: digest, profile: profile, claimedTime: signature.claimedTime, into: &report)
            // Seal's own seals carry their receipt; others' are not Seal's to have archived.
            // The newest receipt: renewed in a later revision, else the one sealed in the CMS.
            let receipt = SealService.newestReceipt(of: signature, seal: seal, in: file)
            if receipt != nil || report.checks.contains(where: { $0.name == .certificateChain && $0.outcome == .passed }) {
                if let digest, let sealed = try? SealSigner.Sealed(seal) {
                    archive.check(sealed, documentDigest: digest, receipt: receipt, into: &report)
                } else {
                    archive.check(seal, documentDigest: nil, into: &report)
                }
            } else {
                report.append(.skipped(.archive, "not issued by this authority: archiving applies to Seal's seals only"))
            }
        }
        if signature.disallowedChanges.isEmpty {
            let later = signature.revisionCount - signature.revision
            report.append(.passed(.changesAfterSigning, later == 0 ? "no revision after the signed one"
                                  : "the \(later) later revision(s) only sign, add validation data or fill fields"))
        } else {
            report.append(.failed(.changesAfterSigning, .totalFailed, .modifiedAfterSealing,
                                  "the document was modified after sealing: \(signature.disallowedChanges.joined(separator: "; "))"))
        }
        return report
    }

    /// The PAdES baseline level a signature reaches (ETSI EN 319 142-1 §6): B-B, with a
    /// signature time-stamp B-T, with validation data added later B-LT, with a document
    /// time-stamp over that B-LTA.
    static func level(of signature: PDFSignature, report: VerificationReport) -> String {
        guard signature.kind == .signature else { return "document time-stamp" }
        guard signature.subFilter == "ETSI.CAdES.detached" else { return "not PAdES (\(signature.subFilter ?? "no SubFilter"))" }
        guard report.timestamp != nil else { return "B-B" }
        guard signature.laterDSS else { return "B-T" }
        return signature.laterDocumentTimeStamp ? "B-LTA" : "B-LT"
    }

    /// The CRLs in the document's DSS that parse.
    static func embeddedRevocationLists(_ file: PDFFile) -> [RevocationList] {
        guard let catalog = try? file.objects.dictionary(.reference(file.root)),
              let store = try? file.objects.dictionary(catalog["DSS"]),
              let list = try? file.objects.resolve(store["CRLs"]).array else { return [] }
        return list.prefix(64).compactMap { item in
            guard let reference = item.reference, let der = try? file.objects.decodedStream(reference) else { return nil }
            return try? RevocationList.carried(der)
        }
    }
}
