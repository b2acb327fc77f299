internal import CSQLite
import Foundation

/// A SQLite connection, owned by this object. Not thread-safe by itself: `ArchiveStore`
/// serializes every use behind its lock.
final class SQLiteDatabase {
    let handle: OpaquePointer

    init(path: String, readOnly: Bool) throws(ArchiveError) {
        var db: OpaquePointer? = nil
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "status \(status)"
            let system = db.map { sqlite3_system_errno($0) } ?? 0
            sqlite3_close_v2(db)
            if system == EROFS || Self.onReadOnlyFileSystem(path) {
                throw .unavailable("the archive is read-only: its file system is mounted read-only (cannot open \(path))")
            }
            if system == ENOSPC { throw .unavailable("the disk is full (cannot open \(path))") }
            throw .database("cannot open \(path): \(message)")
        }
        handle = db
        sqlite3_busy_timeout(db, 5_000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    var errorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Whether `path` lies on a file system mounted read-only (SQLite does not always keep the
    /// errno that says so).
    static func onReadOnlyFileSystem(_ path: String?) -> Bool {
        guard let path, !path.isEmpty else { return false }
        var info = statvfs()
        return statvfs(path, &info) == 0 && info.f_flag & UInt(ST_RDONLY) != 0
    }

    /// The error for the connection's last failure: storage that cannot take writes right now
    /// (full, read-only, failing) is told apart from everything else, so callers can say so.
    func failure(_ text: String) -> ArchiveError {
        let code = sqlite3_errcode(handle) & 0xFF
        let system = sqlite3_system_errno(handle)
        switch code {
        case SQLITE_FULL: return .unavailable("the disk is full (\(text))")
        case SQLITE_READONLY: return .unavailable("the archive is read-only (\(text))")
        case SQLITE_IOERR, SQLITE_CANTOPEN:
            if system == ENOSPC { return .unavailable("the disk is full (\(text))") }
            if system == EROFS || Self.onReadOnlyFileSystem(sqlite3_db_filename(handle, "main").map { String(cString: $0) }) {
                return .unavailable("the archive is read-only: its file system is mounted read-only (\(text))")
            }
            return .unavailable("the disk failed (\(text))")
        default: return .database(text)
        }
    }

    func execute(_ sql: String) throws(ArchiveError) {
        var message: UnsafeMutablePointer<CChar>? = nil
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? errorMessage
            sqlite3_free(message)
            throw failure(text)
        }
    }

    func prepare(_ sql: String) throws(ArchiveError) -> Statement {
        var statement: OpaquePointer? = nil
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw failure("\(errorMessage) in: \(sql)")
        }
        return Statement(handle: statement, database: self)
    }

    /// Runs `body` in one IMMEDIATE transaction: all of it commits, or none of it.
    func transaction<T>(_ body: () throws(ArchiveError) -> T) throws(ArchiveError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var userVersion: Int {
        get throws(ArchiveError) {
            let statement = try prepare("PRAGMA user_version")
            guard try statement.step() else { return 0 }
            return statement.int(0)
        }
    }
}

/// A prepared statement, finalized with this object.
final class Statement {
    let handle: OpaquePointer
    let database: SQLiteDatabase

    init(handle: OpaquePointer, database: SQLiteDatabase) {
        self.handle = handle
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    @discardableResult
    func bind(_ values: [SQLValue]) throws(ArchiveError) -> Statement {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .integer(let number): status = sqlite3_bind_int64(handle, index, Int64(number))
            case .text(let text): status = sqlite3_bind_text(handle, index, text, -1, CSQLite_transient())
            case .blob(let bytes):
                status = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count), CSQLite_transient()) }
            case .null: status = sqlite3_bind_null(handle, index)
            }
            guard status == SQLITE_OK else { throw .database(database.errorMessage) }
        }
        return self
    }

    /// Advances; true while a row is available.
    /// Ends the statement's current result, releasing its read transaction.
    func reset() { sqlite3_reset(handle) }

    func step() throws(ArchiveError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.failure(database.errorMessage)
        }
    }

    /// Runs a statement that returns no rows.
    func run(_ values: [SQLValue] = []) throws(ArchiveError) {
        try bind(values)
        while try step() {}
    }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Compares a blob column with `bytes` in place, without copying it out.
    func blobEquals(_ column: Int32, _ bytes: [UInt8]) -> Bool {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count == bytes.count else { return false }
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return count == 0 }
        return memcmp(pointer, bytes, count) == 0
    }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: pointer)
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
}

enum SQLValue {
    case integer(Int)
    case text(String)
    case blob([UInt8])
    case null
}

/// Every archive failure, in words.
public enum ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    case database(String)
    case damaged(String)
    case notFound(String)
    case invalidArgument(String)
    case signing(String)
    case conflict(String)
    /// The storage refuses writes now (disk full, read-only, I/O error); retrying later can work.
    case unavailable(String)
    /// The stored log does not extend the log this writer saw (a failover or restore went back in
    /// time, or forked it): nothing more is signed until an operator looks.
    case halted(String)

    public var description: String {
        switch self {
        case .database(let text): "archive database error: \(text)"
        case .damaged(let text): "the archive is damaged: \(text)"
        case .notFound(let text): text
        case .invalidArgument(let text): text
        case .signing(let text): "cannot sign the checkpoint: \(text)"
        case .conflict(let text): text
        case .unavailable(let text): "the archive cannot be written now: \(text)"
        case .halted(let text): "the archive halted: \(text)"
        }
    }
}
