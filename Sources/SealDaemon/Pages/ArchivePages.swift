import Foundation
import Hummingbird
import HTTPTypes
import Mustache
import SealCore
import SealService

/// The archive pages for auditors, each beside its JSON twin under `/v1`: the newest
/// checkpoint with the log key and how to check it, entries by index with their inclusion
/// proofs, consistency between two sizes, the CRL and the document status list. Entries show
/// their kind, time and department, never personal data.
extension VerificationPages {
    static let entriesPerPage = 50

    func registerArchive(on router: Router<SealRequestContext>, service: SealService) {
        router.get("/archive") { request, _ in await self.answer(request) { language in try await self.archive(request, language, service) } }
        router.get("/archive/entries/:index") { request, context in
            await self.answer(request) { language in
                guard let index = context.parameters.get("index", as: Int.self), index >= 0 else { throw PageError.notFound }
                return try await self.entry(index, request, language, service)
            }
        }
        router.get("/archive/crl") { request, _ in await self.answer(request) { language in try await self.crl(request, language, service) } }
        router.get("/archive/status") { request, _ in await self.answer(request) { language in try await self.status(request, language, service) } }
        router.get("/archive/consistency") { request, _ in
            await self.answer(request) { language in try await self.consistency(request, language, service) }
        }
    }

    enum PageError: Error {
        case notFound
    }

    /// A page, or its error page: 404 for what the archive does not hold, 400 for a bad request.
    func answer(_ request: Request, _ render: (String) async throws -> Response) async -> Response {
        let language = PageCatalogue.language(of: request)
        do {
            return try await render(language)
        } catch let error as ServiceError where error.category != .notFound {
            return textPage(request, language, heading: catalogue.text("archive_error_title", language),
                            lines: [catalogue.text("error_bad_request", language, ["reason": error.description])], status: .badRequest)
        } catch {
            return textPage(request, language, heading: catalogue.text("archive_error_title", language),
                            lines: [catalogue.text("error_not_found", language)], status: .notFound)
        }
    }

    func archive(_ request: Request, _ language: String, _ service: SealService) async throws -> Response {
        let (checkpoint, size, keys) = try await service.run { () throws(ServiceError) in
            (try service.checkpoint(size: nil), try service.withArchive { try $0.size }, try service.trustBundle().logKeys)
        }
        let requested = request.uri.queryParameters["from"].flatMap { Int($0) }
        let from = max(0, min(requested ?? (size - Self.entriesPerPage), size - 1))
        let entries = size == 0 ? [] : try await service.run { () throws(ServiceError) in try service.logEntries(from: from, count: Self.entriesPerPage) }
        var context = base(language, title: catalogue.text("archive_title", language), path: "/archive")
        context["checkpoint"] = checkpoint
        context["treeSizeText"] = catalogue.text("tree_size", language, ["size": String(size)])
        context["logKeys"] = keys
        context["origin"] = "https://" + (request.head.authority ?? "localhost")
        // Newest first: a page shows [from, from + 50).
        context["entries"] = entries.reversed().map { entryRow($0, language) }
        if from > 0 { context["older"] = String(max(0, from - Self.entriesPerPage)) }
        if from + Self.entriesPerPage < size { context["newer"] = String(from + Self.entriesPerPage) }
        return html(library.render(context, withTemplate: "archive") ?? "", status: .ok)
    }

    func entryRow(_ entry: LogEntryInfo, _ language: String) -> [String: Any] {
        var row: [String: Any] = ["index": entry.index, "kind": catalogue.text("kind_" + entry.kind, language), "signer": entry.signer ?? ""]
        for (key, value) in ResultModel.Signature.time(entry.committedAt) { row[key] = value }
        return row
    }

    func entry(_ index: Int, _ request: Request, _ language: String, _ service: SealService) async throws -> Response {
        let size = try await service.run { () throws(ServiceError) in try service.withArchive { try $0.size } }
        guard index < size else { throw PageError.notFound }
        let (entries, proof) = try await service.run { () throws(ServiceError) in
            (try service.logEntries(from: index, count: 1), try service.inclusionProof(index: index, size: nil))
        }
        guard let entry = entries.first, entry.index == index else { throw PageError.notFound }
        var context = base(language, title: catalogue.text("entry_heading", language, ["index": String(index)]), path: "/archive/entries/\(index)")
        for (key, value) in entryRow(entry, language) { context[key] = value }
        context["heading"] = catalogue.text("entry_heading", language, ["index": String(index)])
        context["leafHash"] = entry.leafHash
        context["proof"] = proof.proof
        context["proofText"] = catalogue.text("inclusion_text", language, ["size": String(proof.treeSize)])
        context["checkpoint"] = proof.checkpoint ?? ""
        return html(library.render(context, withTemplate: "entry") ?? "", status: .ok)
    }

    func crl(_ request: Request, _ language: String, _ service: SealService) async throws -> Response {
        let crl = try await service.run { () throws(ServiceError) in try service.currentRevocationList() }
        let time = { (date: Date?) in date.map { ResultModel.Signature.time($0)["utc"] ?? "" } ?? "–" }
        let entries = crl.entries
        return textPage(request, language, heading: catalogue.text("crl_title", language), lines: [catalogue.text("crl_text", language, [
            "number": crl.number.map(String.init) ?? "–", "issued": time(crl.thisUpdate), "next": time(crl.nextUpdate), "count": String(entries.count),
        ])], columns: ["crl_serial", "crl_reason", "crl_date"].map { catalogue.text($0, language) },
            rows: entries.map { [$0.serialNumber, catalogue.text("reason_code_" + $0.reason.description, language), time($0.revocationDate)] }, json: "/v1/crl?format=pem")
    }

    func status(_ request: Request, _ language: String, _ service: SealService) async throws -> Response {
        let list = try await service.run { () throws(ServiceError) in try service.documentStatusList() }
        return textPage(request, language, heading: catalogue.text("status_title", language), lines: [catalogue.text("status_text", language)],
                        body: list, json: "/v1/status")
    }

    func consistency(_ request: Request, _ language: String, _ service: SealService) async throws -> Response {
        let size = try await service.run { () throws(ServiceError) in try service.withArchive { try $0.size } }
        let from = request.uri.queryParameters["from"].flatMap { Int($0) } ?? max(1, size / 2)
        let to = request.uri.queryParameters["to"].flatMap { Int($0) } ?? size
        let proof = try await service.run { () throws(ServiceError) in try service.consistencyProof(from: from, to: to) }
        return textPage(request, language, heading: catalogue.text("consistency_title", language), lines: [
            catalogue.text("consistency_text", language, ["from": String(proof.from), "to": String(proof.to), "fromRoot": proof.fromRoot, "toRoot": proof.toRoot]),
        ], body: proof.proof.joined(separator: "\n"), form: ["from": String(proof.from), "to": String(proof.to)],
           json: "/v1/proofs/consistency?from=\(proof.from)&to=\(proof.to)")
    }

    /// A page of paragraphs, an optional table and an optional preformatted block.
    func textPage(_ request: Request, _ language: String, heading: String, lines: [String], columns: [String] = [], rows: [[String]] = [],
                  body: String? = nil, form: [String: String]? = nil, json: String = "/v1/checkpoint",
                  status: HTTPResponse.Status = .ok) -> Response {
        var context = base(language, title: heading, path: request.uri.path)
        context["heading"] = heading
        context["lines"] = lines
        context["columns"] = columns
        context["rows"] = rows
        context["hasRows"] = !rows.isEmpty
        if let body { context["body"] = body }
        if let form { context["form"] = form }
        context["json"] = json
        return html(library.render(context, withTemplate: "text") ?? "", status: status)
    }
}
