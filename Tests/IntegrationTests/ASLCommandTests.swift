import Foundation
import JSON
import Testing
import Topology

/// `callbacksim asl …` as a user runs it: the real executable, its output and its exit status.
@Suite struct ASLCommandTests {
    func callbacksim(_ arguments: [String]) throws -> (status: Int32, output: JSONValue?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Launcher.ownDirectory() + "/callbacksim")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, try? JSONValue.parse(bytes: Array(data)))
    }

    func file(_ text: String) throws -> String {
        let path = "/tmp/cbs-asl-\(UUID().uuidString.prefix(8)).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func runPrintsTheExecutionAndExitsByItsStatus() throws {
        let definition = try file(
            #"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"Next":"F"},"F":{"Type":"Fail","Error":"Boom"}}}"#
        )
        let (status, output) = try callbacksim(["asl", "run", "--definition", definition, "--input", #"{"a":1}"#])
        #expect(status == 1)
        #expect(output?["status"] == "FAILED")
        #expect(output?["error"] == "Boom")
        #expect(
            output?["events"]?.arrayValue?.compactMap { $0["type"]?.stringValue } == [
                "ExecutionStarted", "WaitStateEntered", "WaitStateExited", "FailStateEntered", "ExecutionFailed",
            ])
    }

    @Test func badDefinitionsAndInputsGetAnAWSErrorAndExitStatus2() throws {
        let broken = try file(#"{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Nowhere"}}}"#)
        let (validated, diagnostics) = try callbacksim(["asl", "validate", broken])
        #expect(validated == 1)
        #expect(diagnostics?["result"] == "FAIL")
        #expect(diagnostics?["diagnostics"]?.arrayValue?.first?["location"] == "/States/X/Next")

        let (ran, refusal) = try callbacksim(["asl", "run", "--definition", broken])
        #expect(ran == 2)
        #expect(refusal?["error"] == "InvalidDefinition")

        let fine = try file(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        let (badInput, inputRefusal) = try callbacksim(["asl", "run", "--definition", fine, "--input", "{nope"])
        #expect(badInput == 2)
        #expect(inputRefusal?["error"] == "InvalidExecutionInput")
    }
}
