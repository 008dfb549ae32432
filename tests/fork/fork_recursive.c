/*
 * fork_recursive.c - forks inside forks, depth 6 (the case that broke delta-rs's pool of
 * runtimes: each level forks while its *own*, newer pool is busy).
 *
 * Level 0 is this process.  Every level:
 *   - when it inherited its parent's handle: dq_snapshot_open and dq_resolve_ref on it
 *     fail with DQ_EFORKED naming the parent's pid, and dq_table_close returns (leaks);
 *   - opens a new handle (pool of 4) on every table, replays it and checks the answers;
 *   - unless it is the deepest level, keeps its first table's pool busy from a second
 *     thread, forks while a replay is in flight, checks its own replays again while the
 *     child runs, and waits for the child.
 * A failing level says what failed and exits non-zero, and every level above it fails
 * in turn, so the top exits non-zero with the whole chain on stderr.  Each child has a
 * watchdog (-w seconds, plus what its descendants may take), so a hang anywhere fails
 * instead of waiting.  -i (idle) forks without the busy thread: the variant run under
 * AddressSanitizer, whose allocator (gcc 12) is not fork-safe while threads allocate.
 *
 * usage: fork_recursive [-d DEPTH] [-w SECONDS] [-i] TABLE VERSION,FILES,BYTES,RECORDS...
 */
#include "forktest.h"

static unsigned depth = 6, wd = 10;
static bool idle;

static bool check_inherited(dq_table *t, pid_t opener)
{
	struct dq_error err = { 0 };
	struct dq_snapshot_request req = { .version = -1, .need = DQ_NEED_FILES };
	dq_snapshot *s = NULL;
	int rc = dq_snapshot_open(t, &req, &s, &err);
	bool ok = ft_is_eforked("dq_snapshot_open", rc, &err, opener) && !s;
	int64_t v = -7;
	memset(&err, 0, sizeof(err));
	rc = dq_resolve_ref(t, "0", &v, &err);
	ok = ft_is_eforked("dq_resolve_ref", rc, &err, opener) && ok;
	dq_table_close(t); /* leaks; must return */
	return ok;
}

/* Runs level `level`; returns true when it and every level below it passed. */
static bool run_level(unsigned level, dq_table *inherited, pid_t opener)
{
	static char where[32];
	snprintf(where, sizeof(where), "(level %u)", level);
	ft_where = where;

	bool ok = true;
	if (inherited)
		ok = check_inherited(inherited, opener);
	dq_table *mine[FT_MAX_TABLES] = { 0 };
	for (int i = 0; i < ft_ntables && ok; i++) {
		mine[i] = ft_open(&ft_tables[i]);
		ok = mine[i] && ft_replay_check(mine[i], &ft_tables[i], NULL);
	}
	if (ok && level < depth) {
		struct ft_busy busy;
		bool busy_on = !idle && ft_busy_start(&busy, mine[0], &ft_tables[0]);
		ok = idle || busy_on;
		if (busy_on)
			ft_busy_wait_replaying(&busy);
		pid_t me = getpid();
		pid_t pid = ok ? fork() : -1;
		if (pid == 0) {
			/* Deeper levels give up first, so the report names the level that hung. */
			ft_watchdog(wd * (depth - level));
			_exit(run_level(level + 1, mine[0], me) ? 0 : 1);
		}
		if (ok && pid < 0) {
			ft_say("fork: %s", strerror(errno));
			ok = false;
		}
		for (int i = 0; i < ft_ntables && ok; i++)
			ok = ft_replay_check(mine[i], &ft_tables[i], NULL);
		if (busy_on)
			ok = ft_busy_stop(&busy) && ok;
		if (pid > 0) {
			char what[48];
			snprintf(what, sizeof(what), "level %u", level + 1);
			ok = ft_child_ok(pid, what) && ok;
			ft_where = where;
		}
	}
	for (int i = 0; i < ft_ntables; i++)
		dq_table_close(mine[i]);
	return ok;
}

int main(int argc, char **argv)
{
	const char *opts = "[-d DEPTH] [-w SECONDS] [-i]";
	int c;
	ft_prog = "fork_recursive";
	while ((c = getopt(argc, argv, "d:w:i")) != -1) {
		if (c == 'd')
			depth = (unsigned)atoi(optarg);
		else if (c == 'w')
			wd = (unsigned)atoi(optarg);
		else if (c == 'i')
			idle = true;
		else
			ft_usage(opts);
	}
	ft_parse_tables(argc, argv, optind, opts);
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(wd * (depth + 1) + 30); /* the top's own watchdog */

	bool ok = run_level(0, NULL, 0);
	printf("%s - recursive fork, depth %u%s: every level refuses the inherited handle and "
	       "replays %d table(s) right with its own\n",
	       ok ? "ok" : "not ok", depth, idle ? " (idle pools)" : " (busy pools)", ft_ntables);
	return ok ? 0 : 1;
}
