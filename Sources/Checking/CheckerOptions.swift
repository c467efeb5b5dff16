public struct CheckerOptions: Codable, Sendable {
    /// How long to wait, after the last start and the last fault, for every execution to end.
    public var quiescenceSeconds: Double?
    /// The faults make every callback late: each execution must take the timeout path.
    public var expectTimeouts: Bool?

    public init(quiescenceSeconds: Double? = nil, expectTimeouts: Bool? = nil) {
        self.quiescenceSeconds = quiescenceSeconds
        self.expectTimeouts = expectTimeouts
    }
}
