#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitJobs
import SweepKitPlatform

/// Starting and resuming: the MLflow runs a sweep needs, and bringing an engine to where the
/// journal says the sweep was when the previous engine stopped.
extension SweepJobRunner {
    /// The experiment and the parent run: from the journal, or found by tag (a previous engine
    /// created it and died before journaling it), or created.
    func prepareTracking(resumed: Bool) throws(SweepKitError) {
        try store.prepare()
        if let experiment = recorder.state.experimentID, let parent = recorder.state.parentRunID {
            experimentID = experiment
            parentRunID = parent
            return
        }
        // Two engines starting on one store may both find no experiment and both create it: the
        // loser's insert fails, and a second look finds the winner's.
        do { experimentID = try store.experimentID(named: spec.experimentName) } catch {
            experimentID = try store.experimentID(named: spec.experimentName)
        }
        if resumed, let existing = try store.runs(experimentID: experimentID, taggedWith: "sweepkit.sweep_job", value: spec.name).first {
            parentRunID = existing
        } else {
            parentRunID = try store.createRun(
            experimentID: experimentID, name: spec.displayName ?? spec.name, parentRunID: nil,
            tags: [("sweepkit.job", spec.name), ("sweepkit.sweep_job", spec.name), ("sweepkit.type", "sweep")],
            params: [("sampling_algorithm", spec.sweep.samplingAlgorithm.json.jsonText),
                         ("primary_metric", spec.sweep.primaryMetric), ("goal", spec.sweep.goal.rawValue)])
        }
        try recorder.record(.tracking(experimentID: experimentID, parentRunID: parentRunID))
    }

    /// Brings the sampler and the policy to where the journal says the sweep was: the trials are
    /// asked and told again in the journal's order, so the sampler (seeded at submission) proposes
    /// exactly the trials it proposed before. Nothing is launched here.
    func replaySampler(_ entries: [JournalEntry]) throws(SweepKitError) {
        for entry in entries {
            switch entry.event {
            case .trialStarted(let start) where start.number == sweep.trials.count:
                guard let trial = try sweep.ask(), trial.number == start.number, trial.params == start.params else {
                    throw .internalFailure(
                        "the sampler proposes other parameters for trial \(start.number) than the journal records; the job cannot be resumed by this build of SweepKit (was it submitted with another version?)")
                }
            case .trialStopping(let number, let decision):
                sweep.restore(curve: number, values: sweep.curve(number), decision: decision)
            case .trialEnded(let end):
                sweep.restore(curve: end.number, values: end.history, decision: nil)
                try sweep.tell(end.number, value: end.value, state: end.state, message: end.message)
            default:
                break
            }
        }
    }

    /// Runs a crashed engine created but never journaled (it died between creating a run and
    /// recording it) go to MLflow's trash, so MLflow shows exactly the journal's runs.
    func removeUnjournaledRuns(_ entries: [JournalEntry]) throws(SweepKitError) {
        var known: Set<String> = [parentRunID]
        for entry in entries {
            if case .trialStarted(let start) = entry.event { known.insert(start.runID) }
        }
        for runID in try store.runs(experimentID: experimentID, taggedWith: "sweepkit.job", value: spec.name) where !known.contains(runID) {
            try store.deleteRun(runID: runID)
        }
    }

    /// The trials that were running when the previous engine stopped. Each is watched again
    /// (adopted): one still running keeps running and is supervised as if this engine had launched
    /// it; one that ended meanwhile is collected from what it left (its exit status, its metrics);
    /// one whose process vanished without an exit status is relaunched (or Failed). A trial the
    /// policy was stopping is stopped.
    func recoverUnfinishedTrials() throws(SweepKitError) {
        let now = Clock.monotonicSeconds()
        let nowEpoch = Clock.epochMilliseconds()
        for record in recorder.state.unfinishedTrials {
            let folders = TrialSetup.Folders(directory: record.directory, logDirectory: record.logDirectory)
            guard let process = record.process else {
                // Journaled as started, never as launched: its process (or its job on a cluster)
                // may exist with no id on record.
                for pid in ProcessTable.processes(withEnvironmentEntry: "SWEEPKIT_TRIAL=\(record.name)") { ChildProcess.signal(pid, SIGKILL) }
                launcher.abandon(name: folders.attemptName)
                try handleVanished(RunningTrial(number: record.number, name: record.name, runID: record.runID,
                                                launched: LaunchedTrial(pid: 0, startTicks: 0), folders: folders, startedAt: now,
                                                adopted: true, nextMetricRead: now))
                continue
            }
            var trial = RunningTrial(
                number: record.number, name: record.name, runID: record.runID, launched: process, folders: folders,
                startedAt: now - Double(nowEpoch - record.startedAt) / 1000,
                runningSince: record.runningAt.map { now - Double(nowEpoch - $0) / 1000 }, adopted: true, nextMetricRead: now)
            if let decision = record.stopDecision {
                stop(&trial, reason: decision.reason, interval: decision.interval)
            } else {
                log.write("\(record.name) was running when the engine stopped: watching it again")
            }
            running[record.number] = trial
        }
    }

    /// A trial whose process is gone without an exit status: relaunched as a new attempt, or
    /// Failed with `--fail-interrupted`. One the policy was stopping ends Canceled.
    func handleVanished(_ trial: RunningTrial) throws(SweepKitError) {
        if let reason = trial.stopReason {
            let outcome = TrialOutcome(state: .canceled, value: TrialOutcome.best(Array(trial.intervals.prefix(trial.stopInterval ?? Int.max)), spec.sweep.goal),
                                       message: reason)
            return try endTrial(number: trial.number, name: trial.name, runID: trial.runID, outcome: outcome, exit: nil,
                                metrics: TrialOutcome.metrics(trial, primaryMetric: spec.sweep.primaryMetric))
        }
        let message = "the trial's process ended while no engine watched it and left no exit status"
        if options.relaunchInterrupted, let again = sweep.trial(trial.number) {
            if !trial.runID.isEmpty {
                try store.finishRun(runID: trial.runID, status: .killed, tags: [("sweepkit.message", message + "; relaunched")])
            }
            sweep.restore(curve: trial.number, values: [], decision: nil)
            log.write("\(trial.name): \(message): relaunching it")
            relaunchQueue.append(again)
        } else {
            try endTrial(number: trial.number, name: trial.name, runID: trial.runID,
                         outcome: TrialOutcome(state: .failed, value: nil, message: message), exit: nil)
        }
    }
}
