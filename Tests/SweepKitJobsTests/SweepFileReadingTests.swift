import SweepKit
import SweepKitJobs
import SweepKitPlatform
import XCTest

/// How a sweep YAML document (already parsed) becomes what a job takes: Azure's `--set` /
/// `params_override`, the single-brace placeholders the Azure ML SDK upgrades, SweepKit's
/// extension properties, paths relative to the file, and what only the Azure ML service can resolve.
final class SweepFileReadingTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-file")
        try FileSystem.createDirectory("\(folder)/jobs/src")
        try FileSystem.writeAtomically("\(folder)/jobs/src/train.py", "print(1)\n")
        try FileSystem.createDirectory("\(folder)/data")
    }

    override func tearDown() { FileSystem.removeTree(folder) }

    func document(_ extra: JSONObject = [:], command: String = "python train.py --lr ${{search_space.lr}}") -> JSONValue {
        var object: JSONObject = [
            "type": "sweep",
            "trial": ["command": .string(command), "code": "src", "environment": "azureml:AzureML-sklearn-1.0@latest"],
            "search_space": ["lr": ["type": "uniform", "min_value": 0.1, "max_value": 1]],
            "objective": ["goal": "maximize", "primary_metric": "acc"],
            "limits": ["max_total_trials": 4],
        ]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    var path: String { "\(folder)/jobs/sweep.yml" }

    func read(_ document: JSONValue, _ overrides: [(path: String, value: JSONValue)] = []) throws -> SweepFileReading {
        try SweepJobSpec.readingSweepFile(document, path: path, overrides: overrides)
    }

    func field(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as SweepKitError {
            if case .validation(let field, _) = error { return field }
        } catch {}
        return nil
    }

    // MARK: placeholders

    func testSingleBracePlaceholdersAreUpgradedAsTheAzureSDKDoes() {
        let upgrade = CommandTemplate.upgradingSingleBracePlaceholders
        XCTAssertEqual(upgrade("python t.py --lr {search_space.lr} --n {inputs.n} --out {outputs.model}"),
                       "python t.py --lr ${{search_space.lr}} --n ${{inputs.n}} --out ${{outputs.model}}")
        XCTAssertEqual(upgrade("a {search_space.x} b ${{ inputs.y }} c"), "a ${{search_space.x}} b ${{ inputs.y }} c",
                       "the double-brace form stays exactly as written")
        XCTAssertNil(upgrade("python t.py ${{search_space.lr}} ${{inputs.n}}"))
        XCTAssertNil(upgrade("echo {{inputs.x}} {inputs.x}} {other.x} {search_space} json='{\"a\": 1}'"),
                     "not preceded by {, not followed by }, one of the three namespaces")
        XCTAssertEqual(upgrade("{inputs.a}{inputs.b}"), "${{inputs.a}}${{inputs.b}}")
    }

    func testAFileWithSingleBracesIsUpgradedWithAzuresWarning() throws {
        let read = try read(document(command: "python train.py --lr {search_space.lr}"))
        XCTAssertEqual(read.document["trial"]?.object?["command"], "python train.py --lr ${{search_space.lr}}")
        XCTAssertEqual(read.warnings, ["trial.command: Use of {} for parameters is deprecated, instead use ${{}}."])
        XCTAssertEqual(try self.read(document()).warnings, [])
    }

    // MARK: overrides

    func testOverridesSetDottedPathsBeforePathsAreResolved() throws {
        let read = try read(document(), [
            ("limits.max_total_trials", 10), ("search_space.lr", ["type": "choice", "values": [1, 2]]),
            ("trial.code", "src/train.py"), ("inputs.n", 3), ("tags.team.name", "x"),
        ])
        XCTAssertEqual(read.document["limits"]?.object?["max_total_trials"], 10)
        XCTAssertEqual(read.document["search_space"]?.object?["lr"], ["type": "choice", "values": [1, 2]])
        XCTAssertEqual(read.document["trial"]?.object?["code"], .string("\(folder)/jobs/src/train.py"), "relative to the file")
        XCTAssertEqual(read.document["inputs"], ["n": 3])
        XCTAssertEqual(read.document["tags"], ["team": ["name": "x"]])
        XCTAssertEqual(field { _ = try self.read(self.document(), [("trial.code.x", 1)]) }, "trial.code.x",
                       "a path through a reference string is refused, as by the Azure CLI")
        XCTAssertEqual(field { _ = try self.read(self.document(), [("limits..x", 1)]) }, "limits..x")
        XCTAssertEqual(field { _ = try self.read(self.document(), [("type", "command")]) }, "type")
    }

    // MARK: paths and the service

    func testPathsAreRelativeToTheFile() throws {
        let read = try read(document([
            "inputs": ["data": ["type": "uri_folder", "path": "../data"], "url": ["type": "uri_file", "path": "https://x.org/a.csv"],
                       "n": ["value": 42]],
            "plugins": ["../lib/libx.so"],
        ]))
        let inputs = read.document["inputs"]?.object
        XCTAssertEqual(read.document["trial"]?.object?["code"], .string("\(folder)/jobs/src"))
        XCTAssertEqual(inputs?["data"]?.object?["path"], .string("\(folder)/data"))
        XCTAssertEqual(inputs?["url"]?.object?["path"], "https://x.org/a.csv")
        XCTAssertEqual(inputs?["n"], 42)
        XCTAssertEqual(read.document["plugins"], .array([.string("\(folder)/lib/libx.so")]))
    }

    func testWhatOnlyTheServiceCanResolveIsAnErrorNamingTheField() {
        var codeAsset = document()
        codeAsset = .object({ var o = codeAsset.object!; var t = o["trial"]!.object!; t["code"] = "azureml:my-code:1"; o["trial"] = .object(t); return o }())
        XCTAssertEqual(field { _ = try self.read(codeAsset) }, "trial.code")
        XCTAssertEqual(field { _ = try self.read(self.document(["inputs": ["d": ["type": "uri_folder", "path": "azureml:iris:1"]]])) },
                       "inputs.d.path")
        XCTAssertEqual(field { _ = try self.read(self.document(["inputs": ["d": ["type": "uri_folder", "path": "azureml:./data"]]])) },
                       "inputs.d.path", "the Azure ML SDK submits it as a data asset too")
        XCTAssertEqual(field { _ = try self.read(self.document(["inputs": ["d": ["type": "uri_file", "path": "azureml://datastores/blob/paths/x.csv"]]])) },
                       "inputs.d.path")
        XCTAssertEqual(field { _ = try self.read(self.document(["outputs": ["m": ["type": "uri_folder", "path": "azureml://datastores/blob/paths/m"]]])) },
                       "outputs.m.path")
    }

    // MARK: extensions

    func testExtensionPropertiesAreReadBack() throws {
        let read = try read(document([
            "sampling_algorithm": "random",
            "properties": ["sweepkit.sampling_algorithm": #"{"type": "tpe", "seed": 1}"#,
                           "sweepkit.search_space.lr": #"{"type": "choice", "values": [true, false]}"#, "owner": "me"],
        ]))
        XCTAssertEqual(read.document["sampling_algorithm"], ["type": "tpe", "seed": 1])
        XCTAssertEqual(read.document["search_space"], ["lr": ["type": "choice", "values": [true, false]]])
        XCTAssertEqual(read.document["properties"], ["owner": "me"])
        XCTAssertEqual(field { _ = try self.read(self.document(["properties": ["sweepkit.nope": "1"]])) }, "properties.sweepkit.nope")
        XCTAssertEqual(field { _ = try self.read(self.document(["properties": ["sweepkit.search_space.x": "{}"]])) },
                       "properties.sweepkit.search_space.x")
    }

    // MARK: inputs and code

    func testLiteralInputsInEveryForm() throws {
        func inputs(_ given: JSONObject) throws -> JSONValue? {
            var object = document().object!
            object["inputs"] = .object(given)
            object["trial"] = ["command": "echo ${{inputs.n}}"]
            return try SweepJobSpec(json: .object(object)).json.object?["inputs"]
        }
        XCTAssertEqual(try inputs(["n": 42]), ["n": 42])
        XCTAssertEqual(try inputs(["n": ["value": 42]]), ["n": 42])
        XCTAssertEqual(try inputs(["n": ["type": "integer", "default": 42]]), ["n": 42])
        XCTAssertEqual(try inputs(["n": ["type": "number", "value": 0.5]]), ["n": 0.5])
        XCTAssertEqual(field { _ = try inputs(["n": ["type": "integer", "value": "x"]]) }, "inputs.n")
        XCTAssertEqual(field { _ = try inputs(["n": ["type": "integer"]]) }, "inputs.n")
    }

    func testCodeMayNameASingleFile() throws {
        var object = document().object!
        object["trial"] = ["command": "python train.py", "code": .string("\(folder)/jobs/src/train.py")]
        let spec = try SweepJobSpec(json: .object(object))
        XCTAssertEqual(spec.trial.code, "\(folder)/jobs/src/train.py")
        try CodeSnapshot.copy(spec.trial.code!, into: "\(folder)/trial", excluding: [])
        XCTAssertEqual(FileSystem.entries(of: "\(folder)/trial"), ["train.py"])
        try CodeSnapshot.copy("\(folder)/jobs/src", into: "\(folder)/trial2", excluding: [])
        XCTAssertEqual(FileSystem.entries(of: "\(folder)/trial2"), ["train.py"])
    }
}
