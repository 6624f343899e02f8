/// The e-commerce platform a store lives on. BigCommerce first; others follow (DESIGN §1).
public enum Platform: String, CaseIterable, Codable, Sendable, Hashable {
    case bigcommerce
}

/// The store's default Order Import Status: BigCommerce's "Awaiting Fulfillment".
public let defaultImportStatusID = 11
