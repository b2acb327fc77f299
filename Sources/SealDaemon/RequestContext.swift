public import Hummingbird
import Foundation
import NIOCore
import NIOPosix

/// Per-request context: the connection it arrived on, so the caller's credentials can be read
/// from the kernel, and which listener (Unix socket or public TCP) it came through.
public struct SealRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Bodies are collected explicitly with the daemon's own limit.
    public var maxUploadSize: Int { Int.max }

    /// The caller's uid/gid/pid (SO_PEERCRED); nil off a Unix socket.
    func peer() async -> PeerIdentity? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        // glibc's struct ucred, which Swift's Glibc module does not expose.
        struct PeerCredentials { var pid: Int32 = 0; var uid: UInt32 = 0; var gid: UInt32 = 0 }
        let option = NIOBSDSocket.Option(rawValue: SO_PEERCRED)
        guard let credentials = try? await provider.unsafeGetSocketOption(level: .socket, name: option).get() as PeerCredentials else {
            return nil
        }
        return PeerIdentity(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
    }
}
