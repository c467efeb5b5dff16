import JSON
import Wire

/// The protocols the SDKs speak to the services callbacksim stands in for (research/aws-protocols.md §0).
public enum AWSProtocol: Sendable {
    /// `X-Amz-Target` and a JSON body: Step Functions and SQS (1.0), CloudWatch Logs (1.1). The API is nil for a
    /// target no service here answers.
    case json(API?, version: String)
    /// Form-encoded `Action=…`, XML replies: SNS, and SQS for older SDKs. Nil: the service could not be told.
    case query(API?)
    /// Lambda's REST API.
    case restJSON(API)

    var api: API? {
        switch self {
        case .json(let api, _), .query(let api): return api
        case .restJSON(let api): return api
        }
    }

    /// How AWS describes an error on this API: its code, HTTP status and fault, from the service's model.
    func describe(_ error: AWSError) -> ServiceModel.ModeledError {
        if let known = Self.common[error.type] { return known }
        let model: ServiceModel? =
            switch self {
            case .json(.sqs, _), .query(.sqs): AWSModels.sqsQuery
            case .json(let api, _), .query(let api): api.flatMap(AWSModels.model(for:))
            case .restJSON(let api): AWSModels.model(for: api)
            }
        if let modeled = model?.errors[error.type] { return modeled }
        return ServiceModel.ModeledError(code: error.type, status: 400, senderFault: true, messageMember: "message")
    }

    /// Errors every AWS front end answers, whatever the service.
    static let common: [String: ServiceModel.ModeledError] = [
        "ServiceUnavailable": .init(
            code: "ServiceUnavailable", status: 503, senderFault: false, messageMember: "message"),
        "InternalFailure": .init(code: "InternalFailure", status: 500, senderFault: false, messageMember: "message"),
        "ServiceException": .init(code: "ServiceException", status: 500, senderFault: false, messageMember: "Message"),
        "MissingAuthenticationToken": .init(
            code: "MissingAuthenticationToken", status: 403, senderFault: true, messageMember: "message"),
        "InvalidClientTokenId": .init(
            code: "InvalidClientTokenId", status: 403, senderFault: true, messageMember: "message"),
        "SignatureDoesNotMatch": .init(
            code: "SignatureDoesNotMatch", status: 403, senderFault: true, messageMember: "message"),
        "RequestExpired": .init(code: "RequestExpired", status: 400, senderFault: true, messageMember: "message"),
        "AccessDenied": .init(code: "AccessDenied", status: 403, senderFault: true, messageMember: "message"),
        "AccessDeniedException": .init(
            code: "AccessDeniedException", status: 403, senderFault: true, messageMember: "message"),
    ]

    /// The error reply: a JSON body with `__type` (plus SQS's `x-amzn-query-error`), an XML `ErrorResponse`, or
    /// Lambda's `x-amzn-ErrorType` with a JSON body.
    func errorResponse(_ error: AWSError, status: Int? = nil, requestId: String) -> OutgoingResponse {
        let described = describe(error)
        let status = status ?? described.status
        switch self {
        case .json(let api, let version):
            var headers = [
                ("Content-Type", "application/x-amz-json-\(version)"), ("x-amzn-RequestId", requestId),
                ("x-amzn-ErrorType", error.type),
            ]
            if api == .sqs {
                headers.append(
                    ("x-amzn-query-error", "\(described.code);\(described.senderFault ? "Sender" : "Receiver")"))
            }
            let body: JSONValue = ["__type": .string(error.type), "message": .string(error.message)]
            return OutgoingResponse(status: status, headers: headers, body: body.utf8Bytes)
        case .query(let api):
            let codec = QueryCodec(model: api == .sns ? AWSModels.sns : AWSModels.sqsQuery)
            let xml = codec.error(
                code: described.code, message: error.message, senderFault: described.senderFault, requestId: requestId)
            return OutgoingResponse(
                status: status, headers: [("Content-Type", "text/xml"), ("x-amzn-RequestId", requestId)],
                body: Array(xml.utf8))
        case .restJSON:
            var body = JSONObject()
            body["Type"] = .string(described.senderFault ? "User" : "Service")
            body[described.messageMember] = .string(error.message)
            return OutgoingResponse(
                status: status,
                headers: [
                    ("Content-Type", "application/json"), ("x-amzn-RequestId", requestId),
                    ("x-amzn-ErrorType", error.type),
                ], body: JSONValue.object(body).utf8Bytes)
        }
    }
}
