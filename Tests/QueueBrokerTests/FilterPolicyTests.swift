import Testing
import Wire

@testable import QueueBroker

/// SNS filter policies, with the examples of AWS's documentation (research/aws-protocols.md §11).
@Suite struct FilterPolicyTests {
    func string(_ value: String) -> SNSMessageAttribute { SNSMessageAttribute(DataType: "String", StringValue: value) }
    func number(_ value: String) -> SNSMessageAttribute { SNSMessageAttribute(DataType: "Number", StringValue: value) }
    func array(_ json: String) -> SNSMessageAttribute {
        SNSMessageAttribute(DataType: "String.Array", StringValue: json)
    }

    var documented: [String: SNSMessageAttribute] {
        [
            "store": string("example_corp"), "event": string("order_placed"),
            "customer_interests": array(#"["soccer","rugby","hockey"]"#), "price_usd": number("210.75"),
        ]
    }

    func accepts(_ policy: String, _ attributes: [String: SNSMessageAttribute]) throws -> Bool {
        try FilterPolicy(policy).accepts(attributes: attributes, message: "m")
    }

    @Test func theDocumentedExampleAcceptsAndAnExtraKeyRejects() throws {
        let policy =
            #"{"store":["example_corp"],"event":[{"anything-but":"order_cancelled"}],"customer_interests":["rugby","football","baseball"],"price_usd":[{"numeric":[">=",100]}]}"#
        #expect(try accepts(policy, documented))
        let stricter = #"{"store":["example_corp"],"encrypted":[false]}"#
        #expect(try !accepts(stricter, documented))
    }

    @Test func stringOperators() throws {
        #expect(try accepts(#"{"k":[{"prefix":"bas"}]}"#, ["k": string("basketball")]))
        #expect(try !accepts(#"{"k":[{"prefix":"bas"}]}"#, ["k": string("rugby")]))
        #expect(try accepts(#"{"k":[{"suffix":".png"}]}"#, ["k": string("photo.png")]))
        #expect(try accepts(#"{"k":[{"equals-ignore-case":"RUGBY"}]}"#, ["k": string("Rugby")]))
        #expect(try !accepts(#"{"k":[{"anything-but":["rugby","tennis"]}]}"#, ["k": string("rugby")]))
        #expect(try accepts(#"{"k":[{"anything-but":["rugby","tennis"]}]}"#, ["k": array(#"["rugby","baseball"]"#)]))
        #expect(try !accepts(#"{"k":[{"anything-but":{"prefix":"order-"}}]}"#, ["k": string("order-cancelled")]))
        #expect(try accepts(#"{"k":[{"anything-but":{"prefix":"order-"}}]}"#, ["k": string("order_number")]))
        #expect(try accepts(#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#, ["ip": string("10.0.0.255")]))
        #expect(try !accepts(#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#, ["ip": string("10.1.1.0")]))
        #expect(try !accepts(#"{"k":["Rugby"]}"#, ["k": string("rugby")]), "matching is case-sensitive")
    }

    @Test func numbersExistenceAndAlternatives() throws {
        #expect(try accepts(#"{"p":[{"numeric":[">",0,"<=",150]}]}"#, ["p": number("100")]))
        #expect(try !accepts(#"{"p":[{"numeric":[">",0,"<=",150]}]}"#, ["p": number("151")]))
        #expect(try accepts(#"{"p":[{"numeric":["=",301.5]}]}"#, ["p": number("3.015e2")]))
        #expect(try accepts(#"{"p":[100]}"#, ["p": number("100.0")]))
        #expect(try accepts(#"{"store":[{"exists":true}]}"#, ["store": string("x")]))
        #expect(try accepts(#"{"store":[{"exists":false}]}"#, [:]))
        #expect(try !accepts(#"{"store":[{"exists":false}]}"#, ["store": string("x")]))
        let or = #"{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}"#
        #expect(try accepts(or, ["source": string("aws.cloudwatch"), "namespace": string("AWS/EC2")]))
        #expect(try !accepts(or, ["source": string("aws.cloudwatch"), "namespace": string("AWS/S3")]))
        #expect(try !accepts(or, ["namespace": string("AWS/EC2")]))
    }

    @Test func bodyScopeMatchesNestedKeysOfJSONMessages() throws {
        let policy = try FilterPolicy(
            #"{"customer":{"address":{"city":["Seattle"]}},"status":[200]}"#, scope: .messageBody)
        #expect(policy.accepts(attributes: nil, message: #"{"customer":{"address":{"city":"Seattle"}},"status":200}"#))
        #expect(
            !policy.accepts(attributes: nil, message: #"{"customer":{"address":{"city":"Portland"}},"status":200}"#))
        #expect(!policy.accepts(attributes: nil, message: "not json"))
    }

    @Test func badPoliciesAreInvalidParameter() {
        for bad in [
            #"["x"]"#, #"{"k":"x"}"#, #"{"k":[{"numeric":["~",1]}]}"#, #"{"k":[{"wat":1}]}"#, #"{"a":{"b":["c"]}}"#,
        ] {
            #expect(throws: AWSError.self, "\(bad)") { _ = try FilterPolicy(bad) }
        }
    }
}
