import Console
import Foundation
import JSON
import Synchronization
import Testing
import Wire
import ZeroMQ

@testable import Gateway

@Suite struct ConsoleSiteTests {
    func reportsDirectory() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
        for path in ["kill-orchestrator-1", "sweep-partition/seed-7"] {
            let directory = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(#"{"experiment":"x"}"#.utf8).write(to: directory.appendingPathComponent("report.json"))
            try Data("<svg/>".utf8).write(to: directory.appendingPathComponent("timeline.svg"))
        }
        return root
    }

    @Test func theShippedPagesAreServedWithTheirTypesAndNothingFromElsewhere() throws {
        let site = ConsoleSite(reportsDirectory: nil)
        let index = try #require(site.reply(toGet: "/console/"))
        #expect(index.status == 200)
        #expect(index.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(index.headers["Content-Security-Policy"]?.contains("default-src 'self'") == true)
        // Every script and style the page loads is shipped, with the type a browser runs it as.
        let html = String(decoding: index.body, as: UTF8.self)
        let references = html.matches(of: /(?:src|href)="([^"#:]+)"/).map { String($0.output.1) }
        #expect(references.contains("vendor/dagre.min.js"))
        #expect(references.contains("app.js"))
        for reference in references {
            let file = try #require(site.reply(toGet: "/console/" + reference), "\(reference)")
            #expect(file.status == 200, "\(reference)")
            #expect(!file.body.isEmpty, "\(reference)")
        }
        #expect(site.reply(toGet: "/console/app.js")?.headers["Content-Type"] == "text/javascript; charset=utf-8")
        #expect(site.reply(toGet: "/console/console.css")?.headers["Content-Type"] == "text/css; charset=utf-8")
        // The modules the page imports are shipped too.
        let app = String(decoding: try #require(site.reply(toGet: "/console/app.js")).body, as: UTF8.self)
        for module in app.matches(of: /from "\.\/([^"]+)"/).map({ String($0.output.1) }) {
            #expect(site.reply(toGet: "/console/" + module)?.status == 200, "\(module)")
        }
    }

    @Test func unknownPathsAreNotFoundAndTheBarePrefixRedirects() {
        let site = ConsoleSite(reportsDirectory: nil)
        #expect(site.reply(toGet: "/console/nope.js")?.status == 404)
        #expect(site.reply(toGet: "/console")?.status == 301)
        #expect(site.reply(toGet: "/console")?.headers["Location"] == "/console/")
        #expect(site.reply(toGet: "/") == nil)
        #expect(site.reply(toGet: "/_callbacksim/health") == nil)
    }

    @Test func reportsAreListedNewestFirstAndServedFromTheirDirectoryOnly() throws {
        let root = try reportsDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let older = root.appendingPathComponent("kill-orchestrator-1/report.json")
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -3_600)], ofItemAtPath: older.path)
        let site = ConsoleSite(reportsDirectory: root.path)
        let index = try JSONValue.parse(bytes: try #require(site.reply(toGet: "/console/reports/")).body)
        #expect(
            index["reports"]?.arrayValue?.compactMap { $0["path"]?.stringValue }
                == ["sweep-partition/seed-7", "kill-orchestrator-1"])
        let report = try #require(site.reply(toGet: "/console/reports/sweep-partition/seed-7/report.json"))
        #expect(report.status == 200)
        #expect(String(decoding: report.body, as: UTF8.self) == #"{"experiment":"x"}"#)
        #expect(
            site.reply(toGet: "/console/reports/kill-orchestrator-1/timeline.svg")?.headers["Content-Type"]
                == "image/svg+xml")
        // Nothing outside the directory: not by `..`, not encoded, not through a link, not a directory.
        let secret = root.deletingLastPathComponent().appendingPathComponent("secret-\(UUID().uuidString).json")
        try Data("{}".utf8).write(to: secret)
        defer { try? FileManager.default.removeItem(at: secret) }
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("link.json"), withDestinationURL: secret)
        for path in [
            "../\(secret.lastPathComponent)", "%2E%2E/\(secret.lastPathComponent)", "link.json", "kill-orchestrator-1",
            "/etc/passwd",
        ] {
            #expect(site.reply(toGet: "/console/reports/" + path)?.status == 404, "\(path)")
        }
        // Without a directory there are no reports, and no error.
        let none = try JSONValue.parse(
            bytes: try #require(ConsoleSite(reportsDirectory: nil).reply(toGet: "/console/reports/")).body)
        #expect(none["reports"]?.arrayValue?.isEmpty == true)
    }

    @Test func aBrowserAtTheRootIsSentToTheConsoleAndAnSDKIsNot() {
        let gateway = Gateway(directory: ServiceDirectory.empty(), configuration: .init(), logger: .init(label: "t"))
        let browser = gateway.consolePage(path: "/", accept: "text/html,application/xhtml+xml,*/*;q=0.8")
        #expect(browser?.status == 302)
        #expect(browser?.headers.first { $0.0 == "Location" }?.1 == "/console/")
        #expect(gateway.consolePage(path: "/", accept: "*/*") == nil)
        #expect(gateway.consolePage(path: "/", accept: nil) == nil)
    }

    @Test func peekingForwardsToTheBrokerWithoutReceiving() async throws {
        let context = Context()
        let server = try await WireServer.bind(
            context: context, endpoint: "tcp://127.0.0.1:*", logger: .init(label: "t"))
        defer { server.close() }
        let asked = Mutex<[String]>([])
        var router = WireRouter()
        router.on(Control.listMessages) { input, _ in
            asked.withLock { $0.append(input.QueueUrl) }
            return ReceiveMessageOutput(Messages: [
                SQSMessage(
                    MessageId: "m-1", ReceiptHandle: "", MD5OfBody: "", Body: "hello",
                    Attributes: ["ApproximateReceiveCount": "0"], MessageAttributes: nil)
            ])
        }
        let routes = router
        Task { await server.run { request in try await routes.handle(request) } }
        let directory = try await ServiceDirectory.connect(
            context: context,
            endpoints: .init(
                stepFunctions: [], queueBroker: "queue-broker@" + server.endpoint, logs: nil, functions: [:]))
        let gateway = Gateway(directory: directory, configuration: .init(), logger: .init(label: "t"))
        let url = "http://localhost:4566/000000000000/q"
        let reply = try #require(
            await gateway.consoleExtension(
                IncomingRequest(
                    method: "POST", path: "/_callbacksim/sqs/ListMessages", query: "", headers: [:],
                    body: Array(#"{"QueueUrl":"\#(url)"}"#.utf8))))
        #expect(reply.status == 200)
        let body = try JSONValue.parse(bytes: reply.body)
        #expect(body["Messages"]?.arrayValue?.first?["Body"] == "hello")
        #expect(asked.withLock { $0 } == [url])

        let missing = try #require(
            await gateway.consoleExtension(
                IncomingRequest(
                    method: "POST", path: "/_callbacksim/sqs/ListMessages", query: "", headers: [:],
                    body: Array("{}".utf8))))
        #expect(missing.status == 400)
        #expect(try JSONValue.parse(bytes: missing.body)["__type"] == "MissingParameter")
        let notJSON = await gateway.consoleExtension(
            IncomingRequest(
                method: "POST", path: "/_callbacksim/sqs/ListMessages", query: "", headers: [:], body: Array("{".utf8)))
        #expect(notJSON?.status == 400)
        #expect(
            await gateway.consoleExtension(
                IncomingRequest(method: "POST", path: "/", query: "", headers: [:], body: [])) == nil)
    }
}

@Suite struct CrossSiteTests {
    let gateway = Gateway(directory: ServiceDirectory.empty(), configuration: .init(), logger: .init(label: "t"))

    func post(_ headers: [String: String], body: String) async -> OutgoingResponse {
        let request = IncomingRequest(
            method: "POST", path: "/", query: "",
            headers: headers.merging(["host": "127.0.0.1:4566"]) { first, _ in first }, body: Array(body.utf8))
        return await gateway.handle(request, route: gateway.route(request))
    }

    @Test func aPageOfAnotherSiteCannotDriveTheGateway() async {
        // A plain form post, as any web page can send cross-site: refused before it reaches a service.
        let form = await post(
            ["origin": "http://evil.example", "content-type": "application/x-www-form-urlencoded"],
            body: "Action=Publish&Version=2010-03-31&TopicArn=arn:aws:sns:us-east-1:000000000000:t&Message=x")
        #expect(form.status == 403)
        #expect(String(decoding: form.body, as: UTF8.self).contains("<Code>AccessDenied</Code>"))
        let json = await post(
            ["origin": "http://localhost:3000", "x-amz-target": "AWSStepFunctions.ListStateMachines"], body: "{}")
        #expect(json.status == 403)
        #expect(json.headers.first { $0.0 == "x-amzn-ErrorType" }?.1 == "AccessDeniedException")
    }

    @Test func theConsoleAndSDKsAreNotRefused() async {
        // The console (same origin) and an SDK (no Origin) reach the routing; with no process behind this gateway
        // that ends in ServiceUnavailable, not AccessDenied.
        for headers in [["origin": "http://127.0.0.1:4566"], [:]] {
            let reply = await post(
                headers.merging(["x-amz-target": "AWSStepFunctions.ListStateMachines"]) { first, _ in first },
                body: "{}")
            #expect(reply.status == 503, "\(headers)")
        }
        #expect(Gateway.isSameOrigin("HTTP://LOCALHOST:4566", host: "localhost:4566"))
        #expect(!Gateway.isSameOrigin("null", host: "localhost:4566"))
        #expect(!Gateway.isSameOrigin("http://localhost:4566", host: nil))
    }
}
