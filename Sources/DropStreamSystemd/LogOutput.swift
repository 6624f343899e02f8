#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where a text log handler writes: a file descriptor it does not own (stderr by default).
///
/// Each entry is written with as few `write(2)` calls as the kernel allows (one, normally), so
/// lines from concurrent loggers do not interleave on a pipe or the journal stream.
public struct LogOutput: Sendable {
    /// The file descriptor written to; never closed by the handler.
    public let fileDescriptor: Int32

    /// Standard error (file descriptor 2).
    public static let standardError = LogOutput(fileDescriptor: STDERR_FILENO)

    /// Writes to `fileDescriptor` (e.g. the write end of a pipe in a test).
    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// Whether the descriptor is a terminal, i.e. a human is reading.
    public var isTerminal: Bool { isatty(fileDescriptor) == 1 }

    /// Writes all of `text`, retrying on EINTR and short writes; other errors drop the rest,
    /// because a logger has nowhere left to report its own output failing.
    func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = posixWrite(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}

// The method above is called `write`, so the C function needs a name of its own.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buffer, count)
    #else
    Musl.write(fd, buffer, count)
    #endif
}
