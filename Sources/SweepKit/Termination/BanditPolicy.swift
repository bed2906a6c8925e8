/// `BanditPolicy`: stops a trial whose best value up to interval N is outside the slack of the best
/// such value among all trials that reached N (itself included).
///
/// Maximize: stop when Y < B / (1 + slack_factor), or Y < B − slack_amount.
/// Minimize (the mirror image): stop when Y > B · (1 + slack_factor), or Y > B + slack_amount.
/// The ratio assumes B > 0. For B ≤ 0 the same relative slack is applied to |B| as an absolute one:
/// the bound is B − |B|·f/(1+f) (maximize) or B + |B|·f (minimize), which equals the formulas
/// above whenever B > 0, so the best trial itself is never stopped.
public final class BanditPolicy: EarlyTerminationPolicy {
    public let name = "bandit"
    let slackFactor: Double
    let slackAmount: Double

    public init(slackFactor: Double, slackAmount: Double) {
        self.slackFactor = slackFactor
        self.slackAmount = slackAmount
    }

    public func evaluate(trial: Int, interval: Int, curves: [TrialCurve], goal: Goal) throws(SweepKitError) -> TerminationDecision? {
        guard let own = curves.first(where: { $0.number == trial }), own.values.count >= interval else { return nil }
        let y = own.best(upTo: interval, goal: goal)
        var best = y
        for curve in curves where curve.values.count >= interval {
            let value = curve.best(upTo: interval, goal: goal)
            if goal.isBetter(value, than: best) { best = value }
        }
        let threshold: Double
        let formula: String
        if slackAmount > 0 {
            threshold = goal == .maximize ? best - slackAmount : best + slackAmount
            formula = "\(describe(best)) \(goal == .maximize ? "-" : "+") \(describe(slackAmount))"
        } else if goal == .maximize {
            threshold = best > 0 ? best / (1 + slackFactor) : best - abs(best) * slackFactor / (1 + slackFactor)
            formula = best > 0 ? "\(describe(best)) / (1 + \(describe(slackFactor)))" : "\(describe(best)) - |\(describe(best))| * \(describe(slackFactor)) / (1 + \(describe(slackFactor)))"
        } else {
            threshold = best > 0 ? best * (1 + slackFactor) : best + abs(best) * slackFactor
            formula = best > 0 ? "\(describe(best)) * (1 + \(describe(slackFactor)))" : "\(describe(best)) + |\(describe(best))| * \(describe(slackFactor))"
        }
        guard goal.isBetter(threshold, than: y) else { return nil }
        return TerminationDecision(
            trial: trial, interval: interval, policy: name, value: y, threshold: threshold,
            reason: "bandit at interval \(interval): best so far \(describe(y)) \(goal == .maximize ? "<" : ">") \(describe(threshold)) = \(formula), from the best trial's \(describe(best))")
    }
}
