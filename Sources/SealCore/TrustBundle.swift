public import Foundation

/// The one file a third party needs to verify seals offline: the authority's root
/// certificate(s) as PEM, usable as `openssl -CAfile` as it is.
public struct TrustBundle: Sendable {
    public let roots: [Certificate]

    public enum ParseError: Error, Sendable, CustomStringConvertible {
        case notPEM
        case noRootCertificate
        case notACertificateAuthority(String)
        public var description: String {
            switch self {
            case .notPEM: "the trust bundle is not a PEM file"
            case .noRootCertificate: "the trust bundle holds no certificate"
            case .notACertificateAuthority(let name): "the trust bundle's certificate \(name) is not a CA certificate"
            }
        }
    }

    public init(roots: [Certificate]) { self.roots = roots }

    /// Parses a PEM trust bundle. Every certificate in it must be a CA certificate.
    public init(pem: [UInt8]) throws(ParseError) {
        guard pem.firstRange(of: Array("-----BEGIN ".utf8)) != nil else { throw .notPEM }
        let certificates: [Certificate]
        do { certificates = try Certificate.all(fromPEM: pem) } catch {
            throw error == .noCertificateInPEM ? .noRootCertificate : .notPEM
        }
        for certificate in certificates where !certificate.isCertificateAuthority {
            throw .notACertificateAuthority(certificate.subject.description)
        }
        roots = certificates
    }

    public var anchors: TrustAnchors { TrustAnchors(roots: roots) }

    /// The bundle as PEM text with a short human header (ignored by OpenSSL).
    public var pem: String {
        var text = "# Seal trust bundle: root certificate(s) of the sealing authority.\n"
        text += "# Use with `seal verify --trust FILE` or `openssl cms -verify -CAfile FILE`.\n"
        for root in roots {
            text += "# \(root.subject)  SHA-256 \(root.fingerprint)\n"
            text += root.pem
        }
        return text
    }
}

extension Certificate.ParseError: Equatable {}
