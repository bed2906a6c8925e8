import SweepKit
import SweepKitJobs
import SweepKitPlatform
import XCTest

/// Substitution in every shell quoting context, checked by running the command with bash: the
/// trial must receive the value as it is, and no value may ever run as a command.
final class CommandRenderingTests: XCTestCase {
    static let hostile = [
        "plain", "two words", "it's", "say \"hi\"", "$(touch pwned)", "`touch pwned`", "a;touch pwned", "back\\slash",
        "$HOME", "line\nbreak", "*", "--flag", "", "!bang", "tab\there", "${{inputs.other}}",
    ]

    private func spec(_ command: String, inputs: JSONObject = [:]) throws -> SweepJobSpec {
        try SweepJobSpec(json: [
            "type": "sweep", "trial": ["command": .string(command)], "inputs": .object(inputs),
            "search_space": ["s": ["type": "choice", "values": .array(Self.hostile.map(JSONValue.string))]],
            "objective": ["goal": "maximize", "primary_metric": "m"], "tracking_uri": "none",
        ])
    }

    /// Runs `command` (rendered for s = value) with bash in a scratch folder; returns its arguments.
    private func arguments(_ command: String, _ value: String, inputs: JSONObject = [:]) throws -> [String] {
        try arguments(command, JSONValue.string(value), inputs: inputs)
    }

    private func arguments(_ command: String, _ value: JSONValue, inputs: JSONObject = [:]) throws -> [String] {
        let rendered = try CommandRendering.render(spec: spec(command, inputs: inputs), params: ["s": value])
        let directory = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-render")
        defer { FileSystem.removeTree(directory) }
        let script = "args() { for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }; \(rendered)"
        let result = try TestEnvironment.run(["/bin/bash", "-c", script], in: directory)
        XCTAssertEqual(result.status, 0, "\(rendered): \(result.stderr)")
        XCTAssertFalse(FileSystem.exists("\(directory)/pwned"), "a value ran as a command: \(rendered)")
        return result.stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    func testAValueArrivesIntactInEveryQuotingContext() throws {
        for value in Self.hostile {
            XCTAssertEqual(try arguments("args ${{search_space.s}}", value), [value], "plain word")
            XCTAssertEqual(try arguments("args --opt=${{search_space.s}}", value), ["--opt=" + value], "--opt=value")
            XCTAssertEqual(try arguments("args \"${{search_space.s}}\"", value), [value], "double quotes")
            XCTAssertEqual(try arguments("args \"name: ${{ search_space.s }}!\"", value), ["name: \(value)!"], "inside a double-quoted word")
            XCTAssertEqual(try arguments("args '${{search_space.s}}'", value), [value], "single quotes")
            XCTAssertEqual(try arguments("args 'pre ${{search_space.s}} post'", value), ["pre \(value) post"], "inside a single-quoted word")
            XCTAssertEqual(try arguments("args a;args ${{search_space.s}}", value), ["a", value], "after ;")
        }
    }

    func testAnOptionalSegmentIsDroppedWhenItsInputHasNoValue() throws {
        let rendered = try CommandTemplate.render("args x [--lr ${{inputs.lr}}] [--m ${{ inputs.m }}] [kept]") { placeholder in
            placeholder.key == "m" ? "3 4" : nil
        }
        XCTAssertEqual(rendered, "args x  --m '3 4' [kept]")
    }

    func testAPlaceholderInACommandSubstitutionIsRefusedAtValidation() {
        for command in ["echo $(cat ${{search_space.s}})", "echo `cat ${{search_space.s}}`", "echo \"$(printf %s ${{search_space.s}})\""] {
            XCTAssertThrowsError(try spec(command), command) { error in
                guard case SweepKitError.validation(let field, let message) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(field, "trial.command")
                XCTAssertTrue(message.contains("command substitution"), message)
            }
        }
        XCTAssertNoThrow(try spec("echo $(date) ${{search_space.s}} \"$(date)\" ${{search_space.s}}"), "after the substitution ends")
    }

    /// "Values are written as Python's str would: 0.1, 1e-05, 3, True/False; strings as they are;
    /// dicts and lists as compact JSON" (README), here as the trial's command receives them.
    func testValuesAreWrittenAsPythonsStr() throws {
        let cases: [(JSONValue, String)] = [
            (0.1, "0.1"), (1e-05, "1e-05"), (.int(3), "3"), (.double(3), "3.0"), (-2.5e-07, "-2.5e-07"), (1e16, "1e+16"),
            (true, "True"), (false, "False"), ("two words", "two words"), (["kind": "tree", "depth": 3], #"{"kind":"tree","depth":3}"#),
            ([1, "a"], #"[1,"a"]"#),
        ]
        for (value, text) in cases {
            XCTAssertEqual(CommandTemplate.format(value), text, "\(value.jsonText)")
            XCTAssertEqual(try arguments("args ${{search_space.s}}", value), [text], "\(value.jsonText) on the command line")
        }
        XCTAssertNil(CommandTemplate.format(.null))
    }

    /// `${{inputs.x}}`: a literal input, or a data input's path; `${{outputs.x}}`: outputs/x; a
    /// swept name's value wins over the input's default.
    func testInputsAndOutputsAreSubstituted() throws {
        let spec = try SweepJobSpec(json: [
            "type": "sweep", "trial": ["command": "args ${{inputs.data}} ${{inputs.rate}} ${{inputs.s}} ${{outputs.model}}"],
            "inputs": ["data": ["type": "uri_file", "path": "/data/x.csv"], "rate": 0.5, "s": "default"],
            "search_space": ["s": ["type": "choice", "values": ["swept"]]],
            "objective": ["goal": "maximize", "primary_metric": "m"], "tracking_uri": "none",
        ])
        XCTAssertEqual(try CommandRendering.render(spec: spec, params: ["s": "swept"]), "args /data/x.csv 0.5 swept outputs/model")
    }
}
