/*
 * jobs.c - the `--jobs` supervisor and the hidden `deltaq __worker` it starts (protocol in
 * jobs.h; design in research/fork.md 4c).
 *
 * The supervisor is single-threaded: the caller closed its table, which joined the table's
 * pool, before calling jobs_run, so no other thread exists while workers are spawned.
 * Workers are started with posix_spawn of /proc/self/exe anyway: glibc implements it with
 * clone(CLONE_VM|CLONE_VFORK) and runs no atfork handlers, the child does nothing but the
 * file actions and the exec, and an exec failure comes back as posix_spawn's return
 * value.  So even a future caller that kept a pool alive could not hand a worker a copied
 * lock.  The file actions give the worker exactly fds 0-2 (its two pipes and our stderr);
 * the attributes give it an empty signal mask and every signal at its default action,
 * whatever this process blocked or ignored.
 *
 * Signals: SIGINT, SIGTERM and SIGCHLD are blocked and read from a signalfd, so they are
 * handled in the poll loop rather than in a handler.  SIGPIPE is ignored while workers run
 * (a worker that died leaves a pipe whose writes fail with EPIPE).  Both are restored
 * before jobs_run returns.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jobs.h"

extern char **environ;

#define MAX_LINE ((size_t)256 << 20)   /* a worker's record line; longer fails the item */
#define TERM_GRACE_MS 2000             /* SIGTERM, then SIGKILL after this */
/*
 * How much work a worker holds (the first item in progress, the others waiting in its
 * stdin pipe), and how often the supervisor looks.
 *
 * A worker holds enough that it never sits idle waiting for the supervisor to read its
 * last result and write the next item: one round trip per item cost ~60 us per partition
 * even on an idle machine, and whole scheduler time slices on a busy one.  A crash still
 * fails only the item in progress; the ones behind it go back to the queue.
 *
 * Waking for every end record cost more than the records: with 500 small partitions on 2
 * cores, the supervisor's wake-ups and the workers' pipe writes that woke it were a fifth
 * of all CPU time, taken from the workers.  So once the items' cost is known (ms per unit
 * of the caller's weights: a moving average of the run times the workers' end records
 * give), each worker holds about QUEUE_MS of work, and while every busy worker holds
 * enough, the supervisor sleeps (waking only for a signal: SIGCHLD is one) for half the
 * shortest queue, at most PACE_MS, then reads every record that arrived meanwhile and
 * tops the queues up with one write each.  A worker's write to a pipe nobody waits on
 * wakes nobody.  Scanning 500 partitions, the supervisor woke ~50 times instead of ~800,
 * and --jobs 1 and 2 took 10% less time.
 *
 * It sleeps only when that gathers records: when a sleep should bring at least two end
 * records (slow items are better waited for in poll, which wakes once for each), and
 * not after a wake that found none or found a worker that had run out of work (a hung
 * item, or items cheaper than the estimate).  Then it waits in poll, which returns with
 * the next record.
 *
 * The queues are measured in time, not items, so a heavy partition never has more than
 * QUEUE_MS of work stuck behind it; and with more than one worker, none holds more than a
 * quarter of the work not yet done per worker (a second item only while there is one for
 * every worker), so near the end the queues shrink and the workers finish together.
 */
#define MAX_DEPTH 64           /* items a worker holds at most */
#define FIRST_DEPTH 4          /* ... before the first item's cost is known */
#define QUEUE_MS 2.0
#define PACE_MS 1.0
#define MIN_PACE_MS 0.1
#define UNIT_WEIGHT 0.2        /* of the newest item in the moving average of its cost */
/* A worker's stdout pipe: records wait there while the supervisor sleeps.  Not more: a
 * user's pipes share a budget (fs.pipe-user-pages-soft, 64 MiB), and --jobs 64 at 1 MiB
 * each would leave the user's other pipes at their minimum while it runs. */
#define PIPE_BYTES (256 << 10)

static const struct jobs_kind jobs_kinds[] = {
	{ "scan", scan_worker_item },
	{ "check-deep", check_worker_item },
	{ NULL, NULL },
};

double jobs_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* This process's CPU time (its threads'), in milliseconds. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool debug_jobs(void)
{
	const char *d = getenv("DELTAQ_DEBUG");
	if (!d)
		return false;
	for (const char *p = d; (p = strstr(p, "jobs")); p += 4)
		if ((p == d || p[-1] == ',') && (p[4] == '\0' || p[4] == ','))
			return true;
	return false;
}

/* ---- supervisor ---------------------------------------------------------------------- */

struct worker {
	pid_t pid;              /* 0: slot unused */
	int in, out;            /* our ends of its stdin and stdout; -1 once closed */
	bool reaped;
	int status;             /* wait status once reaped */
	size_t q[MAX_DEPTH];    /* items handed to it, in order; q[0] is in progress */
	unsigned nq;
	double qweight;         /* their weights' sum */
	char *rbuf;             /* records of q[0] so far: their texts, each ending in a NUL */
	size_t rlen, rcap, nrec;
	char *wbuf;             /* bytes still to write to its stdin */
	size_t wlen, woff, wcap;
	char *lbuf;             /* an incomplete line from its stdout */
	size_t llen, lcap;
	char bad[200];          /* why it was killed for breaking the protocol */
	double spawned;         /* jobs_now_ms() at spawn */
	size_t done;            /* items it finished */
	bool ready;
	unsigned id;
};

struct sup {
	const struct jobs_spec *spec;
	struct worker *w;
	unsigned nw;
	size_t next;            /* next item to hand out */
	size_t *retry;          /* items a dead worker held but had not started */
	size_t nretry;
	int stopping;           /* signal that stopped us, 0 while running */
	double deadline;        /* SIGKILL time after stopping */
	bool killed;
	bool debug;
	const char *exe;
	unsigned threads;
	char ppid[24], threads_s[16];
	unsigned started, failed_spawns, ids;
	double startup_total, startup_max;
	size_t ok, failed;
	double left_weight;     /* weights of the items not handed out (retries included) */
	double queued_weight;   /* ... of the items the workers hold */
	double unit;            /* expected ms per unit of weight: a moving average of the
				   finished items' run times; 0 before the first */
	bool poll_next;         /* the last wake found no end record, or a worker run dry */
	size_t ends;            /* end records read */
	double t0;              /* jobs_now_ms() at the first spawn */
	unsigned wakes;         /* times the loop woke */
};

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void sig_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);
	if (abbrev)
		snprintf(buf, len, "signal %d (SIG%s)", sig, abbrev);
	else
		snprintf(buf, len, "signal %d", sig);
}

static void item_done(struct sup *s, long item, const char *failure)
{
	if (failure)
		s->failed++;
	else
		s->ok++;
	s->spec->done(s->spec->ctx, (size_t)item, failure);
}

static void flush_input(struct worker *w);

static size_t remaining(const struct sup *s)
{
	return s->nretry + (s->spec->nitems - s->next);
}

static double weight(const struct sup *s, size_t item)
{
	return s->spec->weights && s->spec->weights[item] ? (double)s->spec->weights[item] : 1;
}

/* The next item to hand out: one a dead worker left unstarted first, else a new one. */
static size_t peek_item(const struct sup *s)
{
	return s->nretry ? s->retry[s->nretry - 1] : s->next;
}

static size_t next_item(struct sup *s)
{
	size_t i = s->nretry ? s->retry[--s->nretry] : s->next++;
	s->left_weight -= weight(s, i);
	return i;
}

static void hold(struct sup *s, struct worker *w, size_t i)
{
	w->q[w->nq++] = i;
	w->qweight += weight(s, i);
	s->queued_weight += weight(s, i);
}

/* Worker w is done with q[0] (finished, failed or given back). */
static void release(struct sup *s, struct worker *w)
{
	double wt = weight(s, w->q[0]);
	w->qweight = --w->nq ? w->qweight - wt : 0;
	s->queued_weight -= wt;
	memmove(w->q, w->q + 1, w->nq * sizeof(*w->q));
}

/* Whether worker w should take one more item (see MAX_DEPTH). */
static bool wants_more(const struct sup *s, const struct worker *w)
{
	if (!remaining(s) || w->nq >= MAX_DEPTH)
		return false;
	double unit = s->unit;
	if (!unit) /* as many as FIRST_DEPTH, or one at a time when few are left */
		return w->nq < (remaining(s) >= (size_t)FIRST_DEPTH * s->nw ? FIRST_DEPTH : 1);
	/* One to run, and one ready behind it while there is an item for every worker. */
	if (!w->nq || (w->nq < 2 && remaining(s) >= s->nw))
		return true;
	/* A single worker has nobody to finish together with: no fair share for it. */
	double cap = QUEUE_MS / unit, fair = (s->left_weight + s->queued_weight) / (4.0 * s->nw);
	if (s->nw > 1 && fair < cap)
		cap = fair;
	return w->qweight + weight(s, peek_item(s)) <= cap;
}

/*
 * How long the loop may sleep before it looks at the workers again (see PACE_MS): half
 * the shortest queue of a worker that holds any, when every such worker is ready and has
 * all its items in its pipe; 0 to wait in poll for each record.
 */
static double pace_ms(const struct sup *s)
{
	double unit = s->unit, pace = PACE_MS, rate = 0;
	if (!unit || s->poll_next)
		return 0;
	for (unsigned i = 0; i < s->nw; i++) {
		const struct worker *w = &s->w[i];
		if (!w->pid || !w->nq)
			continue;
		if (!w->ready || w->out < 0 || w->bad[0] || w->woff < w->wlen)
			return 0;
		if (w->qweight * unit / 2 < pace)
			pace = w->qweight * unit / 2;
		rate += 1 / (weight(s, w->q[0]) * unit); /* its end records per ms */
	}
	return pace >= MIN_PACE_MS && pace * rate >= 2 ? pace : 0;
}

/* Tops up what worker w holds (see MAX_DEPTH); closes its stdin when nothing is left. */
static void assign(struct sup *s, struct worker *w)
{
	if (w->in < 0)
		return;
	if (s->stopping || (!remaining(s) && !w->nq)) {
		close_fd(&w->in);
		return;
	}
	while (wants_more(s, w)) {
		size_t i = next_item(s);
		const char *item = s->spec->items[i];
		size_t n = strlen(item) + 48;
		if (w->woff) { /* drop what was written */
			memmove(w->wbuf, w->wbuf + w->woff, w->wlen - w->woff);
			w->wlen -= w->woff;
			w->woff = 0;
		}
		if (w->wlen + n > w->wcap) {
			char *b = realloc(w->wbuf, w->wlen + n + 4096);
			if (!b) {
				item_done(s, (long)i, "out of memory handing out the item");
				break;
			}
			w->wbuf = b;
			w->wcap = w->wlen + n + 4096;
		}
		w->wlen += (size_t)snprintf(w->wbuf + w->wlen, n, "{\"seq\":%zu,\"item\":%s}\n", i, item);
		hold(s, w, i);
	}
	flush_input(w);
}

static void flush_input(struct worker *w)
{
	while (w->in >= 0 && w->woff < w->wlen) {
		ssize_t r = write(w->in, w->wbuf + w->woff, w->wlen - w->woff);
		if (r > 0) {
			w->woff += (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && errno == EAGAIN) {
			return;
		} else {
			/* EPIPE: it died; its exit status will tell why. */
			close_fd(&w->in);
		}
	}
}

static void kill_worker(struct worker *w, int sig)
{
	if (w->pid > 0 && !w->reaped)
		kill(w->pid, sig);
}

/* A protocol violation: the item fails with `why` and the worker is not trusted again. */
static void violation(struct worker *w, const char *why)
{
	if (!w->bad[0])
		snprintf(w->bad, sizeof(w->bad), "%s", why);
	kill_worker(w, SIGKILL);
	close_fd(&w->in);
}

/* Consumes the literal `lit` at *p (< end). */
static bool take(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(end - *p) < n || memcmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

/* Consumes a decimal number (no sign, at most 18 digits) at *p. */
static bool take_num(const char **p, const char *end, long long *v)
{
	const char *q = *p;
	long long x = 0;
	while (q < end && q - *p < 18 && *q >= '0' && *q <= '9')
		x = x * 10 + (*q++ - '0');
	if (q == *p || (q < end && *q >= '0' && *q <= '9'))
		return false;
	*v = x;
	*p = q;
	return true;
}

/* Keeps one record of the item in progress (its text, as the worker wrote it). */
static bool keep_record(struct worker *w, const char *rec, size_t n)
{
	if (w->rlen + n + 1 > w->rcap) {
		size_t cap = w->rcap ? w->rcap : 4096;
		while (cap < w->rlen + n + 1)
			cap *= 2;
		char *b = realloc(w->rbuf, cap);
		if (!b)
			return false;
		w->rbuf = b;
		w->rcap = cap;
	}
	memcpy(w->rbuf + w->rlen, rec, n);
	w->rbuf[w->rlen + n] = '\0';
	w->rlen += n + 1;
	w->nrec++;
	return true;
}

/*
 * One line from a worker.  Records and end records are read by their exact shape (the
 * worker is this binary: jobs_emit and cmd_worker write them), without a JSON parser: the
 * supervisor's CPU is taken from the workers on a busy machine, and parsing every record
 * here was most of it.  A record's own text is handed to the caller as it came.
 */
static void handle_line(struct sup *s, struct worker *w, const char *line, size_t len)
{
	if (w->bad[0])
		return;
	const char *p = line, *end = line + len;
	long long seq = -1, k;
	if (take(&p, end, "{\"type\":\"record\",\"seq\":") && take_num(&p, end, &seq) &&
	    take(&p, end, ",\"record\":") && end - p >= 3 && *p == '{' && end[-1] == '}') {
		if (!w->nq || seq != (long long)w->q[0])
			violation(w, "worker sent a record for an item it was not given");
		else if (memchr(p, '\0', (size_t)(end - 1 - p))) /* JSON text has none */
			violation(w, "worker sent a line that is not a protocol record");
		else if (!keep_record(w, p, (size_t)(end - 1 - p)))
			violation(w, "out of memory keeping a worker's records");
		return;
	}
	p = line;
	long long us = -1; /* the item's run time, which a worker's end record may carry */
	if (take(&p, end, "{\"type\":\"end\",\"seq\":") && take_num(&p, end, &seq) &&
	    take(&p, end, ",\"records\":") && take_num(&p, end, &k) &&
	    (!take(&p, end, ",\"us\":") || take_num(&p, end, &us)) && take(&p, end, "}") && p == end) {
		if (!w->nq || seq != (long long)w->q[0]) {
			violation(w, "worker sent a record for an item it was not given");
		} else if ((size_t)k != w->nrec) {
			violation(w, "worker's end record does not match the records it sent");
		} else {
			size_t item = w->q[0];
			for (size_t off = 0; off < w->rlen;) {
				size_t n = strlen(w->rbuf + off);
				s->spec->record(s->spec->ctx, item, w->rbuf + off, n);
				off += n + 1;
			}
			w->rlen = w->nrec = 0;
			if (us >= 0) {
				double u = (double)us / 1e3 / weight(s, item);
				s->unit = s->unit ? (1 - UNIT_WEIGHT) * s->unit + UNIT_WEIGHT * u : u;
				if (!s->unit) /* a 0 us item: still known, and cheap */
					s->unit = 1e-6;
			}
			s->ends++;
			release(s, w);
			w->done++;
			item_done(s, (long)item, NULL);
			/* the loop tops it up once it has read all that arrived */
		}
		return;
	}
	p = line;
	if (take(&p, end, "{\"type\":\"hello\",")) { /* once per worker; shown as it came */
		if (!w->ready) {
			w->ready = true;
			/* Start-up ends when the worker was ready, by its own CLOCK_MONOTONIC
			 * reading (the clock is the machine's): not when this loop got to the
			 * line, which on a busy machine can be a time slice later. */
			double now = jobs_now_ms(), t = now - w->spawned, at;
			const char *a = memmem(line, len, "\"ready_at_ms\":", 14);
			if (a && sscanf(a + 14, "%lf", &at) == 1 && at >= w->spawned && at <= now)
				t = at - w->spawned;
			s->startup_total += t;
			if (t > s->startup_max)
				s->startup_max = t;
			if (s->debug)
				fprintf(stderr, "deltaq: jobs: worker %u pid %d ready in %.2f ms: %.*s\n",
					w->id, (int)w->pid, t, (int)len, line);
		}
		return;
	}
	violation(w, "worker sent a line that is not a protocol record");
}

/* Reads what the worker wrote; handles whole lines; closes the pipe at EOF. */
static void drain(struct sup *s, struct worker *w)
{
	for (;;) {
		if (w->lcap - w->llen < 65536) {
			size_t cap = w->lcap ? 2 * w->lcap : 131072;
			char *b = w->llen + 65536 > MAX_LINE ? NULL : realloc(w->lbuf, cap);
			if (!b) {
				violation(w, "worker sent a record longer than 256 MiB");
				w->llen = 0;
				close_fd(&w->out);
				return;
			}
			w->lbuf = b;
			w->lcap = cap;
		}
		ssize_t r = read(w->out, w->lbuf + w->llen, w->lcap - w->llen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			close_fd(&w->out);
			return;
		}
		size_t start = 0, end = w->llen + (size_t)r;
		for (size_t i = w->llen; i < end; i++)
			if (w->lbuf[i] == '\n') {
				handle_line(s, w, w->lbuf + start, i - start);
				start = i + 1;
			}
		memmove(w->lbuf, w->lbuf + start, end - start);
		w->llen = end - start;
	}
}

static void spawn(struct sup *s, struct worker *w)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, rc;
	memset(w, 0, sizeof(*w));
	w->in = w->out = -1;
	w->id = ++s->ids;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		rc = errno;
		goto fail;
	}
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	/* dup2 onto 0 and 1 clears close-on-exec there; everything from 3 up is closed,
	 * including whatever our own caller leaked to us. */
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char *argv[] = { "deltaq", "__worker", "--kind", (char *)s->spec->kind, "--table",
			 (char *)s->spec->table, "--threads", s->threads_s, "--parent-pid",
			 s->ppid, NULL };
	w->spawned = jobs_now_ms();
	rc = posix_spawn(&w->pid, s->exe, &fa, &at, argv, environ);
	if ((rc == ENOENT || rc == EACCES) && !strcmp(s->exe, "/proc/self/exe")) {
		/* No /proc (a minimal chroot): the path the kernel ran us by. */
		const char *alt = (const char *)getauxval(AT_EXECFN);
		if (alt && strchr(alt, '/')) {
			cli_warn("/proc/self/exe is not available; starting workers from '%s'", alt);
			s->exe = alt;
			rc = posix_spawn(&w->pid, s->exe, &fa, &at, argv, environ);
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc)
		goto fail;
	close(in[0]);
	close(out[1]);
	w->in = in[1];
	w->out = out[0];
	fcntl(w->in, F_SETFL, O_NONBLOCK);
	fcntl(w->out, F_SETFL, O_NONBLOCK);
	fcntl(w->out, F_SETPIPE_SZ, PIPE_BYTES); /* best effort: a smaller pipe only waits more */
	s->started++;
	if (s->debug)
		fprintf(stderr, "deltaq: jobs: worker %u pid %d started (%s threads)\n", w->id,
			(int)w->pid, s->threads_s);
	assign(s, w);
	return;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	w->pid = 0;
	s->failed_spawns++;
	/* The item this worker was for fails; the loop tries the next one with a new spawn. */
	if (!s->stopping && remaining(s)) {
		char why[160];
		snprintf(why, sizeof(why), "cannot start a worker: %s", strerror(rc));
		item_done(s, (long)next_item(s), why);
	}
}

/* A worker that has exited and closed its stdout: settle its item, free the slot. */
static void finish(struct sup *s, struct worker *w)
{
	if (w->nq) {
		char why[300], sig[64];
		if (w->bad[0])
			snprintf(why, sizeof(why), "%s", w->bad);
		else if (WIFSIGNALED(w->status)) {
			sig_name(WTERMSIG(w->status), sig, sizeof(sig));
			snprintf(why, sizeof(why), "worker killed by %s", sig);
		} else if (WIFEXITED(w->status) && WEXITSTATUS(w->status))
			snprintf(why, sizeof(why), "worker exited with status %d",
				 WEXITSTATUS(w->status));
		else
			snprintf(why, sizeof(why), "worker exited without the end record");
		if (w->llen && !w->bad[0])
			strncat(why, " (a truncated record was discarded)", sizeof(why) - strlen(why) - 1);
		size_t item = w->q[0];
		release(s, w);
		/* The ones it had not started go to another worker, in their order (the retry
		 * stack hands out its top first). */
		for (unsigned k = w->nq; k-- > 0;)
			s->retry[s->nretry++] = w->q[k];
		s->left_weight += w->qweight;
		s->queued_weight -= w->qweight;
		w->qweight = 0;
		w->nq = 0;
		if (!s->stopping) /* interrupted items are not accounted for (jobs.h) */
			item_done(s, (long)item, why);
	}
	if (s->debug) {
		char how[80];
		if (WIFSIGNALED(w->status)) {
			char sig[64];
			sig_name(WTERMSIG(w->status), sig, sizeof(sig));
			snprintf(how, sizeof(how), "killed by %s", sig);
		} else {
			snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(w->status));
		}
		fprintf(stderr, "deltaq: jobs: worker %u pid %d %s after %zu items, %.2f ms after "
			"the first spawn\n", w->id, (int)w->pid, how, w->done, jobs_now_ms() - s->t0);
	}
	free(w->rbuf);
	free(w->wbuf);
	free(w->lbuf);
	close_fd(&w->in);
	close_fd(&w->out);
	w->pid = 0;
}

static void reap(struct sup *s)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0)
			return;
		for (unsigned i = 0; i < s->nw; i++)
			if (s->w[i].pid == pid && !s->w[i].reaped) {
				s->w[i].reaped = true;
				s->w[i].status = st;
				/* It is gone: nobody will read what we still had for it. */
				close_fd(&s->w[i].in);
			}
	}
}

/* SIGKILL to every worker still running: no more grace. */
static void kill_all(struct sup *s)
{
	for (unsigned i = 0; i < s->nw; i++)
		kill_worker(&s->w[i], SIGKILL);
	s->killed = true;
}

static void stop(struct sup *s, int sig)
{
	if (s->stopping) { /* a second signal */
		kill_all(s);
		return;
	}
	s->stopping = sig;
	s->deadline = jobs_now_ms() + TERM_GRACE_MS;
	for (unsigned i = 0; i < s->nw; i++) {
		close_fd(&s->w[i].in);
		kill_worker(&s->w[i], SIGTERM);
	}
}

int jobs_run(const struct jobs_spec *spec)
{
	struct sup s = { .spec = spec, .debug = debug_jobs(), .exe = "/proc/self/exe" };
	if (getenv("DELTAQ_TEST_WORKER_EXE")) /* test-only: a worker binary that cannot start */
		s.exe = getenv("DELTAQ_TEST_WORKER_EXE");
	if (!spec->nitems)
		return 0;
	unsigned cpus = dq_cpus();
	s.nw = spec->workers ? spec->workers : cpus;
	if (s.nw > spec->nitems)
		s.nw = (unsigned)spec->nitems;
	/* By default workers x threads stay within the CPUs. */
	s.threads = spec->threads ? spec->threads : cpus / s.nw > 1 ? cpus / s.nw : 1;
	snprintf(s.ppid, sizeof(s.ppid), "%d", (int)getpid());
	snprintf(s.threads_s, sizeof(s.threads_s), "%u", s.threads);
	s.w = calloc(s.nw, sizeof(*s.w));
	s.retry = calloc(spec->nitems, sizeof(*s.retry));
	if (!s.w || !s.retry) {
		free(s.w);
		free(s.retry);
		fprintf(stderr, "deltaq: out of memory starting %u workers\n", s.nw);
		return -1;
	}

	/* A signal we were started with ignored (`deltaq ... &` in a script ignores SIGINT)
	 * stays ignored: only the ones that would have ended us are turned into a stop. */
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	static const int stops[] = { SIGINT, SIGTERM };
	for (size_t i = 0; i < 2; i++) {
		struct sigaction cur;
		if (sigaction(stops[i], NULL, &cur) == 0 && cur.sa_handler != SIG_IGN)
			sigaddset(&mask, stops[i]);
	}
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, "deltaq: cannot start workers: signalfd: %s\n", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		free(s.w);
		free(s.retry);
		return -1;
	}
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldpipe;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &oldpipe);
	/* SIGCHLD at its default action: started with it ignored (or SA_NOCLDWAIT), the
	 * kernel would reap the workers itself and this loop would wait for them forever. */
	struct sigaction dfl = { .sa_handler = SIG_DFL }, oldchld;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &oldchld);

	if (getenv("DELTAQ_TEST_LEAK_FD")) /* test-only: a descriptor workers must not get */
		(void)open("/dev/null", O_RDONLY);

	double t0 = s.t0 = jobs_now_ms(), cpu0 = cpu_ms();
	for (size_t i = 0; i < spec->nitems; i++)
		s.left_weight += weight(&s, i);
	for (unsigned i = 0; i < s.nw && remaining(&s); i++)
		spawn(&s, &s.w[i]);

	struct pollfd *pfd = calloc(2 * (size_t)s.nw + 1, sizeof(*pfd));
	struct worker **who = calloc(2 * (size_t)s.nw + 1, sizeof(*who));
	double last_tick = 0;
	while (pfd && who) {
		/* Settle finished workers and start replacements. */
		bool live = false;
		for (unsigned i = 0; i < s.nw; i++) {
			struct worker *w = &s.w[i];
			if (w->pid && w->reaped && w->out < 0)
				finish(&s, w);
			if (!w->pid && !s.stopping && remaining(&s))
				spawn(&s, w);
			if (w->pid)
				live = true;
		}
		if (!live) {
			/* Every spawn that failed failed an item, so this ends. */
			if (s.stopping || !remaining(&s))
				break;
			continue;
		}

		size_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		for (unsigned i = 0; i < s.nw; i++) {
			struct worker *w = &s.w[i];
			if (!w->pid)
				continue;
			if (w->out >= 0) {
				who[n] = w;
				pfd[n++] = (struct pollfd){ .fd = w->out, .events = POLLIN };
			}
			if (w->in >= 0 && w->woff < w->wlen) {
				who[n] = w;
				pfd[n++] = (struct pollfd){ .fd = w->in, .events = POLLOUT };
			}
		}
		int timeout = -1;
		if (s.stopping && !s.killed) {
			double left = s.deadline - jobs_now_ms();
			timeout = left > 0 ? (int)left + 1 : 0;
		}
		if (spec->tick && (timeout < 0 || timeout > 100))
			timeout = 100;
		double pace = s.stopping ? 0 : pace_ms(&s);
		size_t ends_before = s.ends;
		int r;
		if (pace > 0) {
			/* Sleep, waking for a signal only, then look at everything (see PACE_MS). */
			struct timespec ts = { 0, (long)(pace * 1e6) };
			r = ppoll(pfd, 1, &ts, NULL);
			if (r >= 0) {
				for (size_t k = 1; k < n; k++)
					pfd[k].revents = pfd[k].events;
				r = (int)n;
			}
		} else {
			r = poll(pfd, n, timeout);
		}
		if (r < 0 && errno != EINTR)
			break;
		s.wakes++;
		if (s.stopping && !s.killed && jobs_now_ms() >= s.deadline)
			kill_all(&s);
		if (spec->tick && jobs_now_ms() - last_tick >= 100) {
			spec->tick(spec->ctx);
			last_tick = jobs_now_ms();
		}
		if (r <= 0)
			continue;
		if (pfd[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					reap(&s);
				else
					stop(&s, (int)si.ssi_signo);
			}
		}
		for (size_t k = 1; k < n; k++) {
			struct worker *w = who[k];
			if (!pfd[k].revents || !w->pid)
				continue;
			if (pfd[k].fd == w->out && w->out >= 0)
				drain(&s, w);
			else if (pfd[k].fd == w->in && w->in >= 0) {
				if (pfd[k].revents & (POLLERR | POLLHUP))
					close_fd(&w->in);
				else
					flush_input(w);
			}
		}
		/* Sleep next time only if this wake gathered records and no worker ran dry. */
		s.poll_next = s.ends == ends_before;
		for (unsigned i = 0; i < s.nw; i++)
			if (s.w[i].pid && s.w[i].ready && !s.w[i].nq && remaining(&s))
				s.poll_next = true;
		/* Top up the queues of what finished: one write per worker. */
		for (unsigned i = 0; i < s.nw; i++)
			if (s.w[i].pid && !s.w[i].bad[0])
				assign(&s, &s.w[i]);
		/* A SIGCHLD can be merged with one that arrived before we polled. */
		reap(&s);
	}
	if (!pfd || !who) {
		/* Out of memory in the loop's own arrays: end every worker and wait for them. */
		s.stopping = s.stopping ? s.stopping : -1;
		kill_all(&s);
		for (unsigned i = 0; i < s.nw; i++)
			if (s.w[i].pid && !s.w[i].reaped)
				waitpid(s.w[i].pid, &s.w[i].status, 0), s.w[i].reaped = true;
		for (unsigned i = 0; i < s.nw; i++)
			if (s.w[i].pid)
				finish(&s, &s.w[i]);
		fprintf(stderr, "deltaq: out of memory supervising workers\n");
	}
	free(pfd);
	free(who);
	if (s.debug)
		fprintf(stderr, "deltaq: jobs: %u workers started for %zu items (%zu ok, %zu failed); "
			"start-up %.2f ms total, %.2f ms max; wall %.2f ms; supervisor %.2f ms CPU, "
			"%u wake-ups\n", s.started, spec->nitems, s.ok, s.failed, s.startup_total,
			s.startup_max, jobs_now_ms() - t0, cpu_ms() - cpu0, s.wakes);
	close(sfd);
	sigaction(SIGPIPE, &oldpipe, NULL);
	sigaction(SIGCHLD, &oldchld, NULL);
	/* Drop signals still pending (a SIGCHLD already handled) before unblocking them. */
	struct timespec zero = { 0, 0 };
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (sigtimedwait(&chld, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(s.w);
	free(s.retry);
	return s.stopping > 0 ? s.stopping : s.stopping < 0 ? -1 : 0;
}

void jobs_reraise(int sig)
{
	fflush(stdout);
	signal(sig, SIG_DFL);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, sig);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	raise(sig);
	_exit(128 + sig);
}

int jobs_standins_open(dq_table *t, const char *const *paths, const char *const *keys, size_t n,
		       struct jobs_standins *js)
{
	struct dq_error err = { 0 };
	js->st = NULL;
	if (dq_data_files_prefetch(t, paths, keys, n, &err))
		return cli_fail(&err);
	sigset_t hold;
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigprocmask(SIG_BLOCK, &hold, &js->old);
	/* Fetched already: this writes the folder, or names the table's own. */
	if (dq_standins_open(t, paths, keys, n, &js->st, &err)) {
		sigprocmask(SIG_SETMASK, &js->old, NULL);
		return cli_fail(&err);
	}
	if (getenv("DELTAQ_TEST_SIGINT_STANDINS")) /* test-only: Ctrl-C now */
		kill(getpid(), SIGINT);
	return EXIT_OK;
}

const char *jobs_standins_location(const struct jobs_standins *js)
{
	return dq_standins_location(js->st);
}

void jobs_standins_close(struct jobs_standins *js)
{
	if (!js->st)
		return;
	dq_standins_close(js->st);
	js->st = NULL;
	sigprocmask(SIG_SETMASK, &js->old, NULL);
}

/* ---- worker ---------------------------------------------------------------------------- */

const char usage_worker[] =
	"usage: deltaq __worker --kind KIND --table LOCATION --threads M --parent-pid PID\n"
	"\n"
	"Internal: a --jobs worker process (see cmd/jobs.h).  Not for direct use.\n";

enum { OPT_KIND = 2000, OPT_TABLE, OPT_PARENT };

const struct option options_worker[] = {
	{ "kind", required_argument, NULL, OPT_KIND },
	{ "parent-pid", required_argument, NULL, OPT_PARENT },
	{ "table", required_argument, NULL, OPT_TABLE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ NULL, 0, NULL, 0 },
};

struct jobs_emitter {
	long seq;
	size_t n;
	double out_ms;          /* time spent writing records (waiting on a full pipe) */
	double began;           /* jobs_now_ms() at jobs_record_begin */
};

FILE *jobs_record_begin(struct jobs_emitter *em)
{
	em->began = jobs_now_ms();
	/* The shape handle_line reads: the envelope by hand, the record compact. */
	printf("{\"type\":\"record\",\"seq\":%ld,\"record\":", em->seq);
	return stdout;
}

int jobs_record_end(struct jobs_emitter *em)
{
	if (fputs("}\n", stdout) == EOF || ferror(stdout))
		return -1;
	em->n++;
	em->out_ms += jobs_now_ms() - em->began;
	return 0;
}

int jobs_emit(struct jobs_emitter *em, json_t *rec)
{
	int rc = json_dumpf(rec, jobs_record_begin(em), JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(rec);
	return rc ? -1 : jobs_record_end(em);
}

/*
 * The item of a line the supervisor wrote, {"seq":S,"item":ITEM} (assign() writes
 * exactly that): ITEM's text, NUL-terminated in place, and S in *seq; NULL when the line
 * has another shape.
 */
static char *envelope(char *line, size_t len, long *seq)
{
	const char *p = line, *end = line + len - (len && line[len - 1] == '\n');
	long long s;
	if (!take(&p, end, "{\"seq\":") || !take_num(&p, end, &s) || !take(&p, end, ",\"item\":") ||
	    end - p < 2 || *p != '{' || end[-1] != '}')
		return NULL;
	line[end - 1 - line] = '\0';
	*seq = (long)s;
	return line + (p - line);
}

/* The worker's own view of how it was started (DELTAQ_DEBUG=jobs): fds, mask, SIG_IGN. */
static void start_facts(json_t *hello)
{
	json_t *fds = json_array(), *blocked = json_array(), *ignored = json_array();
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
				json_array_append_new(fds, json_integer(atoi(e->d_name)));
		closedir(d);
	}
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigismember(&cur, sig) == 1)
			json_array_append_new(blocked, json_integer(sig));
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			json_array_append_new(ignored, json_integer(sig));
	}
	json_object_set_new(hello, "fds", fds);
	json_object_set_new(hello, "blocked", blocked);
	json_object_set_new(hello, "ignored", ignored);
}

/* DELTAQ_TEST_WORKER_CRASH (test-only, see jobs.h): misbehave on item `seq`.  True for
 * the mode that shows only after the item ran (noend). */
static bool test_crash(long seq)
{
	const char *spec = getenv("DELTAQ_TEST_WORKER_CRASH");
	if (!spec)
		return false;
	char *end;
	long at = strtol(spec, &end, 10);
	if (end == spec || at != seq)
		return false;
	const char *mode = *end == ':' ? end + 1 : "kill";
	if (!strcmp(mode, "abort")) {
		abort();
	} else if (!strcmp(mode, "exit")) {
		fflush(stdout);
		_exit(1);
	} else if (!strcmp(mode, "hang") || !strcmp(mode, "hang-hard")) {
		if (!strcmp(mode, "hang-hard"))
			signal(SIGTERM, SIG_IGN);
		fflush(stdout);
		for (;;)
			pause();
	} else if (strcmp(mode, "noend")) {
		printf("{\"type\":\"record\",\"seq\":%ld,\"rec", seq);
		fflush(stdout);
		raise(SIGKILL);
	}
	return true;
}

int cmd_worker(int argc, char **argv, struct cli *cli)
{
	double t0 = jobs_now_ms();
	const char *kind = NULL, *table = NULL;
	long parent = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "", options_worker, NULL)) != -1) {
		switch (opt) {
		case OPT_KIND: kind = optarg; break;
		case OPT_TABLE: table = optarg; break;
		case OPT_PARENT: parent = strtol(optarg, NULL, 10); break;
		case OPT_THREADS: cli->threads = atoi(optarg); break;
		default: return EXIT_USAGE;
		}
	}
	if (!kind || !table || parent <= 0 || optind != argc) {
		fputs(usage_worker, stderr);
		return EXIT_USAGE;
	}
	/* Die with the supervisor; if it died before the prctl, we were re-parented. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != (pid_t)parent)
		return EXIT_UNREADABLE;
	json_t *hello = json_pack("{s:s, s:i, s:s, s:i}", "type", "hello", "pid", (int)getpid(),
				  "kind", kind, "threads", cli->threads);
	/* With DELTAQ_DEBUG=jobs the hello also carries the facts of how the worker was
	 * started, gathered before the table adds a descriptor: a diagnostic, so its time is
	 * left out of the start-up the hello reports. */
	double facts_ms = 0;
	if (debug_jobs()) {
		facts_ms = jobs_now_ms();
		start_facts(hello);
		facts_ms = jobs_now_ms() - facts_ms;
	}
	const struct jobs_kind *k = jobs_kinds;
	while (k->name && strcmp(k->name, kind))
		k++;
	if (!k->name) {
		fprintf(stderr, "deltaq: worker: unknown kind '%s'\n", kind);
		json_decref(hello);
		return EXIT_USAGE;
	}
	dq_table *t;
	int rc = cli_open(cli, table, &t);
	if (rc) {
		json_decref(hello);
		return rc;
	}
	double ready = jobs_now_ms() - facts_ms;
	json_object_set_new(hello, "init_ms", json_real((double)(long)((ready - t0) * 1000) / 1000));
	json_object_set_new(hello, "ready_at_ms", json_real(ready));
	json_dumpf(hello, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(hello);
	fputc('\n', stdout);
	fflush(stdout);

	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while (rc == 0 && (len = getline(&line, &cap, stdin)) > 0) {
		double started = jobs_now_ms();
		struct jobs_emitter em = { 0 };
		char *item = envelope(line, (size_t)len, &em.seq);
		if (!item) {
			fprintf(stderr, "deltaq: worker: bad work item: not {\"seq\":S,\"item\":{...}}\n");
			rc = EXIT_USAGE;
			break;
		}
		bool noend = test_crash(em.seq);
		rc = k->run(t, item, strlen(item), &em);
		if (rc)
			break;
		if (noend) {
			fflush(stdout);
			_exit(0);
		}
		/* The item's own time: not the time its records waited to be written. */
		double ms = jobs_now_ms() - started - em.out_ms;
		printf("{\"type\":\"end\",\"seq\":%ld,\"records\":%zu,\"us\":%lld}\n", em.seq, em.n,
		       ms > 0 ? (long long)(ms * 1e3 + 0.5) : 0LL);
		if (fflush(stdout) != 0)
			rc = EXIT_UNREADABLE;
	}
	free(line);
	dq_table_close(t);
	return rc;
}
