import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import SealService
import SealClient

/// Every answer that is not a success becomes a JSON `ErrorBody` with the right status; a known
/// path asked with the wrong method is 405 with `Allow`. Also times and counts every request.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = SealRequestContext
    let routes: [RouteSpec]
    let metrics: DaemonMetrics
    let logger: Logger
    let audit: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = render(error, request: request)
            if response.status == .forbidden {
                // Every refusal, whichever layer made it, is counted and leaves an audit line.
                metrics.refusals.increment()
                let peer = await context.peer()
                audit.warning("refused", metadata: ["route": "\(request.method) \(request.uri.path)",
                                                   "peer": "\(peer.map(String.init(describing:)) ?? "unknown")",
                                                   "reason": "\(error)"])
            }
        }
        let route = routes.first { $0.method == request.method && $0.matches(request.uri.path) }?.path
            ?? VerificationPages.metricsRoute(request.uri.path) ?? "unmatched"
        // Labels come from the route table, never from the request, so a client cannot grow them.
        let method = route == "unmatched" ? "other" : request.method.rawValue
        metrics.request(route: route, method: method, status: Int(response.status.code))
        metrics.latency.recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
        return response
    }

    func render(_ error: any Error, request: Request) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        let status: HTTPResponse.Status
        let body: ErrorBody
        switch error {
        case let error as ServiceError:
            status = Self.status(for: error.category)
            body = ErrorBody(error)
            if status == .internalServerError { logger.error("request failed", metadata: ["error": "\(error)"]) }
            // Storage that refuses writes is the operator's business at once (a halted archive
            // above all); the message names no document and no secret.
            if case .storage(let why) = error { logger.critical("the archive refuses writes", metadata: ["error": "\(why)"]) }
        case let error as any HTTPResponseError:
            let allowed = routes.filter { $0.matches(request.uri.path) }.map(\.method.rawValue)
            if error.status == .notFound && !allowed.isEmpty && !allowed.contains(request.method.rawValue) {
                status = .methodNotAllowed
                headers[.allow] = allowed.joined(separator: ", ")
                body = ErrorBody(.remote(.usage, "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(allowed.joined(separator: " or "))"))
            } else {
                status = error.status
                let message = (error as? HTTPError)?.body ?? (status == .contentTooLarge ? "the request body is too large" : status.reasonPhrase)
                body = ErrorBody(.remote(status == .notFound ? .notFound : .usage, status == .notFound && (error as? HTTPError)?.body == nil
                                         ? "no route \(request.method.rawValue) \(request.uri.path)" : message))
            }
        default:
            status = .internalServerError
            logger.error("request failed", metadata: ["error": "\(error)"])
            body = ErrorBody(.remote(.failure, "internal error"))
        }
        let bytes = (try? JSON.encoder().encode(body)).map { Array($0) + [0x0A] } ?? Array("{}\n".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func status(for category: ServiceError.Category) -> HTTPResponse.Status {
        switch category {
        case .usage, .badInput: .badRequest
        case .missingFile, .notFound: .notFound
        case .conflict: .conflict
        case .forbidden: .forbidden
        case .unavailable: .serviceUnavailable
        case .failure: .internalServerError
        }
    }
}
