/*
 * pool.h - a fixed set of worker threads with a bounded job queue, after zstd's POOL_
 * (research/aesthetics.md 8): one mutex, two condition variables, a circular queue, no
 * globals besides the fork generation counter.  A pool belongs to one handle (a table), not
 * to the process, so a forked child that opens a new handle gets a working pool of its own.
 *
 * Jobs cannot fail (curl's rule): a job writes its result and its error into the struct
 * it was given.  Callers group their jobs in a pool_batch and wait for that batch only, so
 * several threads can share one pool without waiting for each other's work.
 *
 * Threads start on the first pool_add, not in pool_create: a process that opens a table
 * but never fans out work has no extra threads.  Even nthreads == 1 runs its job on a
 * worker thread, never inline in pool_add, so the caller's thread never runs job code and
 * the behaviour is the same at every size.  Workers block every asynchronous signal
 * (SIGINT, SIGTERM, SIGCHLD, ...); signals go to the application's own threads.
 *
 * Fork (research/fork.md 4b): a pool records the pid and fork generation of the process
 * that created it.  Used in any other process, pool_add and pool_wait return POOL_EFORKED
 * before touching a lock, and pool_free returns at once and leaks the pool: in a child the
 * workers do not exist and the mutex may have been copied while held.  No prepare handler
 * is registered, so fork() in the host process never waits for our workers.
 *
 * Misuse that this file does not detect:
 *   - pool_add or pool_wait on the same pool from inside a job (it can run out of workers
 *     and deadlock; fan out from the top level only);
 *   - a pool_batch that goes out of scope while it has pending jobs: every pool_add that
 *     returned 0 must be followed by a pool_wait on its batch (or by pool_free, which runs
 *     the queued jobs), on error paths too;
 *   - pool_free while another thread still uses the pool.
 *
 * A child forked from inside a job must exec or _exit before the job returns.  If the job
 * returns in the child anyway, the worker notices the fork and its thread ends without
 * touching the pool; being the child's only thread, the child then exits with status 0
 * (glibc calls exit(0) when the last thread ends, so atexit handlers and stdio run).
 *
 * Building lib/pool.c with -DDQ_NO_FORK_DETECTION turns detection off (pool_inherited and
 * pool_forked are always false, so table_check is blind too).  It exists only for the
 * negative-control builds of tests/unit/test_pool.c and tests/fork/ (`make forktest`),
 * whose fork tests must then hang or fail.
 */
#ifndef DQ_POOL_H
#define DQ_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum {
	POOL_OK = 0,
	POOL_EFORKED = 1,  /* the pool was created in another process (fork) */
	POOL_ENOMEM = 2,   /* out of memory, or no worker thread could be started */
};

#define POOL_MAX_THREADS 1024  /* pool_create clamps nthreads to this */

typedef struct pool pool;

/*
 * A wait group: the jobs one caller added and has not yet waited for.  Embed it (on the
 * stack is fine), pool_batch_init it, and do not touch `pending`: the pool's mutex guards
 * it.  One batch is used with one pool at a time; after pool_wait it can be reused.
 */
typedef struct pool_batch {
	size_t pending;  /* jobs added to this batch and not yet finished */
} pool_batch;

typedef void pool_fn(void *job);

/*
 * Makes a pool of `nthreads` workers (0 = pool_cpus(); more than the CPUs is fine, up to
 * POOL_MAX_THREADS) and a queue of `queue_cap` jobs waiting for a worker (0 = four per
 * thread).  Starts no thread.  *out is new; free it with pool_free.  0 or POOL_ENOMEM.
 */
int pool_create(pool **out, unsigned nthreads, size_t queue_cap);

/* CPUs this process may run on (sched_getaffinity), at least 1. */
unsigned pool_cpus(void);

void pool_batch_init(pool_batch *b);

/*
 * Queues fn(job) as part of batch b, starting the workers if this is the pool's first
 * job.  Blocks while the queue is full.  job is borrowed until pool_wait(b) returns.
 * 0; POOL_EFORKED (nothing queued, no lock taken); POOL_ENOMEM (no worker thread could
 * be started; nothing queued; a later pool_add tries again).
 */
int pool_add(pool *p, pool_batch *b, pool_fn *fn, void *job);

/*
 * Waits until every job of batch b has finished; jobs of other batches do not delay it.
 * Returns at once for a batch with no jobs.  0 or POOL_EFORKED.
 */
int pool_wait(pool *p, pool_batch *b);

/*
 * True if p was created in another process: the fork generation (bumped by a
 * pthread_atfork child handler) or getpid() differs from creation time.  Takes no lock,
 * so it is safe on a pool whose mutex was copied while held.
 */
bool pool_inherited(const pool *p);

/*
 * The same test for any other object: record getpid() and pool_fork_gen() when it is
 * created, and pool_forked(pid, gen) is true once it is used in another process (table.c
 * stamps every dq_table this way).  Lock-free and async-signal-safe.
 */
unsigned pool_fork_gen(void);
bool pool_forked(pid_t pid, unsigned gen);

/* The pid of the process that created p. */
pid_t pool_owner(const pool *p);

/* Threads the pool runs once started (its size, not how many are running now). */
unsigned pool_threads(const pool *p);

/*
 * Lets the queued jobs finish, stops and joins the workers, and frees p.  NULL is fine.
 * On an inherited pool (see pool_inherited) it returns at once and leaks p: it never
 * locks, joins or frees anything there.
 */
void pool_free(pool *p);

#endif
