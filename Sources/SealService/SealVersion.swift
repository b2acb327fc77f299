/// The release of Seal these programs belong to, as `seal --version` and `seald --version` print it.
public enum SealVersion {
    public static let current = "0.5.0"
}
