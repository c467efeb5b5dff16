import Foundation
import JSON
import Wire

/// Prints replies the way the AWS CLI does: indented JSON, epoch dates as ISO-8601 with an offset.
enum Output {
    static let dateKeys: Set<String> = ["startDate", "stopDate", "creationDate", "timestamp", "redriveDate"]

    /// CloudWatch Logs' times are epoch milliseconds of type long, which the AWS CLI prints as numbers:
    /// `convertingDates` false leaves them so.
    static func printJSON(_ bytes: [UInt8], convertingDates: Bool = true) {
        guard let value = try? JSONValue.parse(bytes: bytes) else {
            print(String(decoding: bytes, as: UTF8.self))
            return
        }
        print((convertingDates ? convertDates(value) : value).prettyPrinted())
    }

    static func printJSON(_ value: JSONValue) {
        print(convertDates(value).prettyPrinted())
    }

    static func printJSON(_ value: some Encodable) {
        printJSON(WireCoding.encode(value))
    }

    static func convertDates(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var converted = JSONObject()
            for (key, child) in object {
                if dateKeys.contains(key), let seconds = child.numberValue {
                    converted[key] = .string(isoDate(seconds))
                } else {
                    converted[key] = convertDates(child)
                }
            }
            return .object(converted)
        case .array(let elements):
            return .array(elements.map(convertDates))
        default:
            return value
        }
    }

    static func isoDate(_ seconds: Double) -> String {
        let date = Date(timeIntervalSince1970: seconds)
        let base = date.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(
                .colon))
        let micros = Int((seconds - seconds.rounded(.down)) * 1_000_000)
        let fraction = String(format: "%06d", micros)
        return base.replacingOccurrences(of: "Z", with: "") + ".\(fraction)+00:00"
    }

    /// The AWS CLI's message for a service error, on standard error.
    static func printError(_ error: any Error, operation: String) {
        let message: String
        if let aws = error as? AWSError {
            message = "An error occurred (\(aws.type)) when calling the \(operation) operation: \(aws.message)"
        } else {
            message = "callbacksim: \(error)"
        }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
