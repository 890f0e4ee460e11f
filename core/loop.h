/*
 * The reactor: the process's one event_base, its signal handling and its
 * graceful shutdown.
 *
 * Shutdown runs in two steps. The first SIGTERM or SIGINT (or loop_shutdown())
 * calls every hook registered with loop_on_shutdown(), which stop taking new
 * work; the loop then keeps running until no work is held (loop_hold/
 * loop_release) or the drain timeout passes, and loop_run() returns 0. A
 * second signal ends the loop at once, and loop_run() returns 1.
 */
#ifndef PCA_CORE_LOOP_H
#define PCA_CORE_LOOP_H

#include <stdint.h>

struct event_base;

/* Creates the event_base; aborts if libevent cannot. */
void loop_init(void);
/* Releases the event_base and the hooks. */
void loop_free(void);
struct event_base *loop_base(void);
/* Installs the SIGTERM/SIGINT handlers and ignores SIGPIPE. */
void loop_catch_signals(void);
void loop_set_drain_timeout(uint64_t ms);
/* Runs the loop until shutdown completes; returns the process exit status. */
int loop_run(void);

/* Registers fn(arg) to be called once when shutdown starts. */
void loop_on_shutdown(void (*fn)(void *), void *arg);
/*
 * Registers fn(arg) to be called once when, during shutdown, no work is held
 * any more: the place for last words such as releasing a lease. It may hold
 * new work (loop_hold) to delay the exit until that is done.
 */
void loop_on_drained(void (*fn)(void *), void *arg);
void loop_shutdown(void);
int loop_shutting_down(void);
/* Ends the loop now; loop_run() returns status. */
void loop_exit(int status);

/* Counts a piece of in-flight work that a graceful shutdown waits for. */
void loop_hold(void);
void loop_release(void);
unsigned loop_held(void);

/*
 * Calls fn(arg) on the next pass of the loop, outside any callback that is
 * running now: the way to free an object a pending callback may still reach.
 */
void loop_defer(void (*fn)(void *), void *arg);

#endif
