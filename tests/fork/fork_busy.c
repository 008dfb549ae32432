/*
 * fork_busy.c - the seed bug: a process forks while its deltaq pool is busy.
 *
 * For each table, the parent opens one handle with a pool of 4 threads and keeps a thread
 * replaying it in a loop, so the pool's workers are parsing commits and taking and
 * dropping its mutex all the time.  The main thread then forks ROUNDS times, each time
 * at a random moment (fixed seed) while a replay is in flight.  Each child:
 *   - calls dq_snapshot_open and dq_table_versions on the inherited handle: both must
 *     fail with DQ_EFORKED and the documented message (a pool whose workers do not exist
 *     in the child, maybe with its mutex copied while held, would otherwise hang it);
 *   - closes the inherited handle, which must return (it leaks; joining would hang or
 *     "succeed" on threads that never ran);
 *   - opens a new handle on every table and replays it: the answers must be the expected
 *     ones (the child's own pool works).
 * Every fourth child comes from _Fork(), which runs no pthread_atfork handler, so only the
 * pid comparison can catch it; such a child may only use async-signal-safe calls, so it
 * checks the inherited handle and does not open a new one.  Meanwhile the parent's own
 * replays must stay right.
 *
 * Each child runs under a watchdog (-w seconds): a hang kills it with SIGALRM, and the
 * test fails naming it.  Built against the control library (fork detection off) the
 * first child hangs: run.py asserts that.
 *
 * usage: fork_busy [-n ROUNDS] [-w SECONDS] TABLE VERSION,FILES,BYTES,RECORDS...
 */
#include "forktest.h"

/* What the child does with the handle it inherited; true when all is as documented. */
static bool child_inherited(dq_table *t, pid_t opener)
{
	struct dq_error err = { 0 };
	struct dq_snapshot_request req = { .version = -1, .need = DQ_NEED_FILES };
	dq_snapshot *s = (dq_snapshot *)&err; /* must come back NULL */
	int rc = dq_snapshot_open(t, &req, &s, &err);
	bool ok = ft_is_eforked("dq_snapshot_open", rc, &err, opener);
	if (s) {
		ft_say("dq_snapshot_open on an inherited handle left *out set");
		ok = false;
	}
	int64_t a = -7, b = -7;
	memset(&err, 0, sizeof(err));
	rc = dq_table_versions(t, &a, &b, &err);
	ok = ft_is_eforked("dq_table_versions", rc, &err, opener) && ok;
	dq_table_close(t); /* leaks; must return */
	return ok;
}

static bool busy_rounds(const struct ft_expect *e, unsigned rounds, unsigned wd)
{
	dq_table *t = ft_open(e);
	if (!t || !ft_replay_check(t, e, NULL)) /* the first replay starts the pool */
		return false;
	struct ft_busy busy;
	if (!ft_busy_start(&busy, t, e))
		return false;

	uint64_t seed = 42;
	pid_t me = getpid();
	unsigned forks = 0, raw_forks = 0;
	bool ok = true;
	for (unsigned r = 0; r < rounds && ok; r++) {
		ft_sleep_us((unsigned)(ft_rng(&seed) % 400));
		bool raw = r % 4 == 3;
		ft_busy_wait_replaying(&busy);
		pid_t pid = raw ? _Fork() : fork();
		if (pid == 0) {
			ft_where = raw ? "(_Fork child)" : "(child)";
			ft_watchdog(wd);
			bool cok = child_inherited(t, me);
			if (!raw)
				cok = ft_fresh_handles_ok() && cok;
			_exit(cok ? 0 : 1);
		}
		if (pid < 0) {
			ft_say("fork: %s", strerror(errno));
			ok = false;
			break;
		}
		forks++;
		raw_forks += raw;
		ok = ft_child_ok(pid, raw ? "_Fork while busy" : "fork while busy");
	}
	ok = ft_busy_stop(&busy) && ok;
	unsigned replays = atomic_load(&busy.replays);
	if (ok)
		ok = ft_replay_check(t, e, NULL);
	dq_table_close(t);
	printf("%s - fork while busy: %s: %u forks (%u by _Fork) during the parent's %u replays\n",
	       ok ? "ok" : "not ok", e->table, forks, raw_forks, replays);
	return ok;
}

int main(int argc, char **argv)
{
	const char *opts = "[-n ROUNDS] [-w SECONDS]";
	unsigned rounds = 40, wd = 10;
	int c;
	ft_prog = "fork_busy";
	while ((c = getopt(argc, argv, "n:w:")) != -1) {
		if (c == 'n')
			rounds = (unsigned)atoi(optarg);
		else if (c == 'w')
			wd = (unsigned)atoi(optarg);
		else
			ft_usage(opts);
	}
	ft_parse_tables(argc, argv, optind, opts);
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(wd * (rounds + 2) + 60); /* the parent's own watchdog */

	bool ok = true;
	for (int i = 0; i < ft_ntables && ok; i++)
		ok = busy_rounds(&ft_tables[i], rounds, wd);
	return ok ? 0 : 1;
}
