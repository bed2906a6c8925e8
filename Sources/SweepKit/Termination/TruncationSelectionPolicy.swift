/// `TruncationSelectionPolicy`: at interval N, ranks the trials that reached N by their value at
/// interval N (not later: the HyperDrive fairness rule) and stops the trial if it is among the
/// lowest `truncation_percentage` percent.
///
/// Rounding: with n trials ranked, the lowest k = floor(n · percentage / 100) are cut, so nothing is
/// stopped while n · percentage < 100 (20% needs 5 trials). Ties: of equal values, the later trial
/// ranks lower. `exclude_finished_jobs` leaves ended trials out of the ranking.
public final class TruncationSelectionPolicy: EarlyTerminationPolicy {
    public let name = "truncation_selection"
    let percentage: Int
    let excludeFinishedJobs: Bool

    public init(percentage: Int, excludeFinishedJobs: Bool) {
        self.percentage = percentage
        self.excludeFinishedJobs = excludeFinishedJobs
    }

    public func evaluate(trial: Int, interval: Int, curves: [TrialCurve], goal: Goal) throws(SweepKitError) -> TerminationDecision? {
        let ranked = curves
            .filter { $0.values.count >= interval && ($0.number == trial || !excludeFinishedJobs || !$0.state.isFinished) }
            .map { (number: $0.number, value: $0.values[interval - 1]) }
            // Worst first: worse value first; among equals, the later trial first.
            .sorted { a, b in a.value != b.value ? goal.isBetter(b.value, than: a.value) : a.number > b.number }
        let cut = ranked.count * percentage / 100
        guard cut > 0, let rank = ranked.firstIndex(where: { $0.number == trial }), rank < cut else { return nil }
        let threshold = ranked[cut].value
        let value = ranked[rank].value
        return TerminationDecision(
            trial: trial, interval: interval, policy: name, value: value, threshold: threshold,
            reason: "truncation selection at interval \(interval): value \(describe(value)) ranks \(rank + 1) from the bottom of \(ranked.count) trials, within the lowest \(percentage)% (\(cut) trial(s)); the lowest kept value is \(describe(threshold))")
    }
}
