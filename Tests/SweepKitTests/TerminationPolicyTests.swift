import XCTest
@testable import SweepKit

/// The policies against the Azure documentation's worked examples, for both goals.
final class TerminationPolicyTests: XCTestCase {
    /// A sweep whose trials report the given curves, trial by trial (max_concurrent_trials = 1).
    func run(_ policy: TerminationPolicySpec, goal: Goal, curves: [[Double]]) throws -> (Sweep, [TerminationDecision?]) {
        let space = try SearchSpace(["x": .uniform(min: 0, max: 1)])
        let sweep = try Sweep(space: space, sampler: .random(seed: 1), goal: goal, earlyTermination: policy)
        var outcomes: [TerminationDecision?] = []
        for curve in curves {
            let trial = try XCTUnwrap(try sweep.ask())
            var decision: TerminationDecision?
            for value in curve {
                decision = try sweep.report(trial.number, value: value)
                if decision != nil { break }
            }
            outcomes.append(decision)
            if decision != nil {
                try sweep.tell(trial.number, value: nil, state: .canceled)
            } else {
                try sweep.tell(trial.number, value: curve.max())
            }
        }
        return (sweep, outcomes)
    }

    func flat(_ value: Double, _ n: Int = 10) -> [Double] { Array(repeating: value, count: n) }

    /// "the best performing job at interval 10 reported 0.8 ... slack_factor of 0.2, any training jobs
    /// whose best metric at interval 10 is less than 0.66 (0.8/(1+slack_factor)) will be terminated."
    func testBanditSlackFactorWorkedExample() throws {
        let policy = try TerminationPolicySpec(kind: .bandit(slackFactor: 0.2, slackAmount: 0), delayEvaluation: 10, evaluationInterval: 1)
        let (sweep, outcomes) = try run(policy, goal: .maximize, curves: [flat(0.8), flat(0.66), flat(0.67)])
        XCTAssertNil(outcomes[0])
        let stopped = try XCTUnwrap(outcomes[1])
        XCTAssertEqual(stopped.interval, 10)
        XCTAssertEqual(stopped.threshold, 0.8 / 1.2, accuracy: 1e-12)
        XCTAssertEqual(stopped.value, 0.66)
        XCTAssertTrue(stopped.reason.contains("0.66 < 0.666667 = 0.8 / (1 + 0.2)"), stopped.reason)
        XCTAssertNil(outcomes[2])
        XCTAssertEqual(sweep.trial(1)?.state, .canceled)
        XCTAssertEqual(sweep.trial(1)?.message, stopped.reason)
        XCTAssertEqual(sweep.decisions, [stopped])
    }

    /// "If Run 3 is the currently best performing run with an AUC of 0.8 ... any run with an AUC less
    /// than 0.6 (0.8 - 0.2) ... will be terminated": here, after five trials whose best is 0.9,
    /// slack_amount 0.2 stops a trial below 0.7.
    func testBanditSlackAmountAfterFiveTrials() throws {
        let policy = try TerminationPolicySpec(kind: .bandit(slackFactor: 0, slackAmount: 0.2))
        let five = [0.5, 0.6, 0.7, 0.8, 0.9].map { flat($0, 3) }
        let (_, below) = try run(policy, goal: .maximize, curves: five + [flat(0.69, 3)])
        XCTAssertEqual(below.prefix(5).compactMap { $0 }.count, 0)
        let stopped = try XCTUnwrap(below[5])
        XCTAssertEqual(stopped.interval, 1)
        XCTAssertEqual(stopped.threshold, 0.7, accuracy: 1e-12)
        let (_, above) = try run(policy, goal: .maximize, curves: five + [flat(0.71, 3)])
        XCTAssertNil(above[5])
    }

    func testBanditSlackAmountStopsBelowBestMinusAmountAtTheSameInterval() throws {
        let policy = try TerminationPolicySpec(kind: .bandit(slackFactor: 0, slackAmount: 0.2))
        let (_, outcomes) = try run(policy, goal: .maximize, curves: [flat(0.9, 3), flat(0.71, 3), flat(0.69, 3)])
        XCTAssertNil(outcomes[1])
        XCTAssertEqual(outcomes[2]?.threshold ?? 0, 0.7, accuracy: 1e-12)
        XCTAssertEqual(outcomes[2]?.interval, 1)
    }

    func testBanditMinimizeIsTheMirrorImage() throws {
        let factor = try TerminationPolicySpec(kind: .bandit(slackFactor: 0.2, slackAmount: 0))
        let (_, a) = try run(factor, goal: .minimize, curves: [flat(1.0, 2), flat(1.19, 2), flat(1.21, 2)])
        XCTAssertNil(a[1])
        XCTAssertEqual(a[2]?.threshold ?? 0, 1.2, accuracy: 1e-12)
        let amount = try TerminationPolicySpec(kind: .bandit(slackFactor: 0, slackAmount: 0.5))
        let (_, b) = try run(amount, goal: .minimize, curves: [flat(2.0, 2), flat(2.4, 2), flat(2.6, 2)])
        XCTAssertNil(b[1])
        XCTAssertEqual(b[2]?.threshold ?? 0, 2.5, accuracy: 1e-12)
    }

    /// B <= 0: the slack is applied to |B|, so the best trial is never stopped and the bound is on
    /// the worse side of B.
    func testBanditWithANonPositiveBestUsesAnAbsoluteSlack() throws {
        let policy = try TerminationPolicySpec(kind: .bandit(slackFactor: 0.25, slackAmount: 0))
        let (_, maximize) = try run(policy, goal: .maximize, curves: [flat(-0.8, 2), flat(-0.9, 2), flat(-0.97, 2)])
        XCTAssertNil(maximize[0])
        XCTAssertNil(maximize[1])  // bound: -0.8 - 0.8 * 0.25 / 1.25 = -0.96
        XCTAssertEqual(maximize[2]?.threshold ?? 0, -0.96, accuracy: 1e-12)
        let (_, minimize) = try run(policy, goal: .minimize, curves: [flat(-1.0, 2), flat(-0.8, 2), flat(-0.7, 2)])
        XCTAssertNil(minimize[1])  // bound: -1 + 1 * 0.25 = -0.75
        XCTAssertEqual(minimize[2]?.threshold ?? 0, -0.75, accuracy: 1e-12)
    }

    /// "A job is stopped at interval 5 if its best primary metric is worse than the median of the
    /// running averages over intervals 1:5 across all training jobs." Averages 0.80, 0.82, 0.84,
    /// 0.90 and the trial's own 0.75 have median 0.82: best 0.81 is stopped, best 0.83 is not.
    func testMedianStoppingWorkedExample() throws {
        let policy = try TerminationPolicySpec(kind: .medianStopping, delayEvaluation: 5, evaluationInterval: 1)
        let others = [flat(0.80, 5), flat(0.82, 5), flat(0.84, 5), flat(0.90, 5)]
        let (_, stopped) = try run(policy, goal: .maximize, curves: others + [[0.7, 0.7, 0.81, 0.75, 0.79]])
        XCTAssertEqual(stopped.prefix(4).compactMap { $0 }.count, 0)
        let decision = try XCTUnwrap(stopped[4])
        XCTAssertEqual(decision.interval, 5)
        XCTAssertEqual(decision.threshold, 0.82, accuracy: 1e-12)
        XCTAssertEqual(decision.value, 0.81)
        let (_, kept) = try run(policy, goal: .maximize, curves: others + [[0.7, 0.7, 0.83, 0.75, 0.77]])
        XCTAssertNil(kept[4])  // its own average is 0.75 too; best 0.83 beats the median 0.82
    }

    func testMedianStoppingMinimizeAndEvaluationInterval() throws {
        let policy = try TerminationPolicySpec(kind: .medianStopping, delayEvaluation: 0, evaluationInterval: 2)
        let (_, outcomes) = try run(policy, goal: .minimize, curves: [flat(1.0, 4), flat(2.0, 4), [5, 5, 5, 5]])
        let decision = try XCTUnwrap(outcomes[2])
        XCTAssertEqual(decision.interval, 2)  // interval 1 is not a multiple of 2
        XCTAssertEqual(decision.threshold, 2.0, accuracy: 1e-12)  // median of 1, 2, 5
    }

    /// "A job terminates at interval 5 if its performance at interval 5 is in the lowest 20% of
    /// performance of all jobs at interval 5": with the fifth trial, floor(5 * 20%) = 1 is cut.
    func testTruncationSelectionAtTheFifthTrial() throws {
        let policy = try TerminationPolicySpec(kind: .truncationSelection(percentage: 20, excludeFinishedJobs: false), delayEvaluation: 5, evaluationInterval: 1)
        let curves = [flat(0.5, 5), flat(0.6, 5), flat(0.7, 5), [0.9, 0.9, 0.9, 0.9, 0.4]]
        let (_, early) = try run(policy, goal: .maximize, curves: curves)
        XCTAssertEqual(early.compactMap { $0 }.count, 0, "fewer than 5 trials: floor(n * 20%) = 0")
        let (_, fifth) = try run(policy, goal: .maximize, curves: curves + [[0.1, 0.1, 0.1, 0.1, 0.35]])
        let decision = try XCTUnwrap(fifth[4])
        XCTAssertEqual(decision.interval, 5)
        XCTAssertEqual(decision.value, 0.35)
        XCTAssertEqual(decision.threshold, 0.4, "the lowest value kept: trial 3's 0.4 at interval 5")
        let (_, notLowest) = try run(policy, goal: .maximize, curves: curves + [[0.1, 0.1, 0.1, 0.1, 0.45]])
        XCTAssertNil(notLowest[4], "0.4 (trial 3 at interval 5, not its earlier 0.9) is the lowest 20%")
    }

    func testTruncationSelectionExcludesFinishedJobsWhenAsked() throws {
        let policy = try TerminationPolicySpec(kind: .truncationSelection(percentage: 50, excludeFinishedJobs: true))
        let (_, outcomes) = try run(policy, goal: .minimize, curves: [flat(1, 2), flat(2, 2), flat(3, 2)])
        XCTAssertEqual(outcomes.compactMap { $0 }.count, 0, "alone among running trials, nothing to cut")
        let keep = try TerminationPolicySpec(kind: .truncationSelection(percentage: 50, excludeFinishedJobs: false))
        let (_, cut) = try run(keep, goal: .minimize, curves: [flat(1, 2), flat(2, 2), flat(3, 2)])
        XCTAssertNotNil(cut[1])  // 2 trials, 50%: the worse one (itself, 2 > 1) is cut
        XCTAssertNotNil(cut[2])
    }

    func testScheduleFollowsDelayAndInterval() {
        let schedule = TerminationSchedule(delayEvaluation: 5, evaluationInterval: 2)
        XCTAssertEqual((1...10).filter(schedule.applies), [6, 8, 10])
        XCTAssertEqual((1...3).filter(TerminationSchedule(delayEvaluation: 0, evaluationInterval: 0).applies), [1, 2, 3])
    }

    func testReportsAreIdempotentOnceStoppedAndIgnoreNonFiniteValues() throws {
        let policy = try TerminationPolicySpec(kind: .bandit(slackFactor: 0, slackAmount: 0.1))
        let sweep = try Sweep(space: try SearchSpace(["x": .uniform(min: 0, max: 1)]), goal: .maximize, earlyTermination: policy)
        let first = try XCTUnwrap(try sweep.ask())
        try sweep.report(first.number, value: 1.0)
        try sweep.tell(first.number, value: 1.0)
        let second = try XCTUnwrap(try sweep.ask())
        XCTAssertNil(try sweep.report(second.number, value: .nan))
        let decision = try XCTUnwrap(try sweep.report(second.number, value: 0.5))
        XCTAssertEqual(try sweep.report(second.number, value: 2.0), decision)
        XCTAssertEqual(sweep.curve(second.number), [0.5])
    }
}
