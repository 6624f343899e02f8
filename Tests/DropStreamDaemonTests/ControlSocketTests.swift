import Foundation
import Testing
@testable import DropStreamDaemon

@Suite struct ControlSocketTests {
    private func temporaryDirectory() throws -> String {
        var template = Array("/tmp/dsc-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        return String(cString: made)
    }

    /// Binds a Unix stream socket at `path`; listening or not.
    private func bindSocket(at path: String, listen shouldListen: Bool) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if shouldListen { listen(fd, 1) }
        return fd
    }

    @Test func freshPathCreatesTheDirectory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try ControlSocket.prepare(path: directory + "/sub/control.sock") == .fresh)
        #expect(FileManager.default.fileExists(atPath: directory + "/sub"))
    }

    @Test func staleSocketIsRemoved() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/control.sock"
        close(bindSocket(at: path, listen: false))  // the file stays, nobody listens: stale
        #expect(try ControlSocket.prepare(path: path) == .replacedStale)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func liveSocketIsNotStolen() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/control.sock"
        let fd = bindSocket(at: path, listen: true)
        defer { close(fd) }
        #expect(throws: ControlSocket.PrepareError.self) { try ControlSocket.prepare(path: path) }
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func aRegularFileIsNeverRemoved() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/control.sock"
        FileManager.default.createFile(atPath: path, contents: Data("precious".utf8))
        #expect(throws: ControlSocket.PrepareError.self) { try ControlSocket.prepare(path: path) }
        #expect(FileManager.default.contents(atPath: path) == Data("precious".utf8))
    }
}
