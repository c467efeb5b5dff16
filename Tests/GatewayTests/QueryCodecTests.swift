import Foundation
import JSON
import Testing
import Wire

@testable import AWSSignature
@testable import Gateway

@Suite struct QueryCodecTests {
    let sqs = QueryCodec(model: AWSModels.sqsQuery)
    let sns = QueryCodec(model: AWSModels.sns)

    func form(_ text: String) -> [String: String] {
        Dictionary(FormEncoding.parse(text), uniquingKeysWith: { _, last in last })
    }

    @Test func sqsFlattenedListsAndMapsBecomeTheJSONShape() throws {
        // What botocore 1.29.165 sends for SendMessage and ReceiveMessage (research/aws-protocols.md §2.3).
        let send = try sqs.input(
            of: "SendMessage",
            from: form(
                "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Flocalhost%3A4566%2F000000000000%2Fq1&MessageBody=hello+world&DelaySeconds=2&MessageAttribute.1.Name=k&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v"
            ))
        #expect(send["QueueUrl"] == "http://localhost:4566/000000000000/q1")
        #expect(send["MessageBody"] == "hello world")
        #expect(send["DelaySeconds"] == 2)
        #expect(send["MessageAttributes"] == ["k": ["DataType": "String", "StringValue": "v"]])
        let receive = try sqs.input(
            of: "ReceiveMessage",
            from: form("QueueUrl=q&AttributeName.1=All&MessageAttributeName.1=a&MessageAttributeName.2=b"))
        #expect(receive["AttributeNames"] == ["All"])
        #expect(receive["MessageAttributeNames"] == ["a", "b"])
        let create = try sqs.input(
            of: "CreateQueue", from: form("QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5"))
        #expect(create["Attributes"] == ["VisibilityTimeout": "5"])
    }

    @Test func snsMembersAndEntriesBecomeTheJSONShape() throws {
        let publish = try sns.input(
            of: "Publish",
            from: form(
                "TopicArn=arn&Message=hello+%26+%3Cworld%3E&MessageAttributes.entry.1.Name=status&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=ok"
            ))
        #expect(publish["Message"] == "hello & <world>")
        #expect(publish["MessageAttributes"] == ["status": ["DataType": "String", "StringValue": "ok"]])
        let create = try sns.input(
            of: "CreateTopic",
            from: form(
                "Name=t&Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=d&Tags.member.1.Key=k&Tags.member.1.Value=v"
            ))
        #expect(create["Attributes"] == ["DisplayName": "d"])
        #expect(create["Tags"] == [["Key": "k", "Value": "v"]])
        #expect(throws: AWSError.self) {
            _ = try sqs.input(of: "ReceiveMessage", from: form("QueueUrl=q&MaxNumberOfMessages=ten"))
        }
    }

    @Test func repliesUseTheModelsXMLNamesAndWrappers() {
        let receive = sqs.reply(
            of: "ReceiveMessage",
            output: [
                "Messages": [
                    [
                        "MessageId": "m", "Body": "a<b", "Attributes": ["SentTimestamp": "1"],
                        "MessageAttributes": ["k": ["DataType": "String", "StringValue": "v"]],
                    ]
                ]
            ], requestId: "r")
        #expect(
            receive.hasPrefix(
                #"<ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult><Message>"#
            ))
        #expect(receive.contains("<Body>a&lt;b</Body>"))
        #expect(receive.contains("<Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute>"))
        // Members in the model's order, as AWS writes them.
        #expect(
            receive.contains(
                "<MessageAttribute><Name>k</Name><Value><StringValue>v</StringValue><DataType>String</DataType></Value></MessageAttribute>"
            ))
        #expect(
            receive.hasSuffix("<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ReceiveMessageResponse>"))
        let topics = sns.reply(of: "ListTopics", output: ["Topics": [["TopicArn": "a"]]], requestId: "r")
        #expect(
            topics.contains(
                "<ListTopicsResult><Topics><member><TopicArn>a</TopicArn></member></Topics></ListTopicsResult>"))
        let deleted = sqs.reply(of: "DeleteMessage", output: [:], requestId: "r")
        #expect(deleted.contains("<DeleteMessageResponse") && !deleted.contains("Result"))
    }

    @Test func errorCodesAndStatusesComeFromTheModels() {
        let sqsJSON = AWSProtocol.json(.sqs, version: "1.0")
        let missing = sqsJSON.errorResponse(AWSError("QueueDoesNotExist", "gone"), requestId: "r")
        #expect(missing.status == 400)
        #expect(
            missing.headers.contains { $0 == ("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender") })
        let purge = sqsJSON.errorResponse(AWSError("PurgeQueueInProgress", "busy"), requestId: "r")
        #expect(purge.status == 403)
        let notFound = AWSProtocol.query(.sns).errorResponse(AWSError("NotFound", "no topic"), requestId: "r")
        #expect(notFound.status == 404)
        let lambda = AWSProtocol.restJSON(.lambda).errorResponse(
            AWSError("ResourceNotFoundException", "no"), requestId: "r")
        #expect(lambda.status == 404)
        #expect(lambda.headers.contains { $0 == ("x-amzn-ErrorType", "ResourceNotFoundException") })
        #expect(String(decoding: lambda.body, as: UTF8.self).contains(#""Message":"no""#))
    }

    @Test func xmlStaysWellFormedWhateverTheCallerSent() {
        #expect(XML.escape("a\u{0}b\u{1B}c\td") == "a\u{FFFD}b\u{FFFD}c\td")
        #expect(XML.escape("<&>") == "&lt;&amp;&gt;")
    }
}

@Suite struct SigV4Tests {
    @Test func theCredentialScopeNamesKeyRegionAndService() throws {
        let authorization = try #require(
            SigV4.parse(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/eu-west-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
            ))
        #expect(authorization.accessKey == "AKIDEXAMPLE")
        #expect(authorization.region == "eu-west-1")
        #expect(authorization.service == "states")
        #expect(authorization.signedHeaders == ["host", "x-amz-date"])
        #expect(SigV4.parse("Basic dXNlcjpwYXNz") == nil)
        #expect(SigV4.parse("AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=x") == nil)
    }

    /// The vector is botocore's own: `SigV4Auth(Credentials(key, secret), "states", "us-east-1").add_auth(request)`.
    @Test func requestsAreSignedAsBotocoreSignsThem() {
        let authorization = SigV4.sign(
            accessKey: "AKIDEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1",
            service: "states", method: "POST", path: "/", query: "",
            headers: [
                "content-type": "application/x-amz-json-1.0", "host": "localhost:4566",
                "x-amz-date": "20261205T072531Z", "x-amz-target": "AWSStepFunctions.ListStateMachines",
            ], body: Array(#"{"maxResults":1000}"#.utf8))
        #expect(
            authorization.header
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261205/us-east-1/states/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=028c4452203b0e769d4b6f853c8acb91ea5c3643a351f00eb21125b072466e7b"
        )
        #expect(SigV4.amzDate(Date(timeIntervalSince1970: 1_796_455_531)) == "20261205T072531Z")
    }

    @Test func pathsAreEncodedTwiceAndQueriesSorted() {
        #expect(
            SigV4.canonicalURI("/2015-03-31/functions/arn%3Aaws%3Alambda/invocations")
                == "/2015-03-31/functions/arn%253Aaws%253Alambda/invocations")
        #expect(SigV4.canonicalQuery("b=2&a=1&Qualifier=%24LATEST") == "Qualifier=%24LATEST&a=1&b=2")
    }

    @Test func accountsFollowLocalStacksRule() {
        let gateway = Gateway(
            directory: ServiceDirectory.empty(), configuration: .init(), logger: .init(label: "t"))
        func scope(_ key: String) -> Scope {
            gateway.scope(
                of: SigV4.Authorization(
                    accessKey: key, date: "d", region: "eu-west-1", service: "sqs", signedHeaders: [], signature: ""))
        }
        #expect(scope("test") == Scope(region: "eu-west-1", account: "000000000000"))
        #expect(scope("111122223333") == Scope(region: "eu-west-1", account: "111122223333"))
        #expect(gateway.scope(of: nil) == Scope(region: "us-east-1", account: "000000000000"))
    }
}

@Suite struct ServiceDirectoryTests {
    @Test func everyKindOfStepFunctionsArnNamesItsStateMachine() {
        #expect(ServiceDirectory.stateMachineName(inArn: "arn:aws:states:us-east-1:1:stateMachine:M") == "M")
        #expect(ServiceDirectory.stateMachineName(inArn: "arn:aws:states:us-east-1:1:stateMachine:M:3") == "M")
        #expect(ServiceDirectory.stateMachineName(inArn: "arn:aws:states:us-east-1:1:execution:M:e") == "M")
        #expect(ServiceDirectory.stateMachineName(inArn: "arn:aws:states:us-east-1:1:express:M:e:u") == "M")
        #expect(ServiceDirectory.stateMachineName(inArn: "arn:aws:states:us-east-1:1:mapRun:M/label:i") == "M")
        #expect(ServiceDirectory.stateMachineName(inArn: "arn:aws:sqs:us-east-1:1:q") == nil)
    }

    @Test func pagesFollowTheLastKeyAndRefuseForeignTokens() throws {
        let items = ["a", "b", "c", "d", "e"]
        let first = try PageToken.page(items, after: nil, limit: 2, key: { $0 })
        #expect(first.items == ["a", "b"])
        let second = try PageToken.page(items, after: first.nextToken, limit: 2, key: { $0 })
        #expect(second.items == ["c", "d"])
        let last = try PageToken.page(items, after: second.nextToken, limit: 2, key: { $0 })
        #expect(last.items == ["e"] && last.nextToken == nil)
        #expect(throws: AWSError.self) { _ = try PageToken.page(items, after: "%%%", limit: 2, key: { $0 }) }
    }
}
