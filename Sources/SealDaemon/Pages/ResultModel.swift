import Foundation
import SealCore
import SealService

/// A verification as the result page shows it: one verdict, then each signature.
struct ResultModel: Sendable {
    enum Verdict: Sendable {
        case valid, invalid, undecided

        init(_ indication: Indication) {
            switch indication {
            case .totalPassed: self = .valid
            case .totalFailed: self = .invalid
            case .indeterminate: self = .undecided
            }
        }

        /// The catalogue's key and the class the stylesheet colours.
        var key: String {
            switch self {
            case .valid: "valid"
            case .invalid: "invalid"
            case .undecided: "undecided"
            }
        }

        /// A sign beside the words, so that colour is never the only cue.
        var icon: String {
            switch self {
            case .valid: "✔"
            case .invalid: "✘"
            case .undecided: "?"
            }
        }
    }

    struct Signature: Sendable {
        let report: VerificationReport
        let level: String?
        /// The seal's picture as a `data:` URI, for this authority's seals.
        var picture: String? = nil
    }

    let verdict: Verdict
    var signatures: [Signature]

    init(single report: VerificationReport) {
        verdict = Verdict(report.indication)
        signatures = [Signature(report: report, level: nil)]
    }

    /// A document's signatures; a document without any is not one the page can judge.
    init(document report: DocumentVerificationReport) throws(ServiceError) {
        guard !report.signatures.isEmpty else { throw .badDocument(report.failure?.detail ?? "the document carries no seal") }
        verdict = Verdict(report.indication)
        signatures = report.signatures.map { Signature(report: $0.report, level: $0.level) }
    }
}

extension ResultModel.Signature {
    /// The template's values for this signature, in `language`.
    func context(index: Int, count: Int, language: String, catalogue: PageCatalogue) -> [String: Any] {
        let verdict = ResultModel.Verdict(report.indication)
        var context: [String: Any] = [
            "index": index, "kind": verdict.key, "icon": verdict.icon,
            "heading": catalogue.text("signature_heading", language, ["index": String(index), "count": String(count)]),
            "title": catalogue.text("verdict_" + verdict.key, language),
        ]
        if let signer = report.signer {
            context["department"] = signer.department ?? ""
            if let organization = signer.organization { context["organization"] = organization }
            if let identifier = signer.organizationIdentifier { context["organizationIdentifier"] = identifier }
        }
        if let time = report.timestamp?.time {
            context["timestamped"] = Self.time(time)
        } else if let claimed = report.signingTime {
            context["claimed"] = Self.time(claimed)
        }
        if report.archive.status == .archived, let index = report.archive.index { context["archiveIndex"] = String(index) }
        context["archive"] = report.archive.status == .archived
            ? catalogue.text("archived_entry", language, ["index": String(report.archive.index ?? 0)])
            : catalogue.text("not_archived", language)
        let revoked = report.revocation.status == .revoked || report.revocation.document?.status == .revoked
        let reasonCode = [report.revocation.document?.reason, report.revocation.reason].compactMap { $0 }.first
        context["revocation"] = revoked
            ? reasonCode.map { catalogue.text("revoked_because", language, ["reason": catalogue.text("reason_code_" + $0, language)]) }
                ?? catalogue.text("revoked", language)
            : catalogue.text("not_revoked", language)
        if let level { context["level"] = level }
        if let picture { context["picture"] = picture }
        // The reason in words from the catalogue, by sub-indication; SealCore's own sentence
        // (English, naming serials, offsets and objects) follows as the technical record.
        if verdict != .valid, let deciding = report.decidingCheck {
            context["reason"] = [
                "text": deciding.subIndication.map { catalogue.text("reason_" + $0.rawValue, language) } ?? deciding.detail,
                "detail": deciding.detail,
            ]
        }
        context["checks"] = report.checks.map { check -> [String: Any] in
            ["name": catalogue.text("checkname_" + check.name.rawValue, language), "code": check.name.rawValue,
             "outcome": check.outcome.rawValue, "outcomeText": catalogue.text("check_" + check.outcome.rawValue, language),
             "detail": check.detail]
        }
        return context
    }

    static func time(_ date: Date) -> [String: String] {
        let iso = ISO8601DateFormatter().string(from: date)
        return ["iso": iso, "utc": iso.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")]
    }
}
