import DropStreamControl

/// The daemon's version, re-exported so `dropstreamd` need not import the control module.
public enum DaemonVersion {
    public static let current = DropStreamVersion.current
}
