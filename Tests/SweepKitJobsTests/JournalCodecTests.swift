import SweepKit
@testable import SweepKitJobs
import XCTest

/// The journal's on-disk form: every event survives a round trip, damage is recognised.
final class JournalCodecTests: XCTestCase {
    static let spec: SweepJobSpec = {
        let json = JobFixture.gridJob(name: "codec")
        return try! SweepJobSpec(json: json)
    }()

    static let decision = TerminationDecision(trial: 2, interval: 3, policy: "bandit", value: 0.5, threshold: 0.4, reason: "below the threshold")

    static let everyEvent: [JobEvent] = [
        .created(spec: spec),
        .engineStarted(pid: 42, resumed: true),
        .tracking(experimentID: "7", parentRunID: "abc"),
        .trialStarted(TrialStart(number: 0, name: "codec_0", attempt: 2, params: ["x": 1, "m": ["d": 2]],
                                 flatParams: ["x": 1, "m.d": 2], runID: "r0", directory: "/d", logDirectory: "/l")),
        .trialLaunched(number: 0, process: LaunchedTrial(pid: 1234, startTicks: 99_999_999)),
        .trialLaunched(number: 1, process: LaunchedTrial(kind: "ray", id: "sweepkit-job-1-attempt-1")),
        .trialRunning(number: 1),
        .trialStopping(number: 0, decision: decision),
        .trialEnded(TrialEnd(number: 0, state: .canceled, value: 0.25, message: "stopped \"early\"\n", exit: "was killed by signal 15",
                             metrics: ["loss": 0.25, "loss.points": 4], history: [1, 0.5, 0.25])),
        .trialEnded(TrialEnd(number: 1, state: .failed, value: nil, message: nil, exit: nil)),
        .sweepEnded(status: .completed, reason: "max_total_trials (4) reached", engineCPUSeconds: 0.125),
    ]

    func testEveryEventSurvivesARoundTrip() throws {
        for (index, event) in Self.everyEvent.enumerated() {
            let entry = JournalEntry(time: 1_700_000_000_000 + Int64(index), event: event)
            let line = JournalCodec.encode(entry)
            XCTAssertFalse(line.contains("\n"), "one event per line")
            XCTAssertEqual(try JournalCodec.decode(Substring(line)), entry)
        }
    }

    func testAChangedDigitIsCaughtByTheChecksumEvenWhenTheLineIsStillJSON() throws {
        let line = JournalCodec.encode(JournalEntry(time: 5, event: .trialEnded(TrialEnd(number: 3, state: .completed, value: 0.75, message: nil, exit: nil))))
        let damaged = line.replacingFirst("0.75", with: "0.95")
        XCTAssertNotEqual(damaged, line)
        XCTAssertThrowsError(try JournalCodec.decode(Substring(damaged)))
    }

    func testLinesWrittenBeforeChecksumsStillRead() throws {
        // The format of earlier versions: no crc32, and a `best` event that is now derived.
        let legacy = #"{"event":"trial_ended","number":0,"state":"Completed","value":1.5,"metrics":{},"history":[1.5],"time":12}"#
        XCTAssertEqual(try JournalCodec.decode(Substring(legacy)),
                       JournalEntry(time: 12, event: .trialEnded(TrialEnd(number: 0, state: .completed, value: 1.5, message: nil, exit: nil,
                                                                          metrics: [:], history: [1.5]))))
        XCTAssertNil(try JournalCodec.decode(#"{"event":"best","number":0,"time":13}"#))
    }

    func testARemoteTrialLeavingTheQueueIsOneSmallEvent() throws {
        let line = JournalCodec.encode(JournalEntry(time: 7, event: .trialRunning(number: 3)))
        XCTAssertTrue(line.hasPrefix(#"{"event":"trial_running","number":3,"time":7,"crc32":""#), line)
        XCTAssertEqual(try JournalCodec.decode(#"{"event":"trial_running","number":3,"time":7}"#),
                       JournalEntry(time: 7, event: .trialRunning(number: 3)))
        XCTAssertThrowsError(try JournalCodec.decode(#"{"event":"trial_running","time":7}"#), "a number is required")
    }

    func testUnknownEventsAndMissingFieldsAreDamage() {
        XCTAssertThrowsError(try JournalCodec.decode(#"{"event":"trial_exploded","time":1}"#))
        XCTAssertThrowsError(try JournalCodec.decode(#"{"event":"trial_ended","time":1,"state":"Completed"}"#))
        XCTAssertThrowsError(try JournalCodec.decode(#"{"event":"trial_ended","time":1,"number":0,"state":"Running"}"#))
        XCTAssertThrowsError(try JournalCodec.decode(#"{"event":"sweep_ended","time":1,"status":"Running"}"#))
        XCTAssertThrowsError(try JournalCodec.decode("not json at all"))
    }

    func testTheChecksumIsZlibsCRC32() {
        // zlib.crc32(b"123456789") == 0xcbf43926, the CRC-32 check value.
        XCTAssertEqual(CRC32.hex(of: "123456789"), "cbf43926")
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return self[..<range.lowerBound] + replacement + self[range.upperBound...]
    }
}
