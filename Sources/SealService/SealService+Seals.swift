public import Foundation
public import SealCore
public import SealArchive

/// The enrolled seals and what each may do now.
extension SealService {
    /// Every enrolled seal, by name.
    public func seals() throws(ServiceError) -> [SealInfo] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.sealsFolder.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        let now = clock()
        let crl = try latestRevocationList()?.crl
        var result: [SealInfo] = []
        for raw in names {
            guard let name = try? SealName(raw) else { continue }
            var info = try info(name, now: now)
            if let entry = crl?.entry(for: info.certificate) { info.status = .revoked(entry) }
            result.append(info)
        }
        return result
    }

    func info(_ name: SealName, now: Date) throws(ServiceError) -> SealInfo {
        guard FileManager.default.fileExists(atPath: directory.sealRecord(name).path) else { throw .unknownSeal(name.value) }
        let record = try JSON.decode(SealRecord.self, from: directory.sealRecord(name))
        var info = SealInfo(record: record, certificate: try loadCertificate(directory.sealCertificate(name)), now: now)
        info.electronicSeal = try storedElectronicSeal(name).map(ElectronicSealSummary.init)
        return info
    }

    /// A seal's GB/T 38540 seal object as stored at enrolment, if it has one.
    func storedElectronicSeal(_ name: SealName) throws(ServiceError) -> ElectronicSeal? {
        let url = directory.electronicSeal(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try ElectronicSeal(der: try AtomicFile.read(url)) } catch let error as SESFormatError {
            throw .badElectronicSeal("\(url.path): \(error)")
        } catch let error as ServiceError { throw error } catch { throw .io("\(error)") }
    }

    /// Seal `name`'s GB/T 38540 seal object (`seal export-seal`).
    public func electronicSeal(_ rawName: String) throws(ServiceError) -> ElectronicSeal {
        let name = try SealName(rawName)
        guard FileManager.default.fileExists(atPath: directory.sealRecord(name).path) else { throw .unknownSeal(name.value) }
        guard let seal = try storedElectronicSeal(name) else {
            throw .noElectronicSeal(name.value)
        }
        return seal
    }
}

/// What `seal seals` shows of a seal's GB/T 38540 seal object.
public struct ElectronicSealSummary: Codable, Sendable, Equatable {
    public let identifier: String
    public let pictureType: String
    public let widthMillimetres: Int
    public let heightMillimetres: Int
    public let validEnd: Date

    init(_ seal: ElectronicSeal) {
        identifier = seal.identifier
        pictureType = seal.picture.type
        widthMillimetres = seal.picture.widthMillimetres
        heightMillimetres = seal.picture.heightMillimetres
        validEnd = seal.property.validEnd
    }
}

/// A seal as listed by `seal seals`.
public struct SealInfo: Sendable, Codable {
    public enum Status: Encodable, Sendable, Equatable {
        case active
        case expired
        case notYetValid
        case revoked(RevocationEntry)

        public var name: String {
            switch self {
            case .active: "active"
            case .expired: "expired"
            case .notYetValid: "not-yet-valid"
            case .revoked: "revoked"
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }
    }

    public let name: String
    public let department: String
    public let organizationIdentifier: String?
    public let algorithm: SignatureAlgorithm
    public let notBefore: Date
    public let notAfter: Date
    public let serialNumber: String
    public internal(set) var status: Status
    /// The GB/T 38540 seal object (SM2 seals).
    public internal(set) var electronicSeal: ElectronicSealSummary?
    let certificate: Certificate

    init(record: SealRecord, certificate: Certificate, now: Date) {
        name = record.name
        department = record.department
        organizationIdentifier = record.organizationIdentifier
        algorithm = record.algorithm
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        serialNumber = certificate.serialNumber
        self.certificate = certificate
        status = now < certificate.notBefore ? .notYetValid : now > certificate.notAfter ? .expired : .active
    }

    var statusDetail: String {
        switch status {
        case .active: "active"
        case .expired: "its certificate expired on \(notAfter.rfc3339)"
        case .notYetValid: "its certificate is valid only from \(notBefore.rfc3339)"
        case .revoked(let entry): "it was revoked (\(entry.reason)) on \(entry.revocationDate.rfc3339)"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case name, department, organizationIdentifier, algorithm, notBefore, notAfter, serialNumber, status
        case revokedAt, revocationReason, certificate, electronicSeal
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(department, forKey: .department)
        try container.encodeIfPresent(organizationIdentifier, forKey: .organizationIdentifier)
        try container.encode(algorithm, forKey: .algorithm)
        try container.encode(notBefore, forKey: .notBefore)
        try container.encode(notAfter, forKey: .notAfter)
        try container.encode(serialNumber, forKey: .serialNumber)
        try container.encode(status, forKey: .status)
        if case .revoked(let entry) = status {
            try container.encode(entry.revocationDate, forKey: .revokedAt)
            try container.encode(entry.reason.rawValue, forKey: .revocationReason)
        }
        try container.encode(certificate.pem, forKey: .certificate)
        try container.encodeIfPresent(electronicSeal, forKey: .electronicSeal)
    }

    /// Reads a seal as the daemon lists it: the certificate is the source of truth.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let pem = try container.decode(String.self, forKey: .certificate)
        guard let certificate = try? Certificate.all(fromPEM: Array(pem.utf8)).first else {
            throw DecodingError.dataCorruptedError(forKey: .certificate, in: container, debugDescription: "not a PEM certificate")
        }
        self.certificate = certificate
        name = try container.decode(String.self, forKey: .name)
        department = try container.decode(String.self, forKey: .department)
        organizationIdentifier = try container.decodeIfPresent(String.self, forKey: .organizationIdentifier)
        algorithm = try container.decode(SignatureAlgorithm.self, forKey: .algorithm)
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        serialNumber = certificate.serialNumber
        electronicSeal = try container.decodeIfPresent(ElectronicSealSummary.self, forKey: .electronicSeal)
        switch try container.decode(String.self, forKey: .status) {
        case "active": status = .active
        case "expired": status = .expired
        case "not-yet-valid": status = .notYetValid
        case "revoked":
            let reason = RevocationReason(rawValue: try container.decode(Int.self, forKey: .revocationReason)) ?? .unspecified
            status = .revoked(RevocationEntry(revocationDate: try container.decode(Date.self, forKey: .revokedAt), reason: reason,
                                              invalidityDate: nil))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .status, in: container, debugDescription: "unknown status \(other)")
        }
    }
}

extension SealService {
    /// The picture of this authority's seal whose certificate has SHA-256 `fingerprint` (hex),
    /// as its media type and bytes: what the verification page shows beside a verdict. Nil for a
    /// seal this authority did not enrol.
    public func sealPicture(certificateSHA256 fingerprint: String) -> (mediaType: String, data: [UInt8])? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.sealsFolder.path)) ?? []).filter { !$0.hasPrefix(".") }
        for raw in names {
            guard let name = try? SealName(raw), let certificate = try? loadCertificate(directory.sealCertificate(name)),
                  certificate.fingerprint == fingerprint.lowercased() else { continue }
            if let seal = try? storedElectronicSeal(name) {
                let type = seal.picture.type.uppercased()
                guard type == "PNG" || type == "JPG" || type == "JPEG" else { return nil }
                return (type == "PNG" ? "image/png" : "image/jpeg", seal.picture.data)
            }
            for (file, mediaType) in [("png", "image/png"), ("jpg", "image/jpeg")] {
                if let data = FileManager.default.contents(atPath: directory.sealPicture(name, type: file).path) { return (mediaType, Array(data)) }
            }
            return nil
        }
        return nil
    }
}
