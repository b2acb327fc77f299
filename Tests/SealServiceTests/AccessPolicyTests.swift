import Foundation
import Testing
import SealCore
import SealTestSupport
@testable import SealService

/// One policy decides who may do what, asked by the service inside each operation: the daemon's
/// callers are refused there whichever front end carried the request.
@Suite struct AccessPolicyTests {
    static let registrar = PeerIdentity(pid: 1, uid: 5001, gid: 5001, groups: [5001])
    static let taxClerk = PeerIdentity(pid: 2, uid: 5002, gid: 6000, groups: [6000])
    static let admin = PeerIdentity(pid: 3, uid: 5003, gid: 5003, groups: [5003])

    static func policy() throws -> AccessPolicy {
        try AccessPolicy(owner: 4000, text: "uid 5001 seal civil\ngid 6000 seal tax\nuid 5003 admin\n")
    }

    @Test func decisionsFromBothSides() throws {
        let policy = try Self.policy()
        #expect(policy.allows(.directoryOwner, .administer))
        #expect(policy.allows(.peer(Self.registrar), .seal(with: "civil")))
        #expect(!policy.allows(.peer(Self.registrar), .seal(with: "tax")))
        #expect(!policy.allows(.peer(Self.registrar), .administer))
        #expect(policy.allows(.peer(Self.taxClerk), .seal(with: "tax")))
        #expect(!policy.allows(.peer(Self.taxClerk), .seal(with: "civil")))
        #expect(policy.allows(.peer(Self.admin), .seal(with: "civil")) && policy.allows(.peer(Self.admin), .administer))
        #expect(policy.allows(.peer(PeerIdentity(pid: 4, uid: 4000, gid: 1, groups: [1])), .administer))  // the owner
        #expect(!policy.allows(.peer(nil), .seal(with: "civil")))
        #expect(!policy.allows(.peer(nil), .administer))
    }

    @Test func theServiceAsksThePolicyInEveryOperation() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "civil", department: "Civil", organizationIdentifier: nil, algorithm: nil, days: 30)
        try service.enroll(name: "tax", department: "Tax", organizationIdentifier: nil, algorithm: nil, days: 30)
        try AtomicFile.write(Array("uid 5001 seal civil\ngid 6000 seal tax\n".utf8),
                             to: scratch.directory.url.appendingPathComponent("access.conf"))
        let registrar = Caller.peer(Self.registrar)
        let document = Array("licence".utf8)

        #expect(throws: ServiceError.forbidden("uid 5001 may not use seal 'tax'; see access.conf in the data directory")) {
            try service.seal([.content(document)], with: "tax", by: registrar)
        }
        #expect(try service.seal([.content(document)], with: "civil", by: registrar).count == 1)
        let adminOnly = ServiceError.forbidden("uid 5001 may not use this operation (admin only); see access.conf in the data directory")
        #expect(throws: adminOnly) {
            try service.enroll(name: "land", department: "Land", organizationIdentifier: nil, algorithm: nil, days: 30, by: registrar)
        }
        #expect(throws: adminOnly) { try service.revokeSeal("tax", reason: .keyCompromise, invalidSince: nil, by: registrar) }

        // Revoking a document: the seal that sealed it acts, unless the authority does.
        let taxed = try service.sealNow(document, "tax")
        #expect(throws: ServiceError.forbidden("uid 5001 may not use seal 'tax'; see access.conf in the data directory")) {
            try service.prepareRevocation(SealedItem(taxed), reason: .error, replacement: nil, note: nil, as: .department(nil), by: registrar)
        }
        #expect(throws: adminOnly) {
            try service.prepareRevocation(SealedItem(taxed), reason: .error, replacement: nil, note: nil, as: .authority, by: registrar)
        }
        _ = try service.prepareRevocation(SealedItem(taxed), reason: .error, replacement: nil, note: nil, as: .department(nil),
                                          by: .peer(Self.taxClerk))
        #expect(throws: ServiceError.forbidden("this caller may not use seal 'civil'; see access.conf in the data directory")) {
            try service.authorize(.peer(nil), .seal(with: "civil"))
        }
    }

    /// A damaged access file serves only admins, and the refusal says why.
    @Test func aDamagedAccessFileFailsClosed() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try AtomicFile.write(Array("uid 5001 seal civil\nnonsense\n".utf8), to: scratch.directory.url.appendingPathComponent("access.conf"))
        let error = #expect(throws: ServiceError.self) { try service.authorize(.peer(Self.registrar), .seal(with: "civil")) }
        #expect(error?.description.hasSuffix("(it is unusable, so only admins are served: access file line 2: expected `uid|gid|user|group WHO admin` or `... seal NAME...`)") == true,
                "\(error.map(String.init(describing:)) ?? "")")
        try service.authorize(.directoryOwner, .administer)
    }
}
