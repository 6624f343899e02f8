import DropStreamHarness
import Foundation
import Testing

/// Help text is wrapped once, by ArgumentParser, at the reader's terminal width (issue 17).
///
/// Text wrapped by hand at one width and wrapped again by ArgumentParser at another comes out
/// ragged: a short line, then the rest of its sentence on the next line ("...recorded in the
/// history" / "as operator:UID"). This suite runs `--help` of every command and subcommand of
/// the three binaries (enumerated with `--experimental-dump-help`, so a new subcommand is covered
/// without touching the test) at two widths and fails on such a break.
@Suite struct HelpWrappingTests {
    static let binaries = ["dropstreamctl", "dropstreamd", "dropstream-bench"]
    /// Two widths: hand-wrapped text looks fine at most at the one width it was wrapped for.
    static let widths = [80, 132]

    @Test(arguments: binaries)
    func everyHelpIsWrappedOnlyByArgumentParser(_ binary: String) async throws {
        let executable = BuiltProducts.executable(binary)
        let dump = try await SpawnedProcess.run(executable, ["--experimental-dump-help"])
        #expect(dump.status == 0, "\(binary) --experimental-dump-help: \(dump.stderr)")
        let commands = try Self.commandPaths(fromDump: Data(dump.stdout.utf8))
        #expect(!commands.isEmpty)
        for width in Self.widths {
            var environment = ProcessInfo.processInfo.environment
            environment["COLUMNS"] = String(width)
            for command in commands {
                let help = try await SpawnedProcess.run(executable, command + ["--help"], environment: environment)
                let shown = ([binary] + command).joined(separator: " ")
                #expect(help.status == 0, "\(shown) --help exited \(help.status): \(help.stderr)")
                for problem in HelpWrapping.brokenSentences(in: help.stdout, width: width) {
                    Issue.record("\(shown) --help at \(width) columns breaks a sentence by hand:\n\(problem)")
                }
            }
        }
    }

    /// The rule itself, on the breaks the issue quotes and on text ArgumentParser wrapped.
    @Test func theRuleCatchesHandWrappingAndAcceptsArgumentParsersOwn() {
        // Issue 17's examples, as they came out at 80 columns.
        let ragged = """
              members of the 'dropstream' group may use it; changes are recorded in the
              history
              as operator:UID), else the per-user socket
            """
        #expect(HelpWrapping.brokenSentences(in: ragged, width: 80).count == 1)
        let raggedTable = """
                  refused the caller (only root, the daemon's user and members of the
                  control
                   group, 'dropstream' by default, may use it; join the group or use sudo)
            """
        #expect(HelpWrapping.brokenSentences(in: raggedTable, width: 80).count == 1)

        // Greedy wrapping never leaves room for the next word; lists, headings and sentences
        // that end are not breaks.
        let sentence = "Every command talks to dropstreamd over its Unix socket: by default $DROPSTREAM_SOCKET, else /run/dropstream/control.sock when it exists, else the per-user socket that an unprivileged dropstreamd uses."
        let wrapped = Self.greedyWrap(sentence, width: 80, indent: 2)
        #expect(wrapped.contains("\n"))
        #expect(HelpWrapping.brokenSentences(in: wrapped, width: 80).isEmpty)
        let lists = """
            Exit status:
              0   success
              1   the daemon refused or failed the request
            States:
              - ready (in the queue)
              - held (needs an operator)
            SUBCOMMANDS:
              status                  Show the daemon's health.
              connect                 Connect a store.

            Scripts use the same steps as commands:
              dropstreamctl store add NAME --platform bigcommerce
              dropstreamctl store authorize NAME --wait
            """
        #expect(HelpWrapping.brokenSentences(in: lists, width: 80).isEmpty)
    }

    /// Every command path below the root (`[]` is the root itself).
    static func commandPaths(fromDump data: Data) throws -> [[String]] {
        struct Dump: Decodable { var command: Command }
        struct Command: Decodable {
            var commandName: String
            var subcommands: [Command]?
            var shouldDisplay: Bool?
        }
        func walk(_ command: Command, _ path: [String]) -> [[String]] {
            [path] + (command.subcommands ?? []).filter { $0.commandName != "help" }.flatMap { walk($0, path + [$0.commandName]) }
        }
        return walk(try JSONDecoder().decode(Dump.self, from: data).command, [])
    }

    /// A stand-in for ArgumentParser's greedy wrapping, to show the rule accepts it.
    static func greedyWrap(_ text: String, width: Int, indent: Int) -> String {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && indent + current.count + 1 + word.count > width - 1 {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        lines.append(current)
        return lines.map { String(repeating: " ", count: indent) + $0 }.joined(separator: "\n")
    }
}

/// Finds line breaks inside a sentence that a greedy wrapper at `width` would not have made.
enum HelpWrapping {
    /// Pairs of lines (as "A⏎B") where line A does not end a sentence (`.`, `!`, `?`, `:`), the
    /// next line B continues it (its first character is a lower-case letter, not a list marker
    /// or a number), and B's first word would have fitted on A with room to spare. A wrapper
    /// that fills lines greedily (ArgumentParser) never leaves that room; text wrapped by hand
    /// at another width, or a manual break in mid-sentence, does.
    ///
    /// Preformatted lines are left alone: two lines indented alike and deeper than the first
    /// line of their paragraph (command examples, table rows) are separate lines on purpose.
    static func brokenSentences(in text: String, width: Int) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func indentation(_ line: String) -> Int { line.prefix(while: { $0 == " " }).count }
        var problems: [String] = []
        var paragraphIndentation = lines.first.map(indentation) ?? 0
        for (a, b) in zip(lines, lines.dropFirst()) {
            let aTrimmed = a.trimmingCharacters(in: .whitespaces)
            let bTrimmed = b.drop(while: { $0 == " " })
            if aTrimmed.isEmpty { paragraphIndentation = indentation(b) }
            guard let last = aTrimmed.last, let first = bTrimmed.first else { continue }  // a paragraph break
            if indentation(a) == indentation(b) && indentation(a) > paragraphIndentation { continue }
            if ".!?:".contains(last) { continue }
            guard first.isLetter, first.isLowercase else { continue }
            let firstWord = bTrimmed.prefix(while: { $0 != " " })
            // `a.count + 1 + firstWord.count` is where the word would have ended on line A; a
            // greedy wrap at `width` breaks only when that is at or past the last column.
            if a.count + 1 + firstWord.count < width - 1 {
                problems.append("  \(a)⏎\n  \(b)")
            }
        }
        return problems
    }
}
