import SweepKit
import SweepKitJobs

/// The engine's write side of a job: every event goes to the journal (durably, before the engine
/// acts on it) and, through the same `JobState.apply` that replay uses, into the state the
/// scheduler reads. So what the engine knows and what a report replays cannot differ.
final class JobRecorder {
    private let journal: JobJournal
    private(set) var state: JobState

    /// Opens the journal for appending (cutting off a torn last line) with the state `entries` give.
    init(path: String, entries: [JournalEntry]) throws(SweepKitError) {
        journal = try JobJournal(path: path)
        state = JobState(replaying: entries)
    }

    func record(_ event: JobEvent) throws(SweepKitError) {
        state.apply(try journal.append(event))
    }
}
