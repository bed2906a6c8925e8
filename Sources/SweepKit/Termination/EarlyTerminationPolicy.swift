/// Decides whether a running trial should stop early.
///
/// Lifecycle: the engine creates one policy per sweep from its `early_termination` spec. Each time
/// a trial reports a new value of the primary metric, that is its interval N (1-based); when the
/// schedule applies (`TerminationSchedule`: N a multiple of `evaluation_interval`, N >=
/// `delay_evaluation`), the engine calls `evaluate` with every trial's curve so far. A decision
/// stops the trial (Canceled) and is recorded with the value and threshold it compared, so every
/// stop can be audited. Curves hold finite values only, in reporting order.
public protocol EarlyTerminationPolicy: AnyObject {
    var name: String { get }
    func evaluate(trial: Int, interval: Int, curves: [TrialCurve], goal: Goal) throws(SweepKitError) -> TerminationDecision?
}

/// One trial's reported values (interval i is `values[i - 1]`), and whether it has ended.
public struct TrialCurve: Sendable, Equatable {
    public let number: Int
    public var values: [Double]
    public var state: TrialState

    public init(number: Int, values: [Double] = [], state: TrialState = .running) {
        self.number = number
        self.values = values
        self.state = state
    }

    /// The best value over intervals 1...n.
    func best(upTo n: Int, goal: Goal) -> Double {
        values[0..<n].dropFirst().reduce(values[0]) { goal.isBetter($1, than: $0) ? $1 : $0 }
    }
}

/// Why a trial was stopped: what the policy compared.
public struct TerminationDecision: Sendable, Equatable {
    public let trial: Int
    public let interval: Int
    public let policy: String
    /// The trial's value the policy compared (its best so far, or its value at the interval).
    public let value: Double
    /// The bound it crossed.
    public let threshold: Double
    /// The same in words, e.g. "best 0.61 < 0.667 = 0.8 / (1 + 0.2), the best trial's at interval 10".
    public let reason: String

    public var json: JSONValue {
        ["trial": .int(trial), "interval": .int(interval), "policy": .string(policy), "value": .double(value),
         "threshold": .double(threshold), "reason": .string(reason)]
    }

    public init(trial: Int, interval: Int, policy: String, value: Double, threshold: Double, reason: String) {
        self.trial = trial
        self.interval = interval
        self.policy = policy
        self.value = value
        self.threshold = threshold
        self.reason = reason
    }

    public init?(json: JSONValue?) {
        guard let o = json?.object, case .int(let trial)? = o["trial"], case .int(let interval)? = o["interval"],
            let policy = o["policy"]?.string, let value = o["value"]?.number, let threshold = o["threshold"]?.number
        else { return nil }
        self.init(trial: trial, interval: interval, policy: policy, value: value, threshold: threshold,
                  reason: o["reason"]?.string ?? "")
    }
}

/// When a policy is applied: at interval N when N is a multiple of `evaluation_interval` (0 means
/// 1) and N >= `delay_evaluation` (the Azure documentation's rule).
public struct TerminationSchedule: Sendable, Equatable {
    public let delayEvaluation: Int
    public let evaluationInterval: Int

    public func applies(at interval: Int) -> Bool {
        interval >= 1 && interval % max(1, evaluationInterval) == 0 && interval >= delayEvaluation
    }
}

extension TerminationPolicySpec {
    public var schedule: TerminationSchedule {
        TerminationSchedule(delayEvaluation: delayEvaluation, evaluationInterval: evaluationInterval)
    }

}

/// Numbers in decisions' messages: short, but exact enough to check by hand.
func describe(_ x: Double) -> String {
    let rounded = (x * 1e6).rounded() / 1e6
    return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
}
