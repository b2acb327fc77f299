// Regenerates the test-only key material in Keys/ and the known-answer cases in Vectors/.
//
//     swift run seal-vectors [--new-keys] [--keys DIR] [--out DIR]
//
// Keys are kept unless --new-keys is given (so regenerating vectors does not churn them). The
// openssl-made case runs the real `openssl cms -sign -cades`.
import Foundation
import SealArchive
import SealCore

struct Failure: Error, CustomStringConvertible { let description: String }

func require<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw Failure(description: "missing \(what)") }
    return value
}

func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

let arguments = CommandLine.arguments.dropFirst()
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return fallback }
    return arguments[arguments.index(after: index)]
}
let keysFolder = URL(fileURLWithPath: option("--keys", "Keys"))
let outFolder = URL(fileURLWithPath: option("--out", "Vectors"))
let newKeys = arguments.contains("--new-keys")
let files = FileManager.default

// MARK: key material

/// A key pair in Keys/: NAME.key (PKCS#8 PEM, unencrypted, test only) and NAME.pem.
struct KeyPair {
    let key: PrivateKey
    let certificate: Certificate
}

func keyPair(_ name: String, _ algorithm: SignatureAlgorithm, _ profile: CertificateProfile,
             issuer: KeyPair?) throws -> KeyPair {
    let keyURL = keysFolder.appendingPathComponent("\(name).key")
    let certificateURL = keysFolder.appendingPathComponent("\(name).pem")
    if !newKeys, let keyPEM = files.contents(atPath: keyURL.path), let certificatePEM = files.contents(atPath: certificateURL.path) {
        return KeyPair(key: try PrivateKey(pem: Array(keyPEM), passphrase: nil),
                       certificate: try Certificate.all(fromPEM: Array(certificatePEM))[0])
    }
    let key = try PrivateKey.generate(algorithm)
    let certificate = try Certificate.issue(profile, for: key, issuer: issuer?.certificate, issuerKey: issuer?.key ?? key)
    try Data(try key.pem(passphrase: nil)).write(to: keyURL)
    try Data(certificate.pem.utf8).write(to: certificateURL)
    return KeyPair(key: key, certificate: certificate)
}

try files.createDirectory(at: keysFolder, withIntermediateDirectories: true)
let start = date("2026-01-01T00:00:00Z")
let century = 365 * 100
func department(_ name: String, from: Date = start, days: Int = century, usage: KeyUsage = [.digitalSignature, .nonRepudiation],
                authority: String = "Seal Test Authority") -> CertificateProfile {
    var profile = CertificateProfile.departmentSeal(department: name, organizationIdentifier: "11000000TEST00000X",
                                                    authority: authority, from: from, days: days)
    profile.keyUsage = usage
    return profile
}

let root = try keyPair("authority-root", .ecdsaP256, .root(name: "Seal Test Authority", from: start, years: 100), issuer: nil)
let tsaPair = try keyPair("authority-tsa", .ecdsaP256, .timeStampAuthority(authority: "Seal Test Authority", from: start, years: 100),
                          issuer: root)
let p256 = try keyPair("dept-ecdsa-p256", .ecdsaP256, department("Civil Registry Office (P-256)"), issuer: root)
let p384 = try keyPair("dept-ecdsa-p384", .ecdsaP384, department("Land Registry Office (P-384)"), issuer: root)
let pss = try keyPair("dept-rsa-pss", .rsaPSS, department("Business Licensing Bureau (RSA-PSS)"), issuer: root)
let expired = try keyPair("dept-expired", .ecdsaP256,
                          department("Expired Office", from: date("2020-01-01T00:00:00Z"), days: 366), issuer: root)
let notYetValid = try keyPair("dept-not-yet-valid", .ecdsaP256,
                              department("Future Office", from: date("2099-01-01T00:00:00Z"), days: 3650), issuer: root)
let wrongUsage = try keyPair("dept-wrong-key-usage", .ecdsaP256, department("Key Agreement Office", usage: [.keyAgreement]),
                             issuer: root)
let foreignRoot = try keyPair("foreign-root", .ecdsaP256, .root(name: "Foreign Test Authority", from: start, years: 100), issuer: nil)
let foreign = try keyPair("foreign-dept", .ecdsaP256, department("Foreign Office", authority: "Foreign Test Authority"),
                          issuer: foreignRoot)

/// An Ed25519 log key in Keys/ (PKCS#8 PEM, unencrypted, test only).
func logKey(_ name: String) throws -> Ed25519PrivateKey {
    let url = keysFolder.appendingPathComponent("\(name).key")
    if !newKeys, let pem = files.contents(atPath: url.path) { return try Ed25519PrivateKey(pem: Array(pem), passphrase: nil) }
    let key = try Ed25519PrivateKey.generate()
    try Data(try key.pem(passphrase: nil)).write(to: url)
    return key
}
let logSigner = try NoteSigner(name: "seal.test/archive", key: try logKey("archive-log"))
let foreignLogSigner = try NoteSigner(name: "seal.test/archive", key: try logKey("foreign-archive-log"))

// MARK: vectors

let tsa = try TimeStampAuthority(certificate: tsaPair.certificate, key: tsaPair.key)
func signer(_ pair: KeyPair, timeStamped: Bool = true) throws -> SealSigner {
    try SealSigner(certificate: pair.certificate, key: pair.key, timeStampAuthority: timeStamped ? tsa : nil)
}

for folder in ["documents", "seals"] {
    try files.createDirectory(at: outFolder.appendingPathComponent(folder), withIntermediateDirectories: true)
}

struct Expected: Codable {
    let indication: Indication
    let subIndication: SubIndication?
}

struct Case: Codable {
    let name: String
    let description: String
    let document: String
    let signature: String
    let trust: String
    var crl: String? = nil
    var status: String? = nil
    let expected: Expected
}

var cases: [Case] = []
func write(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: outFolder.appendingPathComponent(path))
}
@MainActor func add(_ name: String, _ description: String, document: String = "documents/birth-certificate.txt", seal: [UInt8],
         _ indication: Indication, _ subIndication: SubIndication? = nil) throws {
    let path = "seals/\(name).p7s"
    try write(seal, path)
    cases.append(Case(name: name, description: description, document: document, signature: path, trust: "trust.pem",
                      expected: Expected(indication: indication, subIndication: subIndication)))
}

let document = Array("""
    BIRTH CERTIFICATE (test vector)
    Certificate No.: 2026-000001
    Name of child: Wang Fang
    Date of birth: 2026-01-02
    Issued by: Civil Registry Office

    """.utf8)
try write(document, "documents/birth-certificate.txt")
var changed = document
changed[changed.count / 2] ^= 0x01
try write(changed, "documents/birth-certificate-changed.txt")
try Data(TrustBundle(roots: [root.certificate], logKeys: [logSigner.verifierKey.description]).pem.utf8)
    .write(to: outFolder.appendingPathComponent("trust.pem"))
try Data(TrustBundle(roots: [root.certificate]).pem.utf8).write(to: outFolder.appendingPathComponent("trust-roots-only.pem"))

/// Archives seals in a scratch archive signed by `signer` and returns them with their receipts.
func archived(_ seals: [SealSignature], signer: NoteSigner = logSigner) throws -> [SealSignature] {
    let scratch = files.temporaryDirectory.appendingPathComponent("seal-vectors-\(UUID().uuidString)")
    try files.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? files.removeItem(at: scratch) }
    let archive = Archive(store: try ArchiveStore(url: scratch.appendingPathComponent("archive.sqlite")))
    let receipts = try archive.append(seals.map { try Archive.Item(seal: $0, documentDigest: $0.digestAlgorithm!.hash(document)) },
                                      signer: signer)
    return try zip(seals, receipts).map { try $0.adding(unsignedAttribute: SealOID.archiveReceipt, value: $1.der) }
}
func withReceipt(_ seal: SealSignature, _ receipt: Receipt) throws -> [UInt8] {
    try seal.adding(unsignedAttribute: SealOID.archiveReceipt, value: receipt.der).der
}

let unarchived = try signer(p256).seal(document)
let sealedSet = try archived([unarchived, try signer(p384).seal(document), try signer(pss).seal(document),
                              try signer(p256).seal(document)])
let valid = sealedSet[0]
try add("valid-ecdsa-p256", "CAdES-T seal, ECDSA P-256/SHA-256, archive receipt", seal: valid.der, .totalPassed)
try add("valid-ecdsa-p384", "CAdES-T seal, ECDSA P-384/SHA-384, archive receipt", seal: sealedSet[1].der, .totalPassed)
try add("valid-rsa-pss", "CAdES-T seal, RSASSA-PSS 3072/SHA-256, archive receipt", seal: sealedSet[2].der, .totalPassed)

// Archive receipts: missing, transplanted, altered, foreign.
let receipt = try Receipt(der: valid.unsignedAttribute(SealOID.archiveReceipt)!)
let otherReceipt = try Receipt(der: sealedSet[3].unsignedAttribute(SealOID.archiveReceipt)!)
try add("archive-no-receipt", "a valid seal without an archive receipt, verified offline", seal: unarchived.der,
        .indeterminate, .notArchived)
try add("archive-receipt-of-other-seal", "the receipt of another archived seal", seal: try withReceipt(unarchived, otherReceipt),
        .totalFailed, .archiveProofFailure)
var badProof = receipt.proof
badProof[0][0] ^= 0x01
try add("archive-receipt-bad-proof", "one bit of the inclusion proof flipped",
        seal: try withReceipt(unarchived, Receipt(salt: receipt.salt, index: receipt.index, treeSize: receipt.treeSize,
                                                  leafHash: receipt.leafHash, proof: badProof, checkpoint: receipt.checkpoint)),
        .totalFailed, .archiveProofFailure)
let forgedCheckpoint = receipt.checkpoint.replacingOccurrences(of: "\n\(receipt.treeSize)\n", with: "\n\(receipt.treeSize + 1)\n")
try add("archive-receipt-bad-checkpoint-signature", "the checkpoint's tree size altered after signing",
        seal: try withReceipt(unarchived, Receipt(salt: receipt.salt, index: receipt.index, treeSize: receipt.treeSize + 1,
                                                  leafHash: receipt.leafHash, proof: receipt.proof, checkpoint: forgedCheckpoint)),
        .totalFailed, .archiveProofFailure)
try add("archive-receipt-foreign-log", "archived in a log whose key the trust bundle does not name",
        seal: try archived([unarchived], signer: foreignLogSigner)[0].der, .indeterminate, .notArchived)
try add("archive-receipt-malformed", "the receipt attribute holds a truncated structure",
        seal: try unarchived.adding(unsignedAttribute: SealOID.archiveReceipt, value: [0x30, 0x03, 0x02, 0x01, 0x01]).der,
        .totalFailed, .archiveProofFailure)
try add("document-changed", "the document differs from the sealed one by one bit", document: "documents/birth-certificate-changed.txt",
        seal: valid.der, .totalFailed, .hashFailure)

/// Replaces the one occurrence of `old` in `bytes` with `new` (same length).
func replacing(_ old: [UInt8], with new: [UInt8], in bytes: [UInt8]) throws -> [UInt8] {
    guard old.count == new.count, let range = bytes.firstRange(of: old),
          bytes[range.upperBound...].firstRange(of: old) == nil else { throw Failure(description: "no unique match to replace") }
    var copy = bytes
    copy.replaceSubrange(range, with: new)
    return copy
}

// signing-time attribute: OID 1.2.840.113549.1.9.5, SET, UTCTime of 13 characters; bump a seconds digit.
let signingTimeOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x05, 0x31, 0x0F, 0x17, 0x0D]
guard let timeRange = valid.der.firstRange(of: signingTimeOID) else { throw Failure(description: "no signing time") }
var attributeChanged = valid.der
let secondsDigit = timeRange.upperBound + 11
attributeChanged[secondsDigit] = attributeChanged[secondsDigit] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
try add("signed-attribute-changed", "the signing-time signed attribute was altered after signing", seal: attributeChanged,
        .totalFailed, .sigCryptoFailure)

// A signature value made by another P-256 key, of the same length so the DER stays well-formed.
let otherKey = try keyPair("dept-ecdsa-p256-other", .ecdsaP256, department("Other Office"), issuer: root)
// ECDSA DER signatures vary in length (a short one is about 1 in 128), so draw cheap candidates
// from the other key until one has the same length.
var transplanted: [UInt8]? = nil
for attempt in 0..<100_000 where transplanted == nil {
    let other = try otherKey.key.sign(Array("attempt \(attempt)".utf8))
    if other.count == valid.signatureValue.count { transplanted = try replacing(valid.signatureValue, with: other, in: valid.der) }
}
guard let transplanted else { throw Failure(description: "could not match signature lengths") }
try add("signature-from-other-key", "the signature value was made by a different key", seal: transplanted,
        .totalFailed, .sigCryptoFailure)

try add("untrusted-root", "sealed under a foreign root that the trust bundle does not contain",
        seal: try signer(foreign).seal(document).der, .indeterminate, .noCertificateChainFound)
try add("certificate-expired", "the seal certificate had expired at the time-stamped time",
        seal: try signer(expired).seal(document).der, .totalFailed, .expired)
try add("certificate-expired-no-timestamp", "the seal certificate has expired and no time-stamp proves an earlier time",
        seal: try signer(expired, timeStamped: false).seal(document).der, .indeterminate, .outOfBoundsNoPOE)
try add("certificate-not-yet-valid", "the seal certificate was not yet valid at the time-stamped time",
        seal: try signer(notYetValid).seal(document).der, .totalFailed, .notYetValid)
try add("wrong-key-usage", "the seal certificate allows keyAgreement only",
        seal: try signer(wrongUsage).seal(document).der, .indeterminate, .chainConstraintsFailure)

let unstamped = try signer(p256, timeStamped: false).seal(document)
let strayToken = try tsa.timestamp(imprint: DigestAlgorithm.sha256.hash(Array("another signature".utf8)))
try add("timestamp-other-signature", "the time-stamp token is over a different signature value",
        seal: try unstamped.adding(unsignedAttribute: "1.2.840.113549.1.9.16.2.14", value: strayToken).der,
        .totalFailed, .hashFailure)
try add("truncated-der", "the seal cut in half", seal: Array(valid.der.prefix(valid.der.count / 2)), .totalFailed, .formatFailure)
var generator = SystemRandomNumberGenerator()
try add("random-bytes", "512 random bytes", seal: (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) },
        .totalFailed, .formatFailure)
try add("empty-file", "an empty seal file", seal: [], .totalFailed, .formatFailure)

// Revocation: a revoked document (status list), and the seal certificate revoked in CRLs.
try files.createDirectory(at: outFolder.appendingPathComponent("revocation"), withIntermediateDirectories: true)
@MainActor func addRevocationCase(_ name: String, _ description: String, crl: RevocationList? = nil, status: String? = nil,
                       _ indication: Indication, _ subIndication: SubIndication? = nil) throws {
    var vector = Case(name: name, description: description, document: "documents/birth-certificate.txt",
                      signature: "seals/valid-ecdsa-p256.p7s", trust: "trust.pem",
                      expected: Expected(indication: indication, subIndication: subIndication))
    if let crl {
        vector.crl = "revocation/\(name).crl"
        try write(Array(try crl.pem.utf8), vector.crl!)
    }
    if let status {
        vector.status = "revocation/\(name).status"
        try write(Array(status.utf8), vector.status!)
    }
    cases.append(vector)
}
let sealedAt = try require(TimestampSummary(token: valid.timeStampToken ?? []), "time-stamp").time
let farFuture = date("2126-01-01T00:00:00Z")
func crl(_ revoked: [RevokedCertificate], thisUpdate: Date = Date(), nextUpdate: Date = farFuture) throws -> RevocationList {
    try RevocationList.issue(by: root.certificate, key: root.key, number: 1, thisUpdate: thisUpdate, nextUpdate: nextUpdate,
                             revoked: revoked)
}
let p256Serial = p256.certificate.serialNumber
let receiptOfValid = try Receipt(der: valid.unsignedAttribute(SealOID.archiveReceipt)!)
let statusNote = try DocumentStatusList(
    origin: logSigner.verifierKey.name, issued: Date(), nextUpdate: farFuture, treeSize: receiptOfValid.treeSize,
    items: [.init(index: receiptOfValid.index, leafHash: receiptOfValid.leafHash, reason: .error, revokedAt: Date(), replacedBy: nil)]
).signed(by: logSigner)
try addRevocationCase("revoked-document", "the document was revoked (issued in error), per a signed status list",
                      status: statusNote, .totalFailed, .revoked)
try addRevocationCase("seal-revoked-after-sealing-superseded", "the seal certificate was revoked (superseded) after the time-stamp",
                      crl: try crl([RevokedCertificate(serialNumber: p256Serial, revocationDate: sealedAt.addingTimeInterval(3600),
                                                       reason: .superseded, invalidityDate: nil)]), .totalPassed)
try addRevocationCase("seal-key-compromised-before-timestamp", "key compromise with an invalidity date before the time-stamp",
                      crl: try crl([RevokedCertificate(serialNumber: p256Serial, revocationDate: sealedAt.addingTimeInterval(3600),
                                                       reason: .keyCompromise, invalidityDate: sealedAt.addingTimeInterval(-3600))]),
                      .totalFailed, .revoked)
try addRevocationCase("stale-crl", "a CRL whose nextUpdate has passed",
                      crl: try crl([], thisUpdate: date("2020-01-01T00:00:00Z"), nextUpdate: date("2021-01-01T00:00:00Z")),
                      .indeterminate, .tryLater)

// A seal made by the openssl CLI (CAdES-B, no time-stamp) with a department key from Keys/.
let opensslSeal = outFolder.appendingPathComponent("seals/openssl-cms-cades.p7s")
let process = Process()
process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
process.arguments = ["openssl", "cms", "-sign", "-cades", "-binary", "-md", "sha256", "-outform", "DER",
                     "-in", outFolder.appendingPathComponent("documents/birth-certificate.txt").path,
                     "-signer", keysFolder.appendingPathComponent("dept-ecdsa-p256.pem").path,
                     "-inkey", keysFolder.appendingPathComponent("dept-ecdsa-p256.key").path,
                     "-out", opensslSeal.path]
try process.run()
process.waitUntilExit()
guard process.terminationStatus == 0 else { throw Failure(description: "openssl cms -sign failed") }
cases.append(Case(name: "openssl-cms-cades", description: "made by `openssl cms -sign -cades -md sha256` with Keys/dept-ecdsa-p256; never archived",
                  document: "documents/birth-certificate.txt", signature: "seals/openssl-cms-cades.p7s", trust: "trust.pem",
                  expected: Expected(indication: .indeterminate, subIndication: .notArchived)))
cases.append(Case(name: "openssl-cms-cades-roots-only", description: "the same, against a trust bundle that names no archive log",
                  document: "documents/birth-certificate.txt", signature: "seals/openssl-cms-cades.p7s", trust: "trust-roots-only.pem",
                  expected: Expected(indication: .totalPassed, subIndication: nil)))

struct Manifest: Codable {
    let version: Int
    let generator: String
    let cases: [Case]
}
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
try (encoder.encode(Manifest(version: 1, generator: "Vectors/regenerate.sh", cases: cases)) + Data("\n".utf8))
    .write(to: outFolder.appendingPathComponent("manifest.json"))
print("wrote \(cases.count) cases to \(outFolder.path)/manifest.json")
