// Placeholder so the module exists from day one; replaced as the module grows.
public enum BigCommerceAPIModule { public static let name = "BigCommerceAPI" }
