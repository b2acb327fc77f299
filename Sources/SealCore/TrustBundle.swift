public import Foundation

/// The one file a third party needs to verify seals offline: the authority's root
/// certificate(s) as PEM, usable as `openssl -CAfile` as it is, plus the archive log's verifier
/// key(s) on `log-verifier-key:` lines outside the PEM blocks (which OpenSSL ignores).
public struct TrustBundle: Sendable {
    public let roots: [Certificate]
    /// C2SP verifier keys (`name+keyid+base64`) of the archive logs whose receipts are trusted.
    public let logKeys: [String]

    public static let logKeyPrefix = "log-verifier-key: "

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

    public init(roots: [Certificate], logKeys: [String] = []) {
        self.roots = roots
        self.logKeys = logKeys
    }

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
        logKeys = String(decoding: pem, as: UTF8.self).split(whereSeparator: \.isNewline)
            .filter { $0.hasPrefix(Self.logKeyPrefix) }
            .map { String($0.dropFirst(Self.logKeyPrefix.count)).trimmingCharacters(in: .whitespaces) }
    }

    public var anchors: TrustAnchors { TrustAnchors(roots: roots) }

    /// The bundle as PEM text with a short human header (ignored by OpenSSL).
    public var pem: String {
        var text = "# Seal trust bundle: root certificate(s) of the sealing authority and the verifier key of its archive log.\n"
        text += "# Use with `seal verify --trust FILE` or `openssl cms -verify -CAfile FILE`.\n"
        for key in logKeys { text += Self.logKeyPrefix + key + "\n" }
        for root in roots {
            text += "# \(root.subject)  SHA-256 \(root.fingerprint)\n"
            text += root.pem
        }
        return text
    }
}

extension Certificate.ParseError: Equatable {}
