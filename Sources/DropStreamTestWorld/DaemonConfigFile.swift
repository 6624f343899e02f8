import Foundation

/// A `dropstreamd.yaml` written from flat dotted keys (`shipments.push_interval`), the way tests
/// and benchmarks state the few settings they care about.
public enum DaemonConfigFile {
    /// The YAML for `settings`: keys without a dot at the top, then one mapping per section
    /// (the part before the first dot), everything sorted so the file reads the same every run.
    /// Every value is written as a double-quoted string, as the shipped example does.
    public static func yaml(_ settings: [String: String]) -> String {
        var sections: [String: [(key: String, value: String)]] = [:]
        var top: [(key: String, value: String)] = []
        for (key, value) in settings {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2 { sections[parts[0], default: []].append((parts[1], value)) } else { top.append((key, value)) }
        }
        var lines = top.sorted { $0.key < $1.key }.map { "\($0.key): \(quoted($0.value))" }
        for (section, entries) in sections.sorted(by: { $0.key < $1.key }) {
            lines.append("\(section):")
            lines += entries.sorted { $0.key < $1.key }.map { "  \($0.key): \(quoted($0.value))" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `yaml(settings)` to `path`.
    public static func write(_ settings: [String: String], to path: String) throws {
        try yaml(settings).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A YAML double-quoted scalar: `\` and `"` escaped, so a value is read back as written.
    private static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
