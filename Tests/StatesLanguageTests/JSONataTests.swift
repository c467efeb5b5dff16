import JSON
import StatesLanguage
import Testing

/// The JSONata evaluator against results of the reference implementation (jsonata-js) for the same input.
@Suite struct JSONataTests {
    static let shop: JSONValue = [
        "name": "shop",
        "items": [
            ["name": "pen", "price": 3, "tags": ["office"]],
            ["name": "lamp", "price": 25, "tags": ["home", "office"]],
            ["name": "desk", "price": 120, "tags": ["home"]],
        ],
        "empty": [],
    ]

    @Test(arguments: [
        ("name", #""shop""#),
        ("items.name", #"["pen","lamp","desk"]"#),
        ("items[0].name", #""pen""#),
        ("items[-1].price", "120"),
        ("items[price > 10].name", #"["lamp","desk"]"#),
        ("items[price > 100].name", #""desk""#),
        ("items.tags", #"["office","home","office","home"]"#),
        ("items[1].tags", #"["home","office"]"#),
        ("empty", "[]"),
        ("$count(items)", "3"),
        ("$sum(items.price)", "148"),
        ("$sum(items.price) / 4", "37"),
        ("$average(items.price) > 40 and $max(items.price) = 120", "true"),
        (#"name & "-" & $count(items)"#, #""shop-3""#),
        ("items^(>price)[0].name", #""desk""#),
        ("$map(items, function($i) { $i.price * 2 })", "[6,50,240]"),
        ("$filter(items, function($i) { 'home' in $i.tags }).name", #"["lamp","desk"]"#),
        ("$reduce(items.price, function($a, $b) { $a + $b })", "148"),
        ("($cheap := items[price < 10]; $cheap.name)", #""pen""#),
        (#"{"total": $sum(items.price), "names": items.name}"#, #"{"total":148,"names":["pen","lamp","desk"]}"#),
        ("[1..4]", "[1,2,3,4]"),
        ("[items.price, 7]", "[3,25,120,7]"),
        ("items.price ~> $max()", "120"),
        (#"$count(items) > 2 ? "many" : "few""#, #""many""#),
        (#"$string({"a": [1, 2.5]})"#, #""{\"a\":[1,2.5]}""#),
        (#"$contains("hello$world", /^hello\$/)"#, "true"),
        (#"$contains("hello$world", /^hello\$$/)"#, "false"),
        (#"$contains("hello$world", /^hello\$world/)"#, "true"),
        (#"$split("a,b,,c", ",")"#, #"["a","b","","c"]"#),
        (#"$join(items.name, "+")"#, #""pen+lamp+desk""#),
        (#"$replace("a-b-c", "-", "_")"#, #""a_b_c""#),
        (#"$uppercase($substring(name, 1, 2))"#, #""HO""#),
        (#"$number("2") + 1"#, "3"),
        ("$round(2.5) + $round(3.5)", "6"),
        ("$keys(items[0])", #"["name","price","tags"]"#),
        (#"$merge([{"a": 1}, {"b": 2}])"#, #"{"a":1,"b":2}"#),
        ("$partition([1, 2, 3], 2)", "[[1,2],[3]]"),
        ("$range(0, 9, 3)", "[0,3,6,9]"),
        ("$range(1, 9, 9)", "1"),
        (#"$parse("[1, true]")"#, "[1,true]"),
        (#"$hash("abc", "MD5")"#, #""900150983cd24fb0d6963f7d28e17f72""#),
        ("$exists(nothing)", "false"),
        (#"$formatNumber(12345.6, '#,###.00')"#, #""12,345.60""#),
        (#"$formatNumber(0.14, '01%')"#, #""14%""#),
        (#"$formatNumber(34.555, '#0.00;(#0.00)')"#, #""34.56""#),
        (#"$formatNumber(-34.555, '#0.00;(#0.00)')"#, #""(34.56)""#),
        ("items{tags[0]: $sum(price)}", #"{"office":3,"home":145}"#),
        ("items{name: price}", #"{"pen":3,"lamp":25,"desk":120}"#),
        ("$type(items)", #""array""#),
    ])
    func evaluatesLikeTheReferenceImplementation(expression: String, expected: String) throws {
        let value = try JSONataExpression(expression).evaluate(input: Self.shop)
        #expect(value == (try JSONValue.parse(expected)), "\(expression) gave \(value?.serialized() ?? "undefined")")
    }

    @Test func nothingIsUndefinedRatherThanNull() throws {
        #expect(try JSONataExpression("nothing.here").evaluate(input: Self.shop) == nil)
        #expect(try JSONataExpression("$undefinedVariable").evaluate(input: Self.shop) == nil)
        #expect(try JSONataExpression("null").evaluate(input: Self.shop) == .null)
    }

    @Test func variablesAndTheRootAreBound() throws {
        let value = try JSONataExpression("$states.input.n + $offset").evaluate(
            input: .null, variables: ["states": ["input": ["n": 2]], "offset": 40])
        #expect(value == 42)
    }

    @Test(arguments: [
        (#""a" + 1"#, "T2001"),
        (#"1 + "a""#, "T2002"),
        ("$unknownFunction()", "T1006"),
        (#"$number("abc")"#, "D3030"),
        (#"$error("stop")"#, "D3137"),
        ("[1, 2] < 3", "T2010"),
    ])
    func errorsCarryTheReferenceCodes(expression: String, code: String) throws {
        let parsed = try JSONataExpression(expression)
        do throws(JSONataError) {
            _ = try parsed.evaluate(input: Self.shop)
            Issue.record("\(expression) evaluated")
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }

    @Test(arguments: ["items[", "(1 + ", #""unterminated"#, "1 +* 2", "{\"a\" 1}"])
    func syntaxErrorsAreRefused(expression: String) {
        #expect(throws: JSONataExpression.SyntaxError.self) { try JSONataExpression(expression) }
    }
}
