import Foundation

/// Filters, sort and page size for `GET /v2/orders`.
///
/// Dates are sent as ISO 8601 in UTC with an explicit offset (`2019-03-05T21:40:11+00:00`,
/// the `+` percent-encoded as `%2B` so it does not become a space). Bounds are inclusive as far
/// as the reference can tell.
public struct OrderListQuery: Sendable, Hashable {
    /// Only orders in this status (the API takes one status per request).
    public var statusID: Int?
    public var minDateModified: Date?
    public var maxDateModified: Date?
    public var minDateCreated: Date?
    public var maxDateCreated: Date?
    public var minID: Int?
    public var maxID: Int?
    public var customerID: Int?
    public var channelID: Int?
    /// Default `id:asc`, the stable order for paging over a set that changes meanwhile.
    public var sort: OrderSort
    /// Page size, 1...250 (values outside are clamped; 250 is the API maximum).
    public var limit: Int
    /// Ask for `include=consignments.line_items&consignment_structure=object`, so each order
    /// carries its shipping addresses and lines (one request instead of three per order).
    public var includeConsignmentLineItems: Bool

    public init(
        statusID: Int? = nil, minDateModified: Date? = nil, maxDateModified: Date? = nil, minDateCreated: Date? = nil,
        maxDateCreated: Date? = nil, minID: Int? = nil, maxID: Int? = nil, customerID: Int? = nil, channelID: Int? = nil,
        sort: OrderSort = .idAscending, limit: Int = 250, includeConsignmentLineItems: Bool = true
    ) {
        self.statusID = statusID
        self.minDateModified = minDateModified
        self.maxDateModified = maxDateModified
        self.minDateCreated = minDateCreated
        self.maxDateCreated = maxDateCreated
        self.minID = minID
        self.maxID = maxID
        self.customerID = customerID
        self.channelID = channelID
        self.sort = sort
        self.limit = limit
        self.includeConsignmentLineItems = includeConsignmentLineItems
    }

    /// The page size actually sent.
    public var effectiveLimit: Int { min(max(limit, 1), 250) }

    /// The query string (without `?`) for one page, already percent-encoded.
    public func queryString(page: Int) -> String {
        var items: [(String, String)] = []
        if let statusID { items.append(("status_id", String(statusID))) }
        if let minID { items.append(("min_id", String(minID))) }
        if let maxID { items.append(("max_id", String(maxID))) }
        if let customerID { items.append(("customer_id", String(customerID))) }
        if let channelID { items.append(("channel_id", String(channelID))) }
        if let minDateCreated { items.append(("min_date_created", BigCommerceDateFormat.formatISO8601(minDateCreated))) }
        if let maxDateCreated { items.append(("max_date_created", BigCommerceDateFormat.formatISO8601(maxDateCreated))) }
        if let minDateModified { items.append(("min_date_modified", BigCommerceDateFormat.formatISO8601(minDateModified))) }
        if let maxDateModified { items.append(("max_date_modified", BigCommerceDateFormat.formatISO8601(maxDateModified))) }
        items.append(("sort", sort.parameterValue))
        items.append(("page", String(page)))
        items.append(("limit", String(effectiveLimit)))
        if includeConsignmentLineItems {
            items.append(("include", "consignments.line_items"))
            items.append(("consignment_structure", "object"))
        }
        return QueryEncoding.encode(items)
    }
}

/// The sort order of an order list.
public struct OrderSort: Sendable, Hashable {
    /// A field the API can sort orders by.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case id
        case customerID = "customer_id"
        case dateCreated = "date_created"
        case dateModified = "date_modified"
        case statusID = "status_id"
        case channelID = "channel_id"
        case externalID = "external_id"
    }

    public var field: Field
    public var ascending: Bool

    public init(_ field: Field, ascending: Bool = true) {
        self.field = field
        self.ascending = ascending
    }

    /// `id:asc`: stable under concurrent modification, the right order for full passes.
    public static let idAscending = OrderSort(.id)

    /// `field:asc` / `field:desc`.
    public var parameterValue: String { "\(field.rawValue):\(ascending ? "asc" : "desc")" }
}

/// RFC 3986 query encoding: everything but unreserved characters (and `:` `,`, which are legal
/// in a query and keep `sort=id:asc` readable) is percent-encoded — notably `+`, which a server
/// would otherwise read as a space.
enum QueryEncoding {
    static func encode(_ items: [(String, String)]) -> String {
        items.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: ","):
                result.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                result += "%"
                result.unicodeScalars.append(UnicodeScalar(hex[Int(byte >> 4)]))
                result.unicodeScalars.append(UnicodeScalar(hex[Int(byte & 0x0F)]))
            }
        }
        return result
    }
}
