public import Foundation

/// An OFD package (GB/T 33190): a zip of XML and resources, read from bytes. Treated as hostile:
/// sizes, counts and expansion are bounded before anything is extracted, every file name must be
/// a plain relative path, and each file's bytes are what the zip holds (never re-encoded).
public struct OFDPackage: Sendable {
    /// The package as received.
    public let bytes: [UInt8]
    /// Every file, by its name in the zip (no leading slash), with its declared size.
    public let files: [String: Int]
    /// The names in the zip's order.
    public let names: [String]

    public struct Limits: Sendable {
        public var packageSize = 256 * 1024 * 1024
        public var entries = 10_000
        public var fileSize = 64 * 1024 * 1024
        public var totalSize = 512 * 1024 * 1024
        /// Deflate rarely exceeds 1:100 on real content; far more is a zip bomb.
        public var expansionRatio = 1_000
        public init() {}
    }

    let limits: Limits
    /// Each file's entry, by name.
    private let entries: [String: OFDZipReader.Entry]

    public init(bytes: [UInt8], limits: Limits = Limits()) throws(OFDError) {
        guard bytes.count <= limits.packageSize else { throw .refused("the package is larger than \(limits.packageSize / 1024 / 1024) MiB") }
        guard let zip = OFDZipReader(bytes) else {
            throw .notAPackage("not a zip archive, or not one Seal reads (zip64, several disks, encrypted entries, "
                + "or entries not where its directory says)")
        }
        var files: [String: Int] = [:]
        var names: [String] = []
        var total = 0
        var entries: [String: OFDZipReader.Entry] = [:]
        var caseless: [String: String] = [:]
        for entry in zip.entries {
            guard names.count < limits.entries else { throw .refused("the package has more than \(limits.entries) entries") }
            guard !entry.isSymbolicLink else { throw .refused("the package holds a symbolic link (\(entry.name))") }
            if entry.isDirectory { continue }
            let name = entry.name
            guard OFDPath.isPlainName(name) else { throw .refused("unsafe file name in the package: \(name.debugDescription)") }
            guard files[name] == nil else { throw .refused("the package holds \(name) twice") }
            // A reader that extracts the package onto a file system that ignores case (Windows,
            // macOS) keeps one of two such files, perhaps not the one the signature protects.
            if let other = caseless.updateValue(name, forKey: name.lowercased()) {
                throw .refused("the package holds \(other) and \(name), which are one file where case is ignored")
            }
            guard entry.size <= limits.fileSize else {
                throw .refused("\(name) is larger than \(limits.fileSize / 1024 / 1024) MiB")
            }
            guard entry.size <= max(1, entry.compressedSize) * limits.expansionRatio else {
                throw .refused("\(name) expands more than \(limits.expansionRatio) times (a zip bomb)")
            }
            total += entry.size
            guard total <= limits.totalSize else { throw .refused("the package expands to more than \(limits.totalSize / 1024 / 1024) MiB") }
            files[name] = entry.size
            entries[name] = entry
            names.append(name)
        }
        guard !names.isEmpty else { throw .notAPackage("the zip holds no files") }
        self.bytes = bytes
        self.files = files
        self.names = names
        self.limits = limits
        self.entries = entries
    }

    /// The bytes of all its files uncompressed: what a signature's References hash.
    public var expandedSize: Int { files.values.reduce(0, +) }

    /// Whether the package holds `name` (a zip name, as `OFDPath.resolve` gives).
    public func contains(_ name: String) -> Bool { files[name] != nil }

    /// The bytes of file `name`, as stored uncompressed; inflating stops at the declared size,
    /// so a lying header cannot inflate past the limits. The zip's CRC-32 is not checked: it
    /// guards against nothing an attacker cannot recompute, and every protected file is checked
    /// by its SM3 reference.
    public func file(_ name: String) throws(OFDError) -> [UInt8] {
        guard let entry = entries[name] else { throw .missing(name) }
        do {
            return try OFDZipReader.read(entry, in: bytes)
        } catch {
            switch error {
            case .method(let method): throw .refused("\(name) is compressed with method \(method); OFD packages use deflate or none")
            case .longer: throw .refused("\(name) is larger than its zip header says")
            case .shorter: throw .refused("\(name) is shorter than its zip header says")
            case .corrupt: throw .refused("\(name) cannot be extracted: its deflate data is damaged")
            }
        }
    }
}

/// Why an OFD package cannot be read, sealed or verified.
public enum OFDError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a zip, or not an OFD document.
    case notAPackage(String)
    /// A hostile or out-of-bounds package.
    case refused(String)
    /// A file the package names is not in it.
    case missing(String)
    /// An XML file that does not say what OFD requires.
    case badXML(String, String)

    public var description: String {
        switch self {
        case .notAPackage(let why): "not an OFD package: \(why)"
        case .refused(let why): "refused OFD package: \(why)"
        case .missing(let name): "the OFD package lacks \(name)"
        case .badXML(let name, let why): "\(name): \(why)"
        }
    }
}

/// OFD locations (ST_Loc): absolute ("/Doc_0/Signs/Signatures.xml") or relative to the file
/// that names them, with the variants real producers write ("//Doc_0/…", "Doc_0/…" in OFD.xml).
/// Resolved to zip names; nothing may climb out of the package.
public enum OFDPath {
    /// A zip name that is a plain relative path: no empty, "." or ".." component, no backslash,
    /// no NUL.
    static func isPlainName(_ name: String) -> Bool {
        // Bytes, not Foundation's substring search (which was 2% of verifying an OFD).
        guard !name.isEmpty, !name.hasPrefix("/"), !name.utf8.contains(UInt8(ascii: "\\")), !name.utf8.contains(0) else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// `location` as a zip name, relative to the folder of `base` (a zip name) unless absolute.
    /// Nil for a location that leaves the package or is not plain.
    public static func resolve(_ location: String, from base: String?) -> String? {
        let trimmed = location.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        var parts: [Substring] = []
        if !trimmed.hasPrefix("/"), let base {
            parts = base.split(separator: "/").dropLast()
        }
        for part in trimmed.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(part)
            }
        }
        let name = parts.joined(separator: "/")
        return isPlainName(name) ? name : nil
    }

    /// The absolute location of zip name `name` ("/Doc_0/…"), as Seal writes locations.
    public static func absolute(_ name: String) -> String { "/" + name }
}
