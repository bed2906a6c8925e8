// The README's Swift example: an in-process sweep driven natively. Run: swift run swift-quickstart
import SweepKit

let space = try SearchSpace([
    "x": .uniform(min: -5, max: 5),
    "lr": .logUniform(min: -9.2, max: -2.3),
    "optimizer": .choice([.literal("adam"), .literal("sgd")]),
])
let sweep = try Sweep(space: space, sampler: .sobol(seed: 42), goal: .minimize,
                      limits: SweepLimits(maxTotalTrials: 64))
try sweep.run { trial in
    let x = trial.params["x"]!.number!, lr = trial.params["lr"]!.number!
    let penalty = trial.params["optimizer"] == "sgd" ? 0.5 : 0
    return (x - 1.5) * (x - 1.5) + abs(lr - 0.01) + penalty
}
let best = sweep.best!
print("best trial #\(best.number): value \(best.value!) params \(JSONValue.object(best.params).jsonText)")
print("\(sweep.trials.count) trials; ended because \(sweep.finishReason!)")
