public import Hummingbird

/// Who may call a route.
public enum RouteAccess: String, Sendable {
    /// Anyone, on the Unix socket and on the public TCP listener.
    case `public`
    /// Any caller on the Unix socket.
    case local
    /// Callers mapped to the seal in question (or admins); decided per request.
    case department
    /// Admins only.
    case admin
}

/// One route of the daemon. This table builds the router and is what the test compares with
/// the OpenAPI file, so the two cannot drift apart.
public struct RouteSpec: Sendable, Hashable {
    public let method: HTTPRequest.Method
    /// In OpenAPI form: `/v1/seals/{name}`.
    public let path: String
    public let access: RouteAccess

    /// The method as sent on the wire (`GET`, `POST`).
    public var methodName: String { method.rawValue }

    /// The router's form: `/v1/seals/:name`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }.joined(separator: "/")
    }

    /// Whether a request path names this route (any method).
    func matches(_ requestPath: String) -> Bool {
        let pattern = path.split(separator: "/", omittingEmptySubsequences: false)
        let given = requestPath.split(separator: "/", omittingEmptySubsequences: false)
        return pattern.count == given.count && zip(pattern, given).allSatisfy { $0.hasPrefix("{") ? !$1.isEmpty : $0 == $1 }
    }
}

public enum SealRoutes {
    public static let all: [RouteSpec] = [
        RouteSpec(method: .get, path: "/healthz", access: .public),
        RouteSpec(method: .get, path: "/metrics", access: .local),
        RouteSpec(method: .post, path: "/v1/verify", access: .public),
        RouteSpec(method: .get, path: "/v1/checkpoint", access: .public),
        RouteSpec(method: .get, path: "/v1/checkpoints", access: .public),
        RouteSpec(method: .get, path: "/v1/proofs/inclusion", access: .public),
        RouteSpec(method: .get, path: "/v1/proofs/consistency", access: .public),
        RouteSpec(method: .get, path: "/v1/entries", access: .public),
        RouteSpec(method: .get, path: "/v1/entries/{index}", access: .public),
        RouteSpec(method: .get, path: "/v1/crl", access: .public),
        RouteSpec(method: .get, path: "/v1/trust", access: .public),
        RouteSpec(method: .get, path: "/v1/status", access: .public),
        RouteSpec(method: .post, path: "/v1/receipts", access: .public),
        RouteSpec(method: .get, path: "/v1/seals", access: .local),
        RouteSpec(method: .post, path: "/v1/seals", access: .admin),
        RouteSpec(method: .post, path: "/v1/seals/{name}", access: .department),
        RouteSpec(method: .post, path: "/v1/seals/{name}/revocation", access: .admin),
        RouteSpec(method: .get, path: "/v1/seals/{name}/seal.esl", access: .local),
        RouteSpec(method: .post, path: "/v1/revocations", access: .department),
    ]

    /// The routes a listener serves: everything on the Unix socket, the public ones on TCP.
    public static func served(publicOnly: Bool) -> [RouteSpec] {
        publicOnly ? all.filter { $0.access == .public } : all
    }
}
