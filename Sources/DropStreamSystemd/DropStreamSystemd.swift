// Placeholder so the module exists from day one; replaced as the module grows.
public enum DropStreamSystemdModule { public static let name = "DropStreamSystemd" }
