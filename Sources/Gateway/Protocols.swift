import AWSSignature
import Foundation
import JSON
import Template
import Wire

// The three ways the SDKs talk to callbacksim's services, each translated to one wire request.

extension Gateway {
    // MARK: JSON 1.0 and 1.1 (Step Functions, SQS, CloudWatch Logs)

    /// The wire carries the JSON protocol's own bodies, so a request is forwarded as it came and the reply is
    /// written back as it returned (SQS's queue URLs excepted: they name the host the client called).
    func json(
        _ request: IncomingRequest, api: API?, version: String, operation: String, scope: Scope, requestId: String
    ) async throws -> OutgoingResponse {
        guard let api, let model = AWSModels.model(for: api), model.operation(operation) != nil else {
            throw AWSError(
                "UnknownOperationException",
                "Unknown operation \(request.headers["x-amz-target"] ?? operation)")
        }
        if let contentType = request.headers["content-type"], !request.body.isEmpty,
            !contentType.hasPrefix("application/x-amz-json-"), !contentType.hasPrefix("application/json")
        {
            throw AWSError(
                "UnknownOperationException",
                "Unsupported Content-Type '\(contentType)': this API takes application/x-amz-json-\(version)")
        }
        let body = request.body.isEmpty ? Array("{}".utf8) : request.body
        guard case .object = try WireCoding.decodeJSON(body) else {
            throw AWSError.serialization(
                "Start of structure or map found where not expected: the body is not a JSON object")
        }
        var reply = try await forward(OperationName(api, operation), body: body, scope: scope)
        if api == .sqs, let origin = QueueURLs.origin(of: request) {
            reply = QueueURLs.rewrite(try WireCoding.decodeJSON(reply), origin: origin).utf8Bytes
        }
        return OutgoingResponse(
            status: 200,
            headers: [("Content-Type", "application/x-amz-json-\(version)"), ("x-amzn-RequestId", requestId)],
            body: reply)
    }

    // MARK: Query (SNS, and SQS for older SDKs)

    func query(_ request: IncomingRequest, api: API?, scope: Scope, requestId: String) async throws
        -> OutgoingResponse
    {
        var parameters: [String: String] = [:]
        for (name, value) in FormEncoding.parse(request.query) { parameters[name] = value }
        let contentType = request.headers["content-type"] ?? ""
        if !request.body.isEmpty {
            guard contentType.isEmpty || contentType.hasPrefix("application/x-www-form-urlencoded") else {
                throw AWSError(
                    "InvalidAction",
                    "Unsupported Content-Type '\(contentType)': query requests are application/x-www-form-urlencoded")
            }
            for (name, value) in FormEncoding.parse(String(decoding: request.body, as: UTF8.self)) {
                parameters[name] = value
            }
        }
        guard let action = parameters["Action"], !action.isEmpty else {
            throw AWSError("MissingAction", "The request must contain the parameter Action.")
        }
        guard let api, let model = [API.sns: AWSModels.sns, .sqs: AWSModels.sqsQuery][api],
            model.operation(action) != nil
        else {
            throw AWSError("InvalidAction", "The action \(action) is not valid for this endpoint.")
        }
        if api == .sqs, parameters["QueueUrl"] == nil, let queue = QueueURLs.queue(inPath: request.path) {
            // Older SDKs and curl post to the queue's own URL.
            let origin = QueueURLs.origin(of: request) ?? "http://localhost"
            parameters["QueueUrl"] = "\(origin)/\(queue.account)/\(queue.name)"
        }
        let codec = QueryCodec(model: model)
        let input = try codec.input(of: action, from: parameters)
        let reply = try await forward(OperationName(api, action), body: input.utf8Bytes, scope: scope)
        var output = try WireCoding.decodeJSON(reply)
        if api == .sqs, let origin = QueueURLs.origin(of: request) {
            output = QueueURLs.rewrite(output, origin: origin)
        }
        let xml = codec.reply(of: action, output: output, requestId: requestId)
        return OutgoingResponse(
            status: 200, headers: [("Content-Type", "text/xml"), ("x-amzn-RequestId", requestId)],
            body: Array(xml.utf8))
    }

    // MARK: Lambda's REST API

    func lambda(_ request: IncomingRequest, scope: Scope, requestId: String) async throws -> OutgoingResponse {
        let rest = request.path.dropFirst(LambdaREST.prefix.count)
        let parts = rest.split(separator: "/", omittingEmptySubsequences: true).map {
            FormEncoding.decode(String($0), plusIsSpace: false)
        }
        switch (request.method, parts.count, parts.last) {
        case ("GET", 0, _):
            return try listFunctions(request, scope: scope, requestId: requestId)
        case ("GET", 1, _):
            let function = try function(named: parts[0], scope: scope)
            var output = JSONObject()
            output["Configuration"] = configuration(of: function, scope: scope)
            output["Code"] = [
                "RepositoryType": "S3",
                "Location": .string("\(SAMTemplate.defaultEndpoint)/callbacksim-functions/\(function.name).zip"),
            ]
            return LambdaREST.json(.object(output), requestId: requestId)
        case ("POST", 2, "invocations"):
            return try await invoke(
                request, function: try function(named: parts[0], scope: scope), requestId: requestId)
        default:
            throw AWSError(
                "UnknownOperationException", "No Lambda operation is \(request.method) \(request.path)")
        }
    }

    func function(named nameOrArn: String, scope: Scope) throws(AWSError) -> SAMTemplate.Function {
        let name = ServiceDirectory.functionName(nameOrArn)
        guard scope.region == configuration.defaultRegion, scope.account == configuration.defaultAccount,
            let function = configuration.functions.first(where: { $0.name == name })
        else {
            throw AWSError(
                "ResourceNotFoundException",
                "Function not found: arn:aws:lambda:\(scope.region):\(scope.account):function:\(name)")
        }
        return function
    }

    /// FunctionConfiguration as GetFunction and ListFunctions report it, from the template.
    func configuration(of function: SAMTemplate.Function, scope: Scope) -> JSONValue {
        let settings = function.configuration
        var object = JSONObject()
        object["FunctionName"] = .string(function.name)
        object["FunctionArn"] = .string("arn:aws:lambda:\(scope.region):\(scope.account):function:\(function.name)")
        if let runtime = settings.runtime { object["Runtime"] = .string(runtime) }
        object["Role"] = .string("arn:aws:iam::\(scope.account):role/\(function.name)-role")
        if let handler = settings.handler { object["Handler"] = .string(handler) }
        object["CodeSize"] = 0
        object["Description"] = .string(settings.description ?? "")
        object["Timeout"] = .int(settings.timeout)
        object["MemorySize"] = .int(settings.memorySize)
        object["LastModified"] = "2026-01-01T00:00:00.000+0000"
        object["CodeSha256"] = .string(Data(function.name.utf8).base64EncodedString())
        object["Version"] = "$LATEST"
        if !function.environment.isEmpty {
            object["Environment"] = [
                "Variables": .object(
                    JSONObject(function.environment.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
            ]
        }
        object["TracingConfig"] = ["Mode": "PassThrough"]
        object["State"] = "Active"
        object["LastUpdateStatus"] = "Successful"
        object["PackageType"] = "Zip"
        object["Architectures"] = .array(settings.architectures.map(JSONValue.string))
        object["EphemeralStorage"] = ["Size": 512]
        return .object(object)
    }

    func listFunctions(_ request: IncomingRequest, scope: Scope, requestId: String) throws -> OutgoingResponse {
        var parameters: [String: String] = [:]
        for (name, value) in FormEncoding.parse(request.query) { parameters[name] = value }
        let inScope = scope.region == configuration.defaultRegion && scope.account == configuration.defaultAccount
        let functions = inScope ? configuration.functions.sorted { $0.name < $1.name } : []
        // ListFunctions returns at most 50 a page, whatever MaxItems asks (research/aws-protocols.md §7).
        let limit = min(parameters["MaxItems"].flatMap { Int($0) } ?? 50, 50)
        let invalid = AWSError("InvalidParameterValueException", "Invalid Marker")
        let page = try PageToken.page(
            functions, after: parameters["Marker"], limit: limit, key: \.name, invalid: invalid)
        var output = JSONObject()
        output["Functions"] = .array(page.items.map { configuration(of: $0, scope: scope) })
        if let next = page.nextToken { output["NextMarker"] = .string(next) }
        return LambdaREST.json(.object(output), requestId: requestId)
    }

    func invoke(_ request: IncomingRequest, function: SAMTemplate.Function, requestId: String) async throws
        -> OutgoingResponse
    {
        let invocationType = request.headers["x-amz-invocation-type"] ?? "RequestResponse"
        guard ["RequestResponse", "Event", "DryRun"].contains(invocationType) else {
            throw AWSError(
                "InvalidParameterValueException",
                "1 validation error detected: Value '\(invocationType)' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )
        }
        if invocationType == "Event", request.body.count > LambdaREST.asynchronousPayloadLimit {
            throw AWSError(
                "RequestTooLargeException",
                "Request must be smaller than \(LambdaREST.asynchronousPayloadLimit) bytes for the InvokeAsync operation"
            )
        }
        let payload: JSONValue
        do {
            payload = request.body.isEmpty ? .object(JSONObject()) : try JSONValue.parse(bytes: request.body)
        } catch {
            throw AWSError("InvalidRequestContentException", "Could not parse request body into json: \(error)")
        }
        guard directory.functions[function.name] != nil else {
            throw AWSError(
                "ResourceNotReadyException", "Function \(function.name) has no process serving it in this topology")
        }
        if invocationType == "DryRun" {
            return OutgoingResponse(status: 204, headers: [("x-amzn-RequestId", requestId)], body: [])
        }
        let input = InvokeInput(FunctionName: function.name, Payload: payload, InvocationType: invocationType)
        let reply = try WireCoding.decode(
            InvokeOutput.self,
            from: try await directory.call(
                Lambda.invoke.address, body: WireCoding.encode(input), timeout: configuration.upstreamTimeout))
        if invocationType == "Event" {
            return OutgoingResponse(status: 202, headers: [("x-amzn-RequestId", requestId)], body: [])
        }
        var headers = [
            ("Content-Type", "application/json"), ("x-amzn-RequestId", requestId),
            ("X-Amz-Executed-Version", "$LATEST"),
        ]
        if let functionError = reply.FunctionError { headers.append(("X-Amz-Function-Error", functionError)) }
        if request.headers["x-amz-log-type"] == "Tail" {
            let log =
                "START RequestId: \(requestId) Version: $LATEST\nEND RequestId: \(requestId)\nREPORT RequestId: \(requestId)\n"
            headers.append(("X-Amz-Log-Result", Data(log.utf8).base64EncodedString()))
        }
        return OutgoingResponse(status: 200, headers: headers, body: (reply.Payload ?? .null).utf8Bytes)
    }
}

enum LambdaREST {
    static let prefix = "/2015-03-31/functions"
    /// Lambda's limit for an `Event` invocation's payload (1 MB since 2025; 256 KB before).
    static let asynchronousPayloadLimit = 1_048_576

    static func json(_ value: JSONValue, requestId: String) -> OutgoingResponse {
        OutgoingResponse(
            status: 200, headers: [("Content-Type", "application/json"), ("x-amzn-RequestId", requestId)],
            body: value.utf8Bytes)
    }
}

/// Queue URLs name the gateway, as the client reached it, so an SDK that sends to the queue's URL reaches it.
enum QueueURLs {
    /// `/<12-digit account>/<queue>`.
    static func queue(inPath path: String) -> (account: String, name: String)? {
        let parts = path.split(separator: "/")
        guard parts.count == 2, parts[0].count == 12, parts[0].allSatisfy(\.isNumber) else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    static func origin(of request: IncomingRequest) -> String? {
        request.headers["host"].map { "http://\($0)" }
    }

    /// Replaces the scheme and host of every queue URL in an SQS reply.
    static func rewrite(_ reply: JSONValue, origin: String) -> JSONValue {
        guard case .object(var object) = reply else { return reply }
        func moved(_ url: JSONValue) -> JSONValue {
            guard let text = url.stringValue, let range = text.range(of: "://") else { return url }
            guard let slash = text[range.upperBound...].firstIndex(of: "/") else { return url }
            return .string(origin + text[slash...])
        }
        if let url = object["QueueUrl"] { object["QueueUrl"] = moved(url) }
        for key in ["QueueUrls", "queueUrls"] {
            if let urls = object[key]?.arrayValue { object[key] = .array(urls.map(moved)) }
        }
        return .object(object)
    }
}
