public import Foundation

/// A directory an auditor can check with an independent tool:
///
///     README.txt               this layout in words
///     log-key.txt              the log's C2SP verifier key (name+keyid+base64)
///     trust.pem                the trust bundle (root certificates and the log key)
///     entries.bin              every entry in index order: 4-byte big-endian length, then the entry
///     checkpoints/NNNNNNNNNNNNNNNN.note   every signed checkpoint, named by its 16-digit tree size
///
/// Leaf i is SHA-256(0x00 ‖ entry i); the tree is RFC 9162 §2.1. Salts are not exported: an entry
/// shows a document only as a salted commitment.
/// What an export is written from: the archive itself, or a copy read through the daemon.
public protocol ExportSource {
    /// Every signed checkpoint, by increasing size.
    func allCheckpoints() throws -> [StoredCheckpoint]
    /// Every entry in index order.
    func forEachEntry(batch: Int, _ body: (StoredEntry) throws -> Void) throws
}

extension ArchiveStore: ExportSource {}

public enum ArchiveExport {
    public static let readme = """
        Seal archive export

        log-key.txt   C2SP signed-note verifier key of the archive log (Ed25519).
        trust.pem     trust bundle: root certificate(s) and the log key line.
        entries.bin   every entry in index order, each as a 4-byte big-endian length then the entry bytes.
                      Leaf hash = SHA-256(0x00 || entry); interior node = SHA-256(0x01 || left || right) (RFC 9162).
        checkpoints/  every signed checkpoint (C2SP tlog-checkpoint in a signed note), named by tree size.

        To audit: recompute the tree from entries.bin, check that each checkpoint's root is the root of
        the first N leaves and that its signature verifies with log-key.txt.
        Entry format (version 1): see the README of the Seal repository, section "Archive".

        """

    /// Writes the export into `folder` (an empty directory).
    public static func write(_ store: some ExportSource, to folder: URL, logKey: String, trustPEM: String,
                             progress: (Int, Int) -> Void = { _, _ in }) throws {
        try Data(readme.utf8).write(to: folder.appendingPathComponent("README.txt"))
        try Data((logKey + "\n").utf8).write(to: folder.appendingPathComponent("log-key.txt"))
        try Data(trustPEM.utf8).write(to: folder.appendingPathComponent("trust.pem"))
        let checkpoints = folder.appendingPathComponent("checkpoints")
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: false)
        let stored = try store.allCheckpoints()
        let size = stored.last?.size ?? 0
        for checkpoint in stored {
            try Data(checkpoint.note.utf8).write(to: checkpoints.appendingPathComponent(fileName(size: checkpoint.size)))
        }
        let entriesURL = folder.appendingPathComponent("entries.bin")
        FileManager.default.createFile(atPath: entriesURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: entriesURL)
        defer { try? handle.close() }
        var buffer = [UInt8]()
        var written = 0
        try store.forEachEntry(batch: 4096) { entry in
            guard entry.index < size else { return }
            let count = UInt32(entry.data.count)
            buffer.append(contentsOf: [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)])
            buffer.append(contentsOf: entry.data)
            written += 1
            if buffer.count > 1 << 20 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
                progress(written, size)
            }
        }
        try handle.write(contentsOf: buffer)
        try handle.synchronize()
        progress(written, size)
    }

    static func fileName(size: Int) -> String { String(format: "%016d.note", size) }

    /// An export directory as an audit source.
    public struct Source: AuditSource {
        public let folder: URL

        public init(folder: URL) throws(ArchiveError) {
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("entries.bin").path) else {
                throw .notFound("\(folder.path) is not a Seal archive export (no entries.bin)")
            }
            self.folder = folder
        }

        public var logKey: String {
            get throws {
                String(decoding: try Data(contentsOf: folder.appendingPathComponent("log-key.txt")), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }

        public var trustPEM: [UInt8]? { FileManager.default.contents(atPath: folder.appendingPathComponent("trust.pem").path).map(Array.init) }

        public func entryCount() throws -> Int {
            var count = 0
            try forEachEntry { _ in count += 1 }
            return count
        }

        public func forEachEntry(_ body: (StoredEntry) throws -> Void) throws {
            let data = try Data(contentsOf: folder.appendingPathComponent("entries.bin"), options: .alwaysMapped)
            var offset = 0
            var index = 0
            while offset < data.count {
                guard data.count - offset >= 4 else { throw ArchiveError.damaged("entries.bin ends inside a length") }
                let length = data[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
                offset += 4
                guard data.count - offset >= length else { throw ArchiveError.damaged("entries.bin ends inside entry \(index)") }
                try body(StoredEntry(index: index, data: Array(data[offset..<(offset + length)]), leafHash: [],
                                     committedAt: Date(timeIntervalSince1970: 0)))
                offset += length
                index += 1
            }
        }

        public func storedCheckpoints() throws -> [StoredCheckpoint] {
            let folder = self.folder.appendingPathComponent("checkpoints")
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".note") }.sorted()
            return try names.map { name in
                let note = String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
                let body = note.range(of: "\n\n").map { String(note[..<$0.lowerBound]) + "\n" } ?? note
                let checkpoint = try? Checkpoint(text: body)
                return StoredCheckpoint(size: checkpoint?.size ?? Int(name.dropLast(5)) ?? -1, root: checkpoint?.rootHash ?? [], note: note)
            }.sorted { $0.size < $1.size }
        }

        public var storedNodes: (any StoredNodes)? { nil }

        /// Scans the lengths (not the payloads) up to `index`; revocation checks are rare.
        public func entry(at index: Int) throws -> StoredEntry? {
            let data = try Data(contentsOf: folder.appendingPathComponent("entries.bin"), options: .alwaysMapped)
            var offset = 0
            var current = 0
            while offset + 4 <= data.count {
                let length = data[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
                guard data.count - offset - 4 >= length else { return nil }
                if current == index {
                    return StoredEntry(index: index, data: Array(data[(offset + 4)..<(offset + 4 + length)]), leafHash: [],
                                       committedAt: .distantPast)
                }
                offset += 4 + length
                current += 1
            }
            return nil
        }
    }
}
