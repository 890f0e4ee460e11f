/*
 * The shutdown sequence: hooks run once, the loop waits for held work, the
 * drained hooks get their say, the deadline ends a drain that hangs, and a
 * second signal exits at once. Signals are real (raised at this process).
 */
#include <signal.h>
#include <sys/time.h>

#include <event2/event.h>

#include "core/log.h"
#include "core/loop.h"
#include "testutil.h"

static int shutdown_calls, drained_calls, deferred_calls;

static void
on_shutdown(void *arg)
{
	shutdown_calls++;
}

static void
release_later(evutil_socket_t fd, short what, void *arg)
{
	loop_release();
}

static void
on_drained(void *arg)
{
	struct timeval tv = {0, 20000};

	drained_calls++;
	/* Last words that take a moment, like releasing a lease. */
	loop_hold();
	event_base_once(loop_base(), -1, EV_TIMEOUT, release_later, NULL, &tv);
}

static void
raise_term(evutil_socket_t fd, short what, void *arg)
{
	raise(SIGTERM);
}

static void
test_graceful_drain(void)
{
	struct timeval tv = {0, 10000}, rel = {0, 50000};

	loop_init();
	loop_catch_signals();
	loop_on_shutdown(on_shutdown, NULL);
	loop_on_drained(on_drained, NULL);
	loop_hold();
	event_base_once(loop_base(), -1, EV_TIMEOUT, raise_term, NULL, &tv);
	event_base_once(loop_base(), -1, EV_TIMEOUT, release_later, NULL, &rel);
	CHECK_INT(loop_run(), 0);
	CHECK_INT(shutdown_calls, 1);
	CHECK_INT(drained_calls, 1);
	CHECK_INT(loop_held(), 0);
	CHECK(loop_shutting_down());
	loop_free();
}

static void
test_deadline_ends_a_hung_drain(void)
{
	struct timeval tv = {0, 10000};

	loop_init();
	loop_catch_signals();
	loop_set_drain_timeout(100);
	loop_hold();
	event_base_once(loop_base(), -1, EV_TIMEOUT, raise_term, NULL, &tv);
	CHECK_INT(loop_run(), 0);
	CHECK_INT(loop_held(), 1);
	loop_free();
	loop_set_drain_timeout(30000);
}

static void
test_second_signal_exits_at_once(void)
{
	struct timeval a = {0, 10000}, b = {0, 30000};

	loop_init();
	loop_catch_signals();
	loop_set_drain_timeout(60000);
	loop_hold();
	event_base_once(loop_base(), -1, EV_TIMEOUT, raise_term, NULL, &a);
	event_base_once(loop_base(), -1, EV_TIMEOUT, raise_term, NULL, &b);
	CHECK_INT(loop_run(), 1);
	loop_free();
}

static void
deferred(void *arg)
{
	deferred_calls++;
	if (deferred_calls == 2)
		loop_exit(7);
}

static void
test_defer_runs_on_the_next_pass(void)
{
	loop_init();
	loop_defer(deferred, NULL);
	loop_defer(deferred, NULL);
	CHECK_INT(deferred_calls, 0);
	CHECK_INT(loop_run(), 7);
	CHECK_INT(deferred_calls, 2);
	loop_free();
}

int
main(void)
{
	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_ERROR);
	TEST(test_graceful_drain);
	TEST(test_deadline_ends_a_hung_drain);
	TEST(test_second_signal_exits_at_once);
	TEST(test_defer_runs_on_the_next_pass);
	return test_done();
}
