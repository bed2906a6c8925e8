// Runs the Bayesian sampler (or another built-in one) on the synthetic problems of the quality
// protocol: 100 sequential trials per seed, regret at 20/50/100 as the median over seeds, and the
// per-seed regrets at 50 so a change's effect on each seed is visible.
// Usage: swift run -c release bayesian-lab [--problems branin2,hartmann6] [--seeds 10] [--first-seed 0] [--sampler bayesian] [--threads 2] [--suggestion-time 100,1000] [--linear-algebra]
import Dispatch
import Foundation
import SweepKit

var problemNames = Problem.all.map(\.name)
var seeds = 10
var firstSeed = 0
var samplerName = "bayesian"
var threads = 2
var timing: [Int]? = nil
var linearAlgebra = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    if flag == "--linear-algebra" { linearAlgebra = true; continue }
    guard let value = arguments.next() else { fatalError("\(flag) needs a value") }
    switch flag {
    case "--problems": problemNames = value.split(separator: ",").map(String.init)
    case "--seeds": seeds = Int(value)!
    case "--first-seed": firstSeed = Int(value)!
    case "--sampler": samplerName = value
    case "--threads": threads = Int(value)!
    case "--suggestion-time": timing = value.split(separator: ",").map { Int($0)! }
    default: fatalError("unknown flag \(flag)")
    }
}

if linearAlgebra {
    linearAlgebraTimes()
    exit(0)
}
if let timing {
    try suggestionTimes(checkpoints: timing)
    exit(0)
}

func run(_ problem: Problem, seed: Int) throws -> [Double] {
    let space = try SearchSpace(problem.bounds.enumerated().map { index, bound in
        SearchSpace.Parameter(name: "x\(index)", expression: .uniform(min: bound.low, max: bound.high))
    })
    let algorithm = samplerName == "sobol" ? SamplingAlgorithm.sobol(seed: seed) : SamplingAlgorithm(type: samplerName, seed: seed)
    let sweep = try Sweep(space: space, sampler: algorithm, goal: .minimize, limits: SweepLimits(maxTotalTrials: 100))
    var values: [Double] = []
    try sweep.run { trial in
        let x = problem.bounds.indices.map { trial.params["x\($0)"]!.number! }
        let value = problem.function(x)
        values.append(value)
        return value
    }
    return values
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

final class Results: @unchecked Sendable {
    let lock = NSLock()
    var regrets: [String: [Int: [Double]]] = [:]  // problem -> seed -> regret at 20/50/100
    var seconds: [String: Double] = [:]
}
let results = Results()
let jobs = problemNames.flatMap { name in (firstSeed..<(firstSeed + seeds)).map { (Problem.all.first { $0.name == name }!, $0) } }
let queue = DispatchQueue(label: "jobs")
var next = 0
DispatchQueue.concurrentPerform(iterations: threads) { _ in
    while true {
        let job: (Problem, Int)? = queue.sync {
            defer { next += 1 }
            return next < jobs.count ? jobs[next] : nil
        }
        guard let (problem, seed) = job else { return }
        let started = Date()
        let values = try! run(problem, seed: seed)
        let regret = [20, 50, 100].map { values.prefix($0).min()! - problem.optimum }
        results.lock.lock()
        results.regrets[problem.name, default: [:]][seed] = regret
        results.seconds[problem.name, default: 0] += Date().timeIntervalSince(started)
        results.lock.unlock()
    }
}
func problem(_ name: String) -> Problem { Problem.all.first { $0.name == name }! }
func format(_ x: Double) -> String { String(format: x < 0.01 ? "%.2e" : "%.4g", x) }
print("sampler \(samplerName), \(seeds) seeds; regret @20 / @50 / @100 (median); per-seed @50; s per run")
for name in problemNames {
    let perSeed = (firstSeed..<(firstSeed + seeds)).map { results.regrets[name]![$0]! }
    let medians = (0..<3).map { i in median(perSeed.map { $0[i] }) }
    print("\(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(medians.map(format).joined(separator: " / "))   [\(perSeed.map { format($0[1]) }.joined(separator: " "))]  \(String(format: "%.2f", results.seconds[name]! / Double(seeds))) s; within 1% of the range at 50: \(perSeed.filter { $0[1] < 0.01 * problem(name).scale }.count)/\(seeds)")
}
