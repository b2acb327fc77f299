internal import CSealShim

/// The parts of an X.509 name Seal writes and reports.
public struct DistinguishedName: Sendable, Hashable, Codable, CustomStringConvertible {
    public var commonName: String?
    public var organization: String?
    public var organizationalUnit: String?
    /// X.520 organizationIdentifier (2.5.4.97), e.g. a unified social credit code.
    public var organizationIdentifier: String?
    public var country: String?

    public init(commonName: String? = nil, organization: String? = nil, organizationalUnit: String? = nil,
                organizationIdentifier: String? = nil, country: String? = nil) {
        self.commonName = commonName
        self.organization = organization
        self.organizationalUnit = organizationalUnit
        self.organizationIdentifier = organizationIdentifier
        self.country = country
    }

    private var entries: [(Int32, String?)] {
        [(NID_countryName, country), (NID_organizationName, organization),
         (NID_organizationalUnitName, organizationalUnit),
         (NID_organizationIdentifier, organizationIdentifier), (NID_commonName, commonName)]
    }

    public var description: String {
        let labels = ["C", "O", "OU", "organizationIdentifier", "CN"]
        return zip(labels, entries).compactMap { label, entry in entry.1.map { "\(label)=\($0)" } }
            .joined(separator: ", ")
    }

    /// A new X509_NAME the caller owns.
    func makeName() throws(OpenSSLError) -> OpaquePointer {
        let name = try check(X509_NAME_new(), "allocating a name")
        for (nid, value) in entries {
            guard let value else { continue }
            let added = X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, value, -1, -1, 0)
            guard added == 1 else {
                X509_NAME_free(name)
                throw OpenSSLError("adding a name entry")
            }
        }
        return name
    }

    /// Reads the known attributes of a borrowed X509_NAME.
    init(reading name: OpaquePointer?) {
        func value(_ nid: Int32) -> String? {
            guard let name else { return nil }
            let index = X509_NAME_get_index_by_NID(name, nid, -1)
            guard index >= 0, let entry = X509_NAME_get_entry(name, index),
                  let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
            var utf8: UnsafeMutablePointer<UInt8>? = nil
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            guard length >= 0, let utf8 else { return nil }
            defer { CSealShim_OPENSSL_free(utf8) }
            return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
        }
        self.init(commonName: value(NID_commonName), organization: value(NID_organizationName),
                  organizationalUnit: value(NID_organizationalUnitName),
                  organizationIdentifier: value(NID_organizationIdentifier), country: value(NID_countryName))
    }
}
