import Foundation
import Hummingbird
import HTTPTypes
import Mustache
import MultipartKit
import NIOCore
import SealCore
import SealService

/// The public verification page at `/` (both listeners): a form that takes a sealed PDF or OFD,
/// or a document and its seal, and a result a person can read. It works as a plain HTML form;
/// its script only adds drag and drop, progress and local times. Nothing uploaded is written or
/// logged. Verification runs on the service's background threads (the lowest priority), at most
/// `concurrency` at once, so a flood of uploads cannot starve sealing on the socket.
final class VerificationPages: Sendable {
    let library: MustacheLibrary
    let catalogue = PageCatalogue()
    let maximumUpload: Int
    let gate: ConcurrencyGate
    /// Each seal's picture as a `data:` URI (nil: not this authority's seal), by the SHA-256 of
    /// its certificate: looking it up reads every enrolled seal's certificate from disk.
    let pictures = BoundedCache<String, Picture>(capacity: 256)

    struct Picture: Sendable {
        let dataURI: String?
    }

    /// Scripts, styles and forms from this origin only; no frames, no plugins.
    static let contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    init(maximumUpload: Int, concurrency: Int, reserving: @escaping @Sendable () -> Bool = { false }) throws {
        MustacheContentTypes.register(UTF8HTMLEscaping(), named: UTF8HTMLEscaping.name)
        var library = MustacheLibrary()
        for (name, bytes) in [("header", PackageResources.header_mustache), ("footer", PackageResources.footer_mustache),
                              ("form", PackageResources.form_mustache), ("result", PackageResources.result_mustache),
                              ("archive", PackageResources.archive_mustache), ("entry", PackageResources.entry_mustache),
                              ("text", PackageResources.text_mustache)] {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
        self.maximumUpload = maximumUpload
        gate = ConcurrencyGate(limit: concurrency, queue: 16 * concurrency, reserving: reserving)
    }

    // MARK: routes


    func register(on router: Router<SealRequestContext>, service: SealService) {
        router.get("/") { request, _ in self.form(request) }
        router.post("/verify") { request, _ in await self.verify(request, service: service) }
        router.get("/assets/seal.css") { _, _ in Self.asset(PackageResources.seal_css, type: "text/css; charset=utf-8") }
        router.get("/assets/seal.js") { _, _ in Self.asset(PackageResources.seal_js, type: "text/javascript; charset=utf-8") }
        registerArchive(on: router, service: service)
    }

    /// The page a path belongs to, as a metrics label (a fixed set, so a client cannot grow them).
    static func metricsRoute(_ path: String) -> String? {
        if path == "/" || path == "/verify" { return path }
        return ["/assets/", "/archive"].first { path.hasPrefix($0) }.map { $0 == "/assets/" ? "/assets" : "/archive" }
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "public, max-age=86400"]
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func form(_ request: Request, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let language = PageCatalogue.language(of: request)
        var context = base(language, title: catalogue.text("page_title", language), path: "/")
        if let error { context["error"] = error }
        return html(library.render(context, withTemplate: "form") ?? "", status: status)
    }

    func verify(_ request: Request, service: SealService) async -> Response {
        let language = PageCatalogue.language(of: request)
        func refuse(_ key: String, _ status: HTTPResponse.Status, _ values: [String: String] = [:]) -> Response {
            form(request, error: catalogue.text(key, language, values), status: status)
        }
        guard await gate.enter() else { return refuse("error_busy", .serviceUnavailable) }
        defer { gate.leave() }
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
              let boundary = Self.boundary(type) else { return refuse("error_no_file", .badRequest) }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: maximumUpload + 64 * 1024) } catch {
            return refuse("error_too_large", .contentTooLarge, ["limit": String(maximumUpload / 1024 / 1024)])
        }
        // Parsing the upload and verifying it run on the service's background threads: they get
        // the CPU only when sealing does not want it.
        let outcome: Outcome
        do {
            outcome = try await service.runInBackground { [pictures] () throws(ServiceError) -> Outcome in
                guard let upload = try? FormDataDecoder().decode(Upload.self, from: body, boundary: boundary) else { return .noFile }
                let document = Array(upload.document)
                let signature = upload.signature.map { Array($0) }.flatMap { $0.isEmpty ? nil : $0 }
                guard !document.isEmpty else { return .noFile }
                var model: ResultModel
                if let signature {
                    model = ResultModel(single: try service.verify(seal: signature, document: document))
                } else {
                    guard SealService.carriesItsSeals(document) else { throw ServiceError.badDocument("no seal") }
                    model = try ResultModel(document: try service.verifyDocument(document))
                }
                // Each seal of this authority is shown with its picture, inline (the page loads
                // nothing from elsewhere).
                for index in model.signatures.indices {
                    guard let fingerprint = model.signatures[index].report.signer?.certificateSHA256 else { continue }
                    model.signatures[index].picture = pictures.value(for: fingerprint) {
                        Picture(dataURI: service.sealPicture(certificateSHA256: fingerprint)
                            .map { "data:\($0.mediaType);base64," + Data($0.data).base64EncodedString() })
                    }.dataURI
                }
                return .verified(model)
            }
        } catch {
            return refuse("error_not_document", .badRequest)
        }
        guard case .verified(let model) = outcome else { return refuse("error_no_file", .badRequest) }
        var context = base(language, title: catalogue.text("verdict_" + model.verdict.key, language), path: "/")
        context["verdict"] = [
            "kind": model.verdict.key, "icon": model.verdict.icon,
            "title": catalogue.text("verdict_" + model.verdict.key, language),
            "explained": catalogue.text("verdict_\(model.verdict.key)_explained", language),
        ]
        context["signatures"] = model.signatures.enumerated().map { index, signature in
            signature.context(index: index + 1, count: model.signatures.count, language: language, catalogue: catalogue)
        }
        return html(library.render(context, withTemplate: "result") ?? "", status: .ok)
    }

    /// What every page gets: its language, the words, and the language switch (to `path`).
    func base(_ language: String, title: String, path: String) -> [String: Any] {
        [
            "lang": language, "title": title, "t": catalogue.messages[language] ?? [:], "switchPath": path,
            "languages": PageCatalogue.languages.map { code, _ in
                ["code": code, "name": catalogue.text("lang_name", code), "current": code == language] as [String: Any]
            },
        ]
    }

    func html(_ text: String, status: HTTPResponse.Status) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The boundary parameter of a multipart Content-Type.
    static func boundary(_ type: String) -> String? {
        for parameter in type.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 70 ? nil : value
            }
        }
        return nil
    }

    /// What an upload came to.
    enum Outcome: Sendable {
        case verified(ResultModel)
        case noFile
    }

    /// The form's two file fields (an empty file field arrives as an empty part).
    struct Upload: Decodable {
        let document: Data
        let signature: Data?
    }
}

/// At most `limit` at once (half of it while `reserving`: sealing is arriving and needs the
/// other threads), up to `queue` more waiting their turn in order; beyond that, turned away.
/// (Turning every extra request away at once made clients retry in a loop: the page then
/// verified at 42% of the API's rate in `seal-bench page`.)
final class ConcurrencyGate: @unchecked Sendable {
    private let limit: Int
    private let queue: Int
    private let reserving: @Sendable () -> Bool
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private let lock = NSLock()

    init(limit: Int, queue: Int, reserving: @escaping @Sendable () -> Bool = { false }) {
        self.limit = limit
        self.queue = queue
        self.reserving = reserving
    }

    /// How many may run now.
    private var allowed: Int { reserving() ? max(1, limit / 2) : limit }

    /// Whether the caller may go ahead (after waiting its turn); false when the queue is full.
    func enter() async -> Bool {
        enum Decision { case go, wait, refuse }
        let allowed = self.allowed
        let decision: Decision = lock.withLock {
            if running < allowed { running += 1; return .go }
            return waiting.count < queue ? .wait : .refuse
        }
        switch decision {
        case .go: return true
        case .refuse: return false
        case .wait:
            await withCheckedContinuation { continuation in
                let admitted: Bool = lock.withLock {
                    // A slot may have freed between the decision and now.
                    if running < limit { running += 1; return true }
                    waiting.append(continuation)
                    return false
                }
                if admitted { continuation.resume() }
            }
            return true
        }
    }

    /// Hands the slot to the next in line, or frees it (also while sealing reserves it).
    func leave() {
        let allowed = self.allowed
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            if waiting.isEmpty || running > allowed { running -= 1; return nil }
            return waiting.removeFirst()
        }
        next?.resume()
    }
}
