import Foundation

/// An exclusive `flock` on `<state>/dropstreamd.lock`: one daemon per state directory, because
/// the database has exactly one writer (DESIGN §4). The kernel drops the lock when the process
/// dies, so a crash never leaves it behind.
final class StateDirectoryLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    static func acquire(directory: String) throws(DaemonStartupError) -> StateDirectoryLock {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw DaemonStartupError(code: .cannotCreate, message: "cannot create the state directory \(directory): \(error.localizedDescription)")
        }
        let path = directory + "/dropstreamd.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw DaemonStartupError(code: .cannotCreate, message: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw DaemonStartupError(code: .alreadyRunning, message: "another dropstreamd is using the state directory \(directory)")
        }
        return StateDirectoryLock(descriptor: descriptor)
    }

    /// Releases the lock. Call once: after ``Daemon/run()`` or on a failed start.
    func release() {
        close(descriptor)
    }
}
