import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Errors from the small POSIX helpers below, carrying the call that failed and errno.
struct SystemCallError: Error, CustomStringConvertible {
    var call: String
    var errno: Int32
    var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// Sets (or removes, for `nil`) process environment variables for the duration of `body`, then
/// restores what was there. Only for tests inside `ProcessEnvironmentTests` (serialized):
/// libsystemd reads these variables with getenv, so they cannot be passed explicitly.
func withEnvironment<R>(_ changes: [String: String?], _ body: () throws -> R) rethrows -> R {
    var saved: [String: String?] = [:]
    for (name, value) in changes {
        saved[name] = getenv(name).map { String(cString: $0) }
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
    defer {
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }
    return try body()
}

/// A pipe whose write end a log handler writes to; `finish()` closes it and returns everything
/// written, so a test needs no waiting: the handler writes synchronously.
final class OutputPipe {
    let readEnd: Int32
    private(set) var writeEnd: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SystemCallError(call: "pipe", errno: errno) }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    /// Closes the write end and reads to end of file.
    func finish() -> String {
        if writeEnd >= 0 {
            close(writeEnd)
            writeEnd = -1
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(readEnd, &buffer, buffer.count)
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0, errno == EINTR {
                continue
            } else {
                break
            }
        }
        return String(decoding: data, as: UTF8.self)
    }

    deinit {
        if writeEnd >= 0 { close(writeEnd) }
        close(readEnd)
    }
}
