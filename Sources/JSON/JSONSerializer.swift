extension JSONValue {
    /// Compact JSON text, keys in insertion order (what AWS prints in histories and outputs).
    public func serialized() -> String {
        var output = ""
        output.reserveCapacity(64)
        write(to: &output, pretty: false, indent: 0)
        return output
    }

    /// Indented JSON text for people (the CLI's output).
    public func prettyPrinted() -> String {
        var output = ""
        write(to: &output, pretty: true, indent: 0)
        return output
    }

    public var utf8Bytes: [UInt8] { Array(serialized().utf8) }

    private func write(to output: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: output += "null"
        case .bool(let b): output += b ? "true" : "false"
        case .int(let i): output += String(i)
        case .double(let d): output += JSONValue.format(d)
        case .string(let s): JSONValue.writeString(s, to: &output)
        case .array(let elements):
            if elements.isEmpty {
                output += "[]"
                return
            }
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                if pretty { newline(&output, indent + 2) }
                element.write(to: &output, pretty: pretty, indent: indent + 2)
            }
            if pretty { newline(&output, indent) }
            output += "]"
        case .object(let object):
            if object.isEmpty {
                output += "{}"
                return
            }
            output += "{"
            var first = true
            for (key, value) in object {
                if !first { output += "," }
                first = false
                if pretty { newline(&output, indent + 2) }
                JSONValue.writeString(key, to: &output)
                output += pretty ? ": " : ":"
                value.write(to: &output, pretty: pretty, indent: indent + 2)
            }
            if pretty { newline(&output, indent) }
            output += "}"
        }
    }

    private func newline(_ output: inout String, _ indent: Int) {
        output += "\n"
        output += String(repeating: " ", count: indent)
    }

    static func format(_ double: Double) -> String {
        guard double.isFinite else { return "null" }
        if double.rounded() == double, abs(double) < 1e16 {
            // Keep the fraction so that a double stays a double when read back, as Java's printer does.
            return String(Int(double)) + ".0"
        }
        return String(double)
    }

    static func writeString(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
