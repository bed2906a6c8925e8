/// `MedianStoppingPolicy`: at interval N, stops a trial whose best value over intervals 1...N is
/// worse than the median of the running averages (mean of intervals 1...N) of every trial that
/// reached N, itself included (the HyperDrive rule). Strictly worse: equal is not stopped. An even
/// count takes the mean of the two middle averages.
public final class MedianStoppingPolicy: EarlyTerminationPolicy {
    public let name = "median_stopping"
    public init() {}

    public func evaluate(trial: Int, interval: Int, curves: [TrialCurve], goal: Goal) throws(SweepKitError) -> TerminationDecision? {
        guard let own = curves.first(where: { $0.number == trial }), own.values.count >= interval else { return nil }
        let averages = curves.filter { $0.values.count >= interval }
            .map { $0.values[0..<interval].reduce(0, +) / Double(interval) }
            .sorted()
        let middle = averages.count / 2
        let median = averages.count % 2 == 1 ? averages[middle] : (averages[middle - 1] + averages[middle]) / 2
        let best = own.best(upTo: interval, goal: goal)
        guard goal.isBetter(median, than: best) else { return nil }
        return TerminationDecision(
            trial: trial, interval: interval, policy: name, value: best, threshold: median,
            reason: "median stopping at interval \(interval): best so far \(describe(best)) is worse than \(describe(median)), the median of \(averages.count) trials' running averages over intervals 1-\(interval)")
    }
}
