public import Foundation
public import SealService

/// A minimal HTTP/1.1 client over a Unix domain socket: what `seal --socket` and the daemon
/// benchmark need, with no event loop.
///
/// Kept instead of AsyncHTTPClient (which speaks `http+unix://`) because on the CLI's path it is
/// cheaper, measured on one seald with 2,000 sequential requests over one connection, three runs:
/// 55-65 µs of client CPU per request against 225-285 µs for AsyncHTTPClient 1.37 (`.singleton`
/// event loops), 18.8 against 27.1 MB peak RSS, and 5-10 ms against 10-20 ms for a process that
/// makes one request. The CLI shares the machine's cores with seald, so client CPU is sealing lost. Requests are written whole; responses are read by
/// Content-Length or chunked encoding, so one connection can carry many requests.
public final class HTTPConnection {
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: [UInt8]

        public func header(_ name: String) -> String? { Self.header(name, in: headers) }

        /// The first header named `name`, compared as ASCII without case (as field names are).
        static func header(_ name: String, in headers: [(String, String)]) -> String? {
            headers.first { field in
                field.0.utf8.count == name.utf8.count && zip(field.0.utf8, name.utf8).allSatisfy { folded($0) == folded($1) }
            }?.1
        }

        private static func folded(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
    }

    public let socketPath: String
    private var descriptor: Int32 = -1
    /// Received bytes; those before `consumed` are read. Compacted before each receive, so a
    /// response's lines and body are not shifted down the buffer one by one.
    private var buffer: [UInt8] = []
    private var consumed = 0
    /// Where each receive lands, allocated once per connection.
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    /// The largest response accepted (a whole CRL or export page fits easily).
    static let maximumResponse = 256 << 20

    public init(socketPath: String, timeout: TimeInterval = 120) throws(ServiceError) {
        self.socketPath = socketPath
        descriptor = try Self.connect(socketPath, timeout: timeout)
    }

    /// A connection to seald's public TCP listener on this machine (for benchmarks and tests).
    public init(loopbackPort port: UInt16, timeout: TimeInterval = 120) throws(ServiceError) {
        socketPath = "127.0.0.1:\(port)"
        let fd = try Self.streamSocket(AF_INET, timeout: timeout)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw .remote(.unavailable, "cannot connect to 127.0.0.1:\(port)")
        }
        descriptor = fd
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// A stream socket of `family` whose reads and writes give up after `timeout`.
    private static func streamSocket(_ family: Int32, timeout: TimeInterval) throws(ServiceError) -> Int32 {
        #if canImport(Glibc)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw .io("cannot create a socket: \(String(cString: strerror(errno)))") }
        var interval = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private static func connect(_ path: String, timeout: TimeInterval) throws(ServiceError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw .invalidArgument("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = try streamSocket(AF_UNIX, timeout: timeout)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            switch code {
            case ENOENT, ECONNREFUSED: throw .remote(.unavailable, "no daemon is listening on \(path) (start it with `seald`)")
            case EACCES, EPERM: throw .remote(.forbidden, "not permitted to connect to \(path)")
            default: throw .remote(.unavailable, "cannot connect to \(path): \(String(cString: strerror(code)))")
            }
        }
        return fd
    }

    /// Sends one request and reads its response.
    public func send(_ method: String, _ target: String, body: [UInt8] = [], contentType: String? = nil,
                     accept: String? = nil) throws(ServiceError) -> Response {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: seald\r\nContent-Length: \(body.count)\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        if let accept { head += "Accept: \(accept)\r\n" }
        head += "\r\n"
        try write(Array(head.utf8) + body)
        return try readResponse()
    }

    private func write(_ bytes: [UInt8]) throws(ServiceError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw .remote(.unavailable, "the daemon closed the connection: \(String(cString: strerror(errno)))")
            }
            offset += sent
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws(ServiceError) -> Bool {
        if consumed > 0 {
            buffer.removeSubrange(..<consumed)
            consumed = 0
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : String(cString: strerror(errno))
                throw .remote(.unavailable, "no answer from the daemon: \(reason)")
            }
            if count == 0 { return false }
            guard buffer.count + count <= Self.maximumResponse else { throw .remote(.failure, "the daemon's response is too large") }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
    }

    /// The next line's bytes without its CR LF.
    private func readLine() throws(ServiceError) -> ArraySlice<UInt8> {
        while true {
            if let end = buffer[consumed...].firstIndex(of: 0x0A) {
                var line = buffer[consumed..<end]
                consumed = end + 1
                if line.last == 0x0D { line = line.dropLast() }
                return line
            }
            guard try fill() else { throw .remote(.unavailable, "the daemon closed the connection mid-response") }
        }
    }

    private func readBytes(_ count: Int) throws(ServiceError) -> [UInt8] {
        guard count >= 0, count <= Self.maximumResponse else { throw .remote(.failure, "the daemon's response is too large") }
        while buffer.count - consumed < count {
            guard try fill() else { throw .remote(.unavailable, "the daemon closed the connection mid-response") }
        }
        let bytes = Array(buffer[consumed..<(consumed + count)])
        consumed += count
        return bytes
    }

    /// Parsed as bytes: a seal's response carries its receipt in a header of some 2 KB, and
    /// Foundation's trimming of it was most of the client's time (`perf` under `seal-bench postgres`).
    private func readResponse() throws(ServiceError) -> Response {
        let statusLine = String(decoding: try readLine(), as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw .remote(.failure, "not an HTTP response from \(socketPath)")
        }
        var headers: [(String, String)] = []
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            var value = line[(colon + 1)...]
            while let first = value.first, isBlank(first) { value = value.dropFirst() }
            while let last = value.last, isBlank(last) { value = value.dropLast() }
            headers.append((String(decoding: line[..<colon], as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        let response = { (body: [UInt8]) in Response(status: status, headers: headers, body: body) }
        let find = { (name: String) in Response.header(name, in: headers) }
        if find("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            var body: [UInt8] = []
            while true {
                let sizeLine = String(decoding: try readLine(), as: UTF8.self)
                guard let size = Int(sizeLine.split(separator: ";").first.map(String.init) ?? "", radix: 16) else {
                    throw .remote(.failure, "bad chunk in the daemon's response")
                }
                if size == 0 {
                    while !(try readLine()).isEmpty {}
                    return response(body)
                }
                body += try readBytes(size)
                _ = try readLine()
            }
        }
        if let length = find("Content-Length").flatMap(Int.init) { return response(try readBytes(length)) }
        while try fill() {}
        defer { buffer.removeAll(); consumed = 0 }
        return response(Array(buffer[consumed...]))
    }
}
