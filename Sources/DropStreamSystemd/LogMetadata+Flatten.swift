import Logging

/// One metadata leaf after flattening: the key path from the top (`["order", "id"]`) and its text.
struct FlatMetadataEntry: Equatable {
    var path: [String]
    var value: String
}

enum LogMetadata {
    /// Merges handler metadata, the metadata provider and the statement's metadata, later ones
    /// winning, plus `error.message`/`error.type` for an attached error — the same precedence as
    /// swift-log's `StreamLogHandler`.
    static func effective(
        base: Logger.Metadata,
        provider: Logger.MetadataProvider?,
        event: LogEvent
    ) -> Logger.Metadata {
        var metadata = base
        if let provided = provider?.get(), !provided.isEmpty {
            metadata.merge(provided) { _, new in new }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            metadata.merge(explicit) { _, new in new }
        }
        if let error = event.error {
            metadata["error.message"] = "\(error)"
            metadata["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return metadata
    }

    /// Flattens nested dictionaries into one entry per leaf, sorted by path.
    ///
    /// `["order": ["id": "7", "total": "3"]]` gives `order/id` and `order/total`, so that each
    /// becomes its own searchable journal field (`ORDER_ID=7`). Arrays stay one value, written as
    /// swift-log writes them (`["a", "b"]`): splitting them into numbered fields would make the field
    /// set depend on the data.
    static func flatten(_ metadata: Logger.Metadata) -> [FlatMetadataEntry] {
        var entries: [FlatMetadataEntry] = []
        append(metadata, under: [], to: &entries)
        return entries
    }

    private static func append(_ metadata: Logger.Metadata, under path: [String], to entries: inout [FlatMetadataEntry]) {
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .dictionary(let nested) where !nested.isEmpty:
                append(nested, under: path + [key], to: &entries)
            default:
                entries.append(FlatMetadataEntry(path: path + [key], value: value.description))
            }
        }
    }
}
