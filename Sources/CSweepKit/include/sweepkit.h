/*
 * sweepkit.h — the C API of the SweepKit engine.
 *
 * Conventions (as in SQLite's C API):
 *   - Every function is prefixed sk_. Objects are opaque handles with a matching _free.
 *   - Every fallible call returns an sk_status. On anything but SK_OK/SK_DONE, sk_last_error()
 *     says why, naming the field of the spec that is wrong.
 *   - Structured data crosses as UTF-8 JSON text. Strings returned through `char **out` are owned
 *     by the caller and released with sk_free(). Input strings are borrowed for the call only.
 *   - No input, however malformed, makes the engine abort: bad input is an error code and a message.
 *   - Threads: any function may be called from any thread. A sweep handle serialises its own calls.
 *     sk_last_error() is per thread.
 */
#ifndef SWEEPKIT_H
#define SWEEPKIT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of this header; new functions are only ever added. */
#define SK_ABI_VERSION 1

typedef enum sk_status {
    SK_OK = 0,
    SK_DONE = 1,         /* nothing (more) to return: the sweep is over, or no trial completed yet */
    SK_INVALID = 2,      /* the spec or an argument breaks a rule; sk_last_error() names the field */
    SK_MISUSE = 3,       /* the API was used out of order (unknown trial, NULL or freed handle, ...) */
    SK_UNAVAILABLE = 4,  /* the feature exists in the API but not in this build */
    SK_INTERNAL = 5      /* a sampler or plugin failed while the sweep ran */
} sk_status;

typedef enum sk_trial_state {
    SK_TRIAL_COMPLETED = 1,
    SK_TRIAL_FAILED = 2,
    SK_TRIAL_CANCELED = 3
} sk_trial_state;

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
 * filled in) to *out_json. */
sk_status sk_spec_normalize(const char *spec_json, char **out_json);

/* Advice about a valid sweep spec that is not an error (e.g. Azure's recommendations for
 * Bayesian sampling): a JSON list of messages, empty when there is nothing to say. */
sk_status sk_spec_advice(const char *spec_json, char **out_json);

/* Validates a search space (wire or YAML dict form, mixed freely) and writes it in the requested
 * form: 0 = wire (["uniform", [0, 1]]), 1 = YAML dict ({"type": "uniform", ...}). */
sk_status sk_space_normalize(const char *space_json, int form, char **out_json);

/* Creates an in-process sweep from a spec. The spec is validated completely first. */
sk_status sk_sweep_create(const char *spec_json, sk_sweep **out_sweep);

/* Frees a sweep. NULL is ignored; freeing twice is detected and ignored. */
void sk_sweep_free(sk_sweep *sweep);

/* The spec as run (with the seed the engine drew when none was given). */
sk_status sk_sweep_spec(sk_sweep *sweep, char **out_json);

/* The next trial: its number and its parameters as a JSON object. SK_DONE when the sweep is over
 * (limits reached, sampler exhausted); sk_sweep_finish_reason() says why. */
sk_status sk_sweep_ask(sk_sweep *sweep, int64_t *out_number, char **out_params_json);

/* Records how trial `number` ended. COMPLETED needs a finite value; FAILED and CANCELED may pass
 * NAN. `message` (may be NULL) says why a trial failed or was canceled. */
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

/* Why sk_sweep_ask returned SK_DONE; SK_DONE here means the sweep is not over. */
sk_status sk_sweep_finish_reason(sk_sweep *sweep, char **out_text);

/* Names of the registered samplers as a JSON list. */
sk_status sk_samplers(char **out_json);

/* Writes points 0..n-1 of the Sobol sequence in `dimension` dimensions to out[n * dimension]
 * (row-major). scrambled = 0 gives the plain sequence, else it is scrambled with `seed`. */
sk_status sk_sobol_points(uint32_t dimension, uint32_t n, int scrambled, int64_t seed, double *out);

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

/* ---- Plugins ---------------------------------------------------------------------------------
 * A plugin is a shared library exporting `sweepkit_plugin` (sk_plugin_entry). Called with the
 * host's SK_PLUGIN_ABI_VERSION, it returns a pointer to a static vtable, or NULL if it cannot serve
 * that version. Every vtable starts with the same header (abi_version, struct_size, kind, name);
 * members are only ever appended, and struct_size tells the host which ones exist. Plain C data
 * crosses it, never Swift types, so a plugin built by another toolchain or core revision loads.
 * Strings a plugin returns (errors, decisions) are released with its own free_string. */

#define SK_PLUGIN_ABI_VERSION 1
#define SK_PLUGIN_ENTRY_SYMBOL "sweepkit_plugin"

typedef enum sk_plugin_kind { SK_PLUGIN_SAMPLER = 1, SK_PLUGIN_POLICY = 2 } sk_plugin_kind;

typedef const void *(*sk_plugin_entry)(uint32_t host_abi_version);

typedef struct sk_plugin_header {
    uint32_t abi_version;   /* the SK_PLUGIN_ABI_VERSION the plugin was built against */
    uint32_t struct_size;   /* sizeof its vtable struct */
    uint32_t kind;          /* sk_plugin_kind */
    const char *name;       /* the name users select it by: [a-z][a-z0-9_]* */
} sk_plugin_header;

typedef struct sk_sampler_vtable {
    sk_plugin_header header;
    /* config_json: {"seed": int|null, "dimension": n, "search_space": <wire form>, "options": {...}}.
     * Returns the sampler's state, or NULL with *error set. */
    void *(*create)(const char *config_json, char **error);
    /* Writes trial `trial_number`'s point (dimension coordinates in [0, 1]) to out.
     * Returns 0 (a point), 1 (exhausted: the sweep ends) or -1 (failure, *error set). */
    int32_t (*suggest)(void *state, int64_t trial_number, double *out, uint32_t dimension, char **error);
    /* A finished trial. trial_state: 1 completed, 2 failed, 3 canceled; value NaN when it has none;
     * maximize: 1 when larger values are better. */
    void (*observe)(void *state, int64_t trial_number, const double *point, uint32_t dimension,
                    int32_t trial_state, double value, int32_t maximize);
    void (*destroy)(void *state);
    void (*free_string)(char *text);
} sk_sampler_vtable;

/* One trial's curve for a policy: values[offset ..< offset + length] of the shared array. */
typedef struct sk_curve {
    int64_t number;
    int32_t trial_state;    /* 0 running, 1 completed, 2 failed, 3 canceled */
    uint32_t length;
    uint64_t offset;
} sk_curve;

typedef struct sk_policy_vtable {
    sk_plugin_header header;
    /* config_json: {"options": {...}} (the policy's keys from the spec). NULL with *error on failure. */
    void *(*create)(const char *config_json, char **error);
    /* Decides for `trial` at `interval` (1-based). Returns 1 (stop; *out_value, *out_threshold and
     * *out_reason describe why), 0 (continue) or -1 (failure, *out_reason is the error). */
    int32_t (*evaluate)(void *state, int64_t trial, int64_t interval, const sk_curve *curves, uint32_t count,
                        const double *values, int32_t maximize, double *out_value, double *out_threshold,
                        char **out_reason);
    void (*destroy)(void *state);
    void (*free_string)(char *text);
} sk_policy_vtable;

/* Loads a plugin library and registers what it provides; writes {"name", "kind", "abi_version",
 * "origin"} to *out_json. A bad library (missing symbol, other ABI version, invalid vtable, a name
 * already taken) is SK_INVALID with the reason; nothing is registered then. */
sk_status sk_plugin_load(const char *path, char **out_json);

/* Registers a sampler given directly as a vtable (e.g. one implemented by a language binding). */
sk_status sk_plugin_register_sampler(const sk_sampler_vtable *vtable, const char *origin);

/* Every registered sampler and policy, built-in or plugin: a JSON list of
 * {"name", "kind", "origin", "abi_version"}. */
sk_status sk_plugins(char **out_json);

#ifdef __cplusplus
}
#endif
#endif
