public import Foundation
import ZIPFoundation

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
    /// One reader for the whole package; ZIPFoundation's archive is not thread-safe, so every use
    /// takes the lock.
    private let reader: Reader

    public init(bytes: [UInt8], limits: Limits = Limits()) throws(OFDError) {
        guard bytes.count <= limits.packageSize else { throw .refused("the package is larger than \(limits.packageSize / 1024 / 1024) MiB") }
        let archive = try ScratchFile.archive(bytes)
        var files: [String: Int] = [:]
        var names: [String] = []
        var total = 0
        var listed = 0
        var entries: [String: Entry] = [:]
        for entry in archive {
            listed += 1
            guard names.count < limits.entries else { throw .refused("the package has more than \(limits.entries) entries") }
            guard entry.type != .symlink else { throw .refused("the package holds a symbolic link (\(entry.path))") }
            if entry.type == .directory { continue }
            let name = entry.path
            guard OFDPath.isPlainName(name) else { throw .refused("unsafe file name in the package: \(name.debugDescription)") }
            guard files[name] == nil else { throw .refused("the package holds \(name) twice") }
            guard entry.uncompressedSize <= UInt64(limits.fileSize) else {
                throw .refused("\(name) is larger than \(limits.fileSize / 1024 / 1024) MiB")
            }
            let size = Int(entry.uncompressedSize)
            guard size <= max(1, Int(entry.compressedSize)) * limits.expansionRatio else {
                throw .refused("\(name) expands more than \(limits.expansionRatio) times (a zip bomb)")
            }
            total += size
            guard total <= limits.totalSize else { throw .refused("the package expands to more than \(limits.totalSize / 1024 / 1024) MiB") }
            files[name] = size
            entries[name] = entry
            names.append(name)
        }
        // ZIPFoundation ends its listing at the first entry it cannot read: a package must not
        // pass with fewer files than its central directory lists (found by fuzzing).
        if let declared = OFDZipAppender.declaredEntryCount(of: bytes), declared != listed {
            throw .notAPackage("the zip lists \(declared) entries, of which \(listed) can be read")
        }
        guard !names.isEmpty else { throw .notAPackage("the zip holds no files") }
        self.bytes = bytes
        self.files = files
        self.names = names
        self.limits = limits
        reader = Reader(archive, entries: entries)
    }

    /// The bytes of all its files uncompressed: what a signature's References hash.
    public var expandedSize: Int { files.values.reduce(0, +) }

    /// Whether the package holds `name` (a zip name, as `OFDPath.resolve` gives).
    public func contains(_ name: String) -> Bool { files[name] != nil }

    /// The bytes of file `name`, as stored uncompressed; extraction stops at the declared size,
    /// so a lying header cannot inflate past the limits. The zip's CRC-32 is not checked: it
    /// guards against nothing an attacker cannot recompute, every protected file is checked by
    /// its SM3 reference, and ZIPFoundation computes it in Swift (about a third of reading a
    /// package in `perf`).
    public func file(_ name: String) throws(OFDError) -> [UInt8] {
        guard let declared = files[name] else { throw .missing(name) }
        return try reader.read(name, declared: declared)
    }

    private final class Reader: @unchecked Sendable {
        let archive: Archive
        /// The entries by name, as listed once: ZIPFoundation's `archive[name]` walks the central
        /// directory, reading every local header, on each call (5% of verifying an OFD).
        let entries: [String: Entry]
        let lock = NSLock()
        init(_ archive: Archive, entries: [String: Entry]) { (self.archive, self.entries) = (archive, entries) }

        func read(_ name: String, declared: Int) throws(OFDError) -> [UInt8] {
            lock.lock()
            defer { lock.unlock() }
            guard let entry = entries[name] else { throw .missing(name) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(declared)
            do {
                _ = try archive.extract(entry, bufferSize: 256 * 1024, skipCRC32: true) { chunk in
                    guard bytes.count + chunk.count <= declared else { throw OFDError.refused("\(name) is larger than its zip header says") }
                    bytes.append(contentsOf: chunk)
                }
            } catch let error as OFDError {
                throw error
            } catch {
                throw .refused("\(name) cannot be extracted: \(error)")
            }
            guard bytes.count == declared else { throw .refused("\(name) is shorter than its zip header says") }
            return bytes
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

/// A package opened by ZIPFoundation from a private temporary file rather than from memory: its
/// in-memory reader traps on an offset past the end (a hostile central directory did that in
/// fuzzing), while a file read there just comes up short, which ZIPFoundation reports as an error.
enum ScratchFile {
    /// `bytes` as an archive to read; the file is unlinked at once (the open stream keeps it).
    static func archive(_ bytes: [UInt8]) throws(OFDError) -> Archive {
        let url = try staged(bytes)
        defer { unlink(url.path) }
        do { return try Archive(url: url, accessMode: .read) } catch { throw .notAPackage("not a zip archive (\(error))") }
    }

    /// A new file, readable by its owner only, holding `bytes`: written with plain POSIX calls.
    /// `FileManager.createFile` writes atomically (a temporary directory, a rename and an fsync),
    /// which a scratch copy does not need and which was a tenth of sealing an OFD (`perf`).
    private static func staged(_ bytes: [UInt8]) throws(OFDError) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seal-ofd-\(UUID().uuidString).zip")
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .refused("cannot stage the package in \(FileManager.default.temporaryDirectory.path)") }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                unlink(url.path)
                throw .refused("cannot stage the package in \(FileManager.default.temporaryDirectory.path)")
            }
            written += count
        }
        return url
    }
}
