import Foundation
import JSON
import Wire

/// An SNS subscription's filter policy (research/aws-protocols.md §11): which published messages it accepts,
/// judged on the message attributes (`FilterPolicyScope` MessageAttributes, the default) or on the message body
/// (MessageBody, for JSON messages).
///
/// Every key must match (AND); a key matches if any of its conditions does (OR); `$or` offers alternatives; keys
/// the policy does not name are ignored; strings compare case-sensitively; an array value matches when one of its
/// elements does.
public struct FilterPolicy: Sendable {
    public enum Scope: String, Sendable {
        case messageAttributes = "MessageAttributes"
        case messageBody = "MessageBody"
    }

    indirect enum Node: Sendable {
        /// Every entry must match.
        case all([(key: String, match: Match)])
        /// One of the alternatives (`$or`), together with the keys beside it.
        case anyOf([Node])
    }

    indirect enum Match: Sendable {
        case conditions([Condition])
        /// A nested object of the body (MessageBody scope).
        case nested(Node)
    }

    enum Condition: Sendable {
        case exact(JSONValue)
        case prefix(String)
        case suffix(String)
        case equalsIgnoreCase(String)
        case anythingBut([Condition])
        case numeric([(op: String, value: Double)])
        case exists(Bool)
        case cidr(address: UInt32, mask: UInt32)
    }

    let root: Node
    public let scope: Scope

    /// Parses a policy, refusing what AWS refuses with `InvalidParameter`.
    public init(_ text: String, scope: Scope = .messageAttributes) throws(AWSError) {
        guard case .object(let object) = (try? JSONValue.parse(text)) ?? .null else {
            throw Self.invalid("the policy is not a JSON object")
        }
        self.scope = scope
        root = try Self.node(object, scope: scope, depth: 0)
    }

    static func invalid(_ why: String) -> AWSError {
        AWSError("InvalidParameter", "Invalid parameter: FilterPolicy: \(why)")
    }

    static func node(_ object: JSONObject, scope: Scope, depth: Int) throws(AWSError) -> Node {
        var entries: [(key: String, match: Match)] = []
        var alternatives: [Node] = []
        for (key, value) in object {
            if key == "$or", case .array(let options) = value, options.allSatisfy({ $0.objectValue != nil }) {
                for option in options {
                    alternatives.append(try node(option.objectValue!, scope: scope, depth: depth))
                }
                continue
            }
            switch value {
            case .array(let conditions):
                guard !conditions.isEmpty else { throw invalid("\(key) has no values") }
                entries.append((key, .conditions(try conditions.map(condition))))
            case .object(let nested):
                guard scope == .messageBody else {
                    throw invalid("nested keys are allowed only with FilterPolicyScope MessageBody")
                }
                entries.append((key, .nested(try node(nested, scope: scope, depth: depth + 1))))
            default:
                throw invalid("the value of \(key) must be an array")
            }
        }
        let all = Node.all(entries)
        if alternatives.isEmpty { return all }
        // `{"a": [...], "$or": [X, Y]}` is a AND (X OR Y).
        return .anyOf(
            alternatives.map { alternative in
                guard case .all(let more) = alternative else { return alternative }
                return .all(entries + more)
            })
    }

    static func condition(_ value: JSONValue) throws(AWSError) -> Condition {
        switch value {
        case .string, .int, .double, .bool, .null:
            return .exact(value)
        case .object(let object):
            guard object.count == 1, let (name, operand) = object.first(where: { _ in true }) else {
                throw invalid("an operator object must have exactly one key")
            }
            switch (name, operand) {
            case ("prefix", .string(let text)): return .prefix(text)
            case ("suffix", .string(let text)): return .suffix(text)
            case ("equals-ignore-case", .string(let text)): return .equalsIgnoreCase(text)
            case ("exists", .bool(let flag)): return .exists(flag)
            case ("anything-but", .array(let values)):
                return .anythingBut(try values.map(condition))
            case ("anything-but", .object):
                return .anythingBut([try condition(operand)])
            case ("anything-but", _):
                return .anythingBut([.exact(operand)])
            case ("numeric", .array(let parts)):
                guard !parts.isEmpty, parts.count % 2 == 0, parts.count <= 4 else {
                    throw invalid("numeric takes one or two comparisons")
                }
                var comparisons: [(String, Double)] = []
                for index in stride(from: 0, to: parts.count, by: 2) {
                    guard let op = parts[index].stringValue, ["=", "<", "<=", ">", ">="].contains(op),
                        let number = parts[index + 1].numberValue, abs(number) <= 1_000_000_000
                    else { throw invalid("bad numeric comparison") }
                    comparisons.append((op, number))
                }
                return .numeric(comparisons.map { (op: $0.0, value: $0.1) })
            case ("cidr", .string(let text)):
                let parts = text.split(separator: "/")
                guard parts.count == 2, let bits = UInt32(parts[1]), bits <= 32, let address = ipv4(String(parts[0]))
                else { throw invalid("bad cidr \(text)") }
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                return .cidr(address: address & mask, mask: mask)
            default:
                throw invalid("unsupported operator \(name)")
            }
        default:
            throw invalid("unsupported value \(value.serialized())")
        }
    }

    static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        return octets.reduce(0) { $0 << 8 | $1 }
    }

    // MARK: Matching

    /// Whether a message with these attributes and body passes the policy.
    public func accepts(attributes: [String: SNSMessageAttribute]?, message: String) -> Bool {
        switch scope {
        case .messageAttributes:
            var values = JSONObject()
            for (name, attribute) in attributes ?? [:] {
                guard let value = Self.value(of: attribute) else { continue }
                values[name] = value
            }
            return Self.matches(root, .object(values))
        case .messageBody:
            guard case .object = (try? JSONValue.parse(message)) ?? .null else { return false }
            return Self.matches(root, (try? JSONValue.parse(message)) ?? .null)
        }
    }

    /// An attribute as a JSON value: a String as itself, a Number as a number, a String.Array as its elements.
    static func value(of attribute: SNSMessageAttribute) -> JSONValue? {
        guard let text = attribute.StringValue else { return nil }
        switch attribute.DataType.split(separator: ".").first.map(String.init) {
        case "Number":
            return Double(text).map(JSONValue.double) ?? .string(text)
        case "String" where attribute.DataType == "String.Array":
            return (try? JSONValue.parse(text)) ?? .string(text)
        case "String":
            return .string(text)
        default:
            return nil
        }
    }

    static func matches(_ node: Node, _ value: JSONValue) -> Bool {
        switch node {
        case .anyOf(let alternatives):
            return alternatives.contains { matches($0, value) }
        case .all(let entries):
            return entries.allSatisfy { entry in matches(entry.match, value[entry.key]) }
        }
    }

    static func matches(_ match: Match, _ value: JSONValue?) -> Bool {
        switch match {
        case .nested(let node):
            guard let value else { return false }
            if case .array(let elements) = value { return elements.contains { matches(node, $0) } }
            return matches(node, value)
        case .conditions(let conditions):
            return conditions.contains { matches($0, value) }
        }
    }

    static func matches(_ condition: Condition, _ value: JSONValue?) -> Bool {
        if case .exists(let wanted) = condition { return (value != nil) == wanted }
        guard let value else {
            // A key that is absent matches only anything-but, and only in the body (AWS: attributes must exist).
            return false
        }
        if case .array(let elements) = value {
            if case .anythingBut(let excluded) = condition {
                return elements.contains { element in !excluded.contains { matches($0, element) } }
            }
            return elements.contains { matches(condition, $0) }
        }
        switch condition {
        case .exact(let expected):
            if let number = expected.numberValue, let actual = value.numberValue { return number == actual }
            return expected == value
        case .prefix(let prefix): return value.stringValue?.hasPrefix(prefix) ?? false
        case .suffix(let suffix): return value.stringValue?.hasSuffix(suffix) ?? false
        case .equalsIgnoreCase(let text): return value.stringValue?.lowercased() == text.lowercased()
        case .anythingBut(let excluded): return !excluded.contains { matches($0, value) }
        case .numeric(let comparisons):
            guard let number = value.numberValue else { return false }
            return comparisons.allSatisfy { comparison in
                switch comparison.op {
                case "=": return number == comparison.value
                case "<": return number < comparison.value
                case "<=": return number <= comparison.value
                case ">": return number > comparison.value
                default: return number >= comparison.value
                }
            }
        case .cidr(let address, let mask):
            guard let text = value.stringValue, let actual = ipv4(text) else { return false }
            return actual & mask == address
        case .exists:
            return true
        }
    }
}
