/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * model: domain types and rules, pure C with no I/O. Reports, their sources,
 * categories and lifecycle states; validation of what a dispatcher typed;
 * priority and staleness. Identifiers (the strings stored and synced) are
 * untranslated; model_*_label() gives the translated text for display.
 */
#ifndef VIGIA_MODEL_H
#define VIGIA_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigia/util.h"

enum model_source {
    MODEL_SOURCE_CALL,
    MODEL_SOURCE_SMS,
    MODEL_SOURCE_TELEGRAM,
    MODEL_SOURCE_SIGNAL,
    MODEL_SOURCE_WALK_IN,
    MODEL_SOURCE_SOCIAL,
    MODEL_SOURCE_PRACTICE,
    MODEL_SOURCE_COUNT
};

enum model_category {
    MODEL_CAT_SIGHTING,
    MODEL_CAT_CHECKPOINT,
    MODEL_CAT_WORKPLACE,
    MODEL_CAT_COURTHOUSE,
    MODEL_CAT_HOME_VISIT,
    MODEL_CAT_DETENTION,
    MODEL_CAT_WAGE_THEFT,
    MODEL_CAT_HARASSMENT,
    MODEL_CAT_RESOURCE,
    MODEL_CAT_OTHER,
    MODEL_CAT_COUNT
};

enum model_status {
    MODEL_STATUS_NEW,
    MODEL_STATUS_TRIAGED,
    MODEL_STATUS_VERIFYING,
    MODEL_STATUS_CONFIRMED,
    MODEL_STATUS_NOT_CONFIRMED,
    MODEL_STATUS_POLICE_ONLY,
    MODEL_STATUS_FALSE_ALARM,
    MODEL_STATUS_STALE,
    MODEL_STATUS_CLOSED,
    MODEL_STATUS_COUNT
};

/** Tri-state answers: first-hand witness, checklist items. */
enum model_tri { MODEL_UNKNOWN = -1, MODEL_NO = 0, MODEL_YES = 1 };

/* Field limits: a report is read aloud on a phone, not a novel. */
#define MODEL_MAX_SHORT 200  /* location, area, agency, vehicles, names */
#define MODEL_MAX_LONG 4000  /* what was seen */
#define MODEL_MAX_AGENTS 500 /* more is a typo, not a sighting */

struct model_report {
    char id[ULID_LEN + 1];
    int64_t received_at; /* UTC ms */
    int64_t observed_at; /* UTC ms; 0 = unknown */
    int64_t updated_at;
    int64_t expires_at; /* 0 = never */
    enum model_source source;
    enum model_category category;
    enum model_status status;
    int priority;          /* 0..100, higher first */
    int agents;            /* -1 = unknown */
    enum model_tri first_hand;
    char *location;        /* free text; never NULL once loaded */
    char *area;            /* neighbourhood tag */
    char *what;            /* activity: what they are doing */
    char *agency;          /* uniforms or markings claimed */
    char *vehicles;        /* vehicles and equipment */
    char *created_by;      /* dispatcher */
    bool has_pos;
    double lat, lon;
};

void model_report_init(struct model_report *r);
void model_report_fini(struct model_report *r);
/** Deep copy @src into @dst (initialised or finished). */
void model_report_copy(struct model_report *dst, const struct model_report *src);

/* Identifier <-> enum. _parse returns -1 for an unknown name. */
const char *model_source_name(enum model_source s);
int model_source_parse(const char *name);
const char *model_source_label(enum model_source s);
const char *model_category_name(enum model_category c);
int model_category_parse(const char *name);
const char *model_category_label(enum model_category c);
const char *model_status_name(enum model_status s);
int model_status_parse(const char *name);
const char *model_status_label(enum model_status s);
/** A short (≤ 8 columns in English) status tag for the queue. */
const char *model_status_short(enum model_status s);
/** True for the states that end verification (confirmed … closed). */
bool model_status_is_final(enum model_status s);

/** Which field a validation problem is in. */
enum model_field {
    MODEL_F_NONE,
    MODEL_F_LOCATION,
    MODEL_F_AREA,
    MODEL_F_WHAT,
    MODEL_F_AGENCY,
    MODEL_F_VEHICLES,
    MODEL_F_AGENTS,
    MODEL_F_OBSERVED,
    MODEL_F_CONTACT,
    MODEL_F_POSITION,
};
const char *model_field_name(enum model_field f);

/**
 * Check a report about to be stored: required fields present, text within
 * limits, agent count plausible, observed time not in the future (a minute of
 * clock skew allowed) nor before the epoch. Text encoding is checked by the
 * caller (text layer). Returns true, or false with *field and a newly
 * allocated translated message in *err (caller frees).
 */
bool model_report_validate(const struct model_report *r, int64_t now, enum model_field *field,
                           char **err);

/** Rules that depend on the network's config. */
struct model_policy {
    int stale_minutes;  /* no update for this long: stale (default 60) */
    int expire_minutes; /* older than this: out of the live queue (default 240) */
};
void model_policy_default(struct model_policy *p);

/**
 * Priority 0..100 from category, freshness of the observation, first-hand
 * witness and size. Higher means look at it first.
 */
int model_priority(const struct model_report *r, int64_t now);
/** True when an open report has had no update within the staleness window. */
bool model_report_is_stale(const struct model_report *r, const struct model_policy *p,
                           int64_t now);
/** When the report leaves the live queue (received + expire window). */
int64_t model_report_expiry(const struct model_report *r, const struct model_policy *p);

/** model_report_set() results. */
enum model_set_result { MODEL_SET_OK = 0, MODEL_SET_BAD = -1, MODEL_SET_UNKNOWN = -2 };
/**
 * Set one field of @r from its text form, by the key `report list --json`
 * prints: location, area, what, agency, vehicles (text); agents (integer);
 * source, category, status (identifiers); observed_at, received_at (RFC 3339
 * or "15 min ago", relative to @now); first_hand (yes/no/true/false/unknown);
 * lat, lon (degrees). "id" is accepted when it is a ULID. Text is copied as
 * is (the caller checks encoding). Returns MODEL_SET_OK, or MODEL_SET_BAD with
 * a translated message in *err, or MODEL_SET_UNKNOWN for another key.
 */
int model_report_set(struct model_report *r, const char *key, const char *value, int64_t now,
                     char **err);

/**
 * Normalise a caller's contact: a phone number (digits, spaces, dashes,
 * dots, parentheses, one leading +; 7 to 15 digits) or a handle (@name) or an
 * email. Returns a newly allocated normalised form, or NULL with a message in
 * *err (caller frees).
 */
char *model_contact_normalise(const char *s, char **err);
/* ---- broadcast policy (src/model/broadcast.c) ---------------------------- */

enum model_channel {
    MODEL_CHANNEL_SMS,
    MODEL_CHANNEL_TELEGRAM,
    MODEL_CHANNEL_SIGNAL,
    MODEL_CHANNEL_EMAIL,
    MODEL_CHANNEL_FILE,
    MODEL_CHANNEL_COUNT
};
/** "sms", "telegram", "signal", "email", "file"; _parse returns -1 when unknown. */
const char *model_channel_name(enum model_channel c);
int model_channel_parse(const char *name);

/** The calling code ("52") of an ISO country ("MX"), or NULL when unknown. */
const char *model_country_code(const char *iso);
/**
 * Normalise a phone number to E.164 ("+15551234567"): with + or 00 as
 * written, otherwise with @country's calling code. Newly allocated, or NULL
 * with a translated message in *err.
 */
char *model_phone_e164(const char *s, const char *country, char **err);
/**
 * Normalise a subscriber's address for @ch: E.164 for sms (and Signal
 * numbers), @handle or chat id for Telegram, @username or group.ID for
 * Signal, an email with its domain lowercased. Newly allocated, or NULL with
 * *err.
 */
char *model_subscriber_contact(enum model_channel ch, const char *s, const char *country,
                               char **err);

/** Trim and lowercase a comma-separated list, dropping empty items; caller frees. */
char *model_list_normalise(const char *csv);
/** True when comma-separated @csv holds @item (ASCII case ignored). */
bool model_list_has(const char *csv, const char *item);
/** True when two comma-separated lists share an item. */
bool model_lists_intersect(const char *a, const char *b);

/** Who a broadcast goes to; each field a comma-separated list, NULL or "" = all. */
struct model_audience {
    const char *areas;
    const char *languages;
    const char *channels;
};
/** True when a subscriber (channel, language, areas list) is in the audience. */
bool model_audience_matches(const struct model_audience *au, const char *channel,
                            const char *language, const char *areas);

/**
 * True when a reply is an opt-out: the whole reply, case, accents and final
 * punctuation ignored, is one of @words ("STOP", "BAJA", "ARRÊT").
 */
bool model_optout_match(const char *reply, const char *const *words, size_t n);

/** True when minute-of-day @now_min is within [start, end) (may cross midnight; -1: none). */
bool model_quiet_hours(int start_min, int end_min, int now_min);

enum model_broadcast_kind { MODEL_BROADCAST_PUBLIC, MODEL_BROADCAST_INTERNAL };
const char *model_broadcast_kind_name(enum model_broadcast_kind k);
int model_broadcast_kind_parse(const char *s);
/**
 * Whether a report in status @st may back a broadcast of @kind: public alerts
 * only confirmed reports; internal calls to action also open ones.
 */
bool model_broadcast_may_cite(enum model_broadcast_kind kind, enum model_status st);

#endif
