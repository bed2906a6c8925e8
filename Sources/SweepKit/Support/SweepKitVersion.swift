/// The engine's version, reported by `sk_version()`, `sweepkit --version` and `sweepkit.__version__`.
public enum SweepKitVersion {
    public static let string = "0.1.0"
}
