import Testing

/// Names each parameterized run after its backend (`sqlite`, `postgres`) instead of a type dump.
extension Backend: CustomTestStringConvertible {
    public var testDescription: String { self.rawValue }
}
