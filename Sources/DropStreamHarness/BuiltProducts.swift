import Foundation

/// Where `swift build` put the package's executables: the directory of the running test bundle
/// or bench binary (`.build/<config>/`), which holds its siblings.
public enum BuiltProducts {
    public static let directory: URL = {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent()
    }()

    /// The executable `name` next to this one (it may not exist: the caller says how to build it).
    public static func executable(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }
}

/// A private temporary directory, removed when released. Short paths under /tmp: Unix socket
/// paths must stay under 108 bytes.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }

    /// - Parameter prefix: the directory name's start (`/tmp/<prefix>-XXXXXX`).
    public init(prefix: String = "ds") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp: \(String(cString: strerror(errno)))") }
        url = URL(fileURLWithPath: String(cString: made))
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }
}
