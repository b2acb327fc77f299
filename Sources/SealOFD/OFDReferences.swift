import Foundation
import SealCore

/// What a signature's References say of the package now: every protected file hashed again
/// with the CheckMethod, as stored in the zip.
public struct OFDReferenceCheck: Sendable, Equatable {
    public let total: Int
    /// Files whose hash differs from their CheckValue.
    public let changed: [String]
    /// Files the References name that the package lacks (or that lie outside it).
    public let missing: [String]
    /// A CheckMethod Seal does not compute (MD5, SHA-1, SM3 with a key), when so.
    public let unsupportedMethod: String?
    /// Files the document is read from (`OFDDocument.filesRead()`) that the References do not
    /// name: what they show, the signature does not protect.
    public let unprotected: [String]
    /// Whether the References name OFD.xml. Some producers leave it out so that signatures can
    /// be added later; its document information (DocInfo: title, author, custom data such as an
    /// invoice's amounts) is then not covered, which a report says.
    public let protectsEntry: Bool

    public init(total: Int, changed: [String], missing: [String], unsupportedMethod: String?, unprotected: [String] = [],
                protectsEntry: Bool = true) {
        (self.total, self.changed, self.missing, self.unsupportedMethod, self.unprotected) = (total, changed, missing, unsupportedMethod, unprotected)
        self.protectsEntry = protectsEntry
    }

    public var holds: Bool { unsupportedMethod == nil && changed.isEmpty && missing.isEmpty && unprotected.isEmpty && total > 0 }

    /// The digest a CheckMethod names: SM3 as its OID or its name.
    static func digest(for method: String) -> DigestAlgorithm? {
        switch method.trimmingCharacters(in: .whitespaces).uppercased() {
        case "1.2.156.10197.1.401", "SM3": .sm3
        default: nil
        }
    }
}

extension OFDSignatureDescription {
    /// The References checked against `package`; `documentFiles` (zip names) are the files the
    /// document is read from (`OFDDocument.filesRead()`), each of which the References must
    /// name. A signature whose References leave out OFD.xml (as some producers' do) would
    /// otherwise hold for a package whose DocRoot was pointed at another, unprotected
    /// Document.xml.
    public func checkReferences(in package: OFDPackage, documentFiles: [String] = []) -> OFDReferenceCheck {
        let named = Set(references.compactMap(\.name))
        let unprotected = documentFiles.filter { !named.contains($0) }
        let protectsEntry = named.contains(OFDDocument.entryName)
        guard let digest = OFDReferenceCheck.digest(for: checkMethod) else {
            return OFDReferenceCheck(total: references.count, changed: [], missing: [], unsupportedMethod: checkMethod, unprotected: unprotected,
                                     protectsEntry: protectsEntry)
        }
        var changed: [String] = []
        var missing: [String] = []
        for reference in references {
            guard let name = reference.name, package.contains(name), let bytes = try? package.file(name) else {
                missing.append(reference.location)
                continue
            }
            if reference.checkValue != digest.hash(bytes) { changed.append(reference.location) }
        }
        return OFDReferenceCheck(total: references.count, changed: changed, missing: missing, unsupportedMethod: nil, unprotected: unprotected,
                                 protectsEntry: protectsEntry)
    }
}
