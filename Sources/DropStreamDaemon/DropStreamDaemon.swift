// Placeholder so the module exists from day one; replaced as the module grows.
public enum DropStreamDaemonModule { public static let name = "DropStreamDaemon" }
