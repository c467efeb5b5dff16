import NotificationLogger
import Testing
import Wire

@Suite struct LogFilterPatternTests {
    let success = #"{"statusCode":200,"body":"API Executed Successfully","latency":12.5,"tags":["a","b"],"gone":null}"#
    let failure = #"{"statusCode":500,"body":"API Failed","latency":3}"#

    func matches(_ pattern: String, _ message: String) throws -> Bool {
        try LogFilterPattern(pattern).matches(message)
    }

    @Test func termsPhrasesAlternativesAndExclusions() throws {
        #expect(try matches("", failure))
        #expect(try matches("API Failed", failure))
        #expect(try matches(#""API Failed""#, failure))
        #expect(try !matches(#""API Failed""#, success))
        #expect(try matches("?Failed ?Successfully", success))
        #expect(try matches("API -Failed", success))
        #expect(try !matches("API -Failed", failure))
        #expect(try !matches("api", failure), "matching is case-sensitive")
    }

    @Test func jsonComparisonsWildcardsAndLogic() throws {
        #expect(try matches("{ $.statusCode = 200 }", success))
        #expect(try !matches("{ $.statusCode = 200 }", failure))
        #expect(try matches("{ $.statusCode != 200 }", failure))
        #expect(try matches("{ $.latency > 10 && $.body = \"API Exec*\" }", success))
        #expect(try matches("{ ($.latency < 1 || $.statusCode >= 500) && $.body = *Failed }", failure))
        #expect(try matches("{ $.tags[1] = \"b\" }", success))
        #expect(try matches("{ $.gone IS NULL }", success))
        #expect(try matches("{ $.missing NOT EXISTS }", success))
        #expect(try !matches("{ $.statusCode = 200 }", "not json at all"))
    }

    @Test func patternsThatDoNotParseAreInvalidParameterException() {
        for bad in ["{ $.statusCode = }", "{ statusCode = 1 }", "\"open", "[ip, user]", "{ $.a = 1"] {
            #expect(throws: AWSError.self, "\(bad)") { _ = try LogFilterPattern(bad) }
            do {
                _ = try LogFilterPattern(bad)
            } catch {
                #expect(error.type == "InvalidParameterException")
            }
        }
    }
}
