/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Internals of practice runs shared by app-practice.c (a run of one: the
 * sandbox, the timeline, the scripted trainee, the debrief) and
 * app-practice-relay.c (several trainees on one practice network). Nothing
 * outside src/app/ includes this.
 */
#ifndef VIGIA_APP_PRACTICE_H
#define VIGIA_APP_PRACTICE_H

#include <stdbool.h>
#include <stdint.h>

#include "vigia/config.h"
#include "vigia/sim.h"
#include "vigia/app.h"

#define PRACTICE_ACTOR "scenario"

struct practice_relay;

struct app_practice {
    struct app *a;
    struct config_scenario sc;
    struct sim sim;
    int64_t base;     /* real ms at scenario 00:00 */
    int64_t scen_now; /* the last step's scenario time */
    char *sandbox;
    char *trainee;
    char **refused; /* actions the app refused, "mm:ss action: reason" */
    size_t nrefused;
    bool over;
    bool started;                 /* the console's real clock is tied to the scenario's */
    bool headless;                /* played by app_practice_headless */
    struct practice_relay *relay; /* NULL: a run of one (app-practice-relay.c) */
};

/* app-practice.c */
/** Write as the scenario (@scenario) or as the trainee. */
void practice_as(struct app_practice *p, bool scenario);
/** Set the process clock to scenario time @t. */
void practice_clock(struct app_practice *p, int64_t t);
/** Record an action the app refused ("mm:ss WHAT: WHY") for the debrief. */
void practice_refused(struct app_practice *p, const char *what, const char *why);
/** Put the scenario's verifiers and made-up subscribers in the sandbox. */
int practice_setup(struct app_practice *p, char **err);
/** Play everything due at scenario time @t (the timeline's player only). */
int practice_step(struct app_practice *p, int64_t t);
/** Notice assignments (anyone's) and schedule the scripted verifiers' answers. */
void practice_watch(struct app_practice *p);
/** Do one action of an answers file as the trainee. */
void practice_do(struct app_practice *p, const struct config_answer *x);

/* app-practice-relay.c */
/**
 * Join (or, leading, create) the practice network of @o on its relay with
 * the freshly opened sandbox of @p; a trainee who joins waits for the
 * leader's run to start and takes its clock. Returns 0 or -1 with *err.
 */
int practice_relay_open(struct app_practice *p, const struct app_practice_options *o, char **err);
/** After the leader's setup: announce the run (its base, clock, scenario shape). */
int practice_relay_started(struct app_practice *p, char **err);
void practice_relay_free(struct practice_relay **r);
/** True when this device plays the timeline (a run of one, or the leader). */
bool practice_relay_plays(const struct app_practice *p);
/** The leader played timeline event @ev as report @id: tell the others. */
void practice_relay_call(struct app_practice *p, size_t ev);
/** The leader's scripted verifier answered about @incident. */
void practice_relay_answer(struct app_practice *p, size_t incident);
/** The leader's clock was paused, resumed or started. */
void practice_relay_clock(struct app_practice *p);
/** A trainee who joined: take up what the leader played; returns things that happened. */
int practice_relay_follow(struct app_practice *p);
/** The scenario time a trainee who joined sees now. */
int64_t practice_relay_now(struct app_practice *p);
/** Headless play on the shared clock, with the trainee's actions from @answers. */
int practice_relay_headless(struct app_practice *p, const struct config_answers *as, char **err);
/** The leader's run is over (its time is up): it ends for everyone. */
void practice_relay_end(struct app_practice *p);
/** The run ends here: say so (the leader ends it for all) and push it out. */
void practice_relay_finish(struct app_practice *p);
/** Add the team (lead, trainees, relay) to debrief @d. */
void practice_relay_debrief(struct app_practice *p, struct json_t *d);
/** The team part of the banner (role, code, trainees); newly allocated. */
char *practice_relay_banner(const struct app_practice *p);
/** True for the run's own bookkeeping events (practice.*), kept out of the timeline. */
bool practice_relay_internal(const char *kind);

#endif
