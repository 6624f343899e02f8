import ArgumentParser
import DropStreamControl
import Foundation

/// `dropstreamctl catalog ...`: the warehouse's SKUs.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Load and show the warehouse catalog (the SKUs the warehouse stocks).",
        discussion: """
            With a catalog loaded, an order whose resolved SKUs are not all in it (or with a line \
            without SKU) is held with a reason naming them. Without a catalog nothing is held \
            for SKUs. One catalog serves every store.
            """,
        subcommands: [CatalogImportCommand.self, CatalogShowCommand.self]
    )
}

struct CatalogImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Replace the warehouse catalog with the SKUs of a CSV file.",
        discussion: """
            The file is UTF-8 CSV with a header line 'sku' or 'sku,description' (in that order, \
            case-insensitive); fields may be quoted with "..." ("" is a quote inside one); blank \
            lines are skipped. A malformed file is refused with its line number and nothing \
            changes (exit status 1). Importing re-evaluates every order held for SKUs and \
            releases those that now resolve. A file with a header only clears the catalog.
            """
    )

    @Argument(help: ArgumentHelp("The CSV file to import.", valueName: "file.csv"), completion: .file(extensions: ["csv"]))
    var file: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("dropstreamctl: cannot read \(file)\n".utf8))
            throw ExitCode(1)
        }
        let items: [CatalogItemInfo]
        do {
            items = try CatalogCSV.parse(data)
        } catch {
            FileHandle.standardError.write(Data("dropstreamctl: \(file): \(error)\n".utf8))
            throw ExitCode(1)
        }
        try await RuleChange.send(global, ControlAPI.Path.catalog, ImportCatalogRequest(items: items), put: true)
    }
}

struct CatalogShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show the loaded warehouse catalog.",
        discussion: "With --json, prints the control API's GET /v1/catalog response unchanged."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let response: CatalogResponse = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.get(ControlAPI.Path.catalog, as: CatalogResponse.self)
        }
        if global.json { return try JSONOutput.print(response) }
        guard response.count > 0 else { return print("No catalog loaded: no order is held for SKUs.") }
        print("\(response.count) SKU\(response.count == 1 ? "" : "s")" + (response.importedAt.map { ", imported \(OrderText.time($0))" } ?? ""))
        print(TextTable.render(["SKU", "DESCRIPTION"], response.items.map { [$0.sku, $0.description ?? ""] }))
    }
}

/// The catalog file: `sku[,description]` CSV (RFC 4180 quoting).
enum CatalogCSV {
    struct Failure: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    static func parse(_ data: Data) throws(Failure) -> [CatalogItemInfo] {
        guard var text = String(data: data, encoding: .utf8) else { throw Failure(line: 1, reason: "the file is not UTF-8 text") }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let records = try records(text)
        guard let (headerLine, header) = records.first(where: { !isBlank($0.fields) }) else {
            throw Failure(line: 1, reason: "the file is empty; it needs a header line 'sku' or 'sku,description'")
        }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard names == ["sku"] || names == ["sku", "description"] else {
            throw Failure(line: headerLine, reason: "the header must be 'sku' or 'sku,description' (got '\(header.joined(separator: ","))')")
        }
        var items: [CatalogItemInfo] = []
        var firstSeen: [String: Int] = [:]
        for (line, fields) in records where line > headerLine && !isBlank(fields) {
            guard fields.count <= names.count else {
                throw Failure(line: line, reason: "\(fields.count) fields; the header has \(names.count)")
            }
            let sku = fields[0].trimmingCharacters(in: .whitespaces)
            guard !sku.isEmpty else { throw Failure(line: line, reason: "the SKU is empty") }
            if let first = firstSeen[sku] { throw Failure(line: line, reason: "SKU '\(sku)' already appears on line \(first)") }
            firstSeen[sku] = line
            let description = fields.count > 1 ? fields[1].trimmingCharacters(in: .whitespaces) : ""
            items.append(CatalogItemInfo(sku: sku, description: description.isEmpty ? nil : description))
        }
        return items
    }

    private static func isBlank(_ fields: [String]) -> Bool { fields.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }

    /// Splits into records, each with the line number it starts on.
    private static func records(_ text: String) throws(Failure) -> [(line: Int, fields: [String])] {
        var result: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quotedField = false
        var chars = Array(text.unicodeScalars.map(Character.init))
        chars.append("\n")
        var index = 0
        while index < chars.count {
            let char = chars[index]
            if inQuotes {
                if char == "\"" {
                    if index + 1 < chars.count, chars[index + 1] == "\"" {
                        field.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if char == "\n" { line += 1 }
                    field.append(char)
                }
            } else if char == "\"" {
                guard field.trimmingCharacters(in: .whitespaces).isEmpty, !quotedField else {
                    throw Failure(line: line, reason: "a quote inside an unquoted field; quote the whole field and write \"\" for a quote")
                }
                field = ""
                inQuotes = true
                quotedField = true
            } else if char == "," {
                fields.append(field)
                field = ""
                quotedField = false
            } else if char == "\n" || char == "\r" {
                if char == "\r", index + 1 < chars.count, chars[index + 1] == "\n" { index += 1 }
                fields.append(field)
                if index < chars.count - 1 || fields != [""] { result.append((recordLine, fields)) }
                fields = []
                field = ""
                quotedField = false
                line += 1
                recordLine = line
            } else {
                guard !quotedField || char == " " || char == "\t" else {
                    throw Failure(line: line, reason: "text after a closing quote")
                }
                field.append(char)
            }
            index += 1
        }
        if inQuotes { throw Failure(line: recordLine, reason: "a quoted field is not closed") }
        return result
    }
}
