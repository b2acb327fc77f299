public import Foundation
public import SealService

/// The JSON body of every error `seald` returns: the message the CLI would print and the
/// category that decides the exit status.
public struct ErrorBody: Codable, Sendable {
    public struct Detail: Codable, Sendable {
        public let category: ServiceError.Category
        public let message: String
    }
    public let error: Detail

    public init(_ error: ServiceError) { self.error = Detail(category: error.category, message: error.description) }
}

/// Request bodies shared by the daemon and its client.
public enum Wire {
    /// `POST /v1/seals/{name}` with JSON: seal a document known only by its digest.
    public struct DigestSealRequest: Codable, Sendable {
        /// Hex SHA-256 (or the seal's digest algorithm) of the document.
        public let digest: String
        public init(digest: String) { self.digest = digest }
    }

    /// `POST /v1/seals`: enroll a new seal (admin).
    public struct EnrollRequest: Codable, Sendable {
        public let name: String
        public let department: String
        public let organizationIdentifier: String?
        public let algorithm: SignatureAlgorithm?
        public let days: Int?
        /// An SM2 seal's picture (image base64, size in millimetres); absent: drawn, 40 × 40 mm.
        public let appearance: SealAppearance?
    }

    /// `POST /v1/seals/{name}/revocation`: revoke a seal (admin).
    public struct SealRevocationRequest: Codable, Sendable {
        public let reason: String
        public let invalidSince: Date?
    }

    /// `POST /v1/revocations`: revoke a sealed document.
    public struct DocumentRevocationRequest: Codable, Sendable {
        /// The seal (DER), base64.
        public let seal: String
        /// superseded, error or withdrawn.
        public let reason: String
        public let replacedBy: String?
        public let note: String?
        /// Revoke as this seal; nil: the seal that sealed the document.
        public let `as`: String?
        public let asAuthority: Bool?
    }

    public struct DocumentRevocationResponse: Codable, Sendable {
        public let index: Int
        public init(index: Int) { self.index = index }
    }

    /// `POST /v1/verify`: a seal and its document, base64, with optional CRLs and status list.
    public struct VerifyRequest: Codable, Sendable {
        /// A CAdES seal or an SES signature, base64; absent for a document that carries its
        /// signatures (an OFD), answered with a document report.
        public let seal: String?
        public let document: String
        /// The receipt that came beside an SES signature, base64.
        public let receipt: String?
        public let crls: [String]?
        public let statusList: String?
    }
}
