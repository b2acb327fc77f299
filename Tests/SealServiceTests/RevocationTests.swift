import Foundation
import Testing
import SealTestSupport
@testable import SealService

/// A clock tests move forward by hand, so revocations fall clearly after or before a seal.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now = Date()
    func advance(_ seconds: TimeInterval) { lock.withLock { now = now.addingTimeInterval(seconds) } }
    var read: @Sendable () -> Date { { [self] in lock.withLock { now } } }
}

/// When seal `name` was revoked, as its listing says.
func revocationDate(of name: String, in service: SealService) throws -> Date {
    guard case .revoked(let entry)? = try service.seals().first(where: { $0.name == name })?.status else {
        throw ServiceError.refused("seal '\(name)' is not revoked")
    }
    return entry.revocationDate
}

@Suite struct RevocationTests {
    let document = Array("Birth certificate: date of birth 2026-01-02\n".utf8)
    let corrected = Array("Birth certificate: date of birth 2026-01-03\n".utf8)

    /// Runs `body` with an authority holding seals `civil` and `land`, and a clock under the
    /// test's control; the scratch directory lives until `body` returns.
    func withAuthority(_ body: (SealService, TestClock) throws -> Void) throws {
        let scratch = try ScratchAuthority()
        let clock = TestClock()
        let service = try scratch.service(clock: clock.read)
        try service.enroll(name: "civil", department: "Civil Registry", organizationIdentifier: nil, algorithm: nil, days: 30)
        try service.enroll(name: "land", department: "Land Office", organizationIdentifier: nil, algorithm: nil, days: 30)
        try withExtendedLifetime(scratch) { try body(service, clock) }
    }

    @Test func issuedInErrorThenCorrected() throws {
        try withAuthority { service, clock in
            let wrong = try service.sealNow(document, "civil")
            let right = try service.sealNow(corrected, "civil")
            clock.advance(60)
            try service.revoke(SealedItem(wrong), reason: .error, replacement: SealedItem(right), note: "wrong date of birth", as: .department(nil))

            let online = try service.verify(seal: wrong.der, document: document)
            #expect(online.indication == .totalFailed && online.subIndication == .revoked)
            #expect(online.revocation.document?.reason == "error")
            #expect(online.revocation.document?.replacedBy == 1)
            #expect(try service.verify(seal: right.der, document: corrected).indication == .totalPassed)

            // Offline, through the signed status list.
            let bundle = try service.trustBundle()
            let list = try SealService.documentStatusList(Array(try service.documentStatusList().utf8), trust: bundle)
            let offline = try SealService.verify(seal: wrong.der, document: document, trust: bundle, statusList: list)
            #expect(offline.subIndication == .revoked)
            #expect(offline.revocation.document?.source == "status-list")
            let fine = try SealService.verify(seal: right.der, document: corrected, trust: bundle, statusList: list)
            #expect(fine.indication == .totalPassed)
            // The private note is kept, but not in any public entry.
            #expect(try service.archiveStore().note(of: 2) == "wrong date of birth")
            let exported = try service.archiveStore().entries(from: 0, count: 10).flatMap(\.data)
            #expect(exported.firstRange(of: Array("wrong date".utf8)) == nil)
            #expect(try service.audit(savedCheckpoint: nil).ok)
        }
    }

    @Test func refusalsAppendNothing() throws {
        try withAuthority { service, clock in
            let civil = try service.sealNow(document, "civil")
            let size = { try service.archiveStore().size }
            let before = try size()
            // Another department may not revoke it.
            #expect(throws: ServiceError.forbidden("seal 'land' did not seal this document; only 'civil' or the authority may revoke it")) {
                try service.revoke(SealedItem(civil), reason: .error, replacement: nil, note: nil, as: .department("land"))
            }
            // A seal the archive does not hold (made by another authority) cannot be revoked.
            let other = try ScratchAuthority()
            let otherService = try other.service()
            try otherService.enroll(name: "civil", department: "Elsewhere", organizationIdentifier: nil, algorithm: nil, days: 5)
            let foreign = try otherService.sealNow(document, "civil")
            #expect(throws: ServiceError.refused("the seal is not in this authority's archive")) {
                try service.revoke(SealedItem(foreign), reason: .error, replacement: nil, note: nil, as: .authority)
            }
            // Nor can a replacement that is not archived be named.
            #expect(throws: ServiceError.refused("the replacement seal is not archived: the seal is not in this authority's archive")) {
                try service.revoke(SealedItem(civil), reason: .superseded, replacement: SealedItem(foreign), note: nil, as: .authority)
            }
            #expect(try size() == before)
            // The authority may; a second revocation is refused.
            try service.revoke(SealedItem(civil), reason: .withdrawn, replacement: nil, note: nil, as: .authority)
            #expect(throws: ServiceError.refused("this document (archive entry 0) is already revoked")) {
                try service.revoke(SealedItem(civil), reason: .withdrawn, replacement: nil, note: nil, as: .authority)
            }
            #expect(try size() == before + 1)
            }
    }

    @Test func revokedSealCannotSignAndCRLsNumberUpwards() throws {
        try withAuthority { service, clock in
            let early = try service.sealNow(document, "land")
            clock.advance(3600)
            let first = try service.revokeSeal("land", reason: .superseded, invalidSince: nil)
            #expect(first.number == 1)
            let revokedAt = try revocationDate(of: "land", in: service)
            #expect(throws: ServiceError.sealNotUsable("land", "it was revoked (superseded) on \(revokedAt.rfc3339)")) {
                try service.signer(for: "land")
            }
            #expect(throws: ServiceError.refused("seal 'land' is already revoked")) {
                try service.revokeSeal("land", reason: .superseded, invalidSince: nil)
            }
            #expect(try service.seals().first { $0.name == "land" }?.status.name == "revoked")
            // Online, the archive's CRL is complete as of now: a later nextUpdate does not matter.
        // Sealed an hour before a superseded revocation: still valid, with the revocation reported.
            let report = try service.verify(seal: early.der, document: document)
            #expect(report.indication == .totalPassed, "\(report.summary)")
            #expect(report.revocation.status == .revokedAfterSealing)
            // A CRL near its next update is renewed with the next number; the same entries stay.
            #expect(try service.currentRevocationList().number == 1)
            clock.advance(SealService.revocationInformationLifetime - 3600)
            let renewed = try service.currentRevocationList()
            #expect(renewed.number == 2)
            #expect(renewed.entries.map(\.serialNumber) == first.entries.map(\.serialNumber))
            #expect(try service.audit(savedCheckpoint: nil).ok)
        }
    }

    /// Another host whose clock runs an hour ahead issues a CRL; the next one issued here is
    /// dated no earlier, so the CRLs stay in order and the audit holds.
    @Test func aCRLIsNeverDatedBeforeTheNewest() throws {
        try withAuthority { service, clock in
            let ahead = clock.read().addingTimeInterval(3600)
            let other = try SealService(directory: service.directory, passphrase: try Passphrase("correct horse battery staple"),
                                        clock: { ahead })
            let first = try other.revokeSeal("land", reason: .cessation, invalidSince: nil)
            let second = try service.revokeSeal("civil", reason: .cessation, invalidSince: nil)
            #expect(second.number == 2)
            #expect(try #require(second.thisUpdate) >= #require(first.thisUpdate))
            let audit = try service.audit(savedCheckpoint: nil)
            #expect(audit.ok, "\(audit.problems)")
        }
    }

    @Test func concurrentSealRevocationsGetDistinctCRLNumbers() throws {
        try withAuthority { service, _ in
            // Two writers (separate service objects, as two processes would be) revoke at once.
            // The other one reads the real clock, which runs ahead of this test's frozen one: the
            // CRLs must still be dated in order whichever commits first (this failed under ASan,
            // where setup takes seconds, when the other writer won).
            let other = try SealService(directory: service.directory, passphrase: try Passphrase("correct horse battery staple"))
            let group = DispatchGroup()
            let failures = ProblemCounter()
            for (writer, name) in [(service, "civil"), (other, "land")] {
                group.enter()
                DispatchQueue.global().async {
                    defer { group.leave() }
                    do { try writer.revokeSeal(name, reason: .cessation, invalidSince: nil) } catch { failures.add("\(error)") }
                }
            }
            group.wait()
            #expect(failures.items.isEmpty, "\(failures.items)")
            let latest = try #require(try service.latestRevocationList()).crl
            #expect(latest.number == 2)
            #expect(latest.entries.count == 2)
            let audit = try service.audit(savedCheckpoint: nil)
            #expect(audit.ok, "\(audit.problems)")
            // An append that expects no CRL yet is refused now that there are two.
            #expect(throws: ArchiveError.conflict("another CRL was issued meanwhile")) {
                try service.archive().store.append([], signer: try service.logSigner(), now: Date(), afterRevocationList: .some(nil), withProofs: false)
            }
        }
    }

    @Test func keyCompromiseBeforeTheTimeStampRevokesEarlierSeals() throws {
        try withAuthority { service, clock in
            let sealed = try service.sealNow(document, "civil")
            let sealedAt = clock.read()
            clock.advance(3600)
            try service.revokeSeal("civil", reason: .keyCompromise, invalidSince: sealedAt.addingTimeInterval(-600))
            let report = try service.verify(seal: sealed.der, document: document)
            #expect(report.indication == .totalFailed && report.subIndication == .revoked, "\(report.summary)")
            #expect(report.revocation.invalidSince != nil)
        }
    }

    @Test func onlineRevocationNeedsNoFreshCRL() throws {
        try withAuthority { service, clock in
            let sealed = try service.sealNow(document, "civil")
            let none = try service.verify(seal: sealed.der, document: document)
            #expect(none.revocation.status == .good && none.revocation.source == "archive")
            #expect(none.checks.first { $0.name == .revocation }?.outcome == .passed)
            try service.revokeSeal("land", reason: .cessation, invalidSince: nil)
            clock.advance(SealService.revocationInformationLifetime * 3)
            let later = try service.verify(seal: sealed.der, document: document)
            #expect(later.revocation.status == .good, "\(later.summary)")
            #expect(later.indication != .indeterminate || later.subIndication != .tryLater)
        }
    }

    @Test func staleRevocationInformationIsTryLater() throws {
        try withAuthority { service, clock in
            let sealed = try service.sealNow(document, "civil")
            let crl = try service.currentRevocationList()
            let bundle = try service.trustBundle()
            let list = try SealService.documentStatusList(Array(try service.documentStatusList().utf8), trust: bundle)
            let later: @Sendable () -> Date = { clock.read().addingTimeInterval(SealService.revocationInformationLifetime + 60) }
            let staleCRL = try SealService.verify(seal: sealed.der, document: document, trust: bundle, revocationLists: [crl], clock: later)
            #expect(staleCRL.indication == .indeterminate && staleCRL.subIndication == .tryLater)
            #expect(staleCRL.revocation.nextUpdate != nil)
            let staleList = try SealService.verify(seal: sealed.der, document: document, trust: bundle, statusList: list, clock: later)
            #expect(staleList.indication == .indeterminate && staleList.subIndication == .tryLater)
            #expect(staleList.revocation.document?.status == .stale)
            #expect(try SealService.verify(seal: sealed.der, document: document, trust: bundle, revocationLists: [crl], statusList: list)
                .indication == .totalPassed)
        }
    }

    @Test func statusListFromAnotherLogIsRefused() throws {
        try withAuthority { service, clock in
            let other = try ScratchAuthority()
            let foreign = try other.service().documentStatusList()
            let foreignKey = try other.service().trustBundle().logKeys[0].split(separator: "+").prefix(2).joined(separator: "+")
            #expect(throws: ServiceError.badStatusList("status list: the note is signed only by unknown keys: \(foreignKey)")) {
                try SealService.documentStatusList(Array(foreign.utf8), trust: try service.trustBundle())
            }
            let tampered = try service.documentStatusList().replacingOccurrences(of: "seal-document-status/v1\n", with: "seal-document-status/v1\n ")
            let ownKey = try service.trustBundle().logKeys[0].split(separator: "+").prefix(2).joined(separator: "+")
            #expect(throws: ServiceError.badStatusList("status list: the note's signature by \(ownKey) does not verify")) {
                try SealService.documentStatusList(Array(tampered.utf8), trust: try service.trustBundle())
            }
        }
    }
}

/// The audit enforces who may revoke and that the CRL history only grows, even when entries are
/// written straight into the store (as an attacker with write access could).
@Suite struct RevocationAuditTests {
    let document = Array("Licence No. 7\n".utf8)

    @Test func revocationByAnUnentitledSealIsCaught() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "civil", department: "Civil Registry", organizationIdentifier: nil, algorithm: nil, days: 30)
        try service.enroll(name: "land", department: "Land Office", organizationIdentifier: nil, algorithm: nil, days: 30)
        let sealed = try service.sealNow(document, "civil")
        let store = try service.archive().store
        let target = try service.archivedEntry(of: SealedItem(sealed), store: store)
        let land = try service.seals().first { $0.name == "land" }!
        let forged = try DocumentRevocation(target: target, reason: .withdrawn, revokedAt: Date(), replacement: nil,
                                            revoker: land.certificate, key: try service.loadKey(scratch.directory.sealKey(try SealName("land"))))
        _ = try store.append([.init(entry: .documentRevocation(forged), salt: nil)], signer: try service.logSigner())
        let report = try service.audit(savedCheckpoint: nil)
        #expect(!report.ok)
        #expect(report.problems.contains { $0.reason.contains("neither the sealing department nor the authority") })
    }

    @Test func crlThatDropsARevocationIsCaught() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "civil", department: "Civil Registry", organizationIdentifier: nil, algorithm: nil, days: 30)
        try service.revokeSeal("civil", reason: .cessation, invalidSince: nil)
        #expect(try service.audit(savedCheckpoint: nil).ok)
        // A later CRL, properly signed, that silently un-revokes the seal.
        let clean = try RevocationList.issue(by: try service.rootCertificate(), key: try service.loadKey(scratch.directory.rootKey),
                                             number: 2, thisUpdate: Date(), nextUpdate: Date().addingTimeInterval(86_400), revoked: [])
        _ = try service.archive().store.append([.init(entry: .revocationList(IssuedRevocationList(crl: try clean.der)), salt: nil)],
                                               signer: try service.logSigner())
        let report = try service.audit(savedCheckpoint: nil)
        #expect(report.problems.contains { $0.reason.contains("drops or changes the revocation") })
    }
}

final class ProblemCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ item: String) { lock.withLock { list.append(item) } }
    var items: [String] { lock.withLock { list } }
}
