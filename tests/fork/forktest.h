/*
 * forktest.h - what the C programs in tests/fork/ share: the command line (tables and
 * their expected answers), a replay checked against those answers, a background thread
 * that keeps a handle's pool busy, the check of the DQ_EFORKED error, watchdogs, and the
 * report of how a child ended.
 *
 * The expected answers come from the command line, never from deltaq: tests/fork/run.py
 * reads them from the fixtures' facts (tests/fixtures/gen.py --facts) and from the corpus'
 * <table>.expected.json.  Each TABLE argument is followed by VERSION,FILES,BYTES,RECORDS
 * (RECORDS -1 when the table's record count is not known).
 *
 * Failures go to stderr as "fork_busy: child 123 (level 2): <what>", written with one
 * write(2) from a stack buffer, so a child made by _Fork() can report too.
 */
#ifndef DQ_FORKTEST_H
#define DQ_FORKTEST_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deltaq.h"

#define FT_MAX_TABLES 8
#define FT_THREADS 4          /* pool size of every handle the tests open */

struct ft_expect {
	const char *table;
	long long version, files, bytes, records; /* records -1: not compared */
};

static const char *ft_prog = "forktest";
static struct ft_expect ft_tables[FT_MAX_TABLES];
static int ft_ntables;
static const char *ft_where = ""; /* "level 2", ... for messages */

/* One line on stderr, prefixed with the program, pid and ft_where; no FILE, no malloc. */
__attribute__((format(printf, 1, 2))) static inline void ft_say(const char *fmt, ...)
{
	char buf[768];
	int n = snprintf(buf, sizeof(buf), "%s: %d%s%s: ", ft_prog, (int)getpid(),
			 *ft_where ? " " : "", ft_where);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	size_t cap = sizeof(buf) - (size_t)n - 1; /* vsnprintf's size; a byte stays for '\n' */
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, cap, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m < cap ? (size_t)m : cap - 1);
	buf[len++] = '\n';
	ssize_t w = write(2, buf, len);
	(void)w;
}

static inline void ft_usage(const char *opts)
{
	fprintf(stderr, "usage: %s %s TABLE VERSION,FILES,BYTES,RECORDS...\n", ft_prog, opts);
	exit(2);
}

/* Parses the TABLE EXPECT pairs from argv[i..argc). */
static inline void ft_parse_tables(int argc, char **argv, int i, const char *opts)
{
	if (i >= argc || (argc - i) % 2)
		ft_usage(opts);
	for (; i + 1 < argc; i += 2) {
		if (ft_ntables == FT_MAX_TABLES)
			ft_usage(opts);
		struct ft_expect *e = &ft_tables[ft_ntables++];
		e->table = argv[i];
		if (sscanf(argv[i + 1], "%lld,%lld,%lld,%lld", &e->version, &e->files, &e->bytes,
			   &e->records) != 4)
			ft_usage(opts);
	}
}

/*
 * Replays the latest version of t (file list) and compares it with e.  True when it
 * matches; otherwise says what differs.  in_replay, if given, is set while the replay
 * runs (the fork-while-busy tests wait for it).
 */
static inline bool ft_replay_check(dq_table *t, const struct ft_expect *e,
				   atomic_bool *in_replay)
{
	struct dq_error err = { 0 };
	struct dq_snapshot_request req = { .version = -1, .need = DQ_NEED_FILES };
	dq_snapshot *s = NULL;
	if (in_replay)
		atomic_store(in_replay, true);
	int rc = dq_snapshot_open(t, &req, &s, &err);
	if (in_replay)
		atomic_store(in_replay, false);
	if (rc) {
		ft_say("%s: replay failed (%d): %s", e->table, rc, err.msg);
		return false;
	}
	struct dq_totals tot;
	dq_snapshot_totals(s, &tot);
	long long v = dq_snapshot_version(s);
	/* A partial count (some file without stats) must not exceed the expected one: the
	 * rule of tests/conformance/corpus.py. */
	bool records_ok = e->records < 0 || (tot.num_records_exact ? tot.num_records == e->records
								   : tot.num_records <= e->records);
	bool ok = v == e->version && tot.num_files == e->files && tot.size_bytes == e->bytes &&
		  records_ok;
	if (!ok)
		ft_say("%s: replay gave version %lld, %lld files, %lld bytes, %lld records%s; "
		       "expected %lld, %lld, %lld, %lld",
		       e->table, v, (long long)tot.num_files, (long long)tot.size_bytes,
		       (long long)tot.num_records, tot.num_records_exact ? "" : " (not exact)",
		       e->version, e->files, e->bytes, e->records);
	dq_snapshot_close(s);
	return ok;
}

/* Opens e->table with a pool of FT_THREADS, or says why not and returns NULL. */
static inline dq_table *ft_open(const struct ft_expect *e)
{
	struct dq_error err = { 0 };
	struct dq_options opt = { .threads = FT_THREADS };
	dq_table *t = NULL;
	if (dq_table_open(e->table, &opt, &t, &err)) {
		ft_say("%s: cannot open: %s", e->table, err.msg);
		return NULL;
	}
	return t;
}

/* A new handle on every table, each replayed and checked, then closed. */
static inline bool ft_fresh_handles_ok(void)
{
	bool ok = true;
	for (int i = 0; i < ft_ntables; i++) {
		dq_table *t = ft_open(&ft_tables[i]);
		ok = t && ft_replay_check(t, &ft_tables[i], NULL) && ok;
		dq_table_close(t);
	}
	return ok;
}

/*
 * The error every call on an inherited handle must give: DQ_EFORKED, with the message
 * naming the process that opened the handle and this one.  True when rc and err are it.
 */
static inline bool ft_is_eforked(const char *call, int rc, const struct dq_error *err,
				 pid_t opener)
{
	char want[256];
	snprintf(want, sizeof(want),
		 "table handle was opened in process %d before a fork; open a new one in this "
		 "process (%d)",
		 (int)opener, (int)getpid());
	if (rc == DQ_EFORKED && err->code == DQ_EFORKED && strcmp(err->msg, want) == 0)
		return true;
	ft_say("%s on an inherited handle returned %d (error %d, \"%s\"); expected DQ_EFORKED "
	       "(%d) with \"%s\"",
	       call, rc, err->code, err->msg, DQ_EFORKED, want);
	return false;
}

/* ---- a thread that keeps a handle's pool busy ------------------------------------- */

struct ft_busy {
	dq_table *t;
	const struct ft_expect *e;
	pthread_t thread;
	atomic_bool stop, in_replay;
	atomic_uint replays, failures;
};

static inline void *ft_busy_main(void *arg)
{
	struct ft_busy *b = arg;
	while (!atomic_load(&b->stop)) {
		if (!ft_replay_check(b->t, b->e, &b->in_replay))
			atomic_fetch_add(&b->failures, 1);
		atomic_fetch_add(&b->replays, 1);
	}
	return NULL;
}

static inline bool ft_busy_start(struct ft_busy *b, dq_table *t, const struct ft_expect *e)
{
	b->t = t;
	b->e = e;
	atomic_init(&b->stop, false);
	atomic_init(&b->in_replay, false);
	atomic_init(&b->replays, 0);
	atomic_init(&b->failures, 0);
	if (pthread_create(&b->thread, NULL, ft_busy_main, b) != 0) {
		ft_say("cannot start the busy thread");
		return false;
	}
	return true;
}

/*
 * Waits until the busy thread is inside a replay (its pool has jobs in flight), so that
 * the fork that follows happens while the pool is busy, every time.
 */
static inline void ft_busy_wait_replaying(struct ft_busy *b)
{
	while (!atomic_load(&b->in_replay))
		sched_yield();
}

/* Stops and joins the thread; true when every replay it made was right. */
static inline bool ft_busy_stop(struct ft_busy *b)
{
	atomic_store(&b->stop, true);
	pthread_join(b->thread, NULL);
	unsigned f = atomic_load(&b->failures);
	if (f)
		ft_say("%s: %u of the parent's %u concurrent replays were wrong", b->e->table, f,
		       atomic_load(&b->replays));
	return f == 0;
}

/* ---- children --------------------------------------------------------------------- */

/*
 * The child's watchdog: SIGALRM with its default action kills it, and the parent reports
 * a hang.  A child forked while other threads blocked signals inherits the forking
 * thread's mask only, but unblock SIGALRM anyway.
 */
static inline void ft_watchdog(unsigned seconds)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	signal(SIGALRM, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	alarm(seconds);
}

/* Reaps pid; true when it exited 0, else says how it ended. */
static inline bool ft_child_ok(pid_t pid, const char *what)
{
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != pid) {
		ft_say("%s: waitpid: %s", what, strerror(errno));
		return false;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		ft_say("%s: child %d hung (its watchdog fired)", what, (int)pid);
	else if (WIFSIGNALED(st))
		ft_say("%s: child %d killed by signal %d", what, (int)pid, WTERMSIG(st));
	else
		ft_say("%s: child %d exited %d", what, (int)pid, WEXITSTATUS(st));
	return false;
}

/* splitmix64: the same fork moments on every run. */
static inline uint64_t ft_rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void ft_sleep_us(unsigned us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

#endif
