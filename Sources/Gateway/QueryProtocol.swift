import Foundation
import JSON
import Wire

/// AWS's query protocol for one service model, the way botocore writes and reads it: form parameters → the
/// operation's input as JSON (the wire's shape), and the operation's JSON output → its XML reply. Member names,
/// XML names (`locationName`), flattened lists and maps (`AttributeName.1`, `Attribute.1.Name`) and result
/// wrappers all come from the model.
struct QueryCodec: Sendable {
    let model: ServiceModel

    // MARK: Requests

    /// The operation's input from its form parameters (`Action` and `Version` left out).
    func input(of operation: String, from parameters: [String: String]) throws(AWSError) -> JSONValue {
        guard let shape = model.inputShape(of: operation) else { return .object(JSONObject()) }
        let form = Form(parameters: parameters)
        return try structure(shape, prefix: "", form: form) ?? .object(JSONObject())
    }

    private struct Form {
        let parameters: [String: String]
        /// Every prefix that has a parameter under it, so a lookup does not scan them all.
        let prefixes: Set<String>

        init(parameters: [String: String]) {
            self.parameters = parameters
            var prefixes = Set<String>()
            for key in parameters.keys {
                var end = key.endIndex
                while let dot = key[..<end].lastIndex(of: ".") {
                    prefixes.insert(String(key[..<dot]))
                    end = dot
                }
            }
            self.prefixes = prefixes
        }

        func has(_ prefix: String) -> Bool { parameters[prefix] != nil || prefixes.contains(prefix) }
    }

    private func join(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }

    /// A member's name in the XML and the form: its `locationName`, else the shape's, else the member's own.
    private func serializedName(_ ref: JSONValue, _ shape: JSONObject?, default name: String) -> String {
        ref["locationName"]?.stringValue ?? shape?["locationName"]?.stringValue ?? name
    }

    private func isFlattened(_ ref: JSONValue, _ shape: JSONObject) -> Bool {
        ref["flattened"]?.boolValue ?? shape["flattened"]?.boolValue ?? false
    }

    private func structure(_ shapeName: String, prefix: String, form: Form) throws(AWSError) -> JSONValue? {
        guard let shape = model.shape(shapeName) else { return nil }
        var object = JSONObject()
        for (memberName, ref) in shape["members"]?.objectValue ?? JSONObject() {
            let memberShape = ref["shape"]?.stringValue.flatMap(model.shape)
            let name = join(prefix, serializedName(ref, memberShape, default: memberName))
            if let value = try value(ref, prefix: name, form: form) { object[memberName] = value }
        }
        return object.isEmpty && !prefix.isEmpty ? nil : .object(object)
    }

    private func value(_ ref: JSONValue, prefix: String, form: Form) throws(AWSError) -> JSONValue? {
        guard let shapeName = ref["shape"]?.stringValue, let shape = model.shape(shapeName) else { return nil }
        switch shape["type"]?.stringValue {
        case "structure":
            return form.has(prefix) ? try structure(shapeName, prefix: prefix, form: form) : nil
        case "list":
            let member = shape["member"] ?? .null
            let listPrefix: String
            if isFlattened(ref, shape) {
                if let name = member["locationName"]?.stringValue {
                    var parts = prefix.split(separator: ".").map(String.init)
                    parts.removeLast()
                    listPrefix = (parts + [name]).joined(separator: ".")
                } else {
                    listPrefix = prefix
                }
            } else {
                listPrefix = "\(prefix).\(member["locationName"]?.stringValue ?? "member")"
            }
            var elements: [JSONValue] = []
            var index = 1
            while form.has("\(listPrefix).\(index)") {
                if let element = try value(member, prefix: "\(listPrefix).\(index)", form: form) {
                    elements.append(element)
                }
                index += 1
            }
            if elements.isEmpty { return form.parameters[prefix] == "" ? .array([]) : nil }
            return .array(elements)
        case "map":
            let entries = isFlattened(ref, shape) ? prefix : "\(prefix).entry"
            let keyName = shape["key"]?["locationName"]?.stringValue ?? "key"
            let valueName = shape["value"]?["locationName"]?.stringValue ?? "value"
            var object = JSONObject()
            var index = 1
            while form.has("\(entries).\(index)") {
                if let key = form.parameters["\(entries).\(index).\(keyName)"],
                    let element = try value(
                        shape["value"] ?? .null, prefix: "\(entries).\(index).\(valueName)", form: form)
                {
                    object[key] = element
                }
                index += 1
            }
            return object.isEmpty ? nil : .object(object)
        default:
            guard let text = form.parameters[prefix] else { return nil }
            return try scalar(text, type: shape["type"]?.stringValue ?? "string", name: prefix)
        }
    }

    private func scalar(_ text: String, type: String, name: String) throws(AWSError) -> JSONValue {
        func invalid() -> AWSError {
            AWSError("InvalidParameterValue", "Value \(text) for parameter \(name) is invalid.")
        }
        switch type {
        case "integer", "long":
            guard let number = Int(text) else { throw invalid() }
            return .int(number)
        case "double", "float":
            guard let number = Double(text) else { throw invalid() }
            return .double(number)
        case "boolean":
            guard text == "true" || text == "false" else { throw invalid() }
            return .bool(text == "true")
        case "timestamp":
            if let seconds = Double(text) { return .double(seconds) }
            guard let date = ISO8601.parse(text) else { throw invalid() }
            return .double(date)
        default:
            return .string(text)
        }
    }

    // MARK: Replies

    /// `<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>`.
    func reply(of operation: String, output: JSONValue, requestId: String) -> String {
        var xml = "<\(operation)Response"
        if let namespace = model.xmlNamespace { xml += " xmlns=\"\(namespace)\"" }
        xml += ">"
        if let wrapper = model.resultWrapper(of: operation), let shape = model.outputShape(of: operation) {
            xml += "<\(wrapper)>"
            members(of: shape, in: output, into: &xml)
            xml += "</\(wrapper)>"
        }
        xml += "<ResponseMetadata><RequestId>\(requestId)</RequestId></ResponseMetadata></\(operation)Response>"
        return xml
    }

    /// `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…`.
    func error(code: String, message: String, senderFault: Bool, requestId: String) -> String {
        var xml = "<ErrorResponse"
        if let namespace = model.xmlNamespace { xml += " xmlns=\"\(namespace)\"" }
        xml += "><Error><Type>\(senderFault ? "Sender" : "Receiver")</Type><Code>\(XML.escape(code))</Code>"
        xml += "<Message>\(XML.escape(message))</Message><Detail/></Error>"
        xml += "<RequestId>\(requestId)</RequestId></ErrorResponse>"
        return xml
    }

    private func members(of shapeName: String, in value: JSONValue, into xml: inout String) {
        guard let shape = model.shape(shapeName) else { return }
        for (memberName, ref) in shape["members"]?.objectValue ?? JSONObject() {
            guard let member = value[memberName], member != .null else { continue }
            element(ref, name: memberName, value: member, into: &xml)
        }
    }

    private func element(_ ref: JSONValue, name memberName: String, value: JSONValue, into xml: inout String) {
        guard let shape = ref["shape"]?.stringValue.flatMap(model.shape) else { return }
        let name = serializedName(ref, shape, default: memberName)
        switch shape["type"]?.stringValue {
        case "list":
            let member = shape["member"] ?? .null
            let elements = value.arrayValue ?? []
            if isFlattened(ref, shape) {
                let elementName = member["locationName"]?.stringValue ?? name
                for element in elements {
                    xml += "<\(elementName)>"
                    content(member, value: element, into: &xml)
                    xml += "</\(elementName)>"
                }
            } else {
                let elementName = member["locationName"]?.stringValue ?? "member"
                xml += "<\(name)>"
                for element in elements {
                    xml += "<\(elementName)>"
                    content(member, value: element, into: &xml)
                    xml += "</\(elementName)>"
                }
                xml += "</\(name)>"
            }
        case "map":
            let keyName = shape["key"]?["locationName"]?.stringValue ?? "key"
            let valueName = shape["value"]?["locationName"]?.stringValue ?? "value"
            let flattened = isFlattened(ref, shape)
            if !flattened { xml += "<\(name)>" }
            for (key, entry) in value.objectValue ?? JSONObject() {
                xml += flattened ? "<\(name)>" : "<entry>"
                xml += "<\(keyName)>\(XML.escape(key))</\(keyName)><\(valueName)>"
                content(shape["value"] ?? .null, value: entry, into: &xml)
                xml += "</\(valueName)>"
                xml += flattened ? "</\(name)>" : "</entry>"
            }
            if !flattened { xml += "</\(name)>" }
        default:
            xml += "<\(name)>"
            content(ref, value: value, into: &xml)
            xml += "</\(name)>"
        }
    }

    private func content(_ ref: JSONValue, value: JSONValue, into xml: inout String) {
        guard let shapeName = ref["shape"]?.stringValue, let shape = model.shape(shapeName) else { return }
        switch shape["type"]?.stringValue {
        case "structure":
            members(of: shapeName, in: value, into: &xml)
        case "timestamp":
            if let seconds = value.numberValue {
                xml += ISO8601.format(seconds)
            } else {
                xml += XML.escape(value.stringValue ?? "")
            }
        default:
            switch value {
            case .string(let text): xml += XML.escape(text)
            case .bool(let flag): xml += flag ? "true" : "false"
            case .int, .double: xml += value.serialized()
            default: xml += XML.escape(value.serialized())
            }
        }
    }
}

enum XML {
    /// Text as XML character data: markup escaped, and characters XML 1.0 does not allow (most control
    /// characters, U+FFFE, U+FFFF) replaced with U+FFFD, so a reply that echoes the caller's bytes stays XML.
    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            case "\r": output += "&#13;"
            case "\t", "\n": output.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || value == 0xFFFE || value == 0xFFFF {
                    output.unicodeScalars.append("\u{FFFD}")
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output
    }
}

/// ISO 8601 as the query protocol writes timestamps: `2026-11-29T13:06:37.123Z`.
enum ISO8601 {
    static func format(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func parse(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}
