/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim: practice runs. A scenario clock (a speed factor, pause, jumps), the
 * timeline player's schedule (which call is due, which scripted verifier
 * answers when) and the scoring of a run into a debrief. The sim does no
 * I/O of its own: the app layer (src/app/app-practice.c) turns due events
 * into reports, assignments into verifier answers, and hands the sandbox's
 * events and broadcasts back here to be scored.
 */
#ifndef VIGIA_SIM_H
#define VIGIA_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/store.h"

/** Scenario time (ms since 00:00) from real time, with a speed factor and pauses. */
struct sim_clock {
    int64_t real_base; /* real ms when scen_base was true */
    int64_t scen_base;
    double speed; /* scenario ms per real ms; > 0 */
    bool paused;
};
void sim_clock_init(struct sim_clock *c, double speed, int64_t real_now);
int64_t sim_clock_now(const struct sim_clock *c, int64_t real_now);
void sim_clock_pause(struct sim_clock *c, bool pause, int64_t real_now);
/** Make it @scen_ms now (a jump forward, or the headless player's steps). */
void sim_clock_set(struct sim_clock *c, int64_t scen_ms, int64_t real_now);
/** Real ms until scenario time @scen_ms (0 when past; -1 while paused). */
int64_t sim_clock_real_until(const struct sim_clock *c, int64_t scen_ms, int64_t real_now);

/** A scripted verifier's answer waiting to be given. */
struct sim_pending {
    char assignment[ULID_LEN + 1];
    size_t verifier, incident;
    long answer; /* index into the verifier's answers; -1: they have nothing scripted */
    int64_t due_ms;
    bool done;
};

/** A practice run in progress; borrows the scenario. */
struct sim {
    const struct config_scenario *sc;
    struct sim_clock clock;
    bool *fired;                  /* per timeline event */
    int64_t *fired_at;            /* scenario ms it arrived (early when injected) */
    char (*report)[ULID_LEN + 1]; /* per event: the report it became ("" until then) */
    int64_t *verified_at;         /* per incident: first scripted answer given; -1 */
    struct sim_pending *pend;
    size_t npend, cappend;
};

void sim_init(struct sim *s, const struct config_scenario *sc, double speed, int64_t real_now);
void sim_fini(struct sim *s);
/** The next timeline event due at @scen_now and not yet played, or -1; marks it played. */
long sim_event_due(struct sim *s, int64_t scen_now);
/** The next event not yet played whatever its time (a trainer's inject), or -1; marks it. */
long sim_inject(struct sim *s, int64_t scen_now);
/** Earliest scenario time something is due (an event or an answer); -1: nothing left. */
int64_t sim_next_time(const struct sim *s);
/** The incident of a report the run created, or -1. */
long sim_incident_of(const struct sim *s, const char *report_id);
/** The @nth (1-based) report of @incident that has arrived, or NULL. Borrowed. */
const char *sim_report_of(const struct sim *s, size_t incident, int nth);
/** The scripted verifier named @name (case-insensitive), or -1. */
long sim_verifier_find(const struct sim *s, const char *name);
/** True when assignment @id was already seen. */
bool sim_assignment_known(const struct sim *s, const char *id);
/**
 * A verifier was sent (assignment @id, to @incident, at @scen_now): schedule
 * their scripted answer (or note they have none, answer -1).
 */
void sim_assignment_add(struct sim *s, const char *id, size_t verifier, size_t incident,
                        int64_t scen_now);
/** A pending answer due at @scen_now (index into pend), or -1; marks it done. */
long sim_answer_due(struct sim *s, int64_t scen_now);
/** True when every event was played and the scenario's duration has passed. */
bool sim_over(const struct sim *s, int64_t scen_now);
/** "mm:ss" of a scenario time; out needs 16 bytes. */
void sim_mmss(int64_t ms, char out[16]);

/** What the app hands over to be scored. */
struct sim_record {
    int64_t base;               /* real (database) ms at scenario 00:00 */
    int64_t end_ms;             /* scenario ms the run ended */
    const char *trainee;        /* who was at the keyboard */
    const char *scenario_actor; /* the actor the run itself wrote as */
    struct model_event *events; /* every event of the sandbox, oldest first */
    char **event_text;          /* the same, for people (may hold NULLs) */
    size_t nevents;
    struct store_broadcast *broadcasts;
    size_t *sent; /* per broadcast: outbox rows delivered (to the sink) */
    size_t nbroadcasts;
    enum model_status *status; /* per incident: its status at the end */
};
/**
 * Score a run: per incident the times to triage, assign, verify, decide and
 * broadcast (from its first call), the verdict against the ground truth,
 * every broadcast, mistakes (a public alert of an unconfirmed or wrong
 * report is the gravest) and the trainee's timeline. Returns a new JSON
 * object (caller json_decref's).
 */
struct json_t *sim_debrief(const struct sim *s, const struct sim_record *r);
/** The debrief as Markdown; newly allocated. */
char *sim_debrief_markdown(const struct json_t *d);

#endif
