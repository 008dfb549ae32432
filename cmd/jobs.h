/*
 * jobs.h - `--jobs N`: work items run in exec'd deltaq worker processes (research/fork.md
 * 4c).  The parent has replayed the log and joined its pool (dq_table_stop_threads, or
 * closed the table) before it calls jobs_run; jobs_run starts the workers with
 * posix_spawn, hands out items (a few
 * at a time: about 2 ms of work per worker), and collects each item's records.  A worker that crashes, is killed or stops early
 * fails only the item it was running, and a new worker takes over the items left.
 *
 * Protocol (private between one deltaq binary and itself: the worker is /proc/self/exe,
 * so both sides are always the same build).  One JSON document per line, both ways.
 *
 *   argv   deltaq __worker --kind KIND --table LOCATION --threads M --parent-pid PID
 *          KIND picks the handler on the worker side (jobs_kinds[] in jobs.c); LOCATION is
 *          what dq_standins_location gave the caller (the table root, or for a table in
 *          an archive a folder of stand-ins for its files), opened once per worker with M
 *          pool threads.
 *   stdin  {"seq":S,"item":ITEM}          S = the item's index in the caller's list; ITEM
 *                                         is the caller's JSON object, passed through
 *                                         (the worker reads this shape by hand too, and
 *                                         hands ITEM's text to its kind)
 *          A worker holds a few items (MAX_DEPTH in jobs.c says how many) and runs them
 *          in order; the supervisor tops it up as end records arrive.  When it dies, the item in
 *          progress (the oldest without an end record) fails and the others go to another
 *          worker.  EOF on stdin: no more work, the worker exits 0.
 *   stdout {"type":"hello","pid":P,"kind":KIND,"threads":M,"init_ms":T,"ready_at_ms":R}
 *                                         once, when ready (T: main() to here; R: then,
 *                                         by CLOCK_MONOTONIC, for the start-up time)
 *          {"type":"record","seq":S,"record":RECORD}           zero or more per item
 *          {"type":"end","seq":S,"records":K,"us":U}           last, K = records sent,
 *                                         U = the item's run time in microseconds, less
 *                                         the time its records waited to be written (the
 *                                         supervisor sizes the queues by it; optional)
 *          Exactly these shapes, compact, keys in this order (RECORD a compact JSON
 *          object): the supervisor reads them by their shape, without a JSON parser, and
 *          hands each RECORD's text to the caller as it came.
 *          With DELTAQ_DEBUG=jobs the hello record also carries the worker's view of its
 *          start: "fds" (open descriptors), "blocked" and "ignored" (signal numbers),
 *          a diagnostic whose time T and R leave out.
 *   stderr inherited: a worker's own messages reach the user directly.
 *
 * An item succeeds when its end record arrives with the right count; its records are then
 * handed to the caller together, in the order the worker wrote them.  Anything else (the
 * worker exits or dies first, a line that is not JSON, a record for another item, a count
 * that does not match) fails the item with a one-line reason, and the worker is killed if
 * it is still alive.
 *
 * Adding a kind (e.g. `check --deep`): write an int fn(dq_table *, const char *item,
 * size_t len, struct jobs_emitter *) that calls jobs_emit (or jobs_record_begin and
 * jobs_record_end) for each record, add a row to jobs_kinds[] in jobs.c, and call
 * jobs_run with .kind set to its name.
 *
 * Test hooks (test-only, read by the worker; never set them in production):
 *   DELTAQ_TEST_WORKER_CRASH=S[:MODE]  on the item with seq S, the worker misbehaves:
 *       kill (default: writes half a record, then SIGKILLs itself), abort (SIGABRT),
 *       exit (exits 1 without an end record), noend (exits 0 after the records, without
 *       the end record), hang (sleeps; SIGTERM kills it), hang-hard (ignores SIGTERM and
 *       sleeps: only SIGKILL ends it).
 *   DELTAQ_TEST_LEAK_FD=1  (read by the supervisor) opens /dev/null without O_CLOEXEC
 *       before the first spawn, so a test can see that workers do not inherit it.
 *   DELTAQ_TEST_WORKER_EXE=PATH  (read by the supervisor) spawns PATH instead of
 *       /proc/self/exe, so a test can make every spawn fail.
 *   DELTAQ_TEST_SIGINT_STANDINS=1  (read by jobs_standins_open) sends the process SIGINT
 *       once the stand-ins are written, so a test can see that they are removed.
 * DELTAQ_DEBUG=jobs (a comma-separated list containing "jobs") makes the supervisor print
 * each worker's start, its hello record and a summary line on stderr.
 */
#ifndef DQ_CMD_JOBS_H
#define DQ_CMD_JOBS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"

struct jobs_spec {
	const char *kind;          /* worker kind, a name in jobs_kinds[] */
	const char *table;         /* table location every worker opens */
	unsigned workers;          /* processes to run at once (capped at nitems); 0: dq_cpus() */
	unsigned threads;          /* pool threads per worker; 0: dq_cpus() / workers, at least 1 */
	char *const *items;        /* work items: compact JSON object texts, no newline */
	size_t nitems;
	/* Each item's expected cost in any unit (e.g. its files), so that a worker's queue
	 * holds about the same time of work whatever the items' sizes; NULL or 0: 1. */
	const size_t *weights;
	void *ctx;
	/* Item i's records, in order, once its end record has arrived: each the compact JSON
	 * text the worker's jobs_emit wrote (borrowed, NUL-terminated, len bytes). */
	void (*record)(void *ctx, size_t item, const char *rec, size_t len);
	/* Item i is over: failure is NULL when it succeeded, else the reason (borrowed).
	 * Not called for an item cut short by SIGINT or SIGTERM. */
	void (*done)(void *ctx, size_t item, const char *failure);
	/* Called about ten times a second while workers run (may be NULL). */
	void (*tick)(void *ctx);
};

/* CLOCK_MONOTONIC, in milliseconds. */
double jobs_now_ms(void);

/*
 * Runs every item (see the protocol above).  Returns 0 when every item is accounted for
 * (succeeded or failed: see spec->done); SIGINT or SIGTERM (unless the process started
 * with it ignored, as in `deltaq scan --jobs 2 t &` in a script) when one arrived: no further
 * item was handed out, every worker was terminated (SIGTERM, then SIGKILL after 2 s or on
 * a second signal) and reaped, and the caller should report and call jobs_reraise; -1
 * when the supervisor itself could not be set up (message printed).
 */
int jobs_run(const struct jobs_spec *spec);

/* Ends the process by `sig` with its default action, so a calling shell sees the signal. */
_Noreturn void jobs_reraise(int sig);

/*
 * What the workers open (dq_standins_open, deltaq.h): the table, or for a table in an
 * archive a folder of stand-ins for the files paths[0..n) and the deletion vectors keys
 * name.  The archive's passes come first, where SIGINT ends the process at once; from then
 * until jobs_standins_close, SIGINT and SIGTERM are held (blocked: the pool's threads block
 * them too), so that one arriving while the folder exists is taken by jobs_run, whose
 * caller closes this before jobs_reraise, and the folder is never left behind.  0, or an
 * exit code after a message.
 */
struct jobs_standins {
	dq_standins *st;
	sigset_t old;
};
int jobs_standins_open(dq_table *t, const char *const *paths, const char *const *keys, size_t n,
		       struct jobs_standins *js);
/* dq_standins_location of what jobs_standins_open made (borrowed). */
const char *jobs_standins_location(const struct jobs_standins *js);
/* Removes the folder, if any, and stops holding the signals (one held is delivered). */
void jobs_standins_close(struct jobs_standins *js);

/* ---- worker side -------------------------------------------------------------------- */

struct jobs_emitter;

/* Sends one record of the current item (steals rec).  0, or -1 when stdout failed. */
int jobs_emit(struct jobs_emitter *em, json_t *rec);

/* A record the caller writes itself, without building it in jansson: exactly one compact
 * JSON object, on one line, to the stream jobs_record_begin returns, then
 * jobs_record_end (0, or -1 when stdout failed). */
FILE *jobs_record_begin(struct jobs_emitter *em);
int jobs_record_end(struct jobs_emitter *em);

struct jobs_kind {
	const char *name;
	/*
	 * Runs one item on the worker's table, sending its records with jobs_emit.  `item`
	 * is the item's JSON text as the caller gave it to jobs_run (NUL-terminated, len
	 * bytes).  Returns 0, or an exit code to end the worker with (the item then fails).
	 */
	int (*run)(dq_table *t, const char *item, size_t len, struct jobs_emitter *em);
};

/* The hidden `deltaq __worker` subcommand. */
int cmd_worker(int argc, char **argv, struct cli *cli);
extern const char usage_worker[];
extern const struct option options_worker[];

/* Kinds (their handlers live with their commands). */
int scan_worker_item(dq_table *t, const char *item, size_t len, struct jobs_emitter *em);
int check_worker_item(dq_table *t, const char *item, size_t len, struct jobs_emitter *em);

#endif
