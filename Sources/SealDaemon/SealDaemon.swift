public import Foundation
import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
public import SealService
import ServiceLifecycle
import UnixSignals

/// Runs the daemon: takes the data directory's lock, opens the authority, listens on the Unix
/// socket (and the optional public TCP listener) until SIGTERM or SIGINT, then finishes the
/// requests in flight, commits what they wait for, and returns.
public enum SealDaemon {
    public static func run(_ configuration: DaemonConfiguration, logger: Logger) async throws {
        // Files the daemon creates are private unless it widens them itself (the socket below).
        umask(0o077)
        raiseOpenFileLimit(logger)
        let lock = try DirectoryLock(directory: configuration.dataDirectory)
        let app = try SealDaemonApp(configuration: configuration, logger: logger)
        try clearStaleSocket(configuration.socketPath)

        let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000))))
        var services: [any Service] = []
        let socketPath = configuration.socketPath
        services.append(Application(
            router: app.router(publicOnly: false), server: http1,
            configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "seald", backlog: 1024),
            onServerRunning: { _ in
                if chmod(socketPath, configuration.socketMode) != 0 {
                    logger.error("cannot set the socket's mode", metadata: ["error": "\(String(cString: strerror(errno)))"])
                }
                if let group = configuration.socketGroup, chown(socketPath, uid_t.max, group) != 0 {
                    logger.error("cannot give the socket to its group", metadata: ["group": "\(group)",
                                                                                   "error": "\(String(cString: strerror(errno)))"])
                }
                logger.notice("listening", metadata: ["socket": "\(socketPath)", "mode": "\(String(configuration.socketMode, radix: 8))",
                                                      "data": "\(configuration.dataDirectory.url.path)"])
            },
            logger: logger))
        if let listen = configuration.listen {
            services.append(Application(
                router: app.router(publicOnly: true), server: http1,
                configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "seald", backlog: 1024),
                onServerRunning: { channel in
                    logger.notice("listening (public read-only routes)", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                },
                logger: logger))
        }
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            app.shutdown()
            unlink(socketPath)
            throw error
        }
        // The listeners have drained; commit whatever their last requests queued, then leave.
        app.shutdown()
        unlink(socketPath)
        logger.notice("stopped")
        withExtendedLifetime(lock) {}
    }

    /// Every idle client holds a descriptor: use the whole hard limit, not the small soft default.
    static func raiseOpenFileLimit(_ logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            logger.warning("cannot raise the open-file limit", metadata: ["error": "\(String(cString: strerror(errno)))"])
        }
    }

    /// A socket file left by a crash is removed; one a live daemon answers on is not touched.
    static func clearStaleSocket(_ path: String) throws(ServiceError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard try !acceptsConnections(path) else { throw .refused("another daemon is listening on \(path)") }
        unlink(path)
    }

    /// Whether a process listens on the Unix socket at `path`: one plain connect(2), no HTTP.
    static func acceptsConnections(_ path: String) throws(ServiceError) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .invalidArgument("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .io("cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected == 0 { return true }
        switch errno {
        case ECONNREFUSED, ENOENT: return false
        default: throw .io("cannot check the socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// With no data directory named: the per-user default, created on first run as a development
    /// authority (keys unencrypted, one seal named `dev`), announced loudly.
    public static func developmentAuthority(at directory: DataDirectory, logger: Logger) throws(ServiceError) {
        guard !directory.exists else { return }
        try FileManager.default.createDirectory(at: directory.url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SealService.initialize(directory: directory, name: "Seal Development Authority", algorithm: .ecdsaP256, passphrase: nil)
        let service = try SealService(directory: directory, passphrase: nil)
        try service.enroll(name: "dev", department: "Development Department", organizationIdentifier: nil, algorithm: nil, days: 365)
        let banner = String(repeating: "!", count: 78)
        logger.warning("""
            \(banner)
            DEVELOPMENT AUTHORITY created in \(directory.url.path)
            Its keys are NOT encrypted and it is for trying Seal out only. For real use run
            `seal init --data DIR` with SEAL_PASSPHRASE set, then `seald --data DIR`.
            \(banner)
            """)
    }
}

extension FileManager {
    /// `createDirectory` as a service error.
    fileprivate func createDirectory(at url: URL, withIntermediateDirectories: Bool) throws(ServiceError) -> Void {
        do { try createDirectory(at: url, withIntermediateDirectories: withIntermediateDirectories, attributes: [.posixPermissions: 0o700]) } catch {
            throw .io("cannot create \(url.path): \(error.localizedDescription)")
        }
    }
}

/// An exclusive lock on the data directory (`seald.lock`, holding the daemon's pid): a second
/// daemon on the same authority is refused rather than racing the first. The kernel releases
/// it when the process dies, so a crash never leaves it stuck.
final class DirectoryLock {
    let descriptor: Int32

    init(directory: DataDirectory) throws(ServiceError) {
        guard directory.exists else { throw .noAuthority(directory.url.path) }
        let path = directory.url.appendingPathComponent("seald.lock").path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &buffer, buffer.count, 0)
            let pid = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw .refused("another seald is already serving \(directory.url.path)\(pid.isEmpty ? "" : " (pid \(pid))")")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
    }

    deinit { close(descriptor) }
}
