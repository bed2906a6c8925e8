import XCTest
@testable import SweepKit

final class JSONTests: XCTestCase {
    func testObjectsKeepKeyOrderAndNumbersKeepTheirKind() throws {
        let value = try JSONParser.parse(#"{"b": 1, "a": 1.0, "c": [true, null, "x\n\u00e9"]}"#)
        XCTAssertEqual(value.object?.keys, ["b", "a", "c"])
        XCTAssertEqual(value.object?["b"], .int(1))
        XCTAssertEqual(value.object?["a"], .double(1.0))
        XCTAssertEqual(value.jsonText, #"{"b":1,"a":1.0,"c":[true,null,"x\né"]}"#)
    }

    func testMalformedInputIsAnErrorWithItsOffsetNeverACrash() {
        for text in ["", "{", "[1,", #"{"a" 1}"#, #""abc"#, "tru", "1 2", #"{"a":1,"a":2}"#, "\u{01}",
                     String(repeating: "[", count: 10_000)] {
            XCTAssertThrowsError(try JSONValue(parsing: text), "input \(text.prefix(20))") { error in
                guard case SweepKitError.invalidJSON(let message) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(message.contains("at byte"), message)
            }
        }
    }

    func testDoublesRoundTripExactly() throws {
        for x in [0.1, 1e-300, 123456.789, -2.5e-7, 0.30000000000000004] {
            XCTAssertEqual(try JSONParser.parse(JSONValue.double(x).jsonText), .double(x))
        }
    }
}
