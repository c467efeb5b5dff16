import Foundation
import JSON
import StatesLanguage
import Template
import Testing

@Suite struct SAMTemplateTests {
    let template = try! SAMTemplate.seed()

    @Test func queuesKeepTheUpstreamRedrivePolicy() throws {
        #expect(template.queues.map(\.name).sorted() == ["workflow_requestorDLQ", "workflow_requestorQueue"])
        let requestor = try #require(template.queues.first { $0.name == "workflow_requestorQueue" })
        #expect(requestor.deadLetterQueueName == "workflow_requestorDLQ")
        let policy = try JSONValue.parse(try #require(requestor.attributes["RedrivePolicy"]))
        #expect(
            policy == [
                "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:workflow_requestorDLQ", "maxReceiveCount": 1,
            ])
    }

    @Test func functionsCarryTheirEventSourcesAndEnvironment() throws {
        let consumer = try #require(template.functions.first { $0.name == "WorkflowRequestorQueueConsumer" })
        #expect(consumer.sqsSources.map(\.queue) == ["workflow_requestorQueue"])
        #expect(consumer.sqsSources.map(\.batchSize) == [10])
        #expect(
            consumer.environment["STATE_MACHINE_ARN"]
                == "arn:aws:states:us-east-1:000000000000:stateMachine:WorkflowExternalAsyncAPISimulator")
        let logger = try #require(template.functions.first { $0.name == "WorkflowResponseLogger" })
        #expect(logger.snsTopics == ["WorkflowAsyncAPIResponseTopic"])
        #expect(template.topics.map(\.name) == ["workflow_AsyncAPIResponseTopic"])
    }

    @Test func functionSettingsComeFromTheirPropertiesThenFromGlobals() throws {
        let callback = try #require(template.functions.first { $0.name == "WorkflowCallbackSimulator" })
        #expect(callback.configuration.runtime == "nodejs20.x")
        #expect(callback.configuration.handler == "index.handler")
        #expect(callback.configuration.timeout == 3)
        #expect(callback.configuration.memorySize == 128)
        let text = """
            Globals:
              Function:
                Timeout: 30
                Runtime: python3.12
            Resources:
              F:
                Type: AWS::Serverless::Function
                Properties:
                  FunctionName: f
                  Handler: app.handler
            Outputs:
              FunctionArn:
                Description: the function
                Value: !GetAtt F.Arn
            """
        let parsed = try SAMTemplate.parse(text, folder: "/", region: "eu-west-1", accountId: "111122223333")
        let function = try #require(parsed.functions.first)
        #expect(function.configuration.timeout == 30)
        #expect(function.configuration.runtime == "python3.12")
        #expect(function.configuration.handler == "app.handler")
        #expect(
            parsed.outputs
                == [
                    SAMTemplate.Output(
                        key: "FunctionArn", value: "arn:aws:lambda:eu-west-1:111122223333:function:f",
                        description: "the function")
                ])
    }

    @Test func theSeedsOutputIsTheMainStateMachinesArn() {
        #expect(
            template.outputs.map(\.value) == [
                "arn:aws:states:us-east-1:000000000000:stateMachine:WorkflowAsyncAPICallbackPattern"
            ])
    }

    @Test func definitionsAreTheUpstreamFilesWithTheirSubstitutionsMade() throws {
        let main = try #require(template.stateMachines.first { $0.name == "WorkflowAsyncAPICallbackPattern" })
        #expect(!main.definition.contains("${"))
        let definition = try StateMachineDefinition.parse(main.definition)
        let invoke = try #require(definition.states["Invoke Async API & Wait For CallBack"])
        #expect(invoke.resource?.arn == "arn:aws:states:::sqs:sendMessage.waitForTaskToken")
        #expect(
            invoke.parameters?["QueueUrl"] == "http://localhost:4566/000000000000/workflow_requestorQueue"
        )
        #expect(
            definition.states["SNS Publish - Send Error Notification"]?.parameters?["TopicArn"]
                == "arn:aws:sns:us-east-1:000000000000:workflow_AsyncAPIResponseTopic")
        let simulator = try #require(template.stateMachines.first { $0.name == "WorkflowExternalAsyncAPISimulator" })
        let simulatorDefinition = try StateMachineDefinition.parse(simulator.definition)
        let callback = try #require(simulatorDefinition.states["Callback the System"])
        #expect(callback.resource?.arn == "arn:aws:states:::lambda:invoke")
        #expect(callback.parameters?["FunctionName"] == "WorkflowCallbackSimulator")
        #expect(callback.retry.first?.maxAttempts == 6)
        // The upstream state name with its double space survives byte for byte.
        #expect(simulatorDefinition.startAt == "Wait -  Simulate External Processing Time")
    }

    @Test func longFormIntrinsicsResolveLikeShortForm() throws {
        let yaml = """
            Resources:
              Dead: {Type: AWS::SQS::Queue, Properties: {QueueName: d}}
              Work:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: w
                  VisibilityTimeout: 45
                  RedrivePolicy: {deadLetterTargetArn: {"Fn::GetAtt": [Dead, Arn]}, maxReceiveCount: 3}
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Environment: {Variables: {URL: {Ref: Work}, ARN: {"Fn::Sub": "arn:${AWS::Partition}:x:${AWS::Region}"}}}
            """
        let parsed = try SAMTemplate.parse(yaml, folder: "/")
        let work = try #require(parsed.queues.first { $0.name == "w" })
        #expect(work.attributes["VisibilityTimeout"] == "45")
        #expect(try JSONValue.parse(work.attributes["RedrivePolicy"]!)["maxReceiveCount"] == 3)
        #expect(
            parsed.functions.first?.environment == [
                "URL": "http://localhost:4566/000000000000/w", "ARN": "arn:aws:x:us-east-1",
            ])
    }

    @Test func aReferenceToNothingIsAnError() {
        #expect(throws: SAMTemplate.LoadError.self) {
            _ = try SAMTemplate.parse(
                "Resources:\n  F: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {X: !Ref Nope}}}}",
                folder: "/")
        }
    }
}
