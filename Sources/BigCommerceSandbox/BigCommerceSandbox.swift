// Placeholder so the module exists from day one; replaced as the module grows.
public enum BigCommerceSandboxModule { public static let name = "BigCommerceSandbox" }
