import JSONValue
import Testing

@Suite struct JSONValueTests {
    @Test func writesCompactTextInKeyOrder() {
        let v: JSONValue = .object([("b", 1), ("a", .array(["x", nil, true, 1.5])), ("c", .uint(UInt64.max))])
        #expect(v.compactText == #"{"b":1,"a":["x",null,true,1.5],"c":18446744073709551615}"#)
    }

    @Test func escapesControlCharactersAndQuotes() {
        #expect(JSONValue.string("a\"b\\c\n\u{01}é").compactText == #""a\"b\\c\n\u0001é""#)
    }

    @Test func roundTripsThroughTheParser() throws {
        let v: JSONValue = .object([
            ("name", "dhcp01.example.com ☃"), ("ts", 1_479_000_000.125), ("n", -3), ("nested", .object([("k", [])])),
        ])
        #expect(try JSONValue.parse(v.compactText) == v)
        #expect(try JSONValue.parse(v.prettyText) == v)
    }

    @Test func rejectsMalformedInputWithAnOffset() {
        for bad in ["{", "[1,]", "{\"a\" 1}", "\"abc", "tru", "1 2", String(repeating: "[", count: 600)] {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(bad) }
        }
        do {
            _ = try JSONValue.parse("[1, x]")
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 4)
        }
    }

    @Test func parsesSurrogatePairs() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
    }
}
