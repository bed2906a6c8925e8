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

    /// One step of trials running side by side: a report of trial n's next value, or its end.
    enum Step {
        case report(Int, Double)
        /// Told Completed with the best value it reported.
        case complete(Int)
    }

    /// `trials` trials asked up front (all running at once), then `steps` in order; the decision
    /// each report returned (nil for `.complete`).
    func interleave(_ policy: TerminationPolicySpec, goal: Goal, trials: Int, _ steps: [Step]) throws -> (Sweep, [TerminationDecision?]) {
        let sweep = try Sweep(space: try SearchSpace(["x": .uniform(min: 0, max: 1)]), sampler: .random(seed: 1), goal: goal,
                              earlyTermination: policy)
        for number in 0..<trials { XCTAssertEqual(try sweep.ask()?.number, number) }
        var outcomes: [TerminationDecision?] = []
        for step in steps {
            switch step {
            case .report(let number, let value):
                outcomes.append(try sweep.report(number, value: value))
            case .complete(let number):
                let curve = sweep.curve(number)
                try sweep.tell(number, value: goal == .maximize ? curve.max() : curve.min())
                outcomes.append(nil)
            }
        }
        return (sweep, outcomes)
    }

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

    /// "any run with an AUC *less than* 0.6 (0.8 - 0.2) ... will be terminated": a trial exactly at
    /// the bound goes on, for both slacks and both goals (bounds exact in binary floating point).
    func testBanditDoesNotStopATrialExactlyAtTheBound() throws {
        let amount = try TerminationPolicySpec(kind: .bandit(slackFactor: 0, slackAmount: 0.5))
        let (_, maximize) = try run(amount, goal: .maximize, curves: [flat(2, 1), flat(1.5, 1), flat(1.25, 1)])
        XCTAssertNil(maximize[1], "1.5 = 2 - 0.5")
        XCTAssertEqual(maximize[2]?.threshold, 1.5)
        let (_, minimize) = try run(amount, goal: .minimize, curves: [flat(2, 1), flat(2.5, 1), flat(2.75, 1)])
        XCTAssertNil(minimize[1], "2.5 = 2 + 0.5")
        XCTAssertEqual(minimize[2]?.threshold, 2.5)
        let factor = try TerminationPolicySpec(kind: .bandit(slackFactor: 0.5, slackAmount: 0))
        let (_, byFactor) = try run(factor, goal: .maximize, curves: [flat(3, 1), flat(2, 1), flat(1.5, 1)])
        XCTAssertNil(byFactor[1], "2 = 3 / (1 + 0.5)")
        XCTAssertEqual(byFactor[2]?.threshold, 2)
        let (_, minimizeFactor) = try run(factor, goal: .minimize, curves: [flat(2, 1), flat(3, 1), flat(4, 1)])
        XCTAssertNil(minimizeFactor[1], "3 = 2 * (1 + 0.5)")
        XCTAssertEqual(minimizeFactor[2]?.threshold, 3)
    }

    /// "median stopping stops only strictly worse trials" (README): a best equal to the median goes on.
    func testMedianStoppingDoesNotStopATrialEqualToTheMedian() throws {
        let policy = try TerminationPolicySpec(kind: .medianStopping)
        let (_, maximize) = try run(policy, goal: .maximize, curves: [flat(1, 1), flat(3, 1), flat(2, 1)])
        XCTAssertEqual(maximize.compactMap { $0 }, [], "median of 1, 3, 2 is 2")
        let (_, minimize) = try run(policy, goal: .minimize, curves: [flat(1, 1), flat(3, 1), flat(2, 1)])
        XCTAssertEqual(minimize[1]?.threshold, 2, "3 > median (1 + 3) / 2")
        XCTAssertNil(minimize[2], "2 = median of 1, 3, 2")
    }

    // MARK: - Curves that change over time, even counts, ties, trials running side by side

    /// "any training jobs whose best metric at interval 10 is less than ...": B is the best value
    /// among the trials *up to interval N*, not over a curve that kept improving afterwards. Trial 0
    /// (running) reaches 0.9 only at interval 4; trial 1 (0.45, then 0.7) is within the slack of
    /// 0.5 up to interval 3 and stopped at 4; trial 2's best (0.8, at interval 1) keeps it in,
    /// though its later values (0.6) would not.
    func testBanditComparesWithTheBestValueUpToIntervalNotTheWholeCurve() throws {
        let policy = try TerminationPolicySpec(kind: .bandit(slackFactor: 0.2, slackAmount: 0))
        let (sweep, outcomes) = try interleave(policy, goal: .maximize, trials: 3, [
            .report(0, 0.5), .report(0, 0.5), .report(0, 0.5), .report(0, 0.9),
            .report(1, 0.45), .report(1, 0.7), .report(1, 0.7), .report(1, 0.7),
            .report(2, 0.8), .report(2, 0.6), .report(2, 0.6), .report(2, 0.6),
        ])
        XCTAssertEqual(outcomes.prefix(4).compactMap { $0 }, [], "trial 0 is the best at every interval")
        XCTAssertNil(outcomes[4], "interval 1: B = 0.5 (trial 0 had not reached 0.9 yet), 0.45 >= 0.5 / 1.2")
        XCTAssertNil(outcomes[5])
        XCTAssertNil(outcomes[6], "interval 3: trial 0's best up to 3 is still 0.5")
        let stopped = try XCTUnwrap(outcomes[7])
        XCTAssertEqual(stopped.trial, 1)
        XCTAssertEqual(stopped.interval, 4)
        XCTAssertEqual(stopped.value, 0.7, "Y: trial 1's best over intervals 1...4")
        XCTAssertEqual(stopped.threshold, 0.9 / 1.2, accuracy: 1e-12)
        XCTAssertEqual(outcomes.suffix(4).compactMap { $0 }, [], "trial 2's best so far is 0.8 >= 0.75, whatever it reports last")
        XCTAssertEqual(sweep.decisions, [stopped])
    }

    func testBanditMinimizeComparesWithTheBestValueUpToInterval() throws {
        let policy = try TerminationPolicySpec(kind: .bandit(slackFactor: 0.2, slackAmount: 0))
        let (_, outcomes) = try interleave(policy, goal: .minimize, trials: 2, [
            .report(0, 2), .report(0, 2), .report(0, 2), .report(0, 1),
            .report(1, 2.3), .report(1, 2.3), .report(1, 2.3), .report(1, 2.3),
        ])
        XCTAssertEqual(outcomes.prefix(7).compactMap { $0 }, [], "up to interval 3, B = 2 and 2.3 <= 2 * 1.2")
        let stopped = try XCTUnwrap(outcomes[7])
        XCTAssertEqual(stopped.interval, 4)
        XCTAssertEqual(stopped.threshold, 1.2, accuracy: 1e-12)
        XCTAssertEqual(stopped.value, 2.3)
        let amount = try TerminationPolicySpec(kind: .bandit(slackFactor: 0, slackAmount: 0.5))
        let (_, byAmount) = try interleave(amount, goal: .minimize, trials: 2, [
            .report(0, 3), .report(0, 1), .report(1, 3.4), .report(1, 1.4), .report(1, 1.6),
        ])
        XCTAssertNil(byAmount[2], "interval 1: B = 3, 3.4 <= 3 + 0.5")
        XCTAssertNil(byAmount[3], "interval 2: B = 1, Y = 1.4 (its best so far) <= 1.5")
        XCTAssertNil(byAmount[4], "interval 3: only trial 1 reached it")
    }

    /// "the median of the running averages": with an even count, the mean of the two middle ones.
    /// Four trials at interval 2 with running averages 0.2, 0.35, 0.8, 0.9: median 0.575, so a
    /// best of 0.6 is kept (the upper middle, 0.8, would stop it), and the trial's best counts, not
    /// its last value (0.1).
    func testMedianStoppingWithAnEvenCountTakesTheMeanOfTheTwoMiddleAverages() throws {
        let policy = try TerminationPolicySpec(kind: .medianStopping, delayEvaluation: 2, evaluationInterval: 1)
        let others = [flat(0.2, 2), flat(0.8, 2), flat(0.9, 2)]
        let (_, kept) = try run(policy, goal: .maximize, curves: others + [[0.6, 0.1]])
        XCTAssertEqual(kept.compactMap { $0 }, [], "best 0.6 > median (0.35 + 0.8) / 2 = 0.575")

        // Side by side, running: averages 0.2, 0.5, 0.8, 0.9; median 0.65 stops a best of 0.5
        // (the lower middle, 0.5, would not: only strictly worse is stopped).
        let (_, outcomes) = try interleave(policy, goal: .maximize, trials: 4, [
            .report(0, 0.2), .report(1, 0.8), .report(2, 0.9), .report(0, 0.2), .report(1, 0.8), .report(2, 0.9),
            .report(3, 0.5), .report(3, 0.5),
        ])
        XCTAssertEqual(outcomes.prefix(7).compactMap { $0 }, [])
        let stopped = try XCTUnwrap(outcomes[7])
        XCTAssertEqual(stopped.trial, 3)
        XCTAssertEqual(stopped.interval, 2)
        XCTAssertEqual(stopped.threshold, 0.65, accuracy: 1e-12)
        XCTAssertEqual(stopped.value, 0.5)
        XCTAssertTrue(stopped.reason.contains("the median of 4 trials' running averages over intervals 1-2"), stopped.reason)
    }

    /// "the median of the running averages over intervals 1:N": trial 0 reports 0.2 then 1.0
    /// (average 0.6, value at 2: 1.0); trial 1's best 0.7 beats the median of the averages
    /// (0.6 + 0.7) / 2 = 0.65, though not the median of the values at interval 2, 0.85.
    func testMedianStoppingUsesRunningAveragesNotTheValuesAtN() throws {
        let policy = try TerminationPolicySpec(kind: .medianStopping, delayEvaluation: 2)
        let (_, outcomes) = try interleave(policy, goal: .maximize, trials: 2,
                                           [.report(0, 0.2), .report(0, 1.0), .report(1, 0.7), .report(1, 0.7)])
        XCTAssertEqual(outcomes.compactMap { $0 }, [])
        let (_, below) = try interleave(policy, goal: .maximize, trials: 2,
                                        [.report(0, 0.2), .report(0, 1.0), .report(1, 0.55), .report(1, 0.55)])
        XCTAssertEqual(below[3]?.threshold ?? 0, 0.575, accuracy: 1e-12, "median (0.6 + 0.55) / 2")
    }

    func testMedianStoppingMinimizeWithAnEvenCount() throws {
        // Interval 1, two trials: median (1 + 3) / 2 = 2; trial 1's 3 is worse. (The upper middle,
        // 3, would not stop it; the lower one, 1, would give another threshold.)
        let (_, two) = try interleave(try TerminationPolicySpec(kind: .medianStopping), goal: .minimize, trials: 2,
                                      [.report(0, 1), .report(1, 3)])
        XCTAssertEqual(two[1]?.threshold ?? 0, 2, accuracy: 1e-12)
        // Interval 2: running averages 1 and 1.2 (trial 1 logs 1, then 1.4): median 1.1, and trial
        // 1's best so far, 1, is not worse (its last value, 1.4, would be).
        let delayed = try TerminationPolicySpec(kind: .medianStopping, delayEvaluation: 2)
        let (_, improving) = try interleave(delayed, goal: .minimize, trials: 2,
                                            [.report(0, 1), .report(0, 1), .report(1, 1), .report(1, 1.4)])
        XCTAssertEqual(improving.compactMap { $0 }, [])
    }

    /// "Ties: of equal values, the later trial ranks lower." Three trials running at once report
    /// the same 0.5 at interval 1, out of order: with 50 %, one is cut, and it is the latest trial
    /// (2), not the one that reported last or the earliest.
    func testTruncationBreaksTiesAgainstTheLaterTrial() throws {
        let policy = try TerminationPolicySpec(kind: .truncationSelection(percentage: 50, excludeFinishedJobs: false))
        for goal in [Goal.maximize, .minimize] {
            let (_, outcomes) = try interleave(policy, goal: goal, trials: 3, [.report(1, 0.5), .report(0, 0.5), .report(2, 0.5)])
            XCTAssertNil(outcomes[0], "alone at interval 1")
            XCTAssertNil(outcomes[1], "trial 0 ties with the later trial 1, which ranks lower")
            let cut = try XCTUnwrap(outcomes[2], "\(goal)")
            XCTAssertEqual(cut.trial, 2)
            XCTAssertEqual(cut.value, 0.5)
            XCTAssertEqual(cut.threshold, 0.5)
            XCTAssertTrue(cut.reason.contains("ranks 1 from the bottom of 3 trials"), cut.reason)
        }
        // Two trials tied: the later one is cut.
        let (_, pair) = try interleave(policy, goal: .maximize, trials: 2, [.report(0, 0.7), .report(1, 0.7)])
        XCTAssertNil(pair[0])
        XCTAssertEqual(pair[1]?.trial, 1)
    }

    /// "its performance at interval 5": a trial that already reported more intervals is ranked by
    /// its value at N, not its latest one (trial 0 is at 0.9 at interval 1, 0.1 at 2).
    func testTruncationRanksATrialThatIsFurtherAlongByItsValueAtN() throws {
        let policy = try TerminationPolicySpec(kind: .truncationSelection(percentage: 50, excludeFinishedJobs: false))
        let (_, outcomes) = try interleave(policy, goal: .maximize, trials: 2, [.report(0, 0.9), .report(0, 0.1), .report(1, 0.5)])
        let cut = try XCTUnwrap(outcomes[2])
        XCTAssertEqual(cut.trial, 1)
        XCTAssertEqual(cut.threshold, 0.9)
    }

    /// `exclude_finished_jobs`: ended trials leave the ranking; running ones stay in it.
    func testTruncationExcludeFinishedJobsWithTrialsRunningSideBySide() throws {
        let steps: [Step] = [.report(0, 0.9), .complete(0), .report(1, 0.5), .report(2, 0.4)]
        let excluding = try TerminationPolicySpec(kind: .truncationSelection(percentage: 50, excludeFinishedJobs: true))
        let (_, without) = try interleave(excluding, goal: .maximize, trials: 3, steps)
        XCTAssertNil(without[2], "trial 0 ended: trial 1 is alone in the ranking")
        let cut = try XCTUnwrap(without[3], "trial 1 is running: it ranks with trial 2")
        XCTAssertEqual(cut.trial, 2)
        XCTAssertEqual(cut.threshold, 0.5)
        XCTAssertTrue(cut.reason.contains("of 2 trials"), cut.reason)

        let including = try TerminationPolicySpec(kind: .truncationSelection(percentage: 50, excludeFinishedJobs: false))
        let (_, with) = try interleave(including, goal: .maximize, trials: 3, steps)
        XCTAssertEqual(with[2]?.trial, 1, "0.5 is the lower of 0.9 (trial 0, ended) and 0.5")
        XCTAssertEqual(with[2]?.threshold, 0.9)
        XCTAssertEqual(with[3]?.threshold, 0.5, "of 3 trials, one is cut: 0.4")
    }
}
