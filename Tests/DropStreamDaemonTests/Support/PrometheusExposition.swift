import Foundation

/// A strict reader of the Prometheus text exposition format (0.0.4), so a test of `/metrics`
/// fails on a malformed line instead of skipping it: every line is `# HELP`, `# TYPE` or a
/// sample `name{label="value",...} number`; every sample belongs to a family announced by a
/// `# TYPE` line before it; a family's lines are contiguous and announced once; histogram
/// series have increasing `le` buckets ending in `+Inf`, cumulative counts, `_sum` and `_count`.
struct PrometheusExposition {
    struct Family: Equatable {
        var type: String
        var help: String?
    }

    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        var line: Int
        var text: String
        var reason: String
        var description: String { "line \(line): \(reason): \(text)" }
    }

    private(set) var families: [String: Family] = [:]
    private(set) var samples: [Sample] = []

    /// The value of the one sample with exactly this name and label set, if present.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    init(parsing text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Malformed(line: 0, text: "", reason: "no final line feed") }
        var current: String?  // the family whose lines we are in
        var closed: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let line = String(raw), number = index + 1
            func fail(_ reason: String) -> Malformed { Malformed(line: number, text: line, reason: reason) }
            func enter(_ name: String) throws {
                guard current != name else { return }
                if let current { closed.insert(current) }
                guard !closed.contains(name) else { throw fail("family \(name) is split") }
                current = name
            }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[0] == "#", Self.isMetricName(parts[2]) else { throw fail("not a HELP or TYPE line") }
                let name = parts[2]
                try enter(name)
                switch parts[1] {
                case "HELP":
                    guard parts.count == 4, !parts[3].isEmpty else { throw fail("empty HELP") }
                    guard families[name]?.help == nil else { throw fail("second HELP") }
                    guard !samples.contains(where: { Self.family(of: $0.name, in: families) == name }) else { throw fail("HELP after samples") }
                    families[name, default: Family(type: "")].help = parts[3]
                case "TYPE":
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else { throw fail("bad TYPE") }
                    guard families[name]?.type.isEmpty ?? true else { throw fail("second TYPE") }
                    families[name, default: Family(type: "")].type = parts[3]
                default:
                    throw fail("comment that is neither HELP nor TYPE")
                }
                continue
            }
            guard let sample = Self.sample(line) else { throw fail("not a sample") }
            guard let family = Self.family(of: sample.name, in: families), !(families[family]?.type.isEmpty ?? true) else {
                throw fail("sample without a TYPE line before it")
            }
            try enter(family)
            if families[family]?.type == "counter", sample.value < 0 || sample.value.isNaN { throw fail("negative counter") }
            samples.append(sample)
        }
        for (name, family) in families where family.type.isEmpty { throw Malformed(line: 0, text: name, reason: "HELP without TYPE") }
        try checkHistograms()
    }

    /// The family a sample belongs to: its own name, or a histogram's name for the
    /// `_bucket`/`_sum`/`_count` series.
    private static func family(of sample: String, in families: [String: Family]) -> String? {
        if families[sample] != nil { return sample }
        for suffix in ["_bucket", "_sum", "_count"] where sample.hasSuffix(suffix) {
            let base = String(sample.dropLast(suffix.count))
            if families[base]?.type == "histogram" { return base }
        }
        return nil
    }

    private func checkHistograms() throws {
        for (name, family) in families where family.type == "histogram" {
            let buckets = samples.filter { $0.name == name + "_bucket" }
            let series = Set(buckets.map { $0.labels.filter { $0.key != "le" } })
            for labels in series {
                let mine = buckets.filter { $0.labels.filter { $0.key != "le" } == labels }
                let bounds = try mine.map { sample -> Double in
                    guard let le = sample.labels["le"], let bound = Self.number(le) else {
                        throw Malformed(line: 0, text: name, reason: "bucket without a numeric le")
                    }
                    return bound
                }
                guard bounds == bounds.sorted(), Set(bounds).count == bounds.count, bounds.last == .infinity else {
                    throw Malformed(line: 0, text: name, reason: "buckets not increasing up to +Inf: \(bounds)")
                }
                let counts = mine.map(\.value)
                guard counts == counts.sorted() else { throw Malformed(line: 0, text: name, reason: "bucket counts not cumulative") }
                guard value(name + "_count", labels) == counts.last, value(name + "_sum", labels) != nil else {
                    throw Malformed(line: 0, text: name, reason: "_count/_sum missing or _count != +Inf bucket")
                }
            }
        }
    }

    static func isMetricName(_ name: some StringProtocol) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first == ":" || ("a"..."z").contains(first) || ("A"..."Z").contains(first) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == ":" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    private static func isLabelName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && !name.contains(":") && isMetricName(name)
    }

    /// `+Inf`, `-Inf`, `NaN` or a Go-style float.
    static func number(_ text: String) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard !text.isEmpty, text.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) else { return nil }
            return Double(text)
        }
    }

    /// `name value` or `name{k="v",...} value` (no timestamps: the daemon sends none).
    private static func sample(_ line: String) -> Sample? {
        var rest = Substring(line)
        let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard isMetricName(name) else { return nil }
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                guard let equals = rest.firstIndex(of: "=") else { return nil }
                let key = String(rest[..<equals])
                guard isLabelName(key), labels[key] == nil else { return nil }
                rest = rest[rest.index(after: equals)...]
                guard rest.first == "\"" else { return nil }
                rest = rest.dropFirst()
                var value = ""
                while true {
                    guard let character = rest.first else { return nil }
                    rest = rest.dropFirst()
                    if character == "\"" { break }
                    if character == "\n" { return nil }
                    if character == "\\" {
                        switch rest.first {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: return nil
                        }
                        rest = rest.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                labels[key] = value
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { return nil }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { return nil }
        let valueText = String(rest.dropFirst())
        guard let value = number(valueText) else { return nil }
        return Sample(name: name, labels: labels, value: value)
    }
}
