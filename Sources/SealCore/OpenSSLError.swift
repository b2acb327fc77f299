internal import CSealShim

/// A failed OpenSSL call, carrying the library's error queue as it was when the call failed.
public struct OpenSSLError: Error, CustomStringConvertible, Sendable {
    /// The operation Seal was attempting, in words.
    public let operation: String
    /// OpenSSL's error queue text, oldest first.
    public let queue: [String]

    /// Captures and clears the calling thread's OpenSSL error queue.
    init(_ operation: String) {
        self.operation = operation
        self.queue = OpenSSLError.drainQueue()
    }

    public var description: String {
        queue.isEmpty ? "\(operation) failed" : "\(operation) failed: \(queue.joined(separator: "; "))"
    }

    /// The reason strings of the queue (e.g. "bad decrypt"), without file and line noise.
    static func drainQueue() -> [String] {
        var lines: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) {
                let library = ERR_lib_error_string(code).map { String(cString: $0) } ?? "libcrypto"
                lines.append("\(library): \(String(cString: reason))")
            } else {
                lines.append("error 0x\(String(code, radix: 16))")
            }
        }
        return lines
    }

    /// Clears errors left by calls whose failure Seal handles itself (probing PEM blocks, lookups).
    static func clearQueue() { ERR_clear_error() }
}

/// Runs an OpenSSL call that returns 1 on success; anything else throws with the error queue.
@inline(__always)
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(OpenSSLError) {
    guard result == 1 else { throw OpenSSLError(operation()) }
}

/// Unwraps a pointer an OpenSSL call returned; nil throws with the error queue.
@inline(__always)
func check<T>(_ pointer: T?, _ operation: @autoclosure () -> String) throws(OpenSSLError) -> T {
    guard let pointer else { throw OpenSSLError(operation()) }
    return pointer
}
