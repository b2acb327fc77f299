public import Foundation
public import SealService

/// Reading request bodies: the daemon and the request fuzz target both go through here, so what
/// is fuzzed is what is served. Every failure is a usage error (400) with one clear sentence.
extension Wire {
    /// Decodes a JSON body, naming the field at fault.
    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws(ServiceError) -> T {
        do { return try JSON.decoder().decode(type, from: Data(bytes)) } catch {
            throw .invalidArgument("malformed JSON request: \(describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty ? "not valid JSON" : "bad value for '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: "not valid JSON"
        }
    }

    static func base64(_ text: String, _ field: String) throws(ServiceError) -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { throw .invalidArgument("'\(field)' is not base64") }
        return Array(data)
    }
}

extension Wire.VerifyRequest {
    /// The seal, document, CRLs and status list (checked against `trust`) to verify.
    public func parsed(trust: () throws(ServiceError) -> TrustBundle) throws(ServiceError)
        -> (seal: [UInt8]?, document: [UInt8], receipt: [UInt8]?, crls: [RevocationList], statusList: DocumentStatusList?) {
        var lists: [RevocationList] = []
        for crl in crls ?? [] { lists.append(try SealService.revocationList(try Wire.base64(crl, "crls"))) }
        let status = try statusList.map { text throws(ServiceError) in try SealService.documentStatusList(Array(text.utf8), trust: try trust()) }
        let receipt = try self.receipt.map { text throws(ServiceError) in try Wire.base64(text, "receipt") }
        let seal = try self.seal.map { text throws(ServiceError) in try Wire.base64(text, "seal") }
        return (seal, try Wire.base64(document, "document"), receipt, lists, status)
    }
}

extension Wire.DigestSealRequest {
    /// The digest's bytes (their length is checked against the seal's algorithm when sealing).
    public func bytes() throws(ServiceError) -> [UInt8] {
        guard let bytes = [UInt8](hex: digest) else { throw .invalidArgument("digest must be hex") }
        return bytes
    }
}

extension Wire.SealRevocationRequest {
    public func parsedReason() throws(ServiceError) -> SealRevocationReason {
        guard let parsed = SealRevocationReason(rawValue: reason) else {
            throw .invalidArgument("reason must be one of \(SealRevocationReason.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }
}

extension Wire.DocumentRevocationRequest {
    /// The seal to revoke, the reason, and the replacing seal if one is named.
    public func parsed() throws(ServiceError) -> (seal: SealedItem, reason: DocumentRevocation.Reason, replacement: SealedItem?) {
        guard let parsedReason = DocumentRevocation.Reason(name: reason) else {
            throw .invalidArgument("reason must be one of \(DocumentRevocation.Reason.allCases.map(\.description).joined(separator: ", "))")
        }
        let target = try SealedItem(der: try Wire.base64(seal, "seal"), path: "seal")
        let replacement = try replacedBy.map { text throws(ServiceError) in
            try SealedItem(der: try Wire.base64(text, "replacedBy"), path: "replacedBy")
        }
        return (target, parsedReason, replacement)
    }
}

extension Wire {
    /// An OFD seal's placement as `POST /v1/seals/{name}` takes it: `page`, `x`, `y` (mm, both or
    /// neither), `riding`.
    public static func placementQuery(_ placement: StampPlacement) -> String {
        var items: [String] = []
        if let page = placement.page { items.append("page=\(page)") }
        if let position = placement.position { items += ["x=\(position.x)", "y=\(position.y)"] }
        if placement.riding { items.append("riding=true") }
        if let width = placement.width { items.append("width=\(width)") }
        if placement.invisible { items.append("invisible=true") }
        if let field = placement.field {
            items.append("field=" + (field.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? field))
        }
        if !placement.longTermValidation { items.append("ltv=false") }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }
}
