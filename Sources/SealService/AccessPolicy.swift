public import Foundation
import SealCore

/// Who asks for an operation.
public enum Caller: Sendable, CustomStringConvertible {
    /// Whoever runs the CLI on the data directory itself: they hold the files and the keys'
    /// passphrase, so every operation is theirs.
    case directoryOwner
    /// A daemon caller, known by the kernel's credentials (nil: the listener gave none).
    case peer(PeerIdentity?)

    public var description: String {
        switch self {
        case .directoryOwner: "the data directory's owner"
        case .peer(let peer): peer.map(String.init(describing:)) ?? "an unidentified caller"
        }
    }
}

/// What an operation needs from its caller.
public enum Permission: Sendable, Equatable {
    /// Enrolling and revoking seals, revoking as the authority.
    case administer
    /// Sealing with seal `name`, and revoking the documents it sealed.
    case seal(with: String)
}

/// Who a caller on the Unix socket is, from the kernel (SO_PEERCRED), never from the request.
public struct PeerIdentity: Sendable, Equatable, CustomStringConvertible {
    public let pid: Int32
    public let uid: uid_t
    public let gid: gid_t
    /// The primary group and the supplementary groups of the uid's account.
    public let groups: Set<gid_t>

    public init(pid: Int32, uid: uid_t, gid: gid_t, groups: Set<gid_t>? = nil) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups ?? Self.accountGroups(uid: uid, primary: gid)
    }

    public var description: String { "uid \(uid) gid \(gid) pid \(pid)" }

    /// The account's groups, looked up at most once a second per uid and primary gid: the lookup
    /// reads the account databases (/etc/passwd and /etc/group, or NSS), which cost more than a
    /// seal. A change of membership therefore applies within a second.
    static func accountGroups(uid: uid_t, primary: gid_t) -> Set<gid_t> {
        let key = UInt64(uid) << 32 | UInt64(primary)
        let now = ContinuousClock.now
        if let entry = lookedUp.value(for: key), now < entry.until { return entry.groups }
        let groups = lookUpAccountGroups(uid: uid, primary: primary)
        lookedUp.insert(key, (groups, now + groupLifetime))
        return groups
    }

    static let groupLifetime = Duration.seconds(1)
    private static let lookedUp = BoundedCache<UInt64, (groups: Set<gid_t>, until: ContinuousClock.Instant)>(capacity: 4096)

    private static func lookUpAccountGroups(uid: uid_t, primary: gid_t) -> Set<gid_t> {
        var result: Set<gid_t> = [primary]
        guard let account = getpwuid(uid), let name = account.pointee.pw_name else { return result }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primary, &groups, &count) == -1 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(name, primary, &groups, &count)
        }
        result.formUnion(groups.prefix(Int(max(0, count))))
        return result
    }
}

/// The access file (`access.conf` in the data directory): which uids and gids are admins and
/// which seals each may use. The data directory's owner and root are always admins.
///
///     # who           what
///     uid 1001        admin
///     user registrar  seal civil-registry
///     gid 2000        seal civil-registry business-licences
///     group tax       seal tax-office
public struct AccessPolicy: Sendable, Equatable {
    public enum Grant: Sendable, Equatable {
        case admin
        case seals(Set<String>)
    }

    public enum Subject: Sendable, Hashable {
        case uid(uid_t)
        case gid(gid_t)
    }

    public private(set) var grants: [Subject: [Grant]] = [:]
    public let owner: uid_t

    public init(owner: uid_t, text: String = "") throws(ServiceError) {
        self.owner = owner
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = (raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard !words.isEmpty else { continue }
            let bad = ServiceError.invalidArgument("access file line \(number + 1): expected `uid|gid|user|group WHO admin` or `... seal NAME...`")
            guard words.count >= 3 else { throw bad }
            let subject: Subject
            switch words[0] {
            case "uid": guard let id = uid_t(words[1]) else { throw bad }; subject = .uid(id)
            case "gid": guard let id = gid_t(words[1]) else { throw bad }; subject = .gid(id)
            case "user":
                guard let account = getpwnam(words[1]) else { throw .invalidArgument("access file line \(number + 1): no user '\(words[1])'") }
                subject = .uid(account.pointee.pw_uid)
            case "group":
                guard let id = Self.groupID(words[1]) else { throw .invalidArgument("access file line \(number + 1): no group '\(words[1])'") }
                subject = .gid(id)
            default: throw bad
            }
            switch words[2] {
            case "admin" where words.count == 3: grants[subject, default: []].append(.admin)
            case "seal" where words.count > 3:
                for name in words.dropFirst(3) { _ = try SealName(name) }
                grants[subject, default: []].append(.seals(Set(words.dropFirst(3))))
            default: throw bad
            }
        }
    }

    private func grants(of peer: PeerIdentity) -> [Grant] {
        (grants[.uid(peer.uid)] ?? []) + peer.groups.flatMap { grants[.gid($0)] ?? [] }
    }

    /// A group by number or name.
    public static func groupID(_ text: String) -> gid_t? {
        if let number = gid_t(text) { return number }
        guard let entry = getgrnam(text) else { return nil }
        return entry.pointee.gr_gid
    }

    /// The one access decision: whether `caller` may do what `permission` names.
    public func allows(_ caller: Caller, _ permission: Permission) -> Bool {
        switch caller {
        case .directoryOwner: return true
        case .peer(nil): return false
        case .peer(let peer?):
            switch permission {
            case .administer: return isAdmin(peer)
            case .seal(let name): return maySeal(peer, with: name)
            }
        }
    }

    public func isAdmin(_ peer: PeerIdentity) -> Bool {
        peer.uid == 0 || peer.uid == owner || grants(of: peer).contains(.admin)
    }

    /// Whether the caller may seal with (and revoke documents of) seal `name`.
    public func maySeal(_ peer: PeerIdentity, with name: String) -> Bool {
        isAdmin(peer) || grants(of: peer).contains { if case .seals(let names) = $0 { names.contains(name) } else { false } }
    }
}

/// Re-reads the access file when it changes, so granting access needs no restart. A damaged
/// file refuses everyone but the admins (fail closed) until it is fixed.
public final class AccessFile: @unchecked Sendable {
    let url: URL
    let owner: uid_t
    private let lock = NSLock()
    private var cached: (version: FileVersion?, policy: AccessPolicy, error: ServiceError?)?

    public init(directory: DataDirectory) {
        url = directory.url.appendingPathComponent("access.conf")
        let attributes = try? FileManager.default.attributesOfItem(atPath: directory.url.path)
        owner = (attributes?[.ownerAccountID] as? NSNumber).map { uid_t($0.uint32Value) } ?? 0
    }

    /// The policy as the file says now; the file is read again whenever its version changes (one
    /// `stat` per request).
    public func current() -> (policy: AccessPolicy, error: ServiceError?) {
        let version = FileVersion(path: url.path)
        lock.lock()
        defer { lock.unlock() }
        if let cached, cached.version == version { return (cached.policy, cached.error) }
        let empty = (try? AccessPolicy(owner: owner)) ?? { fatalError("an empty access policy always parses") }()
        var result: (AccessPolicy, ServiceError?) = (empty, nil)
        if version != nil {
            do {
                result = (try AccessPolicy(owner: owner, text: String(decoding: try AtomicFile.read(url), as: UTF8.self)), nil)
            } catch {
                result = (empty, error)
            }
        }
        cached = (version, result.0, result.1)
        return result
    }
}

extension SealService {
    /// Refuses (`forbidden`) unless the access file lets `caller` do what `permission` names.
    /// Every operation that needs a permission asks here, whichever front end called it.
    public func authorize(_ caller: Caller, _ permission: Permission) throws(ServiceError) {
        if case .directoryOwner = caller { return }
        let (policy, problem) = runtime.access.current()
        if policy.allows(caller, permission) { return }
        let who = if case .peer(let peer?) = caller { "uid \(peer.uid)" } else { "this caller" }
        let what = switch permission {
        case .administer: "this operation (admin only)"
        case .seal(let name): "seal '\(name)'"
        }
        let damaged = problem.map { " (it is unusable, so only admins are served: \($0))" } ?? ""
        throw .forbidden("\(who) may not use \(what); see access.conf in the data directory\(damaged)")
    }
}
