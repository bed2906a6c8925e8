/*
 * sweepkit.h — the C API of the SweepKit engine.
 *
 * Conventions (as in SQLite's C API):
 *   - Every function is prefixed sk_. Objects are opaque handles with a matching _free.
 *   - Every fallible call returns an sk_status. On anything but SK_OK/SK_DONE, sk_last_error()
 *     says why, naming the field of the spec that is wrong. Where an output may legitimately be
 *     absent, the call says so in its comment (SK_DONE, or SK_OK with *out set to NULL).
 *   - Structured data crosses as UTF-8 JSON text. Strings returned through `char **out` are owned
 *     by the caller and released with sk_free(). Input strings are borrowed for the call only.
 *   - No input, however malformed, makes the engine abort: bad input is an error code and a message.
 *     JSON arguments are bounded (size, nesting depth, values; see sk_input_limits): a document
 *     over a limit is SK_INVALID naming the argument and the limit's environment variable.
 *   - Threads: any function may be called from any thread. A sweep handle serialises its own calls.
 *     sk_last_error() is per thread.
 *   - Handles are opaque values, not addresses: each sk_sweep_create returns a value never handed
 *     out before in this process, so a freed handle stays SK_MISUSE for ever, even after later
 *     sweeps are created (no address reuse can bring it back).
 *   - Enumerations cross function-pointer and struct boundaries as int32_t (their width in C is
 *     the compiler's choice); the comments name the enum whose values they carry.
 */
#ifndef SWEEPKIT_H
#define SWEEPKIT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of this header; new functions are only ever added.
 * 2: sk_sweep_finish_reason returns SK_OK with NULL (not SK_DONE) while the sweep goes on;
 *    sk_sobol_points takes an sk_sobol_mode (other values are SK_MISUSE) and refuses sizes above
 *    SK_SOBOL_MAX_VALUES; handles are never reused; plugin callbacks return sk_plugin_result. */
#define SK_ABI_VERSION 2

typedef enum sk_status {
    SK_OK = 0,
    SK_DONE = 1,         /* nothing (more) to return; only sk_sweep_ask (the sweep is over) and
                            sk_sweep_best (no trial completed yet) return it */
    SK_INVALID = 2,      /* the spec or an argument breaks a rule; sk_last_error() names the field */
    SK_MISUSE = 3,       /* the API was used out of order (unknown trial, NULL or freed handle, ...) */
    SK_UNAVAILABLE = 4,  /* the feature exists in the API but not in this build */
    SK_INTERNAL = 5      /* a sampler or plugin failed while the sweep ran */
} sk_status;

typedef enum sk_trial_state {
    SK_TRIAL_RUNNING = 0,    /* only in what the engine reports (plugin curves); sk_sweep_tell refuses it */
    SK_TRIAL_COMPLETED = 1,
    SK_TRIAL_FAILED = 2,
    SK_TRIAL_CANCELED = 3
} sk_trial_state;

/* Which way the objective goes (what plugins are told; the spec itself says "minimize"/"maximize"). */
typedef enum sk_goal {
    SK_GOAL_MINIMIZE = 0,
    SK_GOAL_MAXIMIZE = 1
} sk_goal;

/* The two written forms of a search space. */
typedef enum sk_space_form {
    SK_SPACE_WIRE = 0,   /* {"lr": ["uniform", [0, 1]]}: the canonical form */
    SK_SPACE_YAML = 1    /* {"lr": {"type": "uniform", "min_value": 0, "max_value": 1}} */
} sk_space_form;

/* Plain or scrambled Sobol points (sk_sobol_points). */
typedef enum sk_sobol_mode {
    SK_SOBOL_PLAIN = 0,      /* scipy.stats.qmc.Sobol(d, scramble=False), bit for bit */
    SK_SOBOL_SCRAMBLED = 1   /* linear matrix scramble and digital shift drawn from the seed */
} sk_sobol_mode;

/* The most values (n * dimension) one sk_sobol_points call writes: 2^28 doubles (2 GiB). */
#define SK_SOBOL_MAX_VALUES (1u << 28)

typedef struct sk_sweep sk_sweep;

/* The ABI version the library was built with (compare with SK_ABI_VERSION). */
int sk_abi_version(void);

/* The library version, a static string: do not free. */
const char *sk_version(void);

/* Why the last failing call on this thread failed; "" if none. Valid until the next sk_ call on
 * this thread; do not free. */
const char *sk_last_error(void);

/* Frees a string returned by this library. NULL is ignored. */
void sk_free(char *text);

/* Validates a sweep spec and writes its canonical JSON (wire-form search space, every default
 * filled in) to *out_json. The sampler and policy names must be registered (built-in, or a plugin
 * of SWEEPKIT_PLUGIN_PATH, which this call loads, or one registered before). */
sk_status sk_spec_normalize(const char *spec_json, char **out_json);

/* Advice about a valid sweep spec that is not an error (e.g. Azure's recommendations for
 * Bayesian sampling): a JSON list of messages, empty when there is nothing to say. */
sk_status sk_spec_advice(const char *spec_json, char **out_json);

/* Validates a search space (wire or YAML dict form, mixed freely) and writes it in `form`.
 * A form other than SK_SPACE_WIRE or SK_SPACE_YAML is SK_MISUSE. */
sk_status sk_space_normalize(const char *space_json, sk_space_form form, char **out_json);

/* Creates an in-process sweep from a spec. The spec is validated completely first. */
sk_status sk_sweep_create(const char *spec_json, sk_sweep **out_sweep);

/* Frees a sweep. NULL is ignored; freeing twice is detected and ignored. Every later call with the
 * freed handle is SK_MISUSE. */
void sk_sweep_free(sk_sweep *sweep);

/* The spec as run (with the seed the engine drew when none was given). */
sk_status sk_sweep_spec(sk_sweep *sweep, char **out_json);

/* The next trial: its number and its parameters as a JSON object. SK_DONE when the sweep is over
 * (limits reached, sampler exhausted); sk_sweep_finish_reason() says why. */
sk_status sk_sweep_ask(sk_sweep *sweep, int64_t *out_number, char **out_params_json);

/* Records how trial `number` ended. COMPLETED needs a finite value; FAILED and CANCELED may pass
 * NAN. `message` (may be NULL) says why a trial failed or was canceled; one longer than the
 * max_message_bytes limit (sk_input_limits) is SK_INVALID, never cut. */
sk_status sk_sweep_tell(sk_sweep *sweep, int64_t number, sk_trial_state state, double value, const char *message);

/* Reports a new value of a running trial's primary metric (its next interval) to the
 * early-termination policy. *out_stop is 1 when the trial should stop (tell it CANCELED); then
 * *out_decision_json (if not NULL) receives the decision: {"trial", "interval", "policy", "value",
 * "threshold", "reason"}. Non-finite values are ignored. */
sk_status sk_sweep_report(sk_sweep *sweep, int64_t number, double value, int *out_stop, char **out_decision_json);

/* Every early-termination decision so far, as a JSON list. */
sk_status sk_sweep_decisions(sk_sweep *sweep, char **out_json);

/* The best completed trial as JSON ({"number", "state", "params", "value", ...}); SK_DONE if no
 * trial has completed. */
sk_status sk_sweep_best(sk_sweep *sweep, char **out_trial_json);

/* Every trial so far, in order, as a JSON list. */
sk_status sk_sweep_trials(sk_sweep *sweep, char **out_json);

/* Why the sweep is over (why sk_sweep_ask returned SK_DONE), e.g. "max_total_trials (3) reached".
 * SK_OK in both cases: *out_text is the reason once the sweep is over, NULL while it goes on. */
sk_status sk_sweep_finish_reason(sk_sweep *sweep, char **out_text);

/* The bounds on input (document size, nesting depth, values, choice values, message length) in
 * force, each with its default and the environment variable that overrides it:
 * {"max_input_depth": {"value": 64, "default": 64, "environment_variable": "SWEEPKIT_MAX_INPUT_DEPTH",
 *  "unit": "levels", "summary": "..."}, ...}. Input over a limit is SK_INVALID naming the field and
 * the variable; a variable that is set but not a whole number in range is SK_INVALID too. */
sk_status sk_input_limits(char **out_json);

/* Names of the registered samplers as a JSON list. */
sk_status sk_samplers(char **out_json);

/* Writes points 0..n-1 of the Sobol sequence in `dimension` dimensions to out[n * dimension]
 * (row-major); `seed` is used by SK_SOBOL_SCRAMBLED only. SK_INVALID when dimension is not in
 * 1...1024 or n * dimension exceeds SK_SOBOL_MAX_VALUES (checked before anything is written). */
sk_status sk_sobol_points(uint32_t dimension, uint32_t n, sk_sobol_mode mode, int64_t seed, double *out);

/* ---- Sweep jobs (command trials run by an engine process) --------------------------------
 * `workspace` is the folder holding the jobs (NULL: $SWEEPKIT_WORKSPACE, else ./.sweepkit).
 * Reports are JSON: {"name", "status", "properties": {"best_child_run_id", ...}, "trials": [...], ...}. */

/* Validates a sweep job (JSON, the sweep YAML's keys) completely, names it if it has no name,
 * and records it; nothing runs until its engine (`sweepkit job run NAME`) starts. Writes the
 * job's report to *out_json. Relative `trial.code` and a relative or missing `tracking_uri` are
 * resolved against the current directory. */
sk_status sk_job_submit(const char *workspace, const char *job_json, char **out_json);

/* The report of one job; SK_INVALID naming `name` when there is no such job. */
sk_status sk_job_show(const char *workspace, const char *name, char **out_json);

/* The reports of every job, oldest first, as a JSON list. */
sk_status sk_job_list(const char *workspace, char **out_json);

/* Requests cancellation: the engine stops the running trials and ends the sweep Canceled. A job
 * whose engine is not running is canceled at once. Writes the report as it stands. */
sk_status sk_job_cancel(const char *workspace, const char *name, char **out_json);

/* A job's progress for a viewer, from byte `offset` of its sweep.log (0 at first):
 * {"header": "RunId: ...\nWeb View: ...\n\n", "text": the complete new lines (plus the execution
 * summary once the job is over), "offset": where to continue, "over": whether the job's status is
 * a stopped one (finished, or NotResponding), "status": the job's status, "progress": where the sweep
 * stands: {"done", "total", "running", "failed", "best", "best_trial", "elapsed_seconds",
 * "remaining_seconds" (null when unknown), "over", "line" and "compact" (the same in words, long
 * and short)}}. Call it again with "offset" until "over" (`sweepkit job stream` prints exactly
 * this, with "line" redrawn in place on a terminal). */
sk_status sk_job_stream(const char *workspace, const char *name, int64_t offset, char **out_json);

/* Writes the job's report to `path` (NULL: report.html in the job's folder): one self-contained
 * HTML file (no network needed to view it) with the optimisation history, parallel coordinates,
 * slice plots, parameter importance (fANOVA main effects over a random forest, computed here),
 * learning curves with the policy's stops, the trial table and the spec. Writes
 * {"path": the absolute path, "bytes": its size, "trials": how many} to *out_json. */
sk_status sk_job_report(const char *workspace, const char *name, const char *path, char **out_json);

/* How sk_job_trials writes a job's trial table. */
typedef enum sk_table_format {
    SK_TABLE_JSON = 0,   /* a list of objects, every column in each, in column order */
    SK_TABLE_CSV = 1,    /* RFC 4180, a header line first */
    SK_TABLE_TEXT = 2    /* aligned columns for a terminal */
} sk_table_format;

/* A job's trials as one table: number, name, status, value, datetime_start, datetime_complete,
 * duration (seconds), params_<flat name>..., metrics_<key>..., attempts, exit, stop_interval,
 * message, run_id, log_directory (`sweepkit job trials` prints it). Another format is SK_MISUSE. */
sk_status sk_job_trials(const char *workspace, const char *name, sk_table_format format, char **out_text);

/* A sweep YAML document (as JSON) read from the file at `path`: checks `type: sweep`, makes its
 * relative paths (trial.code, plugins) absolute against the file's folder and reads
 * `compute: azureml:x` as x, as `sweepkit job create --file` does. */
sk_status sk_job_file_resolve(const char *document_json, const char *path, char **out_json);

/* A sweep YAML document (as JSON) read from the file at `path`, as `sweepkit job create --file
 * --set ...` reads it: `overrides_json`, a JSON list of {"dotted.path": value} objects (the Azure
 * ML SDK's load_job(params_override=...); "[]" for none), is applied to the document as written;
 * then `type: sweep` is checked, the `sweepkit.*` extension properties SweepKit's dump writes are
 * read back, deprecated single-brace placeholders in trial.command are upgraded to ${{...}},
 * relative paths (trial.code, local inputs, a local environment, plugins) are made absolute
 * against the file's folder, and what only an Azure ML workspace can resolve (an `azureml:` code
 * or data asset, a datastore) is SK_INVALID naming the field. *out_json is
 * {"document": {...}, "warnings": ["...", ...]}. */
sk_status sk_job_file_read(const char *document_json, const char *path, const char *overrides_json, char **out_json);

/* A trial command with its deprecated single-brace placeholders ({inputs.x}, {outputs.x},
 * {search_space.x}) written ${{...}}, as the Azure ML SDK upgrades them before it submits a job:
 * *out_json is {"command": "...", "warnings": [...]}, with Azure's warning when one was upgraded. */
sk_status sk_command_upgrade(const char *command, char **out_json);

/* A trial command for a sweep over some of a command's inputs: each ${{inputs.x}} (spaces inside
 * the braces allowed) whose x is in `names_json` (a JSON list) becomes ${{search_space.x}}. */
sk_status sk_command_sweep_inputs(const char *command, const char *names_json, char **out_json);

/* ---- Compute targets (where a job's trials run: `compute: NAME`) ----------------------------
 * A compute is JSON {"name", "type": "local" | "ray" | "slurm", ...the settings of its type}, as a
 * compute YAML file spells it (`sweepkit compute create --file`). Outputs show a token as "***".
 * A job whose compute is not registered runs its trials as local processes. */

/* Checks a compute and registers it in the workspace, replacing one of the same name; writes the
 * compute as stored. SK_INVALID naming the field for a bad one (a Slurm shared_dir must exist). */
sk_status sk_compute_create_or_update(const char *workspace, const char *compute_json, char **out_json);

/* A registered compute; SK_INVALID naming `name` when there is none. */
sk_status sk_compute_show(const char *workspace, const char *name, char **out_json);

/* Every registered compute, by name, as a JSON list. */
sk_status sk_compute_list(const char *workspace, char **out_json);

/* Unregisters a compute (jobs that name it then run locally); SK_INVALID naming `name` when
 * there is none. */
sk_status sk_compute_delete(const char *workspace, const char *name);

/* ---- Vocabulary: names bindings take from the engine instead of spelling them ---------------- */

/* {"job_statuses": [...], "finished_job_statuses": [...], "stopped_job_statuses": [...],
 *  "trial_states": [...], "job_status_cases": {"notStarted": "NotStarted", ...},
 *  "trial_state_cases": {"running": "Running", ...}, "trial_state_codes": {"Running": 0, ...}}:
 * the job statuses and trial states as reports spell them, by the engine's case names, and the
 * sk_trial_state code of each trial state. A job in a finished status never changes again; in a
 * stopped status (finished, or NotResponding) no engine runs it until it is resumed. */
sk_status sk_job_vocabulary(char **out_json);

/* The trial state a user wrote ("completed", "Failed", "cancelled", "pruned", ...; any case). */
sk_status sk_trial_state_from_name(const char *name, sk_trial_state *out_state);

/* Trial parameters with nested mappings (conditional choices) flattened to dotted names
 * ({"m": {"kernel": "rbf"}} -> {"m.kernel": "rbf"}): the names commands, environment variables
 * and MLflow use. */
sk_status sk_params_flatten(const char *params_json, char **out_json);

/* ---- Plugins ---------------------------------------------------------------------------------
 * A plugin is a shared library exporting `sweepkit_plugin` (sk_plugin_entry). Called with the
 * host's SK_PLUGIN_ABI_VERSION, it returns a pointer to its vtable, or NULL if it cannot serve
 * that version (the host then asks again for each older version it still supports, newest first).
 * Every vtable starts with the same header (abi_version, struct_size, kind, name); members are
 * only ever appended, and struct_size tells the host which ones exist. Plain C data crosses it,
 * never Swift types, so a plugin built by another toolchain or core revision loads.
 *
 * Lifetime: a registered vtable and every string it points to (its name) are read for as long as
 * the process lives and never freed or unloaded: they must be static (or leaked on purpose).
 * Strings a plugin returns from a call (errors, reasons) are the host's to release, with the
 * plugin's own free_string.
 *
 * Threads: the engine serialises the calls on one plugin state (one sampler or policy instance
 * belongs to one sweep; suggest, observe, evaluate and destroy on it never overlap). Calls on
 * different states, and `create`, may run concurrently on different threads, so state shared
 * between instances (globals) must be thread-safe.
 *
 * Callbacks that decide something return an sk_plugin_result (as int32_t). Each value means the
 * same thing everywhere: SK_PLUGIN_OK is the ordinary answer (a point was written; the trial goes
 * on), SK_PLUGIN_DONE and SK_PLUGIN_STOP are the two exceptional answers, each valid for one
 * callback, and SK_PLUGIN_ERROR is a failure with a message. Any other value is a failure.
 *
 * Version 1 plugins (SK_PLUGIN_ABI_VERSION 1) are still loaded: their vtables have the same
 * layout; their policy `evaluate` returned 1 to stop and 0 to continue, which the host translates
 * (their sampler `suggest` used today's values already). */

#define SK_PLUGIN_ABI_VERSION 2
/* The oldest plugin ABI version this host still loads. */
#define SK_PLUGIN_ABI_VERSION_OLDEST 1
#define SK_PLUGIN_ENTRY_SYMBOL "sweepkit_plugin"

typedef enum sk_plugin_kind { SK_PLUGIN_SAMPLER = 1, SK_PLUGIN_POLICY = 2 } sk_plugin_kind;

typedef enum sk_plugin_result {
    SK_PLUGIN_OK = 0,      /* suggest: the point is written to out; evaluate: the trial goes on */
    SK_PLUGIN_DONE = 1,    /* suggest only: nothing left to propose, the sweep ends */
    SK_PLUGIN_STOP = 2,    /* evaluate only: stop the trial; *out_value, *out_threshold, *out_reason say why */
    SK_PLUGIN_ERROR = -1   /* the call failed; *error (suggest) or *out_reason (evaluate) says why */
} sk_plugin_result;

typedef const void *(*sk_plugin_entry)(uint32_t host_abi_version);

typedef struct sk_plugin_header {
    uint32_t abi_version;   /* the SK_PLUGIN_ABI_VERSION the plugin was built against */
    uint32_t struct_size;   /* sizeof its vtable struct */
    uint32_t kind;          /* sk_plugin_kind */
    const char *name;       /* the name users select it by: [a-z][a-z0-9_]*; static */
} sk_plugin_header;

typedef struct sk_sampler_vtable {
    sk_plugin_header header;
    /* config_json: {"seed": int|null, "dimension": n, "search_space": <wire form>, "options": {...},
     * "name": the name it was selected by}. Returns the sampler's state, or NULL with *error set. */
    void *(*create)(const char *config_json, char **error);
    /* Trial `trial_number`'s point: writes dimension coordinates in [0, 1] to out and returns
     * SK_PLUGIN_OK, or returns SK_PLUGIN_DONE (exhausted: the sweep ends) or SK_PLUGIN_ERROR
     * (*error set: the sweep fails). */
    int32_t (*suggest)(void *state, int64_t trial_number, double *out, uint32_t dimension, char **error);
    /* A finished trial. trial_state: an sk_trial_state (completed, failed, canceled); value NaN
     * when it has none; goal: an sk_goal. */
    void (*observe)(void *state, int64_t trial_number, const double *point, uint32_t dimension,
                    int32_t trial_state, double value, int32_t goal);
    void (*destroy)(void *state);
    void (*free_string)(char *text);
} sk_sampler_vtable;

/* One trial's curve for a policy: values[offset ..< offset + length] of the shared array. */
typedef struct sk_curve {
    int64_t number;
    int32_t trial_state;    /* an sk_trial_state, SK_TRIAL_RUNNING included */
    uint32_t length;
    uint64_t offset;
} sk_curve;

typedef struct sk_policy_vtable {
    sk_plugin_header header;
    /* config_json: {"options": {...}} (the policy's keys from the spec). NULL with *error on failure. */
    void *(*create)(const char *config_json, char **error);
    /* Decides for `trial` at `interval` (1-based); goal is an sk_goal. Returns SK_PLUGIN_OK (the
     * trial goes on), SK_PLUGIN_STOP (*out_value, *out_threshold and *out_reason describe why) or
     * SK_PLUGIN_ERROR (*out_reason is the error). */
    int32_t (*evaluate)(void *state, int64_t trial, int64_t interval, const sk_curve *curves, uint32_t count,
                        const double *values, int32_t goal, double *out_value, double *out_threshold,
                        char **out_reason);
    void (*destroy)(void *state);
    void (*free_string)(char *text);
} sk_policy_vtable;

/* Loads a plugin library and registers what it provides; writes {"name", "kind", "abi_version",
 * "origin"} to *out_json (may be NULL). A bad library (missing symbol, unsupported ABI version,
 * invalid vtable, a name already taken) is SK_INVALID with the reason; nothing is registered then. */
sk_status sk_plugin_load(const char *path, char **out_json);

/* Registers the plugin an entry function returns, with the same checks as sk_plugin_load (for a
 * plugin linked into the program, or a language binding). `origin` says where it comes from. */
sk_status sk_plugin_register(sk_plugin_entry entry, const char *origin, char **out_json);

/* Registers a sampler given directly as a vtable (e.g. one implemented by a language binding). */
sk_status sk_plugin_register_sampler(const sk_sampler_vtable *vtable, const char *origin);

/* Every registered sampler and policy, built-in or plugin: {"plugins": [{"name", "kind",
 * "origin", "abi_version"}, ...]} plus "problems" (why SWEEPKIT_PLUGIN_PATH entries were refused). */
sk_status sk_plugins(char **out_json);

#ifdef __cplusplus
}
#endif
#endif
