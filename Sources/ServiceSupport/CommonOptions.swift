/// Parses repeated `--function NAME=ENDPOINT` flags.
public func parseFunctionEndpoints(_ pairs: [String]) throws -> [String: String] {
    var functions: [String: String] = [:]
    for pair in pairs {
        guard let separator = pair.firstIndex(of: "="), separator != pair.startIndex else {
            throw FunctionFlagError(value: pair)
        }
        functions[String(pair[..<separator])] = String(pair[pair.index(after: separator)...])
    }
    return functions
}

public struct FunctionFlagError: Error, CustomStringConvertible {
    public let value: String
    public var description: String { "--function takes NAME=ENDPOINT, got '\(value)'" }
}
