public import Hummingbird
import Foundation
import NIOCore
import NIOPosix
import SealCore
import SealService

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
        guard let credentials = await PeerCredentials.of(channel) else { return nil }
        return PeerIdentity(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
    }
}

/// glibc's struct ucred, which Swift's Glibc module does not expose.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0

    /// The kernel records a Unix socket peer's credentials when it connects, and they never change
    /// for that connection, so they are read once per connection (reading them is a hop to the
    /// channel's event loop). An entry answers only while its channel is alive and is the very
    /// channel asked about: a later connection that reuses the address gets its own reading.
    private static let known = BoundedCache<ObjectIdentifier, Reading>(capacity: 4096)

    private final class Reading: @unchecked Sendable {
        weak var channel: (any Channel)?
        let credentials: PeerCredentials
        init(channel: any Channel, credentials: PeerCredentials) {
            self.channel = channel
            self.credentials = credentials
        }
    }

    static func of(_ channel: any Channel) async -> PeerCredentials? {
        let key = ObjectIdentifier(channel)
        if let reading = known.value(for: key), let owner = reading.channel, owner === channel { return reading.credentials }
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        let option = NIOBSDSocket.Option(rawValue: SO_PEERCRED)
        guard let credentials = try? await provider.unsafeGetSocketOption(level: .socket, name: option).get() as PeerCredentials else {
            return nil
        }
        known.insert(key, Reading(channel: channel, credentials: credentials))
        return credentials
    }
}
