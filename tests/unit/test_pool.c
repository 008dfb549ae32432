/*
 * test_pool.c - unit tests for lib/pool.c: results, batches, back-pressure, lazy start, and
 * fork safety (research/fork.md 4d, U1-U3): a child must get POOL_EFORKED at once from an
 * inherited pool, must be able to free it without hanging, and must be able to use a new
 * pool of its own, also when forked from inside a job and recursively.
 *
 * Every test that could hang runs under a watchdog (alarm): a hang fails, it does not wait.
 * Built with -DDQ_NO_FORK_DETECTION (the negative control) the fork tests must fail:
 * `make forktest` builds it so in build/forkctl and checks that "fork: while busy" hangs
 * (tests/fork/run.py).
 *
 * Environment: TEST_POOL_NO_FORK=1 skips the parts where a forked child starts threads
 * (a new pool in the child, the recursive test), which ThreadSanitizer refuses unless
 * TSAN_OPTIONS=die_after_fork=0 (clang's TSan; gcc 12's cannot do it at all: "dup thread
 * with used id").  TEST_POOL_FORK_ITERS=N changes the fork-while-busy rounds (100, 20 under
 * TSan).  TEST_POOL_ONLY=text runs only the tests whose name contains text.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"
#include "unit.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif

/* ---- harness: unit.h, with a watchdog and a filter -------------------------------- */

static bool no_fork_threads; /* TEST_POOL_NO_FORK=1 */

/* The watchdog: a test that hangs fails the whole binary, with the test named. */
static void on_watchdog(int sig)
{
	(void)sig;
	static const char a[] = "FAIL ", b[] = ": watchdog fired, the test hangs\n";
	const char *name = unit_part ? unit_part : "(none)";
	ssize_t r = write(2, a, sizeof(a) - 1);
	r = write(2, name, strlen(name));
	r = write(2, b, sizeof(b) - 1);
	(void)r;
	_exit(2);
}

#ifdef TEST_ASAN
/*
 * A child forked inside a job that returns from it ends with exit(0).  LeakSanitizer
 * would then scan a heap whose other threads are gone ("running thread was not
 * suspended", maybe false leaks).  This handler, registered after LeakSanitizer's, runs
 * first and ends such a child quietly.  Not under TSan: there, an atexit handler run in
 * a child forked from a non-main thread crashes the runtime.
 */
static pid_t main_pid;

static void child_quiet_exit(void)
{
	if (getpid() != main_pid)
		_exit(0);
}
#endif

static void *noop_thread(void *arg)
{
	return arg;
}

/* unit_run under a watchdog of watchdog_s seconds, unless TEST_POOL_ONLY leaves it out. */
static void run(const char *name, void (*fn)(void), unsigned watchdog_s)
{
	const char *only = getenv("TEST_POOL_ONLY");
	if (only && !strstr(name, only))
		return;
	alarm(watchdog_s);
	unit_run(name, fn);
	alarm(0);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Threads of this process, from /proc/self/task; -1 if it cannot be read. */
static int count_tasks(const char *comm)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (comm) {
			char path[300], buf[32] = "";
			snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
			FILE *f = fopen(path, "r");
			if (!f)
				continue;
			if (fgets(buf, sizeof(buf), f))
				buf[strcspn(buf, "\n")] = '\0';
			fclose(f);
			if (strcmp(buf, comm) != 0)
				continue;
		}
		n++;
	}
	closedir(d);
	return n;
}

/* Polls until count_tasks(comm) == want or `ms` pass; returns the last count. */
static int await_tasks(const char *comm, int want, unsigned ms)
{
	int n = count_tasks(comm);
	for (unsigned t = 0; n != want && t < ms; t += 5) {
		sleep_ms(5);
		n = count_tasks(comm);
	}
	return n;
}

/* ---- jobs ------------------------------------------------------------------------- */

struct sum_job {
	uint64_t in;
	unsigned rounds; /* busy work */
	uint64_t out;
	int done;        /* written by the job, read after pool_wait */
};

static uint64_t mix(uint64_t x, unsigned rounds)
{
	for (unsigned i = 0; i <= rounds; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

static void sum_fn(void *arg)
{
	struct sum_job *j = arg;
	j->out = mix(j->in, j->rounds);
	j->done++;
}

static void sum_jobs_init(struct sum_job *jobs, size_t n, uint64_t seed, unsigned rounds)
{
	for (size_t i = 0; i < n; i++)
		jobs[i] = (struct sum_job){ .in = seed + i, .rounds = rounds };
}

/* Number of jobs whose result is wrong or that did not run exactly once. */
static size_t sum_jobs_bad(const struct sum_job *jobs, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		if (jobs[i].done != 1 || jobs[i].out != mix(jobs[i].in, jobs[i].rounds))
			bad++;
	return bad;
}

/* A job that blocks until its gate opens. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool entered, open, left;
};

static void gate_init(struct gate *g)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->entered = g->open = g->left = false;
}

static void gate_release(struct gate *g)
{
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
}

static void gate_fn(void *arg)
{
	struct gate *g = arg;
	pthread_mutex_lock(&g->mu);
	g->entered = true;
	pthread_cond_broadcast(&g->cv);
	while (!g->open)
		pthread_cond_wait(&g->cv, &g->mu);
	g->left = true;
	pthread_mutex_unlock(&g->mu);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void gate_await_entered(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	while (!g->entered)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

static bool gate_get(struct gate *g, bool *field)
{
	pthread_mutex_lock(&g->mu);
	bool v = *field;
	pthread_mutex_unlock(&g->mu);
	return v;
}

/*
 * Runs one job per worker, each waiting until all are running: afterwards every worker
 * has finished starting.  The fork tests do this before they fork, because a sanitizer's
 * thread start-up mallocs (ASan in gcc 12 and clang 14 does not lock its allocator across
 * fork), and a child forked at that moment hangs in its first malloc.  That would be the
 * sanitizer's bug, not the pool's; without sanitizers glibc's fork makes malloc safe.
 */
struct warm {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned arrived, n;
};

static void warm_fn(void *arg)
{
	struct warm *w = arg;
	pthread_mutex_lock(&w->mu);
	w->arrived++;
	pthread_cond_broadcast(&w->cv);
	while (w->arrived < w->n)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

static bool pool_warm(pool *p)
{
	struct warm w = { .n = pool_threads(p) };
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	pool_batch b;
	pool_batch_init(&b);
	bool ok = true;
	for (unsigned i = 0; i < w.n && ok; i++)
		ok = pool_add(p, &b, warm_fn, &w) == POOL_OK;
	if (pool_wait(p, &b) != POOL_OK)
		ok = false;
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return ok && w.arrived == w.n;
}

/* ---- plain pool tests ------------------------------------------------------------- */

static void test_cpus(void)
{
	unsigned n = pool_cpus();
	CHECK(n >= 1);
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		CHECKF(n == (unsigned)CPU_COUNT(&set), "pool_cpus %u, affinity %d", n,
		       CPU_COUNT(&set));

	pool *p = NULL;
	CHECK(pool_create(&p, 0, 0) == POOL_OK);
	CHECK(p && pool_threads(p) == n);
	pool_free(p);
}

static void test_lazy_start(void)
{
	int base = count_tasks(NULL);
	CHECK(base >= 1);
	pool *p = NULL;
	CHECK(pool_create(&p, 3, 8) == POOL_OK);
	CHECK(pool_threads(p) == 3);
	CHECK(pool_owner(p) == getpid());
	CHECK(!pool_inherited(p));
	CHECKF(count_tasks(NULL) == base, "threads after create: %d, before: %d",
	       count_tasks(NULL), base);

	pool_batch b;
	pool_batch_init(&b);
	CHECK(pool_wait(p, &b) == POOL_OK); /* a wait does not start threads either */
	CHECK(count_tasks(NULL) == base);

	struct sum_job j = { .in = 7 };
	CHECK(pool_add(p, &b, sum_fn, &j) == POOL_OK);
	int n = count_tasks(NULL);
	CHECKF(n == base + 3, "threads after first add: %d, want %d", n, base + 3);
	CHECK(pool_wait(p, &b) == POOL_OK);
	CHECK(sum_jobs_bad(&j, 1) == 0);
	n = await_tasks("deltaq-pool", 3, 2000);
	CHECKF(n == 3, "threads named deltaq-pool: %d", n);

	/* More jobs start no more threads. */
	struct sum_job j2 = { .in = 1 };
	CHECK(pool_add(p, &b, sum_fn, &j2) == POOL_OK);
	CHECK(pool_wait(p, &b) == POOL_OK);
	CHECK(sum_jobs_bad(&j2, 1) == 0);
	CHECK(count_tasks(NULL) == base + 3);

	pool_free(p);
	n = await_tasks(NULL, base, 2000);
	CHECKF(n == base, "threads after pool_free: %d, want %d", n, base);
}

static void test_many_jobs(void)
{
	enum { N = 100000 };
	struct sum_job *jobs = malloc(N * sizeof(*jobs));
	sum_jobs_init(jobs, N, 1, 3);
	pool *p = NULL;
	CHECK(pool_create(&p, 4, 64) == POOL_OK);
	pool_batch b;
	pool_batch_init(&b);
	for (size_t i = 0; i < N; i++)
		CHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
	CHECK(pool_wait(p, &b) == POOL_OK);
	CHECK(b.pending == 0);

	uint64_t got = 0, want = 0;
	for (size_t i = 0; i < N; i++) {
		got += jobs[i].out;
		want += mix(jobs[i].in, jobs[i].rounds);
	}
	CHECKF(got == want, "sum %llu, want %llu", (unsigned long long)got,
	       (unsigned long long)want);
	CHECK(sum_jobs_bad(jobs, N) == 0);

	/* The batch is reusable after a wait. */
	sum_jobs_init(jobs, 1000, 99, 0);
	for (size_t i = 0; i < 1000; i++)
		CHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
	CHECK(pool_wait(p, &b) == POOL_OK);
	CHECK(sum_jobs_bad(jobs, 1000) == 0);
	pool_free(p);
	free(jobs);
}

static void test_zero_jobs(void)
{
	pool *p = NULL;
	CHECK(pool_create(&p, 2, 4) == POOL_OK);
	pool_batch b;
	pool_batch_init(&b);
	double t0 = now_ms();
	CHECK(pool_wait(p, &b) == POOL_OK);

	/* Also while the pool is busy with another batch that cannot finish yet. */
	struct gate g;
	gate_init(&g);
	pool_batch other;
	pool_batch_init(&other);
	CHECK(pool_add(p, &other, gate_fn, &g) == POOL_OK);
	gate_await_entered(&g);
	CHECK(pool_wait(p, &b) == POOL_OK);
	double ms = now_ms() - t0;
	CHECKF(ms < 1000, "empty waits took %.0f ms", ms);
	gate_open(&g);
	CHECK(pool_wait(p, &other) == POOL_OK);
	pool_free(p);
	gate_release(&g);
}

static void test_one_thread(void)
{
	enum { N = 5000 };
	static struct sum_job jobs[N];
	sum_jobs_init(jobs, N, 5, 1);
	pool *p = NULL;
	CHECK(pool_create(&p, 1, 3) == POOL_OK);
	pool_batch b;
	pool_batch_init(&b);
	for (size_t i = 0; i < N; i++)
		CHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
	CHECK(pool_wait(p, &b) == POOL_OK);
	CHECK(sum_jobs_bad(jobs, N) == 0);
	pool_free(p);
}

/* Caller A's wait must return while caller B's job is still blocked. */
struct indep {
	pool *p;
	struct gate g;
	atomic_bool a_done;
	int a_rc, b_rc;
	struct sum_job a_jobs[1000];
};

static void *indep_b(void *arg)
{
	struct indep *s = arg;
	pool_batch b;
	pool_batch_init(&b);
	s->b_rc = pool_add(s->p, &b, gate_fn, &s->g);
	if (s->b_rc == POOL_OK)
		s->b_rc = pool_wait(s->p, &b);
	return NULL;
}

static void *indep_a(void *arg)
{
	struct indep *s = arg;
	gate_await_entered(&s->g);
	pool_batch b;
	pool_batch_init(&b);
	sum_jobs_init(s->a_jobs, 1000, 3, 10);
	s->a_rc = POOL_OK;
	for (size_t i = 0; i < 1000 && s->a_rc == POOL_OK; i++)
		s->a_rc = pool_add(s->p, &b, sum_fn, &s->a_jobs[i]);
	int rc = pool_wait(s->p, &b);
	if (s->a_rc == POOL_OK)
		s->a_rc = rc;
	atomic_store(&s->a_done, true);
	return NULL;
}

static void test_batches_independent(void)
{
	static struct indep s;
	memset(&s, 0, sizeof(s));
	gate_init(&s.g);
	CHECK(pool_create(&s.p, 2, 4) == POOL_OK);
	pthread_t ta, tb;
	pthread_create(&tb, NULL, indep_b, &s);
	pthread_create(&ta, NULL, indep_a, &s);

	double t0 = now_ms();
	while (!atomic_load(&s.a_done) && now_ms() - t0 < 5000)
		sleep_ms(2);
	CHECKF(atomic_load(&s.a_done), "batch A waited for batch B's job");
	CHECK(!gate_get(&s.g, &s.g.left)); /* B's job is still blocked */
	gate_open(&s.g);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK(s.a_rc == POOL_OK && s.b_rc == POOL_OK);
	CHECK(sum_jobs_bad(s.a_jobs, 1000) == 0);
	CHECK(gate_get(&s.g, &s.g.left));
	pool_free(s.p);
	gate_release(&s.g);
}

/* Two callers interleave many small batches on one pool; each sees exactly its jobs. */
struct inter {
	pool *p;
	uint64_t seed;
	int rc;
	size_t bad;
};

static void *inter_caller(void *arg)
{
	struct inter *c = arg;
	enum { ROUNDS = 300, MAXJOBS = 40 };
	struct sum_job jobs[MAXJOBS];
	pool_batch b;
	pool_batch_init(&b);
	for (unsigned r = 0; r < ROUNDS; r++) {
		size_t n = 1 + (c->seed + r * 7) % MAXJOBS;
		sum_jobs_init(jobs, n, c->seed * 1000003 + r, r % 5);
		for (size_t i = 0; i < n; i++)
			if ((c->rc = pool_add(c->p, &b, sum_fn, &jobs[i])) != POOL_OK)
				return NULL;
		if ((c->rc = pool_wait(c->p, &b)) != POOL_OK)
			return NULL;
		c->bad += sum_jobs_bad(jobs, n);
	}
	return NULL;
}

static void test_batches_interleaved(void)
{
	pool *p = NULL;
	CHECK(pool_create(&p, 3, 5) == POOL_OK);
	struct inter c[2] = { { p, 1, 0, 0 }, { p, 2, 0, 0 } };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, inter_caller, &c[i]);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		CHECKF(c[i].rc == POOL_OK && c[i].bad == 0, "caller %d: rc %d, %zu bad jobs",
		       i, c[i].rc, c[i].bad);
	}
	pool_free(p);
}

/* queue_cap 1: with the worker blocked and one job queued, pool_add must block. */
struct blocked_add {
	pool *p;
	pool_batch *b;
	struct sum_job job;
	atomic_bool returned;
	int rc;
};

static void *blocked_add_fn(void *arg)
{
	struct blocked_add *a = arg;
	a->rc = pool_add(a->p, a->b, sum_fn, &a->job);
	atomic_store(&a->returned, true);
	return NULL;
}

static void test_backpressure(void)
{
	pool *p = NULL;
	CHECK(pool_create(&p, 1, 1) == POOL_OK);
	struct gate g;
	gate_init(&g);
	pool_batch b;
	pool_batch_init(&b);
	CHECK(pool_add(p, &b, gate_fn, &g) == POOL_OK);
	gate_await_entered(&g); /* the worker is busy, the queue empty */
	struct sum_job queued = { .in = 11 };
	CHECK(pool_add(p, &b, sum_fn, &queued) == POOL_OK); /* the queue is full */

	static struct blocked_add a;
	memset(&a, 0, sizeof(a));
	a.p = p;
	a.b = &b;
	a.job.in = 12;
	pthread_t t;
	pthread_create(&t, NULL, blocked_add_fn, &a);
	sleep_ms(150);
	CHECKF(!atomic_load(&a.returned), "pool_add did not block on a full queue");
	gate_open(&g);
	pthread_join(t, NULL);
	CHECK(atomic_load(&a.returned) && a.rc == POOL_OK);
	CHECK(pool_wait(p, &b) == POOL_OK);
	CHECK(sum_jobs_bad(&queued, 1) == 0 && sum_jobs_bad(&a.job, 1) == 0);
	pool_free(p);
	gate_release(&g);

	/* And a lot of traffic through a one-slot queue. */
	enum { N = 20000 };
	struct sum_job *jobs = malloc(N * sizeof(*jobs));
	sum_jobs_init(jobs, N, 77, 2);
	CHECK(pool_create(&p, 4, 1) == POOL_OK);
	for (size_t i = 0; i < N; i++)
		CHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
	CHECK(pool_wait(p, &b) == POOL_OK);
	CHECK(sum_jobs_bad(jobs, N) == 0);
	pool_free(p);
	free(jobs);
}

static void test_more_threads_than_cpus(void)
{
	unsigned n = pool_cpus() * 4 + 3;
	int base = count_tasks(NULL);
	pool *p = NULL;
	CHECK(pool_create(&p, n, 0) == POOL_OK);
	CHECK(pool_threads(p) == n);
	enum { N = 3000 };
	static struct sum_job jobs[N];
	sum_jobs_init(jobs, N, 8, 20);
	pool_batch b;
	pool_batch_init(&b);
	for (size_t i = 0; i < N; i++)
		CHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
	CHECKF(count_tasks(NULL) == base + (int)n, "threads %d, want %d", count_tasks(NULL),
	       base + (int)n);
	CHECK(pool_wait(p, &b) == POOL_OK);
	CHECK(sum_jobs_bad(jobs, N) == 0);
	pool_free(p);

	CHECK(pool_create(&p, POOL_MAX_THREADS + 100, 1) == POOL_OK);
	CHECK(pool_threads(p) == POOL_MAX_THREADS);
	pool_free(p); /* never started: nothing to join */
}

static void test_free_runs_queued(void)
{
	pool_free(NULL);

	enum { N = 50 };
	static struct sum_job jobs[N];
	sum_jobs_init(jobs, N, 21, 1000);
	pool *p = NULL;
	CHECK(pool_create(&p, 1, N) == POOL_OK);
	pool_batch b;
	pool_batch_init(&b);
	for (size_t i = 0; i < N; i++)
		CHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
	pool_free(p);
	CHECK(b.pending == 0);
	CHECK(sum_jobs_bad(jobs, N) == 0);
}

/* ---- fork tests ------------------------------------------------------------------- */

/*
 * A forked child reports through its exit status: 0 = all checks passed.  It prints what
 * failed first.  Only the main thread of the parent forks, and jobs never use stdio or
 * malloc, so stdio and malloc are safe in these children.
 */
#define CCHECK(cond)                                                                 \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "  child %d (%s): line %d: %s\n", (int)getpid(), \
				unit_part, __LINE__, #cond);                         \
			_exit(1);                                                    \
		}                                                                    \
	} while (0)

/*
 * Child side: a watchdog that kills it with SIGALRM, which the parent reports.  A child
 * forked from a job is a copy of a worker, which blocks SIGALRM: unblock it.
 */
static void child_watchdog(unsigned s)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	signal(SIGALRM, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	alarm(s);
}

/* Parent side: reaps pid and reports how it ended.  True if it exited 0. */
static bool child_ok(pid_t pid, const char *what)
{
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != pid) {
		FAILF("%s: waitpid: %s", what, strerror(errno));
		return false;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		FAILF("%s: child hung (its watchdog fired)", what);
	else if (WIFSIGNALED(st))
		FAILF("%s: child killed by signal %d", what, WTERMSIG(st));
	else
		FAILF("%s: child exited %d", what, WEXITSTATUS(st));
	return false;
}

/*
 * What every child does with the pool it inherited: the calls fail at once with
 * POOL_EFORKED, and pool_free returns.  It uses the pool the way a program that does not
 * know about the fork would (add, wait, free) and checks afterwards, so the negative
 * control (no detection) hangs here, in the bug the detection prevents.
 */
static void child_check_inherited(pool *old, pid_t parent)
{
	pool_batch b;
	pool_batch_init(&b);
	struct sum_job j = { .in = 1 };
	double t0 = now_ms();
	int add_rc = pool_add(old, &b, sum_fn, &j);
	int wait_rc = pool_wait(old, &b);
	pool_free(old); /* returns at once, leaks */
	double ms = now_ms() - t0;
	CCHECK(add_rc == POOL_EFORKED);
	CCHECK(wait_rc == POOL_EFORKED);
	CCHECK(ms < 500); /* "at once": a hang would take until the watchdog */
	CCHECK(b.pending == 0 && j.done == 0);
	CCHECK(pool_inherited(old));
	CCHECK(pool_owner(old) == parent);
}

/* A new pool in the child works. */
static void child_new_pool(unsigned nthreads, size_t njobs)
{
	pool *p = NULL;
	CCHECK(pool_create(&p, nthreads, 8) == POOL_OK);
	CCHECK(!pool_inherited(p) && pool_owner(p) == getpid());
	struct sum_job *jobs = malloc(njobs * sizeof(*jobs));
	CCHECK(jobs);
	sum_jobs_init(jobs, njobs, (uint64_t)getpid() << 20, 5);
	pool_batch b;
	pool_batch_init(&b);
	for (size_t i = 0; i < njobs; i++)
		CCHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
	CCHECK(pool_wait(p, &b) == POOL_OK);
	CCHECK(sum_jobs_bad(jobs, njobs) == 0);
	pool_free(p);
	free(jobs);
}

/*
 * pool_forked, the stamp table.c puts on every handle: either half alone (a pid reused
 * by a grandchild, whose generation moved; a _Fork child, whose generation did not)
 * means another process, and fork() moves the generation in the child only.
 */
static void test_fork_stamp(void)
{
	pid_t me = getpid();
	unsigned gen = pool_fork_gen();
#ifdef DQ_NO_FORK_DETECTION
	CHECK(!pool_forked(me + 1, gen + 1)); /* the control build sees nothing */
#else
	CHECK(!pool_forked(me, gen));
	CHECK(pool_forked(me, gen + 1));
	CHECK(pool_forked(me + 1, gen));
	pid_t pid = fork();
	if (pid == 0) {
		child_watchdog(5);
		CCHECK(pool_fork_gen() == gen + 1);
		CCHECK(pool_forked(me, gen));
		CCHECK(!pool_forked(getpid(), pool_fork_gen()));
		_exit(0);
	}
	CHECK(pid > 0);
	child_ok(pid, "fork stamp");
	CHECK(pool_fork_gen() == gen); /* the parent's generation does not move */
#endif
}

/* A pool that never started a thread is still refused in the child. */
static void test_fork_idle(void)
{
	pool *p = NULL;
	CHECK(pool_create(&p, 2, 4) == POOL_OK);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		child_watchdog(5);
		child_check_inherited(p, parent);
		_exit(0);
	}
	CHECK(pid > 0);
	child_ok(pid, "fork of an idle pool");
	CHECK(!pool_inherited(p));
	struct sum_job j = { .in = 4 };
	pool_batch b;
	pool_batch_init(&b);
	CHECK(pool_add(p, &b, sum_fn, &j) == POOL_OK);
	CHECK(pool_wait(p, &b) == POOL_OK);
	CHECK(sum_jobs_bad(&j, 1) == 0);
	pool_free(p);
}

/*
 * U1: fork while the pool is busy (workers take and drop its mutex all the time), many
 * times.  Every few rounds the child comes from _Fork(), which runs no atfork handler, so
 * only the getpid() comparison can catch it; such a child must not malloc, so it only
 * checks the inherited pool.
 */
static unsigned fork_iters(void)
{
	const char *s = getenv("TEST_POOL_FORK_ITERS");
	if (s && atoi(s) > 0)
		return (unsigned)atoi(s);
#ifdef TEST_TSAN
	return 20; /* a fork costs about 0.2 s under TSan */
#else
	return 100;
#endif
}

static void test_fork_busy(void)
{
	enum { NJOBS = 64 };
	static struct sum_job jobs[NJOBS];
	pool *p = NULL;
	CHECK(pool_create(&p, 4, 16) == POOL_OK);
	CHECK(pool_warm(p));
	pid_t parent = getpid();
	unsigned iters = fork_iters(), failed = 0;
	if (no_fork_threads)
		unit_skip("a new pool in the forked child (TEST_POOL_NO_FORK=1)");

	for (unsigned it = 0; it < iters && failed == 0; it++) {
		for (size_t i = 0; i < NJOBS; i++)
			jobs[i] = (struct sum_job){ .in = it * 1000 + i,
						    .rounds = i % 8 == 0 ? 20000 : 10 };
		pool_batch b;
		pool_batch_init(&b);
		for (size_t i = 0; i < NJOBS / 2; i++)
			CHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);

		bool raw = it % 5 == 4;
		pid_t pid = raw ? _Fork() : fork();
		if (pid == 0) {
			child_watchdog(5);
			child_check_inherited(p, parent);
			if (!raw && !no_fork_threads)
				child_new_pool(4, 100);
			_exit(0);
		}
		CHECK(pid > 0);
		for (size_t i = NJOBS / 2; i < NJOBS; i++)
			CHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
		CHECK(pool_wait(p, &b) == POOL_OK);
		CHECK(sum_jobs_bad(jobs, NJOBS) == 0);
		if (!child_ok(pid, raw ? "_Fork while busy" : "fork while busy"))
			failed++;
	}
	pool_free(p);
}

/* U2, fork from inside a job: the child is a copy of a worker thread. */
struct fork_job {
	pool *p;
	pid_t parent;
	bool child_returns; /* the child returns from the job instead of _exit */
	pid_t pid;
	int status;         /* waitpid status of the child */
};

static void fork_job_fn(void *arg)
{
	struct fork_job *fj = arg;
	fj->pid = fork();
	if (fj->pid == 0) {
		child_watchdog(5);
		if (fj->child_returns)
			return; /* the worker must end its thread, so the child exits 0 */
		child_check_inherited(fj->p, fj->parent);
		if (!no_fork_threads)
			child_new_pool(3, 200);
		_exit(0);
	}
	if (fj->pid > 0)
		while (waitpid(fj->pid, &fj->status, 0) < 0 && errno == EINTR)
			;
}

static void test_fork_in_job(void)
{
	enum { NJOBS = 200 };
	static struct sum_job jobs[NJOBS];
	if (no_fork_threads)
		unit_skip("a new pool in the child forked from a job (TEST_POOL_NO_FORK=1)");
	for (int variant = 0; variant < 2; variant++) {
		pool *p = NULL;
		CHECK(pool_create(&p, 4, 8) == POOL_OK);
		CHECK(pool_warm(p));
		pool_batch b;
		pool_batch_init(&b);
		struct fork_job fj = { p, getpid(), variant == 1, -1, -1 };
		sum_jobs_init(jobs, NJOBS, 400, 500);
		for (size_t i = 0; i < NJOBS / 2; i++)
			CHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
		CHECK(pool_add(p, &b, fork_job_fn, &fj) == POOL_OK);
		for (size_t i = NJOBS / 2; i < NJOBS; i++)
			CHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
		CHECK(pool_wait(p, &b) == POOL_OK);
		CHECK(sum_jobs_bad(jobs, NJOBS) == 0);
		const char *what = variant ? "child returns from the job" : "fork in a job";
		CHECKF(fj.pid > 0, "%s: fork failed", what);
		if (WIFSIGNALED(fj.status) && WTERMSIG(fj.status) == SIGALRM)
			FAILF("%s: child hung (its watchdog fired)", what);
		else
			CHECKF(WIFEXITED(fj.status) && WEXITSTATUS(fj.status) == 0,
			       "%s: child wait status 0x%x", what, (unsigned)fj.status);
		pool_free(p);
	}
}

/*
 * U2, recursive: each level creates its own pool, keeps it busy, forks; the child checks
 * the inherited pool and repeats, down to `depth`.  A level exits with the first failing
 * depth, so the top reports where it broke.
 */
static void fork_level(unsigned level, unsigned depth, pool *inherited, pid_t parent)
{
	enum { NJOBS = 48 };
	struct sum_job jobs[NJOBS];
	if (inherited)
		child_check_inherited(inherited, parent);
	if (level == depth)
		return;

	pool *p = NULL;
	CCHECK(pool_create(&p, 3, 4) == POOL_OK);
	CCHECK(pool_warm(p));
	sum_jobs_init(jobs, NJOBS, level * 100000, 3000);
	pool_batch b;
	pool_batch_init(&b);
	for (size_t i = 0; i < NJOBS / 2; i++)
		CCHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
	pid_t me = getpid();
	pid_t pid = fork();
	CCHECK(pid >= 0);
	if (pid == 0) {
		/* Deeper levels give up first, so the report names the level that hung. */
		child_watchdog(20 - 3 * level);
		fork_level(level + 1, depth, p, me);
		_exit(0);
	}
	for (size_t i = NJOBS / 2; i < NJOBS; i++)
		CCHECK(pool_add(p, &b, sum_fn, &jobs[i]) == POOL_OK);
	CCHECK(pool_wait(p, &b) == POOL_OK);
	CCHECK(sum_jobs_bad(jobs, NJOBS) == 0);
	pool_free(p);

	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		if (WIFSIGNALED(st))
			fprintf(stderr, "  level %u: child killed by signal %d%s\n", level + 1,
				WTERMSIG(st), WTERMSIG(st) == SIGALRM ? " (hung)" : "");
		_exit(1);
	}
}

static void test_fork_recursive(void)
{
	if (no_fork_threads) {
		unit_skip("every level starts threads in a forked child (TEST_POOL_NO_FORK=1)");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		child_watchdog(60);
		fork_level(0, 4, NULL, 0); /* levels 0..3 each own a busy pool; 4 children */
		_exit(0);
	}
	CHECK(pid > 0);
	child_ok(pid, "recursive fork, depth 4");
}

int main(void)
{
	const char *e = getenv("TEST_POOL_NO_FORK");
	no_fork_threads = e && strcmp(e, "1") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_watchdog);
#ifdef TEST_ASAN
	main_pid = getpid();
	atexit(child_quiet_exit);
#endif
	/* TSan starts a helper thread on the first pthread_create: get it out of the counts. */
	pthread_t t;
	if (pthread_create(&t, NULL, noop_thread, NULL) == 0)
		pthread_join(t, NULL);

	run("lazy start", test_lazy_start, 20); /* first: no pool thread exists yet */
	run("pool_cpus and nthreads 0", test_cpus, 20);
	run("many jobs summing", test_many_jobs, 60);
	run("zero jobs wait returns at once", test_zero_jobs, 20);
	run("one thread", test_one_thread, 20);
	run("batches wait only for their own jobs", test_batches_independent, 20);
	run("two callers interleave batches", test_batches_interleaved, 60);
	run("queue_cap 1 back-pressure", test_backpressure, 60);
	run("more threads than cpus", test_more_threads_than_cpus, 60);
	run("pool_free runs queued jobs", test_free_runs_queued, 20);
	run("fork: pid and generation stamp", test_fork_stamp, 20);
	run("fork: idle pool is refused in the child", test_fork_idle, 20);
	run("fork: while busy, child refuses and makes a new pool", test_fork_busy, 120);
	run("fork: from inside a job", test_fork_in_job, 60);
	run("fork: recursive, depth 4", test_fork_recursive, 90);

	if (unit_skipped)
		printf("%d parts skipped (TEST_POOL_NO_FORK=1)\n", unit_skipped);
	return unit_done();
}
