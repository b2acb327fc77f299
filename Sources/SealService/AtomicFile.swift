public import Foundation
import SealCore
#if canImport(Glibc)
import Glibc
#endif

/// syncfs(2): Glibc declares it only under _GNU_SOURCE, which Swift's Glibc module leaves out.
@_silgen_name("syncfs") private func syncFileSystem(_ descriptor: Int32) -> Int32

/// File writes that either complete or leave nothing behind: write a temporary file beside the
/// target, fsync it, rename it into place, fsync the directory.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to url: URL, mode: mode_t = 0o644) throws(ServiceError) {
        try write(bytes, toPath: url.path, mode: mode)
    }

    // The batch path works on plain paths: Foundation's URL operations (and the stat that
    // `URL(fileURLWithPath:)` makes to tell a directory) were a tenth of a 4,000-file `seal sign`.

    public static func write(_ bytes: [UInt8], toPath path: String, mode: mode_t = 0o644) throws(ServiceError) {
        let temporary = try writeTemporary(bytes, forPath: path, mode: mode, sync: true)
        guard rename(temporary, path) == 0 else {
            let text = errnoText()
            unlink(temporary)
            throw .io("cannot replace \(path): \(text)")
        }
        syncDirectory(atPath: parent(of: path))
    }

    /// Writes many files so that each is whole or absent, made durable together: every temporary
    /// is written, one `syncfs` makes them durable, each is renamed into place, and each directory
    /// is synced once. Per file that is one create and one rename instead of two syncs (a batch
    /// of 4,000 seals spent most of its time in fsync).
    ///
    /// On failure, the temporaries not yet renamed are removed; files already renamed are whole.
    public static func writeAll(_ files: [(bytes: [UInt8], url: URL)], mode: mode_t = 0o644) throws(ServiceError) {
        try writeAll(files.map { ($0.bytes, $0.url.path) }, mode: mode)
    }

    public static func writeAll(_ files: [(bytes: [UInt8], path: String)], mode: mode_t = 0o644) throws(ServiceError) {
        guard files.count > 1 else {
            for file in files { try write(file.bytes, toPath: file.path, mode: mode) }
            return
        }
        var temporaries: [String] = []
        var renamed = 0
        defer { for temporary in temporaries[renamed...] { unlink(temporary) } }
        for file in files { temporaries.append(try writeTemporary(file.bytes, forPath: file.path, mode: mode, sync: false)) }
        let directories = Set(files.map { parent(of: $0.path) })
        for directory in directories {
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw .io("cannot open \(directory): \(errnoText())") }
            defer { close(fd) }
            guard syncFileSystem(fd) == 0 else { throw .io("cannot sync \(directory): \(errnoText())") }
        }
        for (temporary, file) in zip(temporaries, files) {
            guard rename(temporary, file.path) == 0 else { throw .io("cannot replace \(file.path): \(errnoText())") }
            renamed += 1
        }
        for directory in directories { syncDirectory(atPath: directory) }
    }

    /// The folder holding `path` ("." for a bare name).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// A new temporary file beside `path` holding `bytes` with exactly `mode`, synced if asked.
    private static func writeTemporary(_ bytes: [UInt8], forPath path: String, mode: mode_t, sync: Bool) throws(ServiceError) -> String {
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        let folder = parent(of: path)
        let temporary = (folder == "/" ? "" : folder) + "/.\(name).tmp-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io("cannot create \(temporary): \(errnoText())") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let text = errnoText()
                unlink(temporary)
                throw .io("cannot write \(path): \(text)")
            }
            offset += written
        }
        // The mode argument is filtered by the umask; set it exactly.
        guard fchmod(fd, mode) == 0, !sync || fsync(fd) == 0 else {
            let text = errnoText()
            unlink(temporary)
            throw .io("cannot write \(path): \(text)")
        }
        return temporary
    }

    /// Creates the directory `target` whole or not at all: `fill` populates a staging directory
    /// beside it, which is then renamed into place. `occupied` is thrown when `target` appeared (or
    /// was not empty) meanwhile; anything `fill` throws removes the staging directory.
    public static func createDirectory(_ target: URL, occupied: ServiceError,
                                       _ fill: (URL) throws -> Void) throws(ServiceError) {
        let parent = target.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).staging-\(UInt32.random(in: .min ... .max))")
        try makeDirectory(staging)
        var done = false
        defer { if !done { try? FileManager.default.removeItem(at: staging) } }
        do {
            try fill(staging)
        } catch let error as ServiceError {
            throw error
        } catch let error as OpenSSLError {
            throw ServiceError(error)
        } catch {
            throw .io("\(error)")
        }
        // rename(2) replaces only an empty directory, so an existing target is never overwritten.
        guard rename(staging.path, target.path) == 0 else {
            throw errno == EEXIST || errno == ENOTEMPTY ? occupied : .io("cannot create \(target.path): \(errnoText())")
        }
        done = true
        syncDirectory(parent)
    }

    /// Makes a rename or a new entry in `directory` durable.
    public static func syncDirectory(_ directory: URL) { syncDirectory(atPath: directory.path) }

    static func syncDirectory(atPath directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Reads a whole file, with errors that name it.
    public static func read(_ url: URL) throws(ServiceError) -> [UInt8] { try read(path: url.path) }

    /// Read with open(2)/read(2) until end of file, so that devices and pipes (`/dev/null`,
    /// `/dev/stdin`) read like files; Foundation's `contents(atPath:)` gives nil for them. A
    /// regular file is read straight into a buffer of its size.
    public static func read(path: String) throws(ServiceError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .fileNotFound(path) }
            throw .fileUnreadable(path, errnoText())
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .fileUnreadable(path, errnoText()) }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw .fileUnreadable(path, "it is a directory") }
        // One byte more than the size, so a regular file ends in one read plus the read that sees
        // its end; a device or a pipe (size 0) grows the buffer as it fills.
        var bytes = [UInt8](repeating: 0, count: max(Int(status.st_size) + 1, 1 << 12))
        var filled = 0
        while true {
            if filled == bytes.count { bytes += repeatElement(0, count: bytes.count) }
            let count = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count == 0 { return Array(bytes[..<filled]) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .fileUnreadable(path, errnoText())
            }
            filled += count
        }
    }

    /// Creates a directory with exactly `mode` (not filtered by the umask).
    public static func makeDirectory(_ url: URL, mode: mode_t = 0o700) throws(ServiceError) {
        guard mkdir(url.path, mode) == 0 else { throw .io("cannot create \(url.path): \(errnoText())") }
        chmod(url.path, mode)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
