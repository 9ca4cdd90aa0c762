/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * send: the outbox worker. It drains the outbox (src/store/store-broadcast.c)
 * through the gateways configured in config.yaml's channels: Twilio's
 * Messages API for SMS, the Telegram Bot API, signal-cli's JSON-RPC daemon,
 * SMTP through libcurl, and a file sink. All requests run on one libcurl
 * multi handle, so the worker never blocks: the console puts its descriptors
 * in its poll() set (send_worker_pollfds, send_worker_timeout) and calls
 * send_worker_step when they are ready; `vigia outbox run` uses the blocking
 * send_worker_run.
 *
 * Exactly once. A row is committed as "sending", with its attempt count,
 * before its request leaves. The answer decides: sent (with the gateway's
 * message id), failed at once for a permanent refusal (with the gateway's
 * reason), queued again with exponential backoff for a transient one (5xx,
 * 429 with Retry-After, connection refused), or, when the request may have
 * reached the gateway but its answer was lost (timeout, dropped connection),
 * reconciled: Twilio is asked (after the request's timeout, so that a request
 * still on its way is not missed) whether it has the message, which is sent
 * again only if not; the file sink is searched for the key; the others are
 * marked uncertain for a dispatcher to check, never silently resent. Rows
 * found in "sending" when the worker starts (a crash) go through the same
 * reconciliation. libcurl never reuses a connection for a second message: on
 * a reused connection that dies it would resend the request by itself.
 */
#ifndef VIGIA_SEND_H
#define VIGIA_SEND_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/store.h"

struct send_worker;

/** What the worker has done since it started. */
struct send_stats {
    size_t sent, failed, uncertain, skipped, retried, reconciled;
    size_t in_flight;
    double rate;   /* messages per second over the last few seconds */
    size_t locked; /* queued with a sealed contact, waiting for the vault (set by the app) */
};

/**
 * A worker over @s with the channels of @cs (borrowed; both must outlive the
 * worker). @file_sink_default is used for the file channel when config gives
 * no path (may be NULL).
 */
struct send_worker *send_worker_new(struct store *s, const struct config_send *cs,
                                    const char *file_sink_default);
void send_worker_free(struct send_worker **w);
/**
 * Make @w a practice run's worker: every outbox row, whatever its channel,
 * is written to the file sink at @sink_path, and no gateway request (Twilio,
 * Telegram, Signal, SMTP, lookups) is ever started, whatever the config says.
 * Call before the first step. Cannot be undone.
 */
void send_worker_practice(struct send_worker *w, const char *sink_path);

/**
 * Rows left in "sending" by an earlier run (a crash): the file sink is
 * searched for their keys; Twilio rows are queued for a lookup once any
 * request of the dead run has surely been dealt with (its timeout); the rest
 * are marked uncertain. *uncertain gets how many. Never blocks on the network.
 */
int send_worker_recover(struct send_worker *w, size_t *uncertain, char **err);

/** Descriptors to poll (up to @max); returns how many were filled. */
size_t send_worker_pollfds(struct send_worker *w, struct pollfd *fds, size_t max);
/**
 * Something may have been queued (an approval, another process's commit):
 * idle channels look again at the next step. An idle worker sets no timer,
 * so the console sleeps; it pokes on every wake-up that was not the worker's.
 */
void send_worker_poke(struct send_worker *w);
/** Milliseconds until send_worker_step wants to run again; -1: only when a descriptor fires. */
int64_t send_worker_timeout(struct send_worker *w);
/**
 * Do what is due: act on the descriptors of @fds that fired (revents set;
 * may be NULL), start requests, read answers, record outcomes. Never blocks.
 */
int send_worker_step(struct send_worker *w, const struct pollfd *fds, size_t n, char **err);
/** True when nothing is in flight and nothing queued is due now. */
bool send_worker_idle(struct send_worker *w);
void send_worker_stats(const struct send_worker *w, struct send_stats *st);
/**
 * Stop claiming and wait up to @max_ms for the requests in flight to be
 * answered and recorded (what is still unanswered then stays "sending" and
 * is reconciled by the next worker). Blocks.
 */
int send_worker_finish(struct send_worker *w, int64_t max_ms, char **err);

/**
 * Run until *stop is set (by a signal handler), or with @until_empty until
 * the worker is idle. Returns 0 or -1 with *err.
 */
int send_worker_run(struct send_worker *w, bool until_empty, volatile sig_atomic_t *stop,
                    char **err);

#endif
