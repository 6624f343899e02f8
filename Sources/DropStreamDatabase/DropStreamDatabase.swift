// Placeholder so the module exists from day one; replaced as the module grows.
public enum DropStreamDatabaseModule { public static let name = "DropStreamDatabase" }
