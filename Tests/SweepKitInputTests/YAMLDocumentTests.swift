#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import SweepKit
import SweepKitYAML
import Yams

/// The CLI's sweep-file reader: hostile files are errors naming the limit (issue 11, item 4), and
/// ordinary files read exactly as Yams composes them.
final class YAMLDocumentTests: XCTestCase {
    func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// Runs `body` with environment variables set, restoring them after.
    func withEnvironment<T>(_ variables: [String: String], _ body: () -> T) -> T {
        let saved = variables.keys.map { ($0, getenv($0).map { String(cString: $0) }) }
        for (key, value) in variables { setenv(key, value, 1) }
        defer { for (key, value) in saved { if let value { setenv(key, value, 1) } else { unsetenv(key) } } }
        return body()
    }

    /// 5,000 nested lists in a 10 KB file crashed `sweepkit validate` (SIGSEGV in the recursive
    /// composer). Now the depth is checked as each level opens.
    func testDeepNestingIsAnErrorNamingTheLimit() {
        let text = "type: sweep\nsearch_space:\n  x: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n"
        XCTAssertLessThan(text.utf8.count, 11_000)
        let error = message { try YAMLDocument.load(text, file: "deep.yml") }
        XCTAssertTrue(error.hasPrefix("search_space.x[0][0]"), error)
        XCTAssertTrue(error.contains("nesting at line 3, column 68, over the limit of 64 levels (SWEEPKIT_MAX_INPUT_DEPTH)"), error)
        // Block mappings nest the same way.
        var block = "type: sweep\n"
        for level in 0..<100 { block += String(repeating: " ", count: level) + "k\(level):\n" }
        XCTAssertTrue(message { try YAMLDocument.load(block, file: "block.yml") }.contains("over the limit of 64 levels"))
    }

    /// A 1.2 KB alias bomb expanded to ~10⁹ values (≈ 20 GB). Now each alias counts the values it
    /// repeats, and reading stops at the limit, quickly.
    func testAliasBombStopsAtTheValueLimit() {
        var lines = ["type: sweep", #"a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]"#]
        for i in 1...8 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ",") + "]") }
        lines.append("search_space: *a8")
        let text = lines.joined(separator: "\n") + "\n"
        XCTAssertLessThan(text.utf8.count, 1300)
        let error = message { try YAMLDocument.load(text, file: "bomb.yml") }
        XCTAssertTrue(error.contains("over the limit of 1000000 values (SWEEPKIT_MAX_INPUT_VALUES)"), error)
        XCTAssertTrue(error.contains("aliases count as the values they repeat"), error)
    }

    func testLimitsComeFromTheEnvironment() throws {
        let text = "a: [1, [2, [3]]]\nb: &x [1, 2]\nc: *x\n"
        XCTAssertEqual(try YAMLDocument.load(text, file: "f.yml").jsonText, #"{"a":[1,[2,[3]]],"b":[1,2],"c":[1,2]}"#)
        withEnvironment(["SWEEPKIT_MAX_INPUT_DEPTH": "3"]) {
            XCTAssertEqual(message { try YAMLDocument.load(text, file: "f.yml") },
                           "a[1][1]: nesting at line 1, column 12, over the limit of 3 levels (SWEEPKIT_MAX_INPUT_DEPTH)")
        }
        // 1 mapping + 3 keys + 6 (a) + 3 (b) + 3 (the alias repeats the list and its two values) = 16.
        withEnvironment(["SWEEPKIT_MAX_INPUT_VALUES": "15"]) {
            XCTAssertTrue(message { try YAMLDocument.load(text, file: "f.yml") }.hasPrefix("c: more than 15 values by line 3"))
        }
        withEnvironment(["SWEEPKIT_MAX_INPUT_VALUES": "16"]) { XCTAssertEqual(message { try YAMLDocument.load(text, file: "f.yml") }, "no error") }
        withEnvironment(["SWEEPKIT_MAX_INPUT_BYTES": "10"]) {
            XCTAssertEqual(message { try YAMLDocument.load(text, file: "f.yml") },
                           "f.yml: 36 bytes, over the limit of 10 bytes (SWEEPKIT_MAX_INPUT_BYTES)")
        }
        withEnvironment(["SWEEPKIT_MAX_INPUT_DEPTH": "0"]) {
            XCTAssertEqual(message { try YAMLDocument.load(text, file: "f.yml") },
                           "SWEEPKIT_MAX_INPUT_DEPTH: expected a whole number from 1 to 512, got '0'")
        }
    }

    /// The file is read only up to the size limit: /dev/zero does not fill the memory.
    func testReadingStopsAtTheSizeLimit() throws {
        withEnvironment(["SWEEPKIT_MAX_INPUT_BYTES": "1000"]) {
            XCTAssertEqual(message { try YAMLDocument.read(path: "/dev/zero") },
                           "/dev/zero: more than 1000 bytes, over the limit of 1000 bytes (SWEEPKIT_MAX_INPUT_BYTES)")
        }
        XCTAssertEqual(message { try YAMLDocument.read(path: "/nonexistent/sweep.yml") }, "--file: cannot read /nonexistent/sweep.yml")
    }

    func testMalformedDocumentsAreErrors() {
        XCTAssertEqual(message { try YAMLDocument.load("", file: "e.yml") }, "e.yml is empty")
        XCTAssertEqual(message { try YAMLDocument.load("# nothing\n", file: "e.yml") }, "e.yml is empty")
        XCTAssertTrue(message { try YAMLDocument.load("a: [1, 2\n", file: "e.yml") }.hasPrefix("e.yml is not valid YAML: "))
        XCTAssertEqual(message { try YAMLDocument.load("a: 1\n---\nb: 2\n", file: "e.yml") },
                       "e.yml holds more than one YAML document (a second one starts at line 2)")
        XCTAssertEqual(message { try YAMLDocument.load("x:\n  a: 1\n  a: 2\n", file: "e.yml") }, "x.a: the key is defined twice (line 3)")
        XCTAssertEqual(message { try YAMLDocument.load("? [1]\n: 2\n", file: "e.yml") }, "e.yml: mapping keys must be strings (line 1, column 3)")
        XCTAssertTrue(message { try YAMLDocument.load("a: *nowhere\n", file: "e.yml") }.contains("refers to no anchor"))
        XCTAssertTrue(message { try YAMLDocument.load("a: &r [*r]\n", file: "e.yml") }.contains("refers to no anchor"))
    }

    /// What Yams.compose made of a document, as the CLI read it before (the reference).
    func composed(_ text: String) throws -> JSONValue {
        func json(_ node: Node) -> JSONValue {
            switch node {
            case .scalar:
                switch node.tag.description {
                case Tag.Name.null.rawValue: return .null
                case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(node.string ?? "")
                case Tag.Name.int.rawValue: return node.int.map(JSONValue.int) ?? .string(node.string ?? "")
                case Tag.Name.float.rawValue: return node.float.map(JSONValue.double) ?? .string(node.string ?? "")
                default: return .string(node.string ?? "")
                }
            case .sequence(let sequence): return .array(sequence.map(json))
            case .mapping(let mapping):
                var object = JSONObject()
                for (key, value) in mapping { object[key.string ?? ""] = json(value) }
                return .object(object)
            }
        }
        return json(try XCTUnwrap(Yams.compose(yaml: text)))
    }

    func testOrdinaryDocumentsReadAsYamsComposesThem() throws {
        let documents = [
            """
            $schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json
            type: sweep
            trial:
              command: >-
                python train.py --lr ${{search_space.lr}}
                --opt "${{search_space.opt}}"
              code: ./src
            search_space:
              lr: {type: loguniform, min_value: -6, max_value: -1}
              opt: {type: choice, values: [adam, "sgd", 'rms', 1, 1.5, 1e-5, .5, 0x1F, 0o17, true, yes, off, ~, null, "1", !!str 2]}
              nested:
                type: choice
                values:
                  - {kernel: linear}
                  - kernel: rbf
                    gamma: {type: uniform, min_value: 0, max_value: 1}
            defaults: &defaults {a: 1, b: [x, y]}
            again: *defaults
            text: |
              two
              lines
            empty:
            nan: .nan
            inf: -.inf
            date: 2024-01-02
            """,
            "[1, 2, {a: b}]\n",
            "plain scalar\n",
            "---\n",
            "a: &s anchored\nb: *s\n*s : key from an alias\n",
        ]
        for text in documents {
            XCTAssertEqual(try YAMLDocument.load(text, file: "f.yml").jsonText, try composed(text).jsonText, text)
        }
        for file in ["examples/sweep.yml"] {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(try YAMLDocument.load(text, file: file).jsonText, try composed(text).jsonText, file)
        }
    }
}
