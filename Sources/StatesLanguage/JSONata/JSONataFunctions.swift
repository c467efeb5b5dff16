import Formats
import Foundation
import JSON

/// The function library: JSONata's own, and the ones Step Functions adds ($partition, $range, $hash, $random
/// with a seed, $uuid, $parse).
enum JSONataFunctions {
    static let names: Set<String> = [
        "string", "length", "substring", "substringBefore", "substringAfter", "uppercase", "lowercase", "trim",
        "pad", "contains", "split", "join", "replace", "match", "base64encode", "base64decode",
        "encodeUrlComponent", "decodeUrlComponent", "encodeUrl", "decodeUrl", "number", "abs", "floor", "ceil",
        "round", "power", "sqrt", "random", "formatBase", "formatNumber", "sum", "max", "min", "average", "count",
        "boolean", "not",
        "exists", "append", "reverse", "shuffle", "distinct", "zip", "sort", "filter", "map", "reduce", "single",
        "keys", "lookup", "spread", "merge", "each", "sift", "type", "error", "assert", "now", "millis",
        "fromMillis", "toMillis", "partition", "range", "hash", "uuid", "parse",
    ]
}

extension JSONataEvaluator {
    /// `$formatNumber` with an XPath picture: `0` and `#` digits, `,` grouping, `.` decimals, `%`/`‰` scaling,
    /// literal prefix and suffix, and `;` before a picture for negative numbers. Exponents are not supported.
    static func formatNumber(_ value: Double, picture: String) throws(JSONataError) -> String {
        let pictures = picture.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard pictures.count <= 2 else {
            throw JSONataError(code: "D3080", message: "The picture string must not contain more than one ';'")
        }
        let chosen = value < 0 && pictures.count == 2 ? pictures[1] : pictures[0]
        let active = Set("0123456789#.,%‰")
        let characters = Array(chosen)
        guard let first = characters.firstIndex(where: { active.contains($0) && $0 != "%" && $0 != "‰" }),
            let last = characters.lastIndex(where: { "0123456789#.,".contains($0) })
        else {
            throw JSONataError(code: "D3085", message: "The picture string must contain at least one digit")
        }
        let prefix = String(characters[..<first])
        let suffix = String(characters[(last + 1)...])
        let body = String(characters[first...last])
        guard !body.contains("e") else {
            throw JSONataError(code: "D3086", message: "callbacksim's $formatNumber does not support exponents")
        }
        var scaled = abs(value)
        if (prefix + suffix).contains("%") { scaled *= 100 }
        if (prefix + suffix).contains("‰") { scaled *= 1000 }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let integerPicture = parts[0]
        let fractionPicture = parts.count > 1 ? parts[1] : ""
        let minimumInteger = integerPicture.filter(\.isNumber).count
        let minimumFraction = fractionPicture.filter(\.isNumber).count
        let maximumFraction = minimumFraction + fractionPicture.filter { $0 == "#" }.count
        // Grouping separators, by how many digits stand to their right.
        var groupPositions: [Int] = []
        var digitsToTheRight = 0
        for character in integerPicture.reversed() {
            if character == "," { groupPositions.append(digitsToTheRight) } else { digitsToTheRight += 1 }
        }
        let factor = pow(10, Double(maximumFraction))
        let rounded = (scaled * factor).rounded(.toNearestOrEven) / factor
        let formatted = String(format: "%.\(maximumFraction)f", rounded)
        let pieces = formatted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var integer = pieces[0]
        var fraction = pieces.count > 1 ? pieces[1] : ""
        while fraction.count > minimumFraction, fraction.hasSuffix("0") { fraction.removeLast() }
        if integer == "0" && minimumInteger == 0 && !fraction.isEmpty { integer = "" }
        while integer.count < minimumInteger { integer = "0" + integer }
        if let size = groupPositions.first, size > 0 {
            let regular = groupPositions.enumerated().allSatisfy { $0.element == size * ($0.offset + 1) }
            var grouped: [Character] = []
            for (index, digit) in integer.reversed().enumerated() {
                let atSeparator = regular ? index > 0 && index % size == 0 : groupPositions.contains(index)
                if atSeparator && index > 0 { grouped.append(",") }
                grouped.append(digit)
            }
            integer = String(grouped.reversed())
        }
        let number = integer + (fraction.isEmpty ? "" : "." + fraction)
        let sign = value < 0 && pictures.count == 1 ? "-" : ""
        return sign + prefix + number + suffix
    }

    func argumentError(_ name: String, _ message: String) -> JSONataError {
        JSONataError(code: "T0410", message: "Argument of function $\(name) \(message)")
    }

    mutating func callBuiltin(_ name: String, _ arguments: [JSONataValue], input: JSONataValue)
        throws(JSONataError) -> JSONataValue
    {
        /// Argument `index`, or the context value when a one-argument function is called without one.
        func argument(_ index: Int) -> JSONataValue {
            if index < arguments.count { return arguments[index] }
            return index == 0 && arguments.isEmpty ? input : .undefined
        }
        func string(_ index: Int) throws(JSONataError) -> String? {
            let value = argument(index)
            if value.isUndefined { return nil }
            guard let text = value.string else { throw argumentError(name, "must be a string") }
            return text
        }
        func number(_ index: Int) throws(JSONataError) -> Double? {
            let value = argument(index)
            if value.isUndefined { return nil }
            guard let number = value.number else { throw argumentError(name, "must be a number") }
            return number
        }
        func array(_ index: Int) -> [JSONataValue]? {
            let value = argument(index)
            if value.isUndefined { return nil }
            return value.elements ?? [value]
        }
        func numbers(_ index: Int) throws(JSONataError) -> [Double]? {
            guard let items = array(index) else { return nil }
            var result: [Double] = []
            for item in items {
                guard let number = item.number else { throw argumentError(name, "must be an array of numbers") }
                result.append(number)
            }
            return result
        }
        func bool(_ value: Bool) -> JSONataValue { .json(.bool(value)) }
        func text(_ value: String) -> JSONataValue { .json(.string(value)) }

        switch name {
        // MARK: Strings
        case "string":
            let value = argument(0)
            if value.isUndefined { return .undefined }
            if case .json(.string) = value { return value }
            if arguments.count > 1, Self.truthy(arguments[1]), let json = value.jsonValue {
                return text(json.serialized())
            }
            return text(try Self.stringify(value))
        case "length":
            guard let value = try string(0) else { return .undefined }
            return .number(Double(value.count))
        case "substring":
            guard let value = try string(0), let start = try number(1) else { return .undefined }
            let characters = Array(value)
            var from = Int(start)
            if from < 0 { from = max(0, characters.count + from) }
            from = min(from, characters.count)
            var to = characters.count
            if let length = try number(2) { to = length <= 0 ? from : min(characters.count, from + Int(length)) }
            return text(String(characters[from..<max(from, to)]))
        case "substringBefore", "substringAfter":
            guard let value = try string(0) else { return .undefined }
            guard let separator = try string(1), let range = value.range(of: separator) else { return text(value) }
            return text(String(name == "substringBefore" ? value[..<range.lowerBound] : value[range.upperBound...]))
        case "uppercase":
            return try string(0).map { text($0.uppercased()) } ?? .undefined
        case "lowercase":
            return try string(0).map { text($0.lowercased()) } ?? .undefined
        case "trim":
            guard let value = try string(0) else { return .undefined }
            let words = value.split(whereSeparator: { $0.isWhitespace })
            return text(words.joined(separator: " "))
        case "pad":
            guard let value = try string(0), let width = try number(1) else { return .undefined }
            let padding = (try string(2)).flatMap { $0.isEmpty ? nil : $0 } ?? " "
            let missing = abs(Int(width)) - value.count
            guard missing > 0 else { return text(value) }
            let fill = String(String(repeating: padding, count: missing / padding.count + 1).prefix(missing))
            return text(width < 0 ? fill + value : value + fill)
        case "contains":
            guard let value = try string(0) else { return .undefined }
            switch argument(1) {
            case .regex(let regex):
                return bool(regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil)
            default:
                guard let part = try string(1) else { throw argumentError(name, "must be a string or a regex") }
                return bool(value.contains(part))
            }
        case "split":
            guard let value = try string(0) else { return .undefined }
            var parts: [String]
            switch argument(1) {
            case .regex(let regex):
                parts = []
                var last = value.startIndex
                for match in regex.matches(in: value, range: NSRange(value.startIndex..., in: value)) {
                    guard let range = Range(match.range, in: value) else { continue }
                    parts.append(String(value[last..<range.lowerBound]))
                    last = range.upperBound
                }
                parts.append(String(value[last...]))
            default:
                guard let separator = try string(1) else { throw argumentError(name, "must be a string or a regex") }
                parts =
                    separator.isEmpty
                    ? value.map(String.init) : value.components(separatedBy: separator)
            }
            if let limit = try number(2) { parts = Array(parts.prefix(max(0, Int(limit)))) }
            return .json(.array(parts.map(JSONValue.string)))
        case "join":
            guard let items = array(0) else { return .undefined }
            let separator = try string(1) ?? ""
            var strings: [String] = []
            for item in items {
                guard let part = item.string else { throw argumentError(name, "must be an array of strings") }
                strings.append(part)
            }
            return text(strings.joined(separator: separator))
        case "replace":
            guard let value = try string(0) else { return .undefined }
            let replacement = try string(2) ?? ""
            let limit = try number(3).map { Int($0) }
            switch argument(1) {
            case .regex(let regex):
                var result = ""
                var last = value.startIndex
                var count = 0
                for match in regex.matches(in: value, range: NSRange(value.startIndex..., in: value)) {
                    if let limit, count >= limit { break }
                    guard let range = Range(match.range, in: value) else { continue }
                    result += value[last..<range.lowerBound]
                    result += regex.replacementString(
                        for: match, in: value, offset: 0,
                        template: replacement.replacingOccurrences(of: "\\", with: "\\\\"))
                    last = range.upperBound
                    count += 1
                }
                return text(result + value[last...])
            default:
                guard let pattern = try string(1), !pattern.isEmpty else {
                    throw argumentError(name, "must be a non-empty string or a regex")
                }
                var result = value
                if let limit {
                    for _ in 0..<max(0, limit) {
                        guard let range = result.range(of: pattern) else { break }
                        result.replaceSubrange(range, with: replacement)
                    }
                } else {
                    result = value.replacingOccurrences(of: pattern, with: replacement)
                }
                return text(result)
            }
        case "match":
            guard let value = try string(0) else { return .undefined }
            guard case .regex(let regex) = argument(1) else { throw argumentError(name, "must be a regex") }
            var matches: [JSONValue] = []
            for match in regex.matches(in: value, range: NSRange(value.startIndex..., in: value)) {
                guard let range = Range(match.range, in: value) else { continue }
                var groups: [JSONValue] = []
                for group in 1..<max(1, match.numberOfRanges) {
                    groups.append(.string(Range(match.range(at: group), in: value).map { String(value[$0]) } ?? ""))
                }
                matches.append(
                    .object(
                        JSONObject([
                            ("match", .string(String(value[range]))),
                            ("index", .int(value.distance(from: value.startIndex, to: range.lowerBound))),
                            ("groups", .array(groups)),
                        ])))
            }
            return .sequence(matches.map(JSONataValue.json), keepSingleton: false)
        case "base64encode":
            return try string(0).map { text(Data($0.utf8).base64EncodedString()) } ?? .undefined
        case "base64decode":
            guard let value = try string(0) else { return .undefined }
            guard let data = Data(base64Encoded: value), let decoded = String(data: data, encoding: .utf8) else {
                throw argumentError(name, "must be base64 text")
            }
            return text(decoded)
        case "encodeUrlComponent", "encodeUrl":
            guard let value = try string(0) else { return .undefined }
            var allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.!~*'()"))
            if name == "encodeUrl" { allowed.formUnion(CharacterSet(charactersIn: ";,/?:@&=+$#")) }
            return text(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        case "decodeUrlComponent", "decodeUrl":
            guard let value = try string(0) else { return .undefined }
            return text(value.removingPercentEncoding ?? value)

        // MARK: Numbers
        case "number":
            let value = argument(0)
            switch value {
            case .undefined: return .undefined
            case .json(.bool(let flag)): return .number(flag ? 1 : 0)
            case .json(.string(let raw)):
                let trimmed = raw.trimmingCharacters(in: .whitespaces)
                if let parsed = try? JSONValue.parse(trimmed), let number = parsed.numberValue {
                    return .number(number)
                }
                if trimmed.hasPrefix("0x"), let hex = Int(trimmed.dropFirst(2), radix: 16) {
                    return .number(Double(hex))
                }
                throw JSONataError(code: "D3030", message: "Unable to cast value to a number: \(raw)")
            default:
                guard let number = value.number else {
                    throw JSONataError(code: "D3030", message: "Unable to cast value to a number")
                }
                return .number(number)
            }
        case "abs": return try number(0).map { .number(abs($0)) } ?? .undefined
        case "floor": return try number(0).map { .number($0.rounded(.down)) } ?? .undefined
        case "ceil": return try number(0).map { .number($0.rounded(.up)) } ?? .undefined
        case "round":
            guard let value = try number(0) else { return .undefined }
            let precision = try number(1) ?? 0
            let scale = pow(10, precision)
            // JSONata rounds half to even.
            return .number((value * scale).rounded(.toNearestOrEven) / scale)
        case "power":
            guard let base = try number(0), let exponent = try number(1) else { return .undefined }
            let value = pow(base, exponent)
            guard value.isFinite else {
                throw JSONataError(code: "D3061", message: "The power function result is out of range")
            }
            return .number(value)
        case "sqrt":
            guard let value = try number(0) else { return .undefined }
            guard value >= 0 else {
                throw JSONataError(code: "D3060", message: "The sqrt function cannot be applied to a negative number")
            }
            return .number(value.squareRoot())
        case "random":
            if let seed = try number(0) {
                var seeded = SplitMix64(seed: UInt64(bitPattern: Int64(seed)))
                return .number(Double.random(in: 0..<1, using: &seeded))
            }
            return .number(Double.random(in: 0..<1, using: &random))
        case "formatBase":
            guard let value = try number(0) else { return .undefined }
            let radix = Int(try number(1) ?? 10)
            guard (2...36).contains(radix) else { throw argumentError(name, "radix must be between 2 and 36") }
            return text(String(Int(value.rounded(.toNearestOrEven)), radix: radix))
        case "formatNumber":
            guard let value = try number(0), let picture = try string(1) else { return .undefined }
            return text(try Self.formatNumber(value, picture: picture))
        case "sum": return try numbers(0).map { .number($0.reduce(0, +)) } ?? .undefined
        case "max":
            guard let values = try numbers(0), let maximum = values.max() else { return .undefined }
            return .number(maximum)
        case "min":
            guard let values = try numbers(0), let minimum = values.min() else { return .undefined }
            return .number(minimum)
        case "average":
            guard let values = try numbers(0), !values.isEmpty else { return .undefined }
            return .number(values.reduce(0, +) / Double(values.count))
        case "count":
            return .number(Double(array(0)?.count ?? 0))

        // MARK: Booleans
        case "boolean":
            let value = argument(0)
            return value.isUndefined ? .undefined : bool(Self.truthy(value))
        case "not":
            let value = argument(0)
            return value.isUndefined ? .undefined : bool(!Self.truthy(value))
        case "exists":
            return bool(!(arguments.first ?? .undefined).isUndefined)

        // MARK: Arrays
        case "append":
            let first = argument(0)
            let second = argument(1)
            if first.isUndefined { return second }
            if second.isUndefined { return first }
            return .sequence((first.elements ?? [first]) + (second.elements ?? [second]), keepSingleton: true)
        case "reverse":
            guard let items = array(0) else { return .undefined }
            return .sequence(items.reversed(), keepSingleton: true)
        case "shuffle":
            guard let items = array(0) else { return .undefined }
            return .sequence(items.shuffled(using: &random), keepSingleton: true)
        case "distinct":
            guard let items = array(0) else { return .undefined }
            var unique: [JSONataValue] = []
            for item in items where !unique.contains(where: { Self.deepEqual($0, item) }) { unique.append(item) }
            return .sequence(unique, keepSingleton: true)
        case "zip":
            let lists = arguments.map { $0.elements ?? ($0.isUndefined ? [] : [$0]) }
            let length = lists.map(\.count).min() ?? 0
            return .json(.array((0..<length).map { index in .array(lists.compactMap { $0[index].jsonValue }) }))
        case "sort":
            guard let items = array(0) else { return .undefined }
            var failure: JSONataError?
            var sorted: [JSONataValue]
            if arguments.count > 1 {
                let comparator = arguments[1]
                // `function($l, $r)` returns true when $l should come after $r.
                sorted = items
                var swapped = true
                while swapped {
                    swapped = false
                    for index in sorted.indices.dropLast() {
                        let after = try callback(comparator, [sorted[index], sorted[index + 1]], input: input)
                        if Self.truthy(after) {
                            sorted.swapAt(index, index + 1)
                            swapped = true
                        }
                    }
                }
            } else {
                sorted = items.sorted { a, b in
                    do throws(JSONataError) { return try Self.order(a, b) < 0 } catch {
                        failure = error
                        return false
                    }
                }
            }
            if let failure { throw failure }
            return .sequence(sorted, keepSingleton: true)
        case "filter", "map", "single":
            guard let items = array(0) else { return .undefined }
            let function = argument(1)
            var result: [JSONataValue] = []
            for (index, item) in items.enumerated() {
                let value = try callback(
                    function, [item, .number(Double(index)), .sequence(items, keepSingleton: true)], input: input)
                if name == "map" {
                    if !value.isUndefined { result.append(value) }
                } else if Self.truthy(value) || (name == "single" && function.isUndefined) {
                    result.append(item)
                }
            }
            if name == "single" {
                guard result.count == 1 else {
                    throw JSONataError(
                        code: result.isEmpty ? "D3139" : "D3138",
                        message: "$single expects exactly one match, got \(result.count)")
                }
                return result[0]
            }
            return .sequence(result, keepSingleton: name == "map" ? false : true)
        case "reduce":
            guard var items = array(0) else { return .undefined }
            var accumulator: JSONataValue
            if arguments.count > 2 {
                accumulator = arguments[2]
            } else {
                guard !items.isEmpty else { return .undefined }
                accumulator = items.removeFirst()
            }
            for item in items { accumulator = try callback(argument(1), [accumulator, item], input: input) }
            return accumulator

        // MARK: Objects
        case "keys":
            let value = argument(0)
            var keys: [String] = []
            for item in value.elements ?? [value] {
                if case .json(.object(let object)) = item {
                    for key in object.keys where !keys.contains(key) { keys.append(key) }
                }
            }
            return .sequence(keys.map { text($0) }, keepSingleton: false)
        case "lookup":
            guard let key = try string(1) else { return .undefined }
            return Self.lookup(argument(0), key)
        case "spread":
            let value = argument(0)
            var pieces: [JSONataValue] = []
            for item in value.elements ?? [value] {
                guard case .json(.object(let object)) = item else {
                    pieces.append(item)
                    continue
                }
                for (key, field) in object { pieces.append(.json(.object(JSONObject([(key, field)])))) }
            }
            return .sequence(pieces, keepSingleton: false)
        case "merge":
            guard let items = array(0) else { return .undefined }
            var merged = JSONObject()
            for item in items {
                guard case .json(.object(let object)) = item else {
                    throw argumentError(name, "must be an array of objects")
                }
                for (key, value) in object { merged[key] = value }
            }
            return .json(.object(merged))
        case "each", "sift":
            guard case .json(.object(let object)) = argument(0) else { return .undefined }
            var listed: [JSONataValue] = []
            var kept = JSONObject()
            for (key, value) in object {
                let result = try callback(argument(1), [.json(value), text(key), .json(.object(object))], input: input)
                if name == "each" {
                    if !result.isUndefined { listed.append(result) }
                } else if Self.truthy(result) {
                    kept[key] = value
                }
            }
            if name == "sift" { return kept.isEmpty ? .undefined : .json(.object(kept)) }
            return .sequence(listed, keepSingleton: false)
        case "type":
            switch argument(0) {
            case .undefined: return .undefined
            case .function: return text("function")
            case .regex: return text("function")
            case .sequence: return text("array")
            case .json(let json):
                switch json {
                case .null: return text("null")
                case .bool: return text("boolean")
                case .string: return text("string")
                case .array: return text("array")
                case .object: return text("object")
                default: return text("number")
                }
            }
        case "error":
            throw JSONataError(code: "D3137", message: try string(0) ?? "$error() function evaluated")
        case "assert":
            guard Self.truthy(argument(0)) else {
                throw JSONataError(code: "D3141", message: try string(1) ?? "$assert() statement failed")
            }
            return .undefined

        // MARK: Dates
        case "now":
            return text(Timestamp.format(Date(timeIntervalSince1970: now)))
        case "millis":
            return .number((now * 1000).rounded(.down))
        case "fromMillis":
            guard let millis = try number(0) else { return .undefined }
            return text(Timestamp.format(Date(timeIntervalSince1970: millis / 1000)))
        case "toMillis":
            guard let value = try string(0) else { return .undefined }
            guard let date = Timestamp.parse(value) else {
                throw JSONataError(code: "D3110", message: "Unable to parse the timestamp \(value)")
            }
            return .number((date.timeIntervalSince1970 * 1000).rounded())

        // MARK: Step Functions' additions
        case "partition":
            guard let items = array(0), let size = try number(1) else { return .undefined }
            guard size.rounded() == size, size > 0 else {
                throw argumentError(name, "chunk size must be a positive integer")
            }
            let chunk = Int(size)
            let chunks = stride(from: 0, to: items.count, by: chunk).map { start in
                JSONValue.array(items[start..<min(start + chunk, items.count)].compactMap(\.jsonValue))
            }
            return .json(.array(chunks))
        case "range":
            guard let start = try number(0), let end = try number(1), let step = try number(2) else {
                return .undefined
            }
            guard step != 0, start.rounded() == start, end.rounded() == end, step.rounded() == step else {
                throw argumentError(name, "start, end and step must be integers, step not 0")
            }
            let values = stride(from: start, through: end, by: step).map { JSONataValue.number($0) }
            guard values.count <= 1000 else { throw argumentError(name, "would make more than 1000 items") }
            return .sequence(values, keepSingleton: false)
        case "hash":
            guard let data = try string(0), let algorithm = try string(1) else { return .undefined }
            guard let digest = HexDigest.hex(Array(data.utf8), algorithm: algorithm) else {
                throw argumentError(name, "algorithm must be one of \(HexDigest.algorithms.joined(separator: ", "))")
            }
            return text(digest)
        case "uuid":
            return text(randomUUID(using: &random))
        case "parse":
            guard let value = try string(0) else { return .undefined }
            do {
                let parsed = try JSONValue.parse(value)
                if let number = parsed.numberValue, parsed.stringValue == nil, parsed.boolValue == nil {
                    return .number(number)
                }
                return .json(parsed)
            } catch {
                throw argumentError(name, "must be a JSON string: \(value)")
            }
        default:
            throw JSONataError(code: "T1006", message: "Attempted to invoke a non-function: $\(name)")
        }
    }
}
