import Testing

@testable import Orchestrator

/// An execution ARN is stored split into its family and its tail, which join back to it, whatever the ARN.
@Suite struct ExecutionKeyTests {
    @Test(arguments: [
        (
            "arn:aws:states:us-east-1:000000000000:execution:M:run-1",
            "arn:aws:states:us-east-1:000000000000:execution:M:", "run-1"
        ),
        (
            "arn:aws:states:eu-west-1:111111111111:express:X:quick:2b5a9c61-0f1e-4a8e-9a47-3f1d2c3b4a5e",
            "arn:aws:states:eu-west-1:111111111111:express:X:", "quick:2b5a9c61-0f1e-4a8e-9a47-3f1d2c3b4a5e"
        ),
        (
            "arn:aws:states:us-east-1:000000000000:execution:M:", "arn:aws:states:us-east-1:000000000000:execution:M:",
            ""
        ),
        ("not-an-arn", "", "not-an-arn"),
        ("arn:aws:states:us-east-1:0:execution:M", "", "arn:aws:states:us-east-1:0:execution:M"),
    ])
    func anArnSplitsIntoFamilyAndTailThatJoinBack(arn: String, family: String, tail: String) {
        let key = ExecutionKey(arn: arn)
        #expect(key.family == family && key.tail == tail)
        #expect(key.family + key.tail == arn)
    }

    /// A machine's executions are of the family its ARN and type name: the family of the ARNs StartExecution gives.
    @Test func aMachinesFamilyIsTheOneItsExecutionsHave() {
        let machine = "arn:aws:states:us-east-1:000000000000:stateMachine:M"
        #expect(
            ExecutionKey.family(ofMachine: machine, type: "STANDARD")
                == ExecutionKey(arn: "arn:aws:states:us-east-1:000000000000:execution:M:e").family)
        #expect(
            ExecutionKey.family(ofMachine: machine, type: "EXPRESS")
                == ExecutionKey(arn: "arn:aws:states:us-east-1:000000000000:express:M:e:suffix").family)
    }
}
