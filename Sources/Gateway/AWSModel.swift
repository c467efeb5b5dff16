import JSON
import Wire

/// One AWS service as botocore models it: its operations and shapes. The gateway reads what its protocols need
/// from here (XML names and flattened lists for the query protocol, each error's code and HTTP status) instead
/// of restating AWS's own description in code.
struct ServiceModel: Sendable {
    let metadata: JSONObject
    let operations: JSONObject
    let shapes: JSONObject
    /// Error shape name, and error code where it differs (SNS's `NotFound` for `NotFoundException`) → its error.
    let errors: [String: ModeledError]

    struct ModeledError: Sendable {
        /// What the query protocol puts in `<Code>` (and SQS's JSON protocol in `x-amzn-query-error`).
        var code: String
        var status: Int
        var senderFault: Bool
        /// The member that holds the message: Lambda's shapes differ (`Message` or `message`).
        var messageMember: String
    }

    init(text: String) {
        let root = (try? JSONValue.parse(text))?.objectValue ?? JSONObject()
        metadata = root["metadata"]?.objectValue ?? JSONObject()
        operations = root["operations"]?.objectValue ?? JSONObject()
        shapes = root["shapes"]?.objectValue ?? JSONObject()
        var errors: [String: ModeledError] = [:]
        for (name, shape) in shapes where shape["exception"]?.boolValue == true {
            let error = shape["error"]
            let status = error?["httpStatusCode"]?.integerValue ?? 400
            let members = shape["members"]?.objectValue?.keys ?? []
            let modeled = ModeledError(
                code: error?["code"]?.stringValue ?? name, status: status,
                senderFault: error?["senderFault"]?.boolValue ?? (status < 500),
                messageMember: members.contains("Message") ? "Message" : "message")
            errors[name] = modeled
            if modeled.code != name { errors[modeled.code] = modeled }
        }
        self.errors = errors
    }

    var xmlNamespace: String? { metadata["xmlNamespace"]?.stringValue }

    func operation(_ name: String) -> JSONObject? { operations[name]?.objectValue }

    func shape(_ name: String) -> JSONObject? { shapes[name]?.objectValue }

    /// An operation's input shape name, if it takes one.
    func inputShape(of operation: String) -> String? { self.operation(operation)?["input"]?["shape"]?.stringValue }

    func outputShape(of operation: String) -> String? { self.operation(operation)?["output"]?["shape"]?.stringValue }

    func resultWrapper(of operation: String) -> String? {
        self.operation(operation)?["output"]?["resultWrapper"]?.stringValue
    }
}

/// The models the gateway serves, parsed once.
enum AWSModels {
    static let stepFunctions = ServiceModel(text: AWSModelText.stepfunctions)
    static let sqs = ServiceModel(text: AWSModelText.sqs)
    static let sqsQuery = ServiceModel(text: AWSModelText.sqsQuery)
    static let sns = ServiceModel(text: AWSModelText.sns)
    static let logs = ServiceModel(text: AWSModelText.logs)
    static let lambda = ServiceModel(text: AWSModelText.lambda)

    static func model(for api: API) -> ServiceModel? {
        switch api {
        case .stepFunctions: return stepFunctions
        case .sqs: return sqs
        case .sns: return sns
        case .logs: return logs
        case .lambda: return lambda
        case .control: return nil
        }
    }
}
