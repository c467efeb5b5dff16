/// Encodes `Encodable` types into a `JSONValue`, members in the order the type encodes them (its declaration
/// order for synthesized conformances, which is AWS's order where the type follows the API reference). `nil`
/// optionals are left out, as AWS leaves out absent members.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode(_ value: some Encodable) throws -> JSONValue {
        if let json = value as? JSONValue { return json }
        let root = Slot()
        try value.encode(to: ValueEncoder(slot: root, codingPath: []))
        return root.resolved
    }
}

/// Where an encoder writes: a finished value, or an object or array still being filled by nested containers.
/// Its members live in the slot itself, not in an enum's payload, so adding one does not copy the others.
private final class Slot {
    enum Kind { case empty, value, object, array }
    private(set) var kind = Kind.empty
    private var value = JSONValue.null
    /// An object's keys, and an object's or array's children in order.
    private var keys = OrderedKeys()
    private var children: [Slot] = []

    init() {}

    func set(_ newValue: JSONValue) {
        kind = .value
        value = newValue
    }

    var resolved: JSONValue {
        switch kind {
        case .empty: return .object(JSONObject())
        case .value: return value
        case .object: return .object(JSONObject(uniqueKeys: keys.keys, values: children.map(\.resolved)))
        case .array: return .array(children.map(\.resolved))
        }
    }

    func makeObject() {
        guard kind != .object else { return }
        kind = .object
        keys = OrderedKeys()
        children = []
    }

    func makeArray() {
        guard kind != .array else { return }
        kind = .array
        children = []
    }

    func child(forKey key: String) -> Slot {
        makeObject()
        if let found = keys.position(of: key) { return children[found] }
        let slot = Slot()
        keys.append(key)
        children.append(slot)
        return slot
    }

    func append() -> Slot {
        makeArray()
        let slot = Slot()
        children.append(slot)
        return slot
    }

    var count: Int { kind == .array || kind == .object ? children.count : 0 }
}

private struct ValueEncoder: Encoder {
    let slot: Slot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        slot.makeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        slot.makeArray()
        return UnkeyedContainer(slot: slot, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(slot: slot, codingPath: codingPath)
    }
}

private func encodeValue(_ value: some Encodable, into slot: Slot, codingPath: [any CodingKey]) throws {
    if let json = value as? JSONValue {
        slot.set(json)
    } else {
        try value.encode(to: ValueEncoder(slot: slot, codingPath: codingPath))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    let codingPath: [any CodingKey]

    func put(_ value: JSONValue, _ key: Key) { slot.child(forKey: key.stringValue).set(value) }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(.double(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.int(Int(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.int(Int(value)), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encodeValue(value, into: slot.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = slot.child(forKey: key.stringValue)
        child.makeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(slot: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = slot.child(forKey: key.stringValue)
        child.makeArray()
        return UnkeyedContainer(slot: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(slot: slot, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        ValueEncoder(slot: slot.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let slot: Slot
    let codingPath: [any CodingKey]
    var count: Int { slot.count }

    mutating func encodeNil() throws { slot.append().set(.null) }
    mutating func encode(_ value: Bool) throws { slot.append().set(.bool(value)) }
    mutating func encode(_ value: String) throws { slot.append().set(.string(value)) }
    mutating func encode(_ value: Double) throws { slot.append().set(.double(value)) }
    mutating func encode(_ value: Int) throws { slot.append().set(.int(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = count
        try encodeValue(value, into: slot.append(), codingPath: codingPath + [IndexKey(index)])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = slot.append()
        child.makeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(slot: child, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = slot.append()
        child.makeArray()
        return UnkeyedContainer(slot: child, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(slot: slot.append(), codingPath: codingPath) }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let slot: Slot
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { slot.set(.null) }
    mutating func encode(_ value: Bool) throws { slot.set(.bool(value)) }
    mutating func encode(_ value: String) throws { slot.set(.string(value)) }
    mutating func encode(_ value: Double) throws { slot.set(.double(value)) }
    mutating func encode(_ value: Float) throws { slot.set(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { slot.set(.int(value)) }
    mutating func encode(_ value: Int8) throws { slot.set(.int(Int(value))) }
    mutating func encode(_ value: Int16) throws { slot.set(.int(Int(value))) }
    mutating func encode(_ value: Int32) throws { slot.set(.int(Int(value))) }
    mutating func encode(_ value: Int64) throws { slot.set(.int(Int(value))) }
    mutating func encode(_ value: UInt) throws {
        slot.set(Int(exactly: value).map(JSONValue.int) ?? .double(Double(value)))
    }
    mutating func encode(_ value: UInt8) throws { slot.set(.int(Int(value))) }
    mutating func encode(_ value: UInt16) throws { slot.set(.int(Int(value))) }
    mutating func encode(_ value: UInt32) throws { slot.set(.int(Int(value))) }
    mutating func encode(_ value: UInt64) throws {
        slot.set(Int(exactly: value).map(JSONValue.int) ?? .double(Double(value)))
    }
    mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value, into: slot, codingPath: codingPath) }
}
