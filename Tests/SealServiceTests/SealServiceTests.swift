import Foundation
import Testing
import SealCore
import SealTestSupport
@testable import SealService

/// One authority in a scratch directory per test.
final class ScratchAuthority {
    let base: URL
    let directory: DataDirectory
    let passphrase: Passphrase

    init(algorithm: SignatureAlgorithm = .ecdsaP256, encrypted: Bool = true) throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("seal-svc-\(UUID().uuidString.prefix(12))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        directory = DataDirectory(base.appendingPathComponent("data"))
        passphrase = try Passphrase("correct horse battery staple")
        try SealService.initialize(directory: directory, name: "Test Authority", algorithm: algorithm,
                                   passphrase: encrypted ? passphrase : nil)
    }

    deinit { try? FileManager.default.removeItem(at: base) }

    func service(passphrase: Passphrase? = nil, clock: @escaping @Sendable () -> Date = { Date() }) throws -> SealService {
        try SealService(directory: directory, passphrase: passphrase ?? self.passphrase, clock: clock)
    }

    func mode(_ url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions]) as? Int ?? -1) & 0o777
    }
}

@Suite struct AuthorityTests {
    @Test func initWritesEncryptedKeysWithTightPermissions() throws {
        let scratch = try ScratchAuthority()
        let directory = scratch.directory
        #expect(scratch.mode(directory.url) == 0o700)
        #expect(scratch.mode(directory.url.appendingPathComponent("authority")) == 0o700)
        #expect(scratch.mode(directory.url.appendingPathComponent("seals")) == 0o700)
        for key in [directory.rootKey, directory.tsaKey] {
            #expect(scratch.mode(key) == 0o600)
            let pem = String(decoding: try Data(contentsOf: key), as: UTF8.self)
            #expect(pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        }
        // No staging directory is left beside the data directory.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.base.path)
        #expect(leftovers == ["data"])
        #expect(scratch.mode(directory.logKey) == 0o600)
        #expect(String(decoding: try Data(contentsOf: directory.logKey), as: UTF8.self).hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        #expect(scratch.mode(directory.archive) == 0o600)
    }

    @Test func tsaCertificateHasCriticalTimeStampingUsageAndChainsToRoot() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        let tsa = try service.loadCertificate(scratch.directory.tsaCertificate)
        let root = try service.rootCertificate()
        #expect(tsa.isTimeStampingCertificate)
        #expect(!tsa.isCertificateAuthority)
        #expect(root.isCertificateAuthority)
        #expect(tsa.issuer == root.subject)
    }

    @Test func initRefusesAnExistingAuthorityAndLeavesItIntact() throws {
        let scratch = try ScratchAuthority()
        let before = try Data(contentsOf: scratch.directory.rootKey)
        #expect(throws: ServiceError.authorityExists(scratch.directory.url.path)) {
            try SealService.initialize(directory: scratch.directory, name: "Other", algorithm: .ecdsaP256, passphrase: nil)
        }
        #expect(try Data(contentsOf: scratch.directory.rootKey) == before)
    }

    @Test func initRefusesANonEmptyDirectory() throws {
        let scratch = try ScratchAuthority()
        let other = DataDirectory(scratch.base.appendingPathComponent("busy"))
        try FileManager.default.createDirectory(at: other.url, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: other.url.appendingPathComponent("note.txt"))
        #expect(throws: ServiceError.directoryNotEmpty(other.url.path)) {
            try SealService.initialize(directory: other, name: "Other", algorithm: .ecdsaP256, passphrase: nil)
        }
    }

    @Test func unencryptedAuthorityNeedsNoPassphrase() throws {
        let scratch = try ScratchAuthority(encrypted: false)
        let pem = String(decoding: try Data(contentsOf: scratch.directory.rootKey), as: UTF8.self)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let service = try SealService(directory: scratch.directory, passphrase: nil)
        #expect(try service.enroll(name: "dept", department: "Dept", organizationIdentifier: nil, algorithm: nil, days: 10).name == "dept")
    }

    @Test func missingAuthorityIsNamed() throws {
        let scratch = try ScratchAuthority()
        let missing = DataDirectory(scratch.base.appendingPathComponent("nothing"))
        #expect(throws: ServiceError.noAuthority(missing.url.path)) { try SealService(directory: missing, passphrase: nil) }
    }
}

@Suite struct KeyAccessTests {
    @Test func wrongPassphraseIsRefusedAndNothingIsEnrolled() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service(passphrase: try Passphrase("wrong"))
        #expect(throws: ServiceError.keyUnreadable(scratch.directory.rootKey.path, "wrong passphrase, or the key file is damaged")) {
            try service.enroll(name: "dept", department: "Dept", organizationIdentifier: nil, algorithm: nil, days: 10)
        }
        #expect(try service.seals().isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.directory.url.appendingPathComponent("seals").path)
        #expect(leftovers.isEmpty)
    }

    @Test func missingPassphraseForEncryptedKeys() throws {
        let scratch = try ScratchAuthority()
        let service = try SealService(directory: scratch.directory, passphrase: nil)
        #expect(throws: ServiceError.passphraseRequired) {
            try service.enroll(name: "dept", department: "Dept", organizationIdentifier: nil, algorithm: nil, days: 10)
        }
    }
}

@Suite struct EnrollmentTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func enrolledSealHasTheSealProfile(algorithm: SignatureAlgorithm) throws {
        // An SM2 seal's seal object is made by an SM2 authority.
        let scratch = try ScratchAuthority(algorithm: algorithm == .sm2 ? .sm2 : .ecdsaP256)
        let service = try scratch.service()
        let info = try service.enroll(name: "civil-registry", department: "Civil Registry Office",
                                      organizationIdentifier: "11440300MB2C12345X", algorithm: algorithm, days: 30)
        #expect(info.algorithm == algorithm)
        #expect(info.status == .active)
        let certificate = info.certificate
        #expect(certificate.keyUsage == [.digitalSignature, .nonRepudiation])
        #expect(certificate.subject.commonName == "Civil Registry Office")
        #expect(certificate.subject.organizationIdentifier == "11440300MB2C12345X")
        #expect(certificate.subject.organization == "Test Authority")
        #expect(certificate.algorithm == algorithm)
        #expect(scratch.mode(scratch.directory.sealKey(try SealName("civil-registry"))) == 0o600)
        #expect(abs(certificate.notAfter.timeIntervalSince(certificate.notBefore) - 30 * 86_400) < 2)
    }

    @Test func duplicateAndInvalidNamesAreRefused() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "dept", department: "Dept", organizationIdentifier: nil, algorithm: nil, days: 10)
        #expect(throws: ServiceError.sealExists("dept")) {
            try service.enroll(name: "dept", department: "Other", organizationIdentifier: nil, algorithm: nil, days: 10)
        }
        for bad in ["../escape", "", "UPPER", "-dash", "a/b", String(repeating: "a", count: 65)] {
            #expect(throws: ServiceError.invalidSealName(bad)) {
                try service.enroll(name: bad, department: "Dept", organizationIdentifier: nil, algorithm: nil, days: 10)
            }
        }
        #expect(try service.seals().map(\.name) == ["dept"])
    }

    /// Subject fields that would make a bad or misleading certificate are refused up front.
    @Test func enrolmentRefusesBadSubjectFields() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        let refusals: [(String, String?, String)] = [
            ("Civil\u{0}Registry", nil, "the department name contains control characters"),
            ("Civil", "", "the organization identifier is empty"),
            (" ", nil, "the department name is empty"),
            ("Civil\nRegistry", nil, "the department name contains control characters"),
            (String(repeating: "x", count: 65), nil, "the department name is longer than 64 characters"),
            ("Civil", "ID\u{7}", "the organization identifier contains control characters"),
        ]
        for (department, organization, reason) in refusals {
            #expect(throws: ServiceError.invalidArgument(reason)) {
                try service.enroll(name: "bad", department: department, organizationIdentifier: organization, algorithm: nil, days: 30)
            }
        }
        #expect(try service.seals().isEmpty)
    }

    @Test func listsSealsWithStatus() throws {
        let scratch = try ScratchAuthority()
        try scratch.service().enroll(name: "short", department: "Short", organizationIdentifier: nil, algorithm: nil, days: 1)
        try scratch.service().enroll(name: "long", department: "Long", organizationIdentifier: nil, algorithm: .ecdsaP384, days: 100)
        let later = try scratch.service(clock: { Date().addingTimeInterval(10 * 86_400) })
        let seals = try later.seals()
        #expect(seals.map(\.name) == ["long", "short"])
        #expect(seals.map(\.status) == [.active, .expired])
    }
}

@Suite struct SealingTests {
    let document = Array("Household registration extract\n".utf8)

    @Test func sealsAndVerifiesAgainstOwnRoot() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "dept", department: "Household Registry", organizationIdentifier: "42", algorithm: nil, days: 10)
        let seal = try service.sealNow(document, "dept")
        let report = try service.verify(seal: seal.der, document: document)
        #expect(report.indication == .totalPassed)
        #expect(report.signer?.organizationIdentifier == "42")
        #expect(report.timestamp != nil)
        #expect(report.archive.status == .archived)
        let bundle = try SealService.trustBundle(pem: Array(try service.trustBundle().pem.utf8))
        #expect(bundle.logKeys == [service.authority.logVerifierKey])
        #expect(try SealService.verify(seal: seal.der, document: document, trust: bundle).indication == .totalPassed)
    }

    @Test func unknownSealIsRefused() throws {
        let scratch = try ScratchAuthority()
        #expect(throws: ServiceError.unknownSeal("nobody")) { try scratch.service().signer(for: "nobody") }
    }

    @Test func expiredOrNotYetValidSealCannotSign() throws {
        let scratch = try ScratchAuthority()
        try scratch.service().enroll(name: "dept", department: "Dept", organizationIdentifier: nil, algorithm: nil, days: 1)
        let later = try scratch.service(clock: { Date().addingTimeInterval(3 * 86_400) })
        let certificate = try #require(try scratch.service().seals().first).certificate
        #expect(throws: ServiceError.sealNotUsable("dept", "its certificate expired on \(certificate.notAfter.rfc3339)")) {
            try later.signer(for: "dept")
        }
        let earlier = try scratch.service(clock: { Date().addingTimeInterval(-86_400) })
        #expect(throws: ServiceError.sealNotUsable("dept", "its certificate is valid only from \(certificate.notBefore.rfc3339)")) {
            try earlier.signer(for: "dept")
        }
    }
}

/// Background work (the public page's verifications) runs at the lowest priority, on threads of
/// its own, and ordinary work keeps the normal one.
@Suite struct ServiceThreadTests {
    @Test func backgroundWorkRunsAtNiceNineteenAndOrdinaryWorkDoesNot() async throws {
        let scratch = try ScratchAuthority(encrypted: false)
        let service = try scratch.service()
        let niceness = { @Sendable () throws(ServiceError) -> Int32 in getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
        for _ in 0..<4 { #expect(try await service.runInBackground(niceness) == 19) }
        for _ in 0..<4 { #expect(try await service.run(niceness) == getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)) }
        let enrolled = try await service.runInBackground { () throws(ServiceError) in try service.enroll(name: "dept", department: "Dept", organizationIdentifier: nil, algorithm: nil, days: 10) }
        #expect(enrolled.name == "dept")
    }
}

@Suite struct AtomicFileTests {
    @Test func writeReplacesWholeFileAndLeavesNoTemporary() throws {
        let scratch = try ScratchAuthority()
        let target = scratch.base.appendingPathComponent("out.bin")
        try AtomicFile.write([1, 2, 3], to: target, mode: 0o600)
        try AtomicFile.write([4, 5], to: target, mode: 0o600)
        #expect(Array(try Data(contentsOf: target)) == [4, 5])
        #expect(scratch.mode(target) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.base.path).sorted() == ["data", "out.bin"])
    }

    /// A batch of files is written whole: every target with its bytes and exact mode, and no
    /// temporary left; one unwritable target writes none of them.
    @Test func batchOfFilesIsWrittenTogetherOrNotAtAll() throws {
        let scratch = try ScratchAuthority()
        let targets = (0..<20).map { scratch.base.appendingPathComponent("seal-\($0).p7s") }
        try AtomicFile.writeAll(targets.enumerated().map { ([UInt8](repeating: UInt8($0.offset), count: 100 + $0.offset), $0.element) },
                                mode: 0o640)
        for (index, target) in targets.enumerated() {
            #expect(Array(try Data(contentsOf: target)) == [UInt8](repeating: UInt8(index), count: 100 + index))
            #expect(scratch.mode(target) == 0o640)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.base.path).filter { $0.hasPrefix(".") }.isEmpty)

        let more = (0..<5).map { scratch.base.appendingPathComponent("more-\($0).p7s") } + [scratch.base.appendingPathComponent("missing/x.p7s")]
        let error = #expect(throws: ServiceError.self) { try AtomicFile.writeAll(more.map { ([1, 2, 3], $0) }) }
        guard case .io(let text)? = error else {
            Issue.record("not an I/O error: \(String(describing: error))")
            return
        }
        #expect(text.hasPrefix("cannot create \(scratch.base.path)/missing/.x.p7s.tmp-"), "\(text)")
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.base.path)
        #expect(left.filter { $0.hasPrefix("more-") || $0.hasPrefix(".") }.isEmpty, "\(left)")
    }

    @Test func writeIntoMissingDirectoryFailsCleanly() throws {
        let scratch = try ScratchAuthority()
        let target = scratch.base.appendingPathComponent("missing/out.bin")
        let error = #expect(throws: ServiceError.self) { try AtomicFile.write([1], to: target) }
        // The temporary name is random; the rest of the message is exact.
        guard case .io(let text)? = error else {
            Issue.record("not an I/O error: \(String(describing: error))")
            return
        }
        #expect(text.hasPrefix("cannot create \(scratch.base.path)/missing/.out.bin.tmp-") && text.hasSuffix(": No such file or directory"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }
}

/// The daemon's signer cache: a revoked seal stops signing at once when revoked through the
/// cache's owner, and within the lifetime when revoked elsewhere.
@Suite struct SignerCacheTests {
    @Test func revokedSealsStopSigning() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "civil", department: "Civil", organizationIdentifier: nil, algorithm: nil, days: 30)
        try service.enroll(name: "tax", department: "Tax", organizationIdentifier: nil, algorithm: nil, days: 30)
        let patient = Loader(cache: SignerCache(lifetime: 3600), service: service)
        let eager = Loader(cache: SignerCache(lifetime: 0), service: service)
        _ = try patient.signer(for: "civil")
        _ = try eager.signer(for: "civil")
        try service.revokeSeal("civil", reason: .keyCompromise, invalidSince: nil)
        // Revoked elsewhere: a zero lifetime re-reads the CRL at once…
        let revokedAt = try revocationDate(of: "civil", in: service)
        let revoked = ServiceError.sealNotUsable("civil", "it was revoked (key-compromise) on \(revokedAt.rfc3339)")
        #expect(throws: revoked) { try eager.signer(for: "civil") }
        // …a long one keeps the loaded key until it is told,
        _ = try patient.signer(for: "civil")
        patient.cache.invalidate("civil")
        #expect(throws: revoked) { try patient.signer(for: "civil") }
        // and other seals are untouched.
        _ = try patient.signer(for: "tax")
        #expect(throws: ServiceError.unknownSeal("nosuch")) { try patient.signer(for: "nosuch") }
    }

    struct Loader {
        let cache: SignerCache
        let service: SealService
        func signer(for name: String) throws(ServiceError) -> SealSigner { try cache.signer(for: name, load: service.signer(for:)) }
    }
}

/// The group commit's writer thread ends when its owner goes away, even without `shutdown()`,
/// and what was submitted is committed first.
@Suite struct GroupCommitLifetimeTests {
    @Test func writerStopsWhenDroppedWithoutShutdown() async throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "civil", department: "Civil", organizationIdentifier: nil, algorithm: nil, days: 30)
        let signer = try service.signer(for: "civil")
        var commit: GroupCommit? = GroupCommit(writer: try service.archiveWriter())
        // The writer thread holds the worker until its loop ends.
        weak let worker = commit?.worker
        let item = try DocumentFormat.detachedCAdES.prepare(.content([1, 2, 3]), with: signer, placement: StampPlacement()) { () throws(ServiceError) in throw .invalidArgument("not a PDF") }.item
        guard case .receipt(let receipt)? = try await commit?.submit(.seal(item)) else {
            Issue.record("a seal was not answered with a receipt")
            return
        }
        #expect(receipt.index == 0)
        #expect(worker != nil)
        commit = nil
        for _ in 0..<200 where worker != nil { usleep(10_000) }
        #expect(worker == nil, "the writer thread still runs")
        #expect(try service.archiveStore().size == 1)
    }
}

/// The service's one writer carries seals, revocations and CRLs; batches keep their order.
@Suite struct OneWriterTests {
    @Test func aSynchronousBatchIsArchivedInOrderInUnits() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "civil", department: "Civil", organizationIdentifier: nil, algorithm: nil, days: 30)
        let documents = (0..<300).map { DocumentInput.content(Array("document \($0)".utf8)) }
        let sealed = try service.seal(documents, with: "civil")
        #expect(sealed.map(\.receipt.index) == Array(0..<300))
        // Transactions end on unit boundaries (merged while the writer was busy, at most 256
        // documents each) or at the batch's end; each seal's receipt is its transaction's checkpoint.
        let sizes = try service.checkpoints(from: 1, count: 400).map(\.size)
        #expect(sizes.last == 300)
        #expect(sizes.allSatisfy { $0 % SealService.unitSize == 0 || $0 == 300 })
        #expect(zip([0] + sizes, sizes).allSatisfy { previous, size in size > previous && size - previous <= 256 })
        #expect(sealed.map(\.receipt.treeSize) == (0..<300).map { index in sizes.first { $0 > index }! })
    }

    /// Documents start as earlier ones are answered, so a batch larger than its bound on
    /// documents held completes, in order, with nothing waiting for room.
    @Test func aBatchLargerThanItsInFlightBoundCompletesInOrder() async throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "civil", department: "Civil", organizationIdentifier: nil, algorithm: nil, days: 30)
        let documents = (0..<200).map { DocumentInput.content(Array("document \($0)".utf8)) }
        let sealed = try await service.seal(documents, with: "civil", inFlight: 1)
        #expect(sealed.map(\.receipt.index) == Array(0..<200))
    }

    /// The synchronous form blocks its caller only: the pipeline never needs the cooperative
    /// pool, so more blocked callers than the pool has threads still finish.
    @Test(.timeLimit(.minutes(1))) func synchronousCallersOnTheCooperativePoolDoNotStarveThePipeline() async throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "civil", department: "Civil", organizationIdentifier: nil, algorithm: nil, days: 30)
        let callers = 3 * ProcessInfo.processInfo.activeProcessorCount
        let indices = try await withThrowingTaskGroup(of: [Int].self) { group in
            for caller in 0..<callers {
                group.addTask {
                    try service.seal([.content(Array("caller \(caller)".utf8))], with: "civil").map(\.receipt.index)
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(indices.sorted() == Array(0..<callers))
    }

    /// Access is decided before anything is signed, on the pipeline's own path.
    @Test func aRefusedCallerSealsNothing() async throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "civil", department: "Civil", organizationIdentifier: nil, algorithm: nil, days: 30)
        let stranger = Caller.peer(PeerIdentity(pid: 1, uid: 4242, gid: 4242, groups: [4242]))
        await #expect(throws: ServiceError.forbidden("uid 4242 may not use seal 'civil'; see access.conf in the data directory")) {
            try await service.seal([.content([1, 2, 3])], with: "civil", by: stranger)
        }
        #expect(try service.archiveStore().size == 0)
    }

    /// A digest of the wrong length is the caller's mistake (a usage error, HTTP 400), refused
    /// before anything is signed or archived.
    @Test func aDigestOfTheWrongLengthIsRefused() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        try service.enroll(name: "civil", department: "Civil", organizationIdentifier: nil, algorithm: nil, days: 30)
        #expect(throws: ServiceError.invalidArgument("a SHA-256 digest has 32 bytes, not 20")) {
            try service.seal([.digest(Array(repeating: 7, count: 20))], with: "civil")
        }
        #expect(try service.archiveStore().size == 0)
    }

    @Test func concurrentCRLsGetOneNumberEach() throws {
        let scratch = try ScratchAuthority()
        let service = try scratch.service()
        let names = ["civil", "tax", "land", "water"]
        for name in names { try service.enroll(name: name, department: name, organizationIdentifier: nil, algorithm: nil, days: 30) }
        DispatchQueue.concurrentPerform(iterations: names.count) { index in
            #expect(throws: Never.self) { try service.revokeSeal(names[index], reason: .cessation, invalidSince: nil) }
        }
        let crl = try service.currentRevocationList()
        #expect(crl.number == names.count)
        #expect(crl.entries.count == names.count)
    }

    /// Also when the last reference goes away in a callback on the writer thread itself.
    @Test(arguments: 0..<5)
    func aServiceDroppedWithoutShutdownStopsItsWriter(round: Int) throws {
        let scratch = try ScratchAuthority()
        var service: SealService? = try scratch.service()
        try service?.enroll(name: "civil", department: "Civil", organizationIdentifier: nil, algorithm: nil, days: 30)
        _ = try service?.seal([.content([1, 2, 3])], with: "civil")
        weak let worker = try service?.writer().worker
        #expect(worker != nil)
        service = nil
        for _ in 0..<200 where worker != nil { usleep(10_000) }
        #expect(worker == nil, "the writer thread still runs")
        #expect(try scratch.service().archiveStore().size == 1)
    }
}
