/*
 * The reactor and its shutdown sequence. Everything the process does runs in
 * callbacks on the event_base owned here.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/xmalloc.h"

enum loop_state {
	LOOP_RUNNING,
	LOOP_DRAINING,
	LOOP_STOPPED,
};

struct loop_hook {
	void (*fn)(void *);
	void *arg;
	struct loop_hook *next;
};

static struct event_base *loop_evbase;
static struct event *loop_sigterm, *loop_sigint, *loop_drain_timer;
static struct loop_hook *loop_hooks, *loop_drained_hooks;
static int loop_drained_called;
static enum loop_state loop_state;
static uint64_t loop_drain_ms = 30000;
static unsigned loop_holds;
static int loop_status;

static const char *
loop_state_name(enum loop_state s)
{
	switch (s) {
	case LOOP_RUNNING:
		return "running";
	case LOOP_DRAINING:
		return "draining";
	case LOOP_STOPPED:
		return "stopped";
	}
	return "?";
}

/* The one place the loop changes state, so every transition is logged. */
static void
loop_set_state(enum loop_state s)
{
	log_debug("loop state", "from", loop_state_name(loop_state), "to", loop_state_name(s));
	loop_state = s;
}

void
loop_init(void)
{
	loop_evbase = event_base_new();
	if (loop_evbase == NULL)
		fatalx("libevent could not create an event base");
	loop_state = LOOP_RUNNING;
	loop_holds = 0;
	loop_status = 0;
}

void
loop_free(void)
{
	struct loop_hook *h;

	while ((h = loop_hooks) != NULL) {
		loop_hooks = h->next;
		free(h);
	}
	while ((h = loop_drained_hooks) != NULL) {
		loop_drained_hooks = h->next;
		free(h);
	}
	loop_drained_called = 0;
	if (loop_sigterm != NULL)
		event_free(loop_sigterm);
	if (loop_sigint != NULL)
		event_free(loop_sigint);
	if (loop_drain_timer != NULL)
		event_free(loop_drain_timer);
	loop_sigterm = loop_sigint = loop_drain_timer = NULL;
	if (loop_evbase != NULL)
		event_base_free(loop_evbase);
	loop_evbase = NULL;
}

struct event_base *
loop_base(void)
{
	return loop_evbase;
}

static void
loop_stop(int status)
{
	loop_set_state(LOOP_STOPPED);
	loop_status = status;
	event_base_loopbreak(loop_evbase);
}

static void
loop_on_signal(evutil_socket_t sig, short what, void *arg)
{
	if (loop_state == LOOP_RUNNING) {
		log_info("shutting down", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		loop_shutdown();
		return;
	}
	log_warn("second signal, exiting now");
	loop_stop(1);
}

void
loop_catch_signals(void)
{
	signal(SIGPIPE, SIG_IGN);
	loop_sigterm = evsignal_new(loop_evbase, SIGTERM, loop_on_signal, NULL);
	loop_sigint = evsignal_new(loop_evbase, SIGINT, loop_on_signal, NULL);
	if (loop_sigterm == NULL || loop_sigint == NULL || evsignal_add(loop_sigterm, NULL) != 0 ||
	    evsignal_add(loop_sigint, NULL) != 0)
		fatalx("cannot install signal handlers");
}

void
loop_set_drain_timeout(uint64_t ms)
{
	loop_drain_ms = ms;
}

int
loop_run(void)
{
	if (event_base_dispatch(loop_evbase) < 0)
		fatalx("the event loop failed");
	return loop_status;
}

static void
loop_hook_add(struct loop_hook **list, void (*fn)(void *), void *arg)
{
	struct loop_hook *h = xmalloc(sizeof *h);

	h->fn = fn;
	h->arg = arg;
	h->next = *list;
	*list = h;
}

void
loop_on_shutdown(void (*fn)(void *), void *arg)
{
	loop_hook_add(&loop_hooks, fn, arg);
}

void
loop_on_drained(void (*fn)(void *), void *arg)
{
	loop_hook_add(&loop_drained_hooks, fn, arg);
}

static void
loop_on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	char n[16];

	snprintf(n, sizeof n, "%u", loop_holds);
	log_warn("shutdown deadline passed with work in flight", "in_flight", n);
	loop_stop(0);
}

/* Stops the loop once nothing is held; called whenever the count drops. */
static void
loop_check_drained(void)
{
	struct loop_hook *h;

	if (loop_state != LOOP_DRAINING || loop_holds != 0)
		return;
	if (!loop_drained_called) {
		loop_drained_called = 1;
		for (h = loop_drained_hooks; h != NULL; h = h->next)
			h->fn(h->arg);
		if (loop_holds != 0)
			return;
	}
	log_info("shutdown complete");
	loop_stop(0);
}

void
loop_shutdown(void)
{
	struct loop_hook *h;
	struct timeval tv;

	if (loop_state != LOOP_RUNNING)
		return;
	loop_set_state(LOOP_DRAINING);
	for (h = loop_hooks; h != NULL; h = h->next)
		h->fn(h->arg);
	tv.tv_sec = (time_t)(loop_drain_ms / 1000);
	tv.tv_usec = (suseconds_t)(loop_drain_ms % 1000) * 1000;
	loop_drain_timer = evtimer_new(loop_evbase, loop_on_drain_timeout, NULL);
	evtimer_add(loop_drain_timer, &tv);
	loop_check_drained();
}

int
loop_shutting_down(void)
{
	return loop_state != LOOP_RUNNING;
}

void
loop_exit(int status)
{
	loop_stop(status);
}

void
loop_hold(void)
{
	loop_holds++;
}

void
loop_release(void)
{
	if (loop_holds == 0)
		fatalx("loop_release without loop_hold");
	loop_holds--;
	loop_check_drained();
}

unsigned
loop_held(void)
{
	return loop_holds;
}

struct loop_deferred {
	void (*fn)(void *);
	void *arg;
};

static void
loop_on_deferred(evutil_socket_t fd, short what, void *arg)
{
	struct loop_deferred *d = arg;

	d->fn(d->arg);
	free(d);
}

void
loop_defer(void (*fn)(void *), void *arg)
{
	struct loop_deferred *d = xmalloc(sizeof *d);
	struct timeval tv = {0, 0};

	d->fn = fn;
	d->arg = arg;
	if (event_base_once(loop_evbase, -1, EV_TIMEOUT, loop_on_deferred, d, &tv) != 0)
		fatalx("cannot schedule a deferred call");
}
