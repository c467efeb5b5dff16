import JSON
import StatesLanguage
import Testing

@Suite struct JSONPathTests {
    static let store: JSONValue = [
        "books": [
            ["title": "A", "price": 8, "isbn": "1"],
            ["title": "B", "price": 12],
            ["title": "C", "price": 30, "isbn": "3", "tags": ["rare"]],
        ],
        "limit": 10,
        #"it\"s"#: "backslash kept",
        "it's": "quote escaped",
    ]

    @Test(arguments: [
        ("$.books[?(@.price < 10)].title", #"["A"]"#),
        ("$.books[?(@.price >= 12 && @.isbn)].title", #"["C"]"#),
        ("$.books[?(@.price < 10 || @.title == 'C')].title", #"["A","C"]"#),
        ("$.books[?(!@.isbn)].title", #"["B"]"#),
        ("$.books[?(@.price > $.limit)].title", #"["B","C"]"#),
        (#"$.books[?(@.title != "B")].price"#, "[8,30]"),
        ("$.books[?(@.tags[0] == 'rare')].title", #"["C"]"#),
        (#"$['it\"s']"#, #""backslash kept""#),
        (#"$['it\'s']"#, #""quote escaped""#),
    ])
    func filtersAndQuotedKeysSelectLikeAWS(path: String, expected: String) throws {
        #expect(try JSONPath(path).evaluate(Self.store) == (try JSONValue.parse(expected)))
    }

    @Test func aFilterIsNotAReferencePath() throws {
        #expect(try !JSONPath("$.books[?(@.price < 10)]").isDefinite)
    }

    @Test func failStatesTakeErrorAndCauseFromIntrinsics() throws {
        let (step, _, _) = try run(
            #"{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"States.Format('E{}', $.code)","CausePath":"States.Format('{} failed', $.what)"}}}"#,
            input: #"{"code": 42, "what": "upload"}"#)
        #expect(step.state.error == "E42")
        #expect(step.state.cause == "upload failed")
    }
}
