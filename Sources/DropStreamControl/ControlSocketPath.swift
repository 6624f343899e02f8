import Foundation

/// Where the control socket lives when nobody says otherwise.
///
/// The daemon and the ctl must agree without talking, so both derive the default here:
/// under systemd the socket is in `$RUNTIME_DIRECTORY` (`/run/dropstream`); root off systemd
/// uses `/run/dropstream`; any other user gets a per-user path so `make run` needs no root.
public enum ControlSocketPath {
    /// The system-wide socket used by the packaged service.
    public static let system = "/run/dropstream/control.sock"
    /// The file name inside a runtime directory.
    public static let fileName = "control.sock"

    /// The daemon's default socket path.
    public static func daemonDefault(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        userID: UInt32 = getuid()
    ) -> String {
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty {
            return "\(runtime)/\(fileName)"
        }
        if userID == 0 { return system }
        return perUser(environment: environment, userID: userID)
    }

    /// The ctl's default: `$DROPSTREAM_SOCKET`, else the system socket if it exists, else the per-user one.
    public static func clientDefault(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        userID: UInt32 = getuid(),
        fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) -> String {
        if let explicit = environment["DROPSTREAM_SOCKET"], !explicit.isEmpty { return explicit }
        if userID == 0 || fileExists(system) { return system }
        return perUser(environment: environment, userID: userID)
    }

    /// `$XDG_RUNTIME_DIR/dropstream/control.sock`, or `/tmp/dropstream-UID/control.sock` without one.
    public static func perUser(environment: [String: String], userID: UInt32) -> String {
        if let xdg = environment["XDG_RUNTIME_DIR"], !xdg.isEmpty {
            return "\(xdg)/dropstream/\(fileName)"
        }
        return "/tmp/dropstream-\(userID)/\(fileName)"
    }
}
