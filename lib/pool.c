/*
 * pool.c - the worker-thread pool that parses commits and checkpoint parts in parallel,
 * and the library's fork detection (research/fork.md 4a, 4b; the design follows zstd's
 * lib/common/pool.c).
 *
 * All state lives in struct pool: a circular queue, one mutex and two condition
 * variables.  `work` wakes workers when a job is queued or the pool shuts down; `done`
 * wakes callers when a queue slot frees up (pool_add) or a batch reaches zero (pool_wait).
 * Both kinds of caller share `done`, so it is always broadcast, and only when someone
 * waits.  A worker drops the mutex while its job runs.
 *
 * The only process-global mutable state is fork_gen, which a pthread_atfork child
 * handler bumps.  The handler is registered from a constructor rather than pthread_once,
 * because a pthread_once in progress at fork time would hang the child's next call.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "pool.h"

struct pool_item {
	pool_fn *fn;
	void *job;
	pool_batch *batch;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work;        /* a job was queued, or shutdown was set */
	pthread_cond_t done;        /* a queue slot freed, or a batch reached zero */
	struct pool_item *queue;    /* circular: count items from head, cap slots */
	size_t cap, head, count;
	unsigned space_waiters;     /* callers in pool_add waiting for a free slot */
	unsigned batch_waiters;     /* callers in pool_wait */
	bool shutdown;
	unsigned started;           /* threads created; 0 until the first pool_add */
	pthread_t *threads;         /* nthreads slots */

	/* Set by pool_create, never changed: read without the mutex. */
	unsigned nthreads;
	pid_t pid;
	unsigned gen;
};

static atomic_uint fork_gen;

/* Runs in the child, in the thread that called fork(); an atomic add is signal-safe. */
static void pool_on_fork_child(void)
{
	atomic_fetch_add_explicit(&fork_gen, 1, memory_order_relaxed);
}

__attribute__((constructor)) static void pool_fork_init(void)
{
	/* On failure (ENOMEM) the getpid() comparison still catches every fork. */
	(void)pthread_atfork(NULL, NULL, pool_on_fork_child);
}

unsigned pool_fork_gen(void)
{
	return atomic_load_explicit(&fork_gen, memory_order_relaxed);
}

bool pool_forked(pid_t pid, unsigned gen)
{
#ifdef DQ_NO_FORK_DETECTION
	(void)pid, (void)gen;
	return false;
#else
	/*
	 * The counter changes only in a child, before any other thread exists there, so a
	 * relaxed load is enough.  It also covers a grandchild whose pid happens to equal a
	 * long-dead creator's; getpid() covers _Fork(), vfork() and raw clone(), which run
	 * no atfork handlers.
	 */
	return gen != pool_fork_gen() || pid != getpid();
#endif
}

bool pool_inherited(const pool *p)
{
	return pool_forked(p->pid, p->gen);
}

pid_t pool_owner(const pool *p)
{
	return p->pid;
}

unsigned pool_threads(const pool *p)
{
	return p->nthreads;
}

unsigned pool_cpus(void)
{
	/* cpu_set_t holds 1024 CPUs; sched_getaffinity fails with EINVAL on larger machines. */
	for (size_t ncpu = 1024; ncpu <= 65536; ncpu *= 2) {
		cpu_set_t *set = CPU_ALLOC(ncpu);
		if (!set)
			break;
		size_t size = CPU_ALLOC_SIZE(ncpu);
		int n = -1;
		if (sched_getaffinity(0, size, set) == 0)
			n = CPU_COUNT_S(size, set);
		CPU_FREE(set);
		if (n > 0)
			return (unsigned)n;
		if (n == 0)
			break;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

unsigned dq_cpus(void)
{
	return pool_cpus();
}

int pool_create(pool **out, unsigned nthreads, size_t queue_cap)
{
	*out = NULL;
	if (nthreads == 0)
		nthreads = pool_cpus();
	if (nthreads > POOL_MAX_THREADS)
		nthreads = POOL_MAX_THREADS;
	if (queue_cap == 0)
		queue_cap = 4 * (size_t)nthreads;

	pool *p = calloc(1, sizeof(*p));
	if (!p)
		return POOL_ENOMEM;
	p->queue = calloc(queue_cap, sizeof(*p->queue));
	p->threads = calloc(nthreads, sizeof(*p->threads));
	if (!p->queue || !p->threads)
		goto fail;
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&p->work, NULL) != 0)
		goto fail_mu;
	if (pthread_cond_init(&p->done, NULL) != 0)
		goto fail_work;
	p->cap = queue_cap;
	p->nthreads = nthreads;
	p->pid = getpid();
	p->gen = pool_fork_gen();
	*out = p;
	return POOL_OK;

fail_work:
	pthread_cond_destroy(&p->work);
fail_mu:
	pthread_mutex_destroy(&p->mu);
fail:
	free(p->threads);
	free(p->queue);
	free(p);
	return POOL_ENOMEM;
}

void pool_batch_init(pool_batch *b)
{
	b->pending = 0;
}

static void *pool_worker(void *arg)
{
	pool *p = arg;

	pthread_setname_np(pthread_self(), "deltaq-pool");
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->count == 0 && !p->shutdown)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->count == 0)
			break; /* shut down, and nothing left to run */

		struct pool_item it = p->queue[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		if (p->space_waiters > 0)
			pthread_cond_broadcast(&p->done);
		pthread_mutex_unlock(&p->mu);

		it.fn(it.job);

		/*
		 * The job may have forked, and we may be the child's only thread.  The mutex
		 * is then a copy that another thread may have held; leave it alone.
		 */
		if (pool_inherited(p))
			return NULL;

		pthread_mutex_lock(&p->mu);
		if (--it.batch->pending == 0 && p->batch_waiters > 0)
			pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/*
 * Starts the workers; called with the mutex held, by the first pool_add.  New threads
 * inherit the creator's signal mask, so block the asynchronous signals around
 * pthread_create.  Faults (SIGSEGV, ...) stay unblocked: the kernel would otherwise kill
 * the process without running a sanitizer's or the application's handler.
 */
static int pool_start(pool *p)
{
	sigset_t all, old;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGTRAP);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	while (p->started < p->nthreads &&
	       pthread_create(&p->threads[p->started], NULL, pool_worker, p) == 0)
		p->started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Fewer threads than asked for still run every job. */
	return p->started > 0 ? POOL_OK : POOL_ENOMEM;
}

int pool_add(pool *p, pool_batch *b, pool_fn *fn, void *job)
{
	if (pool_inherited(p))
		return POOL_EFORKED;

	pthread_mutex_lock(&p->mu);
	if (p->started == 0 && pool_start(p) != POOL_OK) {
		pthread_mutex_unlock(&p->mu);
		return POOL_ENOMEM;
	}
	while (p->count == p->cap) {
		p->space_waiters++;
		pthread_cond_wait(&p->done, &p->mu);
		p->space_waiters--;
	}
	p->queue[(p->head + p->count) % p->cap] = (struct pool_item){ fn, job, b };
	p->count++;
	b->pending++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return POOL_OK;
}

int pool_wait(pool *p, pool_batch *b)
{
	if (pool_inherited(p))
		return POOL_EFORKED;

	pthread_mutex_lock(&p->mu);
	while (b->pending > 0) {
		p->batch_waiters++;
		pthread_cond_wait(&p->done, &p->mu);
		p->batch_waiters--;
	}
	pthread_mutex_unlock(&p->mu);
	return POOL_OK;
}

void pool_free(pool *p)
{
	if (!p || pool_inherited(p))
		return;

	pthread_mutex_lock(&p->mu);
	p->shutdown = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->started; i++)
		pthread_join(p->threads[i], NULL);

	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p->queue);
	free(p);
}
