// Placeholder so the module exists from day one; replaced as the module grows.
public enum DropStreamControlModule { public static let name = "DropStreamControl" }
