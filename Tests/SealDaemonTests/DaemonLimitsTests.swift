import Foundation
import Testing
import SealService
import SealClient
import SealTestSupport

/// Bad input and abusive clients: clear JSON errors, the daemon stays up, the archive is unchanged.
@Suite(.serialized) struct DaemonLimitsTests {
    func treeSize(_ daemon: DaemonProcess) throws -> Int {
        let health = try JSONSerialization.jsonObject(with: Data(try daemon.request("GET", "/healthz").body)) as? [String: Any]
        return health?["treeSize"] as? Int ?? -1
    }

    func error(_ response: HTTPConnection.Response) throws -> ErrorBody.Detail {
        #expect(response.header("Content-Type") == "application/json")
        return try JSON.decoder().decode(ErrorBody.self, from: Data(response.body)).error
    }

    @Test func badRequestsGetJSONErrorsAndChangeNothing() throws {
        let daemon = try DaemonProcess.withAuthority("limits", seals: ["civil"], config: "max-body-bytes = 4096\n")
        defer { daemon.cleanUp() }
        #expect(try daemon.request("POST", "/v1/seals/civil", body: Array("first".utf8)).status == 201)
        let before = try treeSize(daemon)

        let tooLarge = try daemon.request("POST", "/v1/seals/civil", body: [UInt8](repeating: 0x41, count: 5000))
        #expect(tooLarge.status == 413)
        #expect(try error(tooLarge).message == "the request body is too large")

        let malformed = try daemon.request("POST", "/v1/verify", body: Array("{\"seal\": ".utf8), contentType: "application/json")
        #expect(malformed.status == 400)
        #expect(try error(malformed).message.hasPrefix("malformed JSON request"))
        let missingField = try daemon.request("POST", "/v1/revocations", body: Array("{}".utf8), contentType: "application/json")
        #expect(missingField.status == 400)
        #expect(try error(missingField).message == "malformed JSON request: missing field 'seal'")
        let notBase64 = try daemon.request("POST", "/v1/verify", body: Array("{\"seal\":\"@@\",\"document\":\"\"}".utf8),
                                           contentType: "application/json")
        #expect(notBase64.status == 400)

        let unknownSeal = try daemon.request("POST", "/v1/seals/nosuch", body: Array("x".utf8))
        #expect(unknownSeal.status == 404)
        #expect(try error(unknownSeal).message == "no seal named 'nosuch' (see `seal seals`)")
        let badName = try daemon.request("POST", "/v1/seals/Bad%20Name", body: Array("x".utf8))
        #expect(badName.status == 400)

        let wrongMethod = try daemon.request("DELETE", "/v1/seals/civil")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow") == "POST")
        #expect(try daemon.request("GET", "/v1/nothing-here").status == 404)
        #expect(try daemon.request("GET", "/v1/entries/999").status == 404)
        #expect(try daemon.request("GET", "/v1/entries/-1").status == 400)
        #expect(try daemon.request("GET", "/v1/proofs/inclusion").status == 400)
        #expect(try daemon.request("GET", "/v1/proofs/inclusion?index=abc").status == 400)
        #expect(try daemon.request("GET", "/v1/entries?count=100000").status == 400)
        let garbageSeal = try daemon.request("POST", "/v1/receipts", body: [0x30, 0x03, 0x02, 0x01, 0x00])
        #expect(garbageSeal.status == 400)

        #expect(try treeSize(daemon) == before)
        #expect(try daemon.request("POST", "/v1/seals/civil", body: Array("after".utf8)).status == 201)
    }

    @Test func slowAndIdleClientsAreDisconnectedAndManyIdleConnectionsAreServed() throws {
        let daemon = try DaemonProcess.withAuthority("idle", seals: ["civil"], config: "idle-timeout-seconds = 1\n")
        defer { daemon.cleanUp() }

        // A client that sends half a request and stops is closed after the idle timeout.
        let slow = try RawSocket(path: daemon.socket)
        slow.send("POST /v1/seals/civil HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part")
        let started = Date()
        #expect(slow.readUntilClosed(timeout: 10))
        #expect(Date().timeIntervalSince(started) < 8)

        // A client that half-closes after a partial request is answered or dropped, never hangs the daemon.
        let halfClosed = try RawSocket(path: daemon.socket)
        halfClosed.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        shutdown(halfClosed.descriptor, Int32(SHUT_WR))
        #expect(halfClosed.readUntilClosed(timeout: 10))

        // Two thousand idle connections, then ordinary requests still work. (This test process
        // needs the descriptors too: its soft limit is raised to the hard one, as seald does.)
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        try #require(limit.rlim_max > 2200, "the machine allows only \(limit.rlim_max) open files")
        var idle: [RawSocket] = []
        for _ in 0..<2000 { idle.append(try RawSocket(path: daemon.socket)) }
        #expect(try daemon.request("POST", "/v1/seals/civil", body: Array("busy".utf8)).status == 201)
        #expect(try daemon.request("GET", "/healthz").status == 200)
        idle.removeAll()
        #expect(try daemon.request("GET", "/v1/checkpoint").status == 200)
    }
}

/// A bare client socket for misbehaving on purpose.
final class RawSocket {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            close(descriptor)
            throw DaemonProcess.Failure("connect failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the peer closes; false if it is still open after `timeout`.
    func readUntilClosed(timeout: TimeInterval) -> Bool {
        var interval = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }
}
