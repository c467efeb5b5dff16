/// Keys in the order they came, each found by a scan while they are few (most objects: a state's input, a wire
/// message), by a dictionary of positions once there are `indexedFrom` of them: a small object hashes nothing and
/// allocates no dictionary. What `JSONObject` and the encoder's objects keep their members' keys in.
struct OrderedKeys: Sendable {
    private(set) var keys: [String] = []
    /// Each key's position, once there are `indexedFrom` keys.
    private var index: [String: Int]?
    static let indexedFrom = 16

    init() {}

    /// Keys known to be distinct (an encoder's), taken as they are.
    init(unique keys: [String]) {
        self.keys = keys
        if keys.count >= Self.indexedFrom { reindex() }
    }

    func position(of key: String) -> Int? {
        if let index { return index[key] }
        return keys.firstIndex(of: key)
    }

    /// Adds a key not there yet, last.
    mutating func append(_ key: String) {
        index?[key] = keys.count
        keys.append(key)
        if index == nil, keys.count >= Self.indexedFrom { reindex() }
    }

    mutating func remove(at position: Int) {
        keys.remove(at: position)
        if index != nil { reindex() }
    }

    mutating func reserveCapacity(_ count: Int) { keys.reserveCapacity(count) }

    private mutating func reindex() {
        index = Dictionary(uniqueKeysWithValues: zip(keys, keys.indices))
    }
}
