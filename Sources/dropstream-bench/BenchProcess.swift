import ArgumentParser
import DropStreamHarness
import Foundation

/// A spawned `dropstreamd` for the `fleet` and `startup` scenarios: its own config, state
/// directory, control socket and free callback port; output to a log file.
enum BenchDaemon {
    /// Spawns `binary` with a cleaned environment (no systemd or DROPSTREAM_ variables of ours)
    /// plus `extraEnvironment`; stdout and stderr are appended to `log`.
    static func spawn(
        _ binary: URL, config: String, stateDirectory: String, socket: String, log: String,
        callbackPort: Int, extraEnvironment: [String: String] = [:]
    ) throws -> SpawnedProcess {
        var environment = SpawnedProcess.inheritedEnvironment(droppingPrefix: "DROPSTREAM_")
        environment["DROPSTREAM_CALLBACK_LISTEN"] = "127.0.0.1:\(callbackPort)"
        environment.merge(extraEnvironment) { $1 }
        return try SpawnedProcess(
            executable: binary, arguments: ["--config", config, "--state-directory", stateDirectory, "--socket", socket],
            environment: environment, outputPath: log, appendOutput: true)
    }

    /// `dropstreamd` next to this executable, or a precise error saying how to build it.
    static func binary() throws -> URL {
        let binary = BuiltProducts.executable("dropstreamd")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ValidationError("No dropstreamd next to this executable (\(binary.path)): build it with the same configuration, e.g. `swift build -c release --product dropstreamd`.")
        }
        return binary
    }
}

/// Another process's CPU time and memory, from `/proc/PID/stat` and `/proc/PID/status`.
enum ProcFigures {
    /// Clock ticks per second of `/proc/PID/stat` times.
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// utime + stime of `pid` in seconds (fields 14 and 15, counted after the `(comm)` field,
    /// which may itself contain spaces); nil when unreadable.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After ")": state(3) ppid(4) ... utime(14) stime(15) → indices 11 and 12 from field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }

    /// A `kB` line of `/proc/PID/status` (`VmRSS`, `VmHWM`), in KiB; nil when unreadable.
    static func kilobytes(_ pid: Int32, _ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }
}

/// The machine a figure was measured on, for the summary and the JSON line.
enum BenchMachine {
    static var build: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }
    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }
    static var cpuModel: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?"
    }
    /// The 1-minute load average, to say how busy the machine was.
    static var loadAverage: Double {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return Double(text.split(separator: " ").first ?? "") ?? 0
    }
    static func describe() -> String {
        String(format: "build %@; %d cores (%@); load average %.2f", build, cores, cpuModel, loadAverage)
    }
}

/// Nearest-rank percentile of sorted values.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[rank]
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
