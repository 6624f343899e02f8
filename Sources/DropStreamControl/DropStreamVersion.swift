/// The product version, shared by `dropstreamd`, `dropstreamctl` and the control API.
public enum DropStreamVersion {
    public static let current = "0.1.0"
}
