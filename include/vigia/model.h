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
#include <time.h>

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
    int priority; /* 0..100, higher first */
    int agents;   /* -1 = unknown */
    enum model_tri first_hand;
    char *location;   /* free text; never NULL once loaded */
    char *area;       /* neighbourhood tag */
    char *what;       /* activity: what they are doing */
    char *agency;     /* uniforms or markings claimed */
    char *vehicles;   /* vehicles and equipment */
    char *created_by; /* dispatcher */
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
bool model_report_is_stale(const struct model_report *r, const struct model_policy *p, int64_t now);
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

/* ---- coarse places for the public (src/model/model-privacy.c) ----------- */

/**
 * @location without street or door numbers ("1234 Main St, Apt 5" gives
 * "Main St"); ordinals and road numbers ("5th", "Hwy 101") stay. Returns a
 * newly allocated string ("" for NULL).
 */
char *model_location_coarse(const char *location);
/** Round a position to 0.01 degree (about 1.1 km). */
void model_pos_coarse(double lat, double lon, double *clat, double *clon);
/** What the public is told of a place: the area when set, else the coarse location. */
char *model_place_public(const struct model_report *r);
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

/* ---- checklists and verdict hints (src/model/checklist.c) ---------------- */

/** "yes", "no", "unknown" (stored and synced). */
const char *model_tri_name(enum model_tri t);
/** Parse yes/no/unknown (also y/n/?, sí); false for anything else. */
bool model_tri_parse(const char *s, enum model_tri *out);
/** Translated yes / no / unknown for display. */
const char *model_tri_label(enum model_tri t);

#define MODEL_CHECK_KEY_MAX 40 /* [a-z0-9_], the item_key column */
#define MODEL_CHECK_WEIGHT_MAX 10

/**
 * One indicator a verifier looks for. Text fields are the English msgids as
 * shipped; display them with model_check_text(), which translates shipped
 * text through gettext and shows a network's own text as written.
 */
struct model_check_item {
    char *key;      /* identifier stored in checklist_items.item_key */
    char *label;    /* the question or indicator */
    char *brief;    /* short phrase for verdict reasons when yes ("vehicles") */
    char *brief_no; /* short phrase when no ("local police"); NULL: not a reason */
    char *hint;     /* what to ask or look for; may be NULL */
    int weight;     /* on yes: > 0 toward "likely operation", < 0 toward "likely not" */
    int weight_no;  /* on no: the same scale (usually 0 or negative) */
    bool source;    /* a source-credibility item */
    bool remove;    /* only in overrides: drop this key from the list */
};

/** A category's checklist; owns its items. */
struct model_checklist {
    char *category; /* a category name, "default" or "common" */
    struct model_check_item *items;
    size_t n;
};

/** Every loaded checklist, by category; owns its lists. */
struct model_checklists {
    struct model_checklist *lists;
    size_t n;
};

void model_check_item_fini(struct model_check_item *it);
void model_checklist_init(struct model_checklist *l, const char *category);
void model_checklist_fini(struct model_checklist *l);
/** Index of @key in @l, or -1. */
int model_checklist_find(const struct model_checklist *l, const char *key);
/**
 * Add a copy of @it to @l, or (same key) replace that item in place, keeping
 * its position. An item with remove set drops the key instead.
 */
void model_checklist_upsert(struct model_checklist *l, const struct model_check_item *it);
void model_checklists_init(struct model_checklists *c);
void model_checklists_fini(struct model_checklists *c);
/** Merge every item of @src into the list of the same category in @c (created if missing). */
void model_checklists_merge(struct model_checklists *c, const struct model_checklist *src);
/** The list named @category, or NULL (borrowed). */
const struct model_checklist *model_checklists_get(const struct model_checklists *c,
                                                   const char *category);
/**
 * The effective checklist for @category into @out (initialised here; caller
 * finishes it): the "common" items (source credibility) first, then the
 * category's own list, or the "default" list when the category has none. A
 * category item with the key of a common item replaces it in place.
 */
void model_checklists_resolve(const struct model_checklists *c, enum model_category category,
                              struct model_checklist *out);
/** A check item's text for display: translated when shipped, else as written. */
const char *model_check_text(const char *msgid);
/** Every label, brief and hint of the shipped checklists (for gettext). */
const char *const *model_checklist_msgids(size_t *n);

/** True when @key is a valid item key ([a-z0-9_], 1..MODEL_CHECK_KEY_MAX). */
bool model_check_key_valid(const char *key);

/* Well-known item keys the rules look at. */
#define MODEL_CHECK_FIRST_HAND "first_hand"
#define MODEL_CHECK_VERIFIER "verifier_on_scene"

enum model_verdict_kind {
    MODEL_VERDICT_NONE,     /* nothing answered yet */
    MODEL_VERDICT_LIKELY,   /* likely an operation */
    MODEL_VERDICT_UNCLEAR,  /* mixed or thin evidence */
    MODEL_VERDICT_UNLIKELY, /* likely not an operation */
};

/** A hint for the person deciding; it never changes a status by itself. */
struct model_verdict {
    enum model_verdict_kind kind;
    int score;         /* sum of the weights of the answers */
    size_t answered;   /* items answered yes or no */
    size_t indicators; /* non-source items answered yes with a positive weight */
    char *text;        /* translated, e.g. "likely operation: vehicles, HSI vest; still
                          unknown: photo or video"; newly allocated */
};

/**
 * Turn the answers (@states[i] for @l->items[i]) into a hint. The thresholds:
 * likely when the score is at least MODEL_VERDICT_LIKELY_AT and at least one
 * indicator (not only the source's credibility) was seen; likely not when the
 * score is at most MODEL_VERDICT_UNLIKELY_AT; nothing answered: none.
 */
#define MODEL_VERDICT_LIKELY_AT 5
#define MODEL_VERDICT_UNLIKELY_AT (-3)
void model_verdict_compute(const struct model_checklist *l, const enum model_tri *states,
                           struct model_verdict *out);
void model_verdict_fini(struct model_verdict *v);
/** "none", "likely_operation", "unclear", "likely_not" (JSON). */
const char *model_verdict_name(enum model_verdict_kind k);

/** One row of checklist_items. */
struct model_check_state {
    char *report_id;
    char *key;
    enum model_tri state;
    char *by;
    int64_t at;
    char *note;
};
void model_check_state_fini(struct model_check_state *s);

/* ---- lifecycle (src/model/lifecycle.c) ----------------------------------- */

/** What is known about a report when someone changes its status. */
struct model_evidence {
    bool first_hand; /* the caller saw it: first_hand yes, or the first-hand item yes */
    bool verifier;   /* a verifier observed on scene (item or assignment) */
};

/** True when the lifecycle has an edge from @from to @to (notes aside). */
bool model_status_allowed(enum model_status from, enum model_status to);
/** True when moving from @from to @to needs a note (a reason). */
bool model_status_needs_note(enum model_status from, enum model_status to);
/**
 * The states reachable from @from, in display order, into @out; returns how
 * many.
 */
size_t model_status_targets(enum model_status from, enum model_status out[MODEL_STATUS_COUNT]);
/**
 * Check one status change: the edge exists; confirming needs first-hand or
 * verifier evidence and a reason; not_confirmed, police_only and false_alarm
 * need a note; so do closing without a verdict and reopening. Returns true, or
 * false with a newly allocated translated reason in *err (caller frees).
 */
bool model_status_change_ok(enum model_status from, enum model_status to,
                            const struct model_evidence *ev, const char *note, char **err);

/* ---- incidents and priority ---------------------------------------------- */

/** What beyond the report itself moves it up the queue. */
struct model_priority_facts {
    int callers;    /* reports in its incident (1 alone) */
    int indicators; /* indicators seen (verdict's count) */
    int score;      /* verdict score */
};
/**
 * model_priority() plus incident size and checklist evidence: each further
 * caller adds 5 (at most 15), the verdict score moves it up or down (at most
 * 15 either way). 0..100.
 */
int model_priority_full(const struct model_report *r, const struct model_priority_facts *f,
                        int64_t now);

/**
 * True when @b may be about the same event as @a: received within @window_ms
 * of each other, and the same area tag, or positions within 500 m, or location
 * texts sharing words (case and accents ignored; two words, or the only one).
 */
bool model_report_near(const struct model_report *a, const struct model_report *b,
                       int64_t window_ms);

/** One entry of the audit timeline. */
struct model_event {
    char id[ULID_LEN + 1];
    int64_t at;
    char *actor;
    char *kind; /* "report.created", "check.set", "status.changed", "report.linked" */
    char *report_id;
    char *detail; /* JSON object or free text; may be NULL */
};
void model_event_fini(struct model_event *e);

/* ---- resource referrals (src/model/resource.c) --------------------------- */

/** What a trusted organisation does for callers (stored as identifiers). */
enum model_service {
    MODEL_SERVICE_IMMIGRATION_ATTORNEY,
    MODEL_SERVICE_CRIMINAL_ATTORNEY,
    MODEL_SERVICE_BORDER_SUPPORT,
    MODEL_SERVICE_LEGAL_AID,
    MODEL_SERVICE_BAIL_FINANCIAL,
    MODEL_SERVICE_DV_HOUSING_SUPPORT,
    MODEL_SERVICE_DETENTION_LOCATOR,
    MODEL_SERVICE_COUNT
};
/** "immigration_attorney"…; _parse returns -1 when unknown. */
const char *model_service_name(enum model_service s);
int model_service_parse(const char *name);
/** Translated label ("immigration attorney"). */
const char *model_service_label(enum model_service s);
/**
 * A service from what a person typed: its identifier, or (case and accents
 * ignored) a prefix of its English or translated label. -1 when none, or
 * when the text fits several.
 */
int model_service_match(const char *text);

#define MODEL_MAX_RESOURCE_TEXT 2000 /* notes, vetting notes */

/**
 * One entry of the referral directory: the questions networks ask
 * providers. List fields are comma-separated ("en,es"; "San Francisco,
 * Oakland"); NULL means not said (for areas: anywhere).
 */
struct model_resource {
    char id[ULID_LEN + 1];
    char *name;
    unsigned services; /* bit (1u << enum model_service) per service */
    char *languages;   /* ISO 639-1 codes when known ("es"), else as written, lowercase */
    char *areas;       /* places served; NULL: anywhere (national lines) */
    char *hours;       /* "24/7", "Mon-Fri 9-5" */
    char *contact;     /* phone, email or web, as written */
    enum model_tri detained, non_detained; /* takes detained / non-detained cases */
    enum model_tri criminal, non_criminal; /* takes people with / without criminal history */
    char *fees;                            /* "free", "sliding scale", "$100 consultation" */
    enum model_tri payment_plans;
    char *excluded_statuses; /* immigration statuses they do not take */
    char *courts;            /* courts they appear in */
    char *notes;             /* what they do, how to reach them */
    char *vetting;           /* the network's own vetting notes */
    int64_t checked_at;      /* UTC ms the network last checked the entry; 0: never */
    char *checked_by;
    bool sample; /* from the shipped sample: replace before real use */
    int64_t created_at, updated_at;
};

void model_resource_init(struct model_resource *r);
void model_resource_fini(struct model_resource *r);
void model_resource_copy(struct model_resource *dst, const struct model_resource *src);
/** Comma-separated service identifiers of @services, newly allocated ("" when none). */
char *model_services_format(unsigned services);
/**
 * Parse a list of services (identifiers or labels, separated by commas,
 * semicolons or "|") into a bit set. Returns true, or false with a
 * translated message naming the unknown one in *err.
 */
bool model_services_parse(const char *list, unsigned *out, char **err);
/** A language code for a name people write ("Spanish", "español" -> "es"); borrowed or NULL. */
const char *model_language_code(const char *name);
/**
 * Normalise a list (separators , ; |): items trimmed, empty ones dropped,
 * joined with ", ". With @languages, known language names become codes and
 * the rest are lowercased, joined with ",". Newly allocated; NULL when empty.
 */
char *model_resource_list(const char *list, bool languages);
/** True when comma-separated @list has an item equal to @item (case and accents ignored). */
bool model_resource_list_has(const char *list, const char *item);
/**
 * True when @r serves @area: no areas (anywhere), or an item containing
 * @area, case and accents ignored ("santa clara" serves "Santa Clara County").
 */
bool model_resource_serves_area(const struct model_resource *r, const char *area);
/** True when @r speaks @lang (a code or a name: "es", "Spanish", "español"). */
bool model_resource_speaks(const struct model_resource *r, const char *lang);
/**
 * Check an entry about to be stored: a name, at least one service, a way to
 * reach them, text within limits, checked_at not in the future. Returns true,
 * or false with a newly allocated translated message in *err.
 */
bool model_resource_validate(const struct model_resource *r, int64_t now, char **err);
/**
 * True when the entry was never checked or not within @days before @now;
 * *age_days (may be NULL) gets the days since the last check (-1: never).
 */
bool model_resource_unchecked(const struct model_resource *r, int days, int64_t now, int *age_days);
/**
 * Set one field from its text form, by the key `resource show --json` prints
 * (name, services, languages, areas, hours, contact, detained, non_detained,
 * criminal, non_criminal, fees, payment_plans, excluded_statuses, courts,
 * notes, vetting, checked_at, checked_by, id). Returns MODEL_SET_OK,
 * MODEL_SET_BAD with *err, or MODEL_SET_UNKNOWN.
 */
int model_resource_set(struct model_resource *r, const char *key, const char *value, int64_t now,
                       char **err);
/** Every key model_resource_set knows, NULL-terminated. */
const char *const *model_resource_keys(void);
/**
 * A duration ("2h", "30m", "90 min", "1d", "1h30m") in milliseconds. Returns
 * false when the text is not one.
 */
bool model_duration_parse(const char *s, int64_t *ms);

/* ---- verifiers, shifts and assignments (src/model/roster.c) -------------- */

/* What a person on the roster can be sent to do (bits of struct model_verifier.roles). */
enum model_role {
    MODEL_ROLE_VERIFIER,
    MODEL_ROLE_LEGAL_OBSERVER,
    MODEL_ROLE_COURT, /* court accompaniment */
    MODEL_ROLE_DISPATCHER,
    MODEL_ROLE_COUNT
};
/** "verifier", "legal_observer", "court_accompaniment", "dispatcher"; _parse: -1 when unknown. */
const char *model_role_name(enum model_role r);
int model_role_parse(const char *name);
const char *model_role_label(enum model_role r);
/** Comma-separated role identifiers of @roles; newly allocated ("" when none). */
char *model_roles_format(unsigned roles);
/** The roles as people read them, translated ("verifier, legal observer"); newly allocated. */
char *model_roles_labels(unsigned roles);
/** Parse a list of roles (separators , ; | and spaces); false with *err naming an unknown one. */
bool model_roles_parse(const char *list, unsigned *out, char **err);

/** One trained volunteer (or dispatcher) on the roster. */
struct model_verifier {
    char id[ULID_LEN + 1];
    char *name;      /* name or handle as the network knows them; required */
    char *contact;   /* E.164 phone or @handle: personal data, sealed at rest */
    char *channel;   /* sms, signal or telegram: where their messages go */
    char *languages; /* codes, comma-separated ("en,es") */
    char *areas;     /* neighbourhood tags, comma-separated, lowercase */
    unsigned roles;  /* bit (1u << enum model_role) */
    char *notes;
    int64_t created_at;
};
void model_verifier_init(struct model_verifier *v);
void model_verifier_fini(struct model_verifier *v);
void model_verifier_copy(struct model_verifier *dst, const struct model_verifier *src);
/**
 * Set one field from text by the key `verifier list --json` prints: name,
 * contact (a phone number, normalised to E.164 with @country, or a
 * Signal/Telegram handle "@name"), channel, languages, areas, roles, notes,
 * id. A contact without a channel takes sms for numbers and signal for
 * handles. Returns MODEL_SET_OK, MODEL_SET_BAD with a translated *err, or
 * MODEL_SET_UNKNOWN.
 */
int model_verifier_set(struct model_verifier *v, const char *key, const char *value,
                       const char *country, char **err);
/** A name, at least one role, text within limits. False with a translated *err. */
bool model_verifier_validate(const struct model_verifier *v, char **err);
/** True when @v has a role that goes out to look (verifier, legal observer, court). */
bool model_verifier_field(const struct model_verifier *v);

/** A window of the local day in minutes [start, end); end <= start crosses midnight. */
struct model_window {
    int start_min, end_min;
};
#define MODEL_WINDOWS_MAX 8
/** Parse "06:00-09:00,17:00-21:00" into @out (at most @max); false with *err. */
bool model_windows_parse(const char *s, struct model_window *out, size_t max, size_t *n,
                         char **err);
/** True when minute-of-day @min falls in one of the windows. */
bool model_windows_has(const struct model_window *w, size_t n, int min);
/** "HH:MM" of minute-of-day @min into @out. */
void model_hhmm(int min, char out[8]);
/** Parse "HH:MM" or "H:MM" (24:00 allowed as the end of a day); -1 when not a time. */
int model_hhmm_parse(const char *s);

/**
 * One weekly shift in local wall-clock time: from @start_min of @weekday
 * (0 Sunday … 6 Saturday) to @end_min, the next day when end_min <= start_min
 * (22:00–06:00). Local time means a shift keeps its clock times across
 * daylight-saving changes; its length in real time changes instead.
 */
struct model_shift {
    char id[ULID_LEN + 1];
    char *person; /* a verifier's name or a dispatcher's */
    enum model_role role;
    int weekday;
    int start_min, end_min;
};
void model_shift_fini(struct model_shift *s);
/** "sun".."sat"; _parse also takes full English names and "lun"…; -1 when unknown. */
const char *model_weekday_name(int wd);
int model_weekday_parse(const char *s);

/**
 * The local time zone as the model sees it, so that model/ does no I/O: the
 * app passes localtime_r and mktime. @local breaks a UTC time into local
 * time (tm_wday, tm_hour, tm_min, tm_gmtoff); @utc turns a local time (with
 * tm_isdst = -1, fields may be out of range) into UTC ms the way mktime does.
 */
struct model_tz {
    void (*local)(int64_t utc_ms, struct tm *out, void *data);
    int64_t (*utc)(struct tm *local, void *data);
    void *data;
};
/** True when the local time @tm (tm_wday, tm_hour, tm_min) is within shift @s. */
bool model_shift_covers(const struct model_shift *s, const struct tm *tm);
/**
 * The shift occurrence that covers @now, or else the next one to start:
 * *start and *end in UTC ms. Returns true when it covers @now. Crossing a
 * daylight-saving change, the occurrence keeps its clock times: a 22:00–06:00
 * shift is 7 hours long on the night clocks spring forward and 9 on the night
 * they fall back.
 */
bool model_shift_occurrence(const struct model_shift *s, int64_t now, const struct model_tz *tz,
                            int64_t *start, int64_t *end);

/* Assignment states, in order; released and declined end one. */
enum model_assign_state {
    MODEL_ASSIGN_ASSIGNED,
    MODEL_ASSIGN_ACKNOWLEDGED,
    MODEL_ASSIGN_EN_ROUTE,
    MODEL_ASSIGN_ON_SCENE,
    MODEL_ASSIGN_REPORTED_BACK,
    MODEL_ASSIGN_RELEASED,
    MODEL_ASSIGN_DECLINED,
    MODEL_ASSIGN_COUNT
};
const char *model_assign_state_name(enum model_assign_state s);
int model_assign_state_parse(const char *name);
const char *model_assign_state_label(enum model_assign_state s);
/** True for released and declined. */
bool model_assign_state_final(enum model_assign_state s);
/**
 * Whether an assignment may move from @from to @to: forward through the
 * states (a step may be skipped: a verifier who calls from the scene goes
 * straight to on scene), released from any open state, declined only before
 * leaving (assigned, acknowledged). False with a translated *err.
 */
bool model_assign_allowed(enum model_assign_state from, enum model_assign_state to, char **err);

struct model_assignment {
    char id[ULID_LEN + 1];
    char report_id[ULID_LEN + 1];
    char verifier_id[ULID_LEN + 1];
    enum model_assign_state state;
    int64_t at[MODEL_ASSIGN_COUNT]; /* when each state was reached; 0: not reached */
    int64_t last_word_at;           /* last check-in or state change */
    char *assigned_by;
    char *note;
    char *message;       /* what was queued for the verifier */
    char *message_state; /* "queued" in the store until a gateway takes it, "outbox", "none" */
};
void model_assignment_init(struct model_assignment *a);
void model_assignment_fini(struct model_assignment *a);

/** Overdue and safety rules (config: ack_minutes, checkin_minutes, priority_windows). */
struct model_roster_policy {
    int ack_minutes;     /* not acknowledged within this long: overdue (5) */
    int checkin_minutes; /* on scene: a check-in is due this often (15) */
    struct model_window windows[MODEL_WINDOWS_MAX]; /* priority windows */
    size_t nwindows;
};
void model_roster_policy_default(struct model_roster_policy *p);

enum model_overdue {
    MODEL_OVERDUE_NONE,
    MODEL_OVERDUE_ACK,     /* assigned and not acknowledged in time */
    MODEL_OVERDUE_CHECKIN, /* on scene and a check-in missed: escalate, call them */
};
/**
 * Whether @a is overdue at @now; *deadline (may be NULL) gets the next moment
 * this answer changes (the check-in or acknowledgement deadline; 0 when none).
 */
enum model_overdue model_assignment_overdue(const struct model_assignment *a,
                                            const struct model_roster_policy *p, int64_t now,
                                            int64_t *deadline);

/** What the ranking knows about one verifier. */
struct model_candidate {
    const struct model_verifier *v; /* borrowed */
    bool on_shift;
    int open; /* open assignments */
    bool area, language, role;
    char *reason; /* filled by model_rank: translated, newly allocated */
};
/**
 * Rank field verifiers for a report in @area (may be NULL) of @category,
 * wanting @language (may be NULL): on shift first, then free (no open
 * assignment), then area match, language match, the role that fits the
 * category (court accompaniment for courthouses, legal observers for
 * detentions), fewest open assignments, name. Sorts @c in place and sets
 * each reason ("on shift, free, knows mission, speaks es").
 */
void model_rank(struct model_candidate *c, size_t n, const char *area, enum model_category category,
                const char *language);
/** Free the reasons. */
void model_candidates_fini(struct model_candidate *c, size_t n);

/** Escape TEXT for iCalendar (\\, \;, \,, \n). Appends to @b. */
void model_ics_escape(struct buf *b, const char *text);
/**
 * Append one content line to @b, folded at 75 octets (never inside a UTF-8
 * sequence) with CRLF + space, and ended with CRLF.
 */
void model_ics_line(struct buf *b, const char *line);

#endif
