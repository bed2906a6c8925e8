extension SweepSpec {
    /// The spec with every default that makes a run reproducible decided: a sampler that draws
    /// random numbers (random, Bayesian, any plugin) gets a seed when none was given. This is the
    /// only place such defaults are drawn; what it returns is what gets recorded (a sweep's `spec`,
    /// a job's journal), so a replay never draws again. Grid is deterministic, and Sobol without a
    /// seed is the plain (unscrambled) sequence, so neither gets one.
    public func decidingDefaults() -> SweepSpec {
        var decided = self
        let name = samplingAlgorithm.samplerName
        if samplingAlgorithm.seed == nil, name != GridSampler.name, name != SobolSampler.name {
            decided.samplingAlgorithm.seed = Int.random(in: 0...Int(Int32.max))
        }
        return decided
    }
}
