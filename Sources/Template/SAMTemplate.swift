import Foundation
import JSON
import Yams

/// The resources of an AWS SAM template that callbacksim can stand up, with CloudFormation's intrinsic functions
/// (`!Ref`, `!GetAtt`, `!Sub`) and `DefinitionSubstitutions` resolved the way CloudFormation resolves them.
public struct SAMTemplate: Sendable {
    public struct Queue: Sendable, Equatable {
        public var logicalId: String
        public var name: String
        /// SQS attributes; RedrivePolicy as JSON text with the dead-letter queue's ARN, as CreateQueue takes it.
        public var attributes: [String: String]
        public var deadLetterQueueName: String?
    }

    public struct Topic: Sendable, Equatable {
        public var logicalId: String
        public var name: String
    }

    public struct Function: Sendable, Equatable {
        public var logicalId: String
        public var name: String
        public var environment: [String: String]
        /// Topics (logical ids) this function subscribes to.
        public var snsTopics: [String]
        /// Queues (names) this function consumes, with the batch size of the event source mapping.
        public var sqsSources: [(queue: String, batchSize: Int)]
        /// What GetFunction reports: the template's own settings, with SAM's Globals applied.
        public var configuration = Configuration()

        public struct Configuration: Sendable, Equatable {
            public var runtime: String?
            public var handler: String?
            public var description: String?
            public var timeout = 3
            public var memorySize = 128
            public var architectures = ["x86_64"]
            public var codeUri: String?
        }

        public static func == (a: Function, b: Function) -> Bool {
            a.logicalId == b.logicalId && a.name == b.name && a.environment == b.environment
                && a.snsTopics == b.snsTopics
                && a.sqsSources.map(\.queue) == b.sqsSources.map(\.queue)
                && a.sqsSources.map(\.batchSize) == b.sqsSources.map(\.batchSize)
                && a.configuration == b.configuration
        }
    }

    /// One of the template's `Outputs`, resolved as CloudFormation shows it after a deployment.
    public struct Output: Sendable, Equatable {
        public var key: String
        public var value: String
        public var description: String?

        public init(key: String, value: String, description: String? = nil) {
            self.key = key
            self.value = value
            self.description = description
        }
    }

    public struct StateMachine: Sendable, Equatable {
        public var logicalId: String
        public var name: String
        public var type: String
        /// The definition with its `${…}` substitutions made.
        public var definition: String
    }

    public var queues: [Queue] = []
    public var topics: [Topic] = []
    public var functions: [Function] = []
    public var stateMachines: [StateMachine] = []
    public var outputs: [Output] = []
    public var region: String
    public var accountId: String
    /// Where the topology's AWS endpoint is: a queue's URL points there, as SQS's point at SQS.
    public var endpoint: String
    /// The file it was read from; nil for one parsed from text.
    public var path: String?

    /// callbacksim's defaults, LocalStack's conventions: the account `test` credentials map to, and its port.
    public static let defaultRegion = "us-east-1"
    public static let defaultAccountId = "000000000000"
    public static let defaultEndpoint = "http://localhost:4566"

    public struct LoadError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Reads a template and the definition files it names (relative to the template's folder).
    public static func load(
        path: String, region: String = defaultRegion, accountId: String = defaultAccountId,
        endpoint: String = defaultEndpoint
    ) throws -> SAMTemplate {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let folder = (path as NSString).deletingLastPathComponent
        var template = try parse(text, folder: folder, region: region, accountId: accountId, endpoint: endpoint)
        template.path = path
        return template
    }

    public static func parse(
        _ text: String, folder: String, region: String = defaultRegion, accountId: String = defaultAccountId,
        endpoint: String = defaultEndpoint
    ) throws -> SAMTemplate {
        guard let root = try Yams.compose(yaml: text), let resources = root["Resources"]?.mapping else {
            throw LoadError(message: "the template has no Resources")
        }
        var template = SAMTemplate(region: region, accountId: accountId, endpoint: endpoint)
        let globals = root["Globals"]?["Function"]
        var kinds: [String: String] = [:]
        var properties: [String: Node] = [:]
        var order: [String] = []
        for (key, value) in resources {
            guard let id = key.string, let type = value["Type"]?.string else { continue }
            kinds[id] = type
            properties[id] = value["Properties"]
            order.append(id)
        }
        let resolver = Resolver(
            kinds: kinds, properties: properties, region: region, accountId: accountId, endpoint: endpoint)

        for id in order {
            let props = properties[id]
            switch kinds[id] {
            case "AWS::SQS::Queue":
                var attributes: [String: String] = [:]
                var deadLetter: String?
                for (key, value) in props?.mapping ?? [:] {
                    guard let name = key.string, name != "QueueName", name != "Tags" else { continue }
                    if name == "RedrivePolicy" {
                        let target = try resolver.resolve(value["deadLetterTargetArn"] ?? Node(""))
                        let count = try resolver.resolve(value["maxReceiveCount"] ?? Node("10"))
                        deadLetter = String(target.split(separator: ":").last ?? "")
                        attributes["RedrivePolicy"] = JSONValue.object(
                            JSONObject([
                                ("deadLetterTargetArn", .string(target)), ("maxReceiveCount", .int(Int(count) ?? 10)),
                            ])
                        ).serialized()
                    } else {
                        attributes[name] = try resolver.resolve(value)
                    }
                }
                template.queues.append(
                    Queue(
                        logicalId: id, name: resolver.physicalName(id), attributes: attributes,
                        deadLetterQueueName: deadLetter))
            case "AWS::SNS::Topic":
                template.topics.append(Topic(logicalId: id, name: resolver.physicalName(id)))
            case "AWS::Serverless::Function":
                var environment: [String: String] = [:]
                for (key, value) in props?["Environment"]?["Variables"]?.mapping ?? [:] {
                    if let name = key.string { environment[name] = try resolver.resolve(value) }
                }
                var topics: [String] = []
                var sources: [(String, Int)] = []
                for (_, event) in props?["Events"]?.mapping ?? [:] {
                    switch event["Type"]?.string {
                    case "SNS":
                        if let topic = event["Properties"]?["Topic"], let logical = resolver.referencedResource(topic) {
                            topics.append(logical)
                        }
                    case "SQS":
                        if let queue = event["Properties"]?["Queue"], let logical = resolver.referencedResource(queue) {
                            let batch = Int(event["Properties"]?["BatchSize"]?.string ?? "10") ?? 10
                            sources.append((resolver.physicalName(logical), batch))
                        }
                    default:
                        continue
                    }
                }
                func setting(_ key: String) -> Node? { props?[key] ?? globals?[key] }
                var configuration = Function.Configuration()
                configuration.runtime = setting("Runtime")?.string
                configuration.handler = setting("Handler")?.string
                configuration.description = setting("Description")?.string
                configuration.codeUri = setting("CodeUri")?.string
                configuration.timeout = setting("Timeout")?.string.flatMap { Int($0) } ?? configuration.timeout
                configuration.memorySize =
                    setting("MemorySize")?.string.flatMap { Int($0) } ?? configuration.memorySize
                if let architectures = setting("Architectures")?.sequence?.compactMap(\.string), !architectures.isEmpty
                {
                    configuration.architectures = architectures
                }
                template.functions.append(
                    Function(
                        logicalId: id, name: resolver.physicalName(id), environment: environment, snsTopics: topics,
                        sqsSources: sources, configuration: configuration))
            case "AWS::Serverless::StateMachine":
                guard let uri = props?["DefinitionUri"]?.string else {
                    throw LoadError(message: "state machine \(id) has no DefinitionUri")
                }
                var definition = try String(
                    contentsOfFile: (folder as NSString).appendingPathComponent(uri), encoding: .utf8)
                for (key, value) in props?["DefinitionSubstitutions"]?.mapping ?? [:] {
                    guard let name = key.string else { continue }
                    definition = definition.replacingOccurrences(of: "${\(name)}", with: try resolver.resolve(value))
                }
                template.stateMachines.append(
                    StateMachine(
                        logicalId: id, name: resolver.physicalName(id), type: props?["Type"]?.string ?? "STANDARD",
                        definition: definition))
            default:
                continue
            }
        }
        for (key, value) in root["Outputs"]?.mapping ?? [:] {
            guard let name = key.string, let node = value["Value"] else { continue }
            template.outputs.append(
                Output(key: name, value: try resolver.resolve(node), description: value["Description"]?.string))
        }
        return template
    }

    /// The physical id of every resource, as `sam deploy` lists them: what a user looks for after deploying.
    public var resourceSummaries: [(logicalId: String, type: String, physicalId: String)] {
        queues.map { ($0.logicalId, "AWS::SQS::Queue", queueUrl($0.name)) }
            + topics.map { ($0.logicalId, "AWS::SNS::Topic", "arn:aws:sns:\(region):\(accountId):\($0.name)") }
            + functions.map { ($0.logicalId, "AWS::Lambda::Function", $0.name) }
            + stateMachines.map {
                (
                    $0.logicalId, "AWS::StepFunctions::StateMachine",
                    "arn:aws:states:\(region):\(accountId):stateMachine:\($0.name)"
                )
            }
    }

    public func queueUrl(_ name: String) -> String { "\(endpoint)/\(accountId)/\(name)" }

    /// The template shipped with callbacksim: the upstream sample, unchanged.
    public static func seed(
        region: String = defaultRegion, accountId: String = defaultAccountId, endpoint: String = defaultEndpoint
    ) throws -> SAMTemplate {
        guard let path = Bundle.module.path(forResource: "template", ofType: "yaml", inDirectory: "SeedPattern") else {
            throw LoadError(message: "the seed template is missing from the bundle")
        }
        return try load(path: path, region: region, accountId: accountId, endpoint: endpoint)
    }
}

/// CloudFormation's Ref, GetAtt and Sub over the resources of one template.
struct Resolver {
    let kinds: [String: String]
    let properties: [String: Node]
    let region: String
    let accountId: String
    let endpoint: String

    func physicalName(_ id: String) -> String {
        let props = properties[id]
        switch kinds[id] {
        case "AWS::SQS::Queue": return props?["QueueName"]?.string ?? id
        case "AWS::SNS::Topic": return props?["TopicName"]?.string ?? id
        case "AWS::Serverless::Function": return props?["FunctionName"]?.string ?? id
        case "AWS::Serverless::StateMachine": return props?["Name"]?.string ?? id
        default: return id
        }
    }

    func ref(_ id: String) throws -> String {
        switch id {
        case "AWS::Region": return region
        case "AWS::AccountId": return accountId
        case "AWS::Partition": return "aws"
        case "AWS::StackName": return "callbacksim"
        case "AWS::URLSuffix": return "amazonaws.com"
        default: break
        }
        let name = physicalName(id)
        switch kinds[id] {
        case "AWS::SQS::Queue": return "\(endpoint)/\(accountId)/\(name)"
        case "AWS::SNS::Topic": return "arn:aws:sns:\(region):\(accountId):\(name)"
        case "AWS::Serverless::Function": return name
        case "AWS::Serverless::StateMachine": return "arn:aws:states:\(region):\(accountId):stateMachine:\(name)"
        default: throw SAMTemplate.LoadError(message: "!Ref \(id): no such resource")
        }
    }

    func getAtt(_ id: String, _ attribute: String) throws -> String {
        let name = physicalName(id)
        switch (kinds[id], attribute) {
        case ("AWS::SQS::Queue", "Arn"): return "arn:aws:sqs:\(region):\(accountId):\(name)"
        case ("AWS::SQS::Queue", "QueueName"): return name
        case ("AWS::SQS::Queue", "QueueUrl"): return try ref(id)
        case ("AWS::SNS::Topic", "TopicName"): return name
        case ("AWS::SNS::Topic", "TopicArn"): return try ref(id)
        case ("AWS::Serverless::Function", "Arn"): return "arn:aws:lambda:\(region):\(accountId):function:\(name)"
        case ("AWS::Serverless::StateMachine", "Name"): return name
        case ("AWS::Serverless::StateMachine", "Arn"): return try ref(id)
        default: throw SAMTemplate.LoadError(message: "!GetAtt \(id).\(attribute) is not supported")
        }
    }

    /// Resolves a property value to the string CloudFormation would pass.
    func resolve(_ node: Node) throws -> String {
        switch node.tag.description {
        case "!Ref":
            return try ref(node.string ?? "")
        case "!GetAtt":
            if let text = node.string {
                let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw SAMTemplate.LoadError(message: "!GetAtt \(text)") }
                return try getAtt(parts[0], parts[1])
            }
            let items = node.sequence?.compactMap(\.string) ?? []
            guard items.count == 2 else { throw SAMTemplate.LoadError(message: "!GetAtt needs two items") }
            return try getAtt(items[0], items[1])
        case "!Sub":
            return try substitute(node.string ?? node.sequence?.first?.string ?? "")
        default:
            break
        }
        if let mapping = node.mapping, mapping.count == 1, let (key, value) = mapping.first, let function = key.string {
            switch function {
            case "Ref": return try ref(value.string ?? "")
            case "Fn::GetAtt":
                let items =
                    value.sequence?.compactMap(\.string) ?? value.string.map {
                        $0.split(separator: ".", maxSplits: 1).map(String.init)
                    } ?? []
                guard items.count == 2 else { throw SAMTemplate.LoadError(message: "Fn::GetAtt needs two items") }
                return try getAtt(items[0], items[1])
            case "Fn::Sub": return try substitute(value.string ?? value.sequence?.first?.string ?? "")
            default: break
            }
        }
        guard let text = node.string else {
            throw SAMTemplate.LoadError(message: "cannot resolve a value of the template")
        }
        return text
    }

    func substitute(_ text: String) throws -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw SAMTemplate.LoadError(message: "unterminated ${ in \(text)")
            }
            let name = String(rest[open.upperBound..<close])
            if let dot = name.firstIndex(of: "."), !name.hasPrefix("AWS::") {
                output += try getAtt(String(name[..<dot]), String(name[name.index(after: dot)...]))
            } else {
                output += try ref(name)
            }
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }

    /// The logical id a `!Ref X`, `!GetAtt X.Arn` or `{Ref: X}` names.
    func referencedResource(_ node: Node) -> String? {
        switch node.tag.description {
        case "!Ref": return node.string
        case "!GetAtt":
            return node.string.map { String($0.split(separator: ".").first ?? "") } ?? node.sequence?.first?.string
        default: break
        }
        if let mapping = node.mapping, let (key, value) = mapping.first {
            switch key.string {
            case "Ref": return value.string
            case "Fn::GetAtt":
                return value.sequence?.first?.string
                    ?? value.string.map { String($0.split(separator: ".").first ?? "") }
            default: return nil
            }
        }
        return node.string
    }
}
