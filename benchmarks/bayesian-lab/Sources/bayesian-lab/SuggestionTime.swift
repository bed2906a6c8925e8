import Foundation
import SweepKit

/// Time per suggestion on the 5-D mixed space (x0..x2 uniform, lr log-uniform,
/// cat choice of 3), after `checkpoints` completed trials: median and mean of the 10 asks there.
/// The same protocol as benchmarks/suggestion_time.py, natively, for profiling.
func suggestionTimes(checkpoints: [Int]) throws {
    let space = try SearchSpace([
        "x0": .uniform(min: -5, max: 5), "x1": .uniform(min: -5, max: 5), "x2": .uniform(min: -5, max: 5),
        "lr": .logUniform(min: log(1e-5), max: log(1e-1)),
        "cat": .choice([.literal("a"), .literal("b"), .literal("c")]),
    ])
    let sweep = try Sweep(space: space, sampler: SamplingAlgorithm(type: samplerName, seed: 1), goal: .minimize)
    var times: [Double] = []
    for _ in 0..<(checkpoints.max()! + 10) {
        let started = DispatchTime.now().uptimeNanoseconds
        let trial = try sweep.ask()!
        times.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
        let p = trial.params
        let value = pow(p["x0"]!.number!, 2) + pow(p["x1"]!.number!, 2) + pow(p["x2"]!.number!, 2)
            + pow(log10(p["lr"]!.number!) + 3, 2) + ["a": 0.0, "b": 0.5, "c": 1.0][p["cat"]!.string!]!
        try sweep.tell(trial.number, value: value)
    }
    for n in checkpoints {
        let window = Array(times[n..<(n + 10)])
        print(String(format: "after %d trials: median %.1f ms, mean %.1f ms [%.1f-%.1f]", n, median(window),
                     window.reduce(0, +) / 10, window.min()!, window.max()!))
    }
}
