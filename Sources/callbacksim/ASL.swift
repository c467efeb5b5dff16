import ArgumentParser
import Foundation
import JSON
import StatesLanguage
import StepFunctionsLocal
import Wire

struct ASLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asl", abstract: "Validate and run state machine definitions in-process, without a topology.",
        subcommands: [ValidateDefinition.self, RunDefinition.self])
}

/// A file's contents, or the argument itself when no such file exists (`--input '{"a": 1}'`).
func fileOrLiteral(_ value: String) throws -> String {
    if FileManager.default.fileExists(atPath: value) { return try String(contentsOfFile: value, encoding: .utf8) }
    return value
}

struct ValidateDefinition: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a definition as ValidateStateMachineDefinition does; exit 1 when it has errors.",
        discussion: "Warnings (such as Credentials, which callbacksim ignores) are listed with result OK.")
    @Argument(help: "The definition (ASL JSON).") var file: String
    @Option(help: "STANDARD or EXPRESS (EXPRESS refuses .sync and .waitForTaskToken tasks).") var type = "STANDARD"

    func run() async throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let (_, errors, warnings) = StateMachineDefinition.validate(text, type: type)
        let output = ValidateStateMachineDefinitionOutput(
            result: errors.isEmpty ? "OK" : "FAIL",
            diagnostics: (errors + warnings).map {
                ValidationDiagnostic(
                    severity: $0.severity, code: $0.code, message: $0.message, location: "/" + $0.location)
            }, truncated: false)
        Output.printJSON(WireCoding.encode(output))
        if !errors.isEmpty { throw ExitCode(1) }
    }
}

struct RunDefinition: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one execution in-process and print {status, output, error, cause, events}.",
        discussion: """
            Exit status: 0 when the execution succeeded, 1 when it failed, timed out or was aborted, 2 when the \
            definition or the mock config is invalid. Unmocked SQS SendMessage and SNS Publish calls are accepted \
            locally; a .waitForTaskToken task without a mocked response waits for its TimeoutSeconds.
            """)
    @Option(help: "The definition (ASL JSON).") var definition: String
    @Option(help: "The execution input: a file, or JSON text.") var input = "{}"
    @Option(help: "A MockConfigFile of Step Functions Local.") var mockConfig: String?
    @Option(help: "The test case of the mock config to run.") var testCase: String?
    @Option(help: "The mock config's state machine name (default: the one that has the test case).")
    var stateMachine: String?
    @Option(help: "virtual: timers take no real time; real: they take the time they say.")
    var clock: String = "virtual"
    @Option(help: "Seed for task tokens, jitter and States.MathRandom.") var seed: UInt64 = 1

    func run() async throws {
        let parsed: StateMachineDefinition
        do {
            parsed = try StateMachineDefinition.parse(try String(contentsOfFile: definition, encoding: .utf8))
        } catch let error as InvalidDefinition {
            Output.printJSON(["error": "InvalidDefinition", "message": .string(error.description)])
            throw ExitCode(2)
        }
        guard let clockMode = LocalRunner.ClockMode(rawValue: clock) else {
            throw ValidationError("--clock is virtual or real")
        }
        let inputText = try fileOrLiteral(input)
        guard (try? JSONValue.parse(inputText)) != nil else {
            Output.printJSON(["error": "InvalidExecutionInput", "message": "Invalid State Machine Execution Input"])
            throw ExitCode(2)
        }
        var responder = Responders.localServices
        if let mockConfig {
            guard let testCase else { throw ValidationError("--mock-config needs --test-case") }
            do {
                let config = try MockConfig(
                    json: try JSONValue.parse(try String(contentsOfFile: mockConfig, encoding: .utf8)))
                responder = Responders.mocked(try config.testCase(testCase, stateMachine: stateMachine))
            } catch {
                Output.printJSON(["error": "InvalidMockConfig", "message": .string("\(error)")])
                throw ExitCode(2)
            }
        }
        let runner = LocalRunner(
            definition: parsed, stateMachineName: stateMachine ?? "LocalStateMachine", clock: clockMode, seed: seed,
            responder: responder)
        let result = await runner.run(input: inputText)
        Output.printJSON(result.json)
        if result.status != .succeeded { throw ExitCode(1) }
    }
}
