/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * config: YAML files. libyaml events are built into a small node tree that
 * keeps each node's file:line:column, and callers walk that tree; every error
 * names the file and position. config.yaml is validated against a table of
 * options (name, type, default, range, help); missing keys take defaults.
 */
#ifndef VIGIA_CONFIG_H
#define VIGIA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "vigia/util.h"
#include "vigia/model.h"

/* ---- generic YAML tree --------------------------------------------------- */

enum config_node_type { CONFIG_SCALAR, CONFIG_SEQ, CONFIG_MAP };

struct config_node {
    enum config_node_type type;
    char *value;                /* scalars: the text (valid UTF-8) */
    int line, column;           /* 1-based position in the file */
    struct config_node **items; /* SEQ: items; MAP: key, value, key, value… */
    size_t nitems;              /* SEQ: count of items; MAP: count of pairs */
};

struct config_doc {
    char *file;
    struct config_node *root; /* NULL for an empty file */
};

/**
 * Parse a YAML file (one document). Returns 0, or -1 with a newly allocated
 * "FILE:LINE:COLUMN: problem" message in *err (caller frees). Aliases, tags
 * and invalid UTF-8 are refused.
 */
int config_doc_load(const char *file, struct config_doc *doc, char **err);
/** Parse YAML from memory; @name is used in messages. */
int config_doc_parse(const char *name, const char *data, size_t len, struct config_doc *doc,
                     char **err);
void config_doc_fini(struct config_doc *doc);

/** The value of @key in map @map, or NULL. */
const struct config_node *config_map_get(const struct config_node *map, const char *key);
/** Key node i of a map (for iteration); value is config_map_value(map, i). */
const struct config_node *config_map_key(const struct config_node *map, size_t i);
const struct config_node *config_map_value(const struct config_node *map, size_t i);
/** Format "FILE:LINE:COLUMN: message" for @node into a newly allocated string. */
char *config_errf(const struct config_doc *doc, const struct config_node *node, const char *fmt,
                  ...) UTIL_PRINTF(3, 4);

/* ---- config.yaml --------------------------------------------------------- */

struct config {
    char *path;            /* the file read, or NULL when none */
    char *dispatcher;      /* who is at the keyboard */
    char *language;        /* UI language ("es"), NULL = from locale */
    char *network;         /* network's display name */
    char *default_country; /* for phone numbers, e.g. "US" */
    struct model_policy policy;
    char *checklist_dir;         /* extra checklists (absolute, or relative to the file) */
    int contact_retention_hours; /* caller contacts kept after the report closes (72) */
    int followup_retention_days; /* detained-person follow-up after the case closes (30) */
    int optout_retention_days;   /* an opted-out subscriber's number after the opt-out (30) */
    int keyring_minutes;         /* unlocked key kept in the kernel keyring (480; 0: never) */
    int reveal_seconds;          /* revealed fields masked again after (60 s; 0: never) */
    int resource_check_days;     /* referral entries not checked for this long are flagged (180) */
    struct model_roster_policy roster; /* ack_minutes, checkin_minutes, priority_windows */
};

void config_init(struct config *c);
void config_fini(struct config *c);
/**
 * Load config.yaml from @path, or from $XDG_CONFIG_HOME/vigia/config.yaml
 * when @path is NULL (a missing default file is not an error; a missing
 * explicit one is). Unknown keys, wrong types and values out of range are
 * errors with file:line:column.
 */
int config_load(const char *path, struct config *c, char **err);
/** The default config file's path; caller frees. */
char *config_default_path(void);
/**
 * Remember the dispatcher's name in the config file at @path (created if
 * missing; the rest of the file is kept). Atomic write.
 */
int config_save_dispatcher(const char *path, const char *name, char **err);

/** One option of config.yaml, for --help-config and the docs. */
struct config_option {
    const char *name;
    const char *type; /* "string", "int" */
    const char *def;
    long min, max;
    const char *help;
};
const struct config_option *config_options(size_t *n);

/* ---- demo data ----------------------------------------------------------- */

/**
 * Read demo reports from @file: a list under "reports:" of maps with the keys
 * of `report list --json` plus "age" ("15m", "3h") and "contact". Calls @fn
 * for each with the report (received_at set from @now minus age) and its
 * contact (may be NULL). Returns 0 or -1 with a positioned message.
 */
int config_demo_load(const char *file, int64_t now,
                     int (*fn)(struct model_report *r, const char *contact, void *data, char **err),
                     void *data, char **err);

/* ---- checklists (src/config/config-checklist.c) ---------------------------- */

/**
 * Read one checklist file (a map with "category:" and a list of "items:")
 * into @out (initialised here; caller finishes it). All or nothing: returns 0,
 * or -1 with a newly allocated "FILE:LINE:COLUMN: problem" in *err.
 */
int config_checklist_load(const char *file, struct model_checklist *out, char **err);
/**
 * Load every *.yaml file of each folder in @dirs (in order, files sorted by
 * name) and merge them into @c, so a later folder adds or overrides items by
 * key. A missing folder is skipped. A file with a problem is skipped and its
 * message appended to *warnings (a newly allocated array of newly allocated
 * strings, *nwarn of them; caller frees); the others still load.
 */
void config_checklists_load(const char *const *dirs, size_t ndirs, struct model_checklists *c,
                            char ***warnings, size_t *nwarn);

/* ---- broadcasts, channels, templates (src/config/config-send.c) ----------- */

/** One delivery channel of config.yaml's `channels:` map. */
struct config_channel {
    bool enabled;
    char *gateway;  /* sms: "twilio" */
    char *base_url; /* API root (twilio, telegram, signal) or smtp://host:port (email) */
    char *account_sid, *auth_token, *from, *messaging_service_sid; /* twilio; from: email too */
    char *token;                                                   /* telegram bot token */
    char *account;             /* signal: the sending account's number */
    char *username, *password; /* smtp */
    char *path;                /* file sink */
    double rate;               /* messages per second; 0 = no limit */
    int concurrency;           /* requests in flight */
    int timeout_ms;
    int max_attempts; /* transient failures before giving up */
    int backoff_ms;   /* first retry delay; doubles each attempt */
};

struct config_optout {
    char *language;
    char **words;
    size_t n;
};

/** The `broadcast:` section and the channels. */
struct config_send {
    bool second_approval;          /* public alerts need a second dispatcher */
    int quiet_start, quiet_end;    /* minutes of the local day; -1: no quiet hours */
    double price_gsm7, price_ucs2; /* per SMS segment */
    char *currency;
    int alert_expire_minutes;
    struct config_optout *optout; /* per language */
    size_t noptout;
    struct config_channel channels[MODEL_CHANNEL_COUNT]; /* by enum model_channel */
};

void config_send_init(struct config_send *cs);
void config_send_fini(struct config_send *cs);
/**
 * Read `broadcast:` and `channels:` from config.yaml at @path (NULL or a
 * missing file: defaults). Returns 0 or -1 with a positioned message.
 */
int config_send_load(const char *path, struct config_send *cs, char **err);
/** True for the top-level keys config_send_load owns (config_load skips them). */
bool config_send_section(const char *key);
/** The opt-out words of @lang (borrowed); returns their count. */
size_t config_optout_words(const struct config_send *cs, const char *lang,
                           const char *const **words);

/** A broadcast template: per language a text with {area} {time} {what} {advice}. */
struct config_template {
    char *name;
    char *kind; /* "public" or "internal" */
    bool urgent;
    char **langs, **texts, **advice; /* n each; advice[i] may be NULL */
    size_t n;
};
/** Load a template file. Returns 0 or -1 with a positioned message. */
int config_template_load(const char *file, struct config_template *t, char **err);
void config_template_fini(struct config_template *t);

/* ---- referral directory (src/config/config-resource.c) -------------------- */

/** One entry read from a directory file, with where it starts. */
struct config_resource_entry {
    struct model_resource r;
    int line, column; /* column 0 for CSV */
};

/** A directory file as read; owns its entries. */
struct config_resources {
    char *file;
    bool csv;
    bool sample; /* YAML `sample: true`: the shipped sample, to be replaced */
    struct config_resource_entry *items;
    size_t n;
};

/**
 * Read a referral directory: YAML (a map with an optional `sample: true`
 * and a list under `resources:` of maps with the keys of `resource show
 * --json`, lists as YAML lists or comma-separated text) or CSV (a header
 * row of those keys, then one entry per row; quoted fields with embedded
 * commas, quotes and newlines, a UTF-8 BOM, CRLF line ends and ';' as the
 * separator are all accepted). The format comes from the extension (.csv,
 * .yaml, .yml) or else from the content. Each field is checked (valid text,
 * known keys and services, yes/no values, dates); entries are not validated
 * as a whole (the app does that, see config_resources_errf). All or
 * nothing: returns 0 with @out filled (caller finishes it), or -1 with a
 * newly allocated "FILE:LINE:COLUMN: problem" (YAML) or "FILE:LINE: problem"
 * (CSV) in *err.
 */
int config_resources_load(const char *file, int64_t now, struct config_resources *out, char **err);
void config_resources_fini(struct config_resources *rs);
/** A message about entry @i in the file's position format; newly allocated. */
char *config_resources_errf(const struct config_resources *rs, size_t i, const char *fmt, ...)
    UTIL_PRINTF(3, 4);

/* ---- roster files (src/config/config-roster.c) ----------------------------- */

/** One verifier read from a file, with where it starts (column 0 for CSV). */
struct config_verifier_entry {
    struct model_verifier v;
    int line, column;
};
struct config_verifiers {
    char *file;
    bool csv;
    struct config_verifier_entry *items;
    size_t n;
};
/**
 * Read verifiers: YAML (a list under `verifiers:` of maps with the keys of
 * `verifier list --json`; lists as YAML lists or comma-separated text) or
 * CSV (a header row of those keys, quoted fields, ';' separators and a BOM
 * accepted), by extension or content. Phone numbers are normalised with
 * @country. All or nothing: 0 with @out filled (caller finishes it), or -1
 * with "FILE:LINE:COLUMN: problem" (YAML) or "FILE:LINE: problem" (CSV).
 */
int config_verifiers_load(const char *file, const char *country, struct config_verifiers *out,
                          char **err);
void config_verifiers_fini(struct config_verifiers *vs);
/** A message about entry @i in the file's position format; newly allocated. */
char *config_verifiers_errf(const struct config_verifiers *vs, size_t i, const char *fmt, ...)
    UTIL_PRINTF(3, 4);

/** A weekly schedule as read; one shift per person and weekday. */
struct config_shifts {
    char *file;
    struct model_shift *items;
    int *lines; /* line of each shift's entry */
    size_t n;
    bool has_windows; /* the file sets priority_windows */
    struct model_window windows[MODEL_WINDOWS_MAX];
    size_t nwindows;
};
/**
 * Read a schedule: a map with `shifts:`, a list of maps with person, role
 * (default verifier), days ("mon", "tue-fri", "weekdays", "weekends",
 * "daily", or a list), start and end ("HH:MM"; an end at or before the start
 * runs into the next day), and an optional `priority_windows:` list
 * ("06:00-09:00"). 0, or -1 with "FILE:LINE:COLUMN: problem".
 */
int config_shifts_load(const char *file, struct config_shifts *out, char **err);
void config_shifts_fini(struct config_shifts *cs);

/* ---- practice scenarios (src/config/config-scenario.c) --------------------- */

/** What really happened in a practice incident. */
enum config_truth {
    CONFIG_TRUTH_REAL_OPERATION,
    CONFIG_TRUTH_LOCAL_POLICE,
    CONFIG_TRUTH_OLD_RUMOR,
    CONFIG_TRUTH_COURTHOUSE_ARREST,
    CONFIG_TRUTH_WORKPLACE_VISIT,
    CONFIG_TRUTH_COUNT
};
/** "real_operation", "local_police", ...; _parse gives -1 for an unknown name. */
const char *config_truth_name(enum config_truth t);
int config_truth_parse(const char *name);

/** One incident of a scenario and its ground truth. */
struct config_scenario_incident {
    char *id; /* the scenario's own name for it ("plant") */
    enum config_truth truth;
    enum model_status expect; /* the verdict a trainee should reach */
    bool alert;               /* a public alert is right (default: expect is confirmed) */
    char *notes;              /* for the trainer; may be NULL */
};

/** A call or message arriving at T+at: what the caller says, as report fields. */
struct config_scenario_event {
    int64_t at_ms;
    size_t incident;       /* index into incidents */
    char *channel;         /* how it came in: call, sms, telegram, signal, walk_in, social */
    char *caller;          /* a made-up name; may be NULL */
    char *says;            /* the caller's words, for the trainer and the debrief; may be NULL */
    char *contact;         /* a made-up number (555 01xx); may be NULL */
    char **keys, **values; /* report fields (model_report_set keys) */
    size_t nfields;
    int64_t observed_ago_ms; /* the caller saw it this long before calling; 0: now */
    int line;
};

/** One item a scripted verifier sees. */
struct config_scenario_sight {
    char *key;
    enum model_tri state;
};

/** What a scripted verifier reports on one incident, @after_ms after assignment. */
struct config_scenario_answer {
    size_t incident;
    int64_t after_ms;
    struct config_scenario_sight *sees;
    size_t n;
    char *note;
};

struct config_scenario_verifier {
    char *name;
    char *languages, *areas; /* comma-separated; may be NULL */
    struct config_scenario_answer *answers;
    size_t nanswers;
};

/** A practice scenario as read; owns everything. */
struct config_scenario {
    char *file;
    char *title, *language, *summary, *trainer_notes; /* summary, notes may be NULL */
    int64_t duration_ms; /* the run ends then (default: last event + 15 min) */
    struct config_scenario_incident *incidents;
    size_t nincidents;
    struct config_scenario_event *events; /* by time */
    size_t nevents;
    struct config_scenario_verifier *verifiers;
    size_t nverifiers;
};

/**
 * Read a scenario (share/doc/practice-scenarios.md): metadata, incidents
 * with their ground truth, a timeline of calls and scripted verifiers.
 * Times are "mm:ss" (or "h:mm:ss") from the start. Returns 0 with @out
 * filled (caller finishes it), or -1 with "FILE:LINE:COLUMN: problem".
 */
int config_scenario_load(const char *file, struct config_scenario *out, char **err);
void config_scenario_fini(struct config_scenario *sc);
/** Parse "mm:ss" or "h:mm:ss" into milliseconds; -1 when it is not one. */
int64_t config_scenario_time(const char *s);

/** One action of a scripted trainee (`practice --answers`). */
struct config_answer {
    int64_t at_ms;
    char *action;    /* triage, link, assign, check, status, broadcast, wait */
    size_t incident; /* index into the scenario's incidents */
    int report;      /* which report of the incident (1 = first) */
    char *verifier, *key, *state, *to, *note, *template_name;
    int line;
};
struct config_answers {
    char *file;
    struct config_answer *items;
    size_t n;
};
/**
 * Read a scripted trainee for scenario @sc: a list under `actions:` of maps
 * with at, do, incident and the action's own keys. 0, or -1 with
 * "FILE:LINE:COLUMN: problem".
 */
int config_answers_load(const char *file, const struct config_scenario *sc,
                        struct config_answers *out, char **err);
void config_answers_fini(struct config_answers *as);

/* ---- CSV (config-csv.c) -------------------------------------------------------- */

/** A CSV reader over a buffer the caller keeps alive. */
struct config_csv {
    const char *p, *end;
    char sep;
    int line; /* physical line of the next character */
};
/** Start reading @data: skips a UTF-8 BOM, picks ';' when the header has ';' and no ','. */
void config_csv_init(struct config_csv *c, const char *data, size_t len);
/**
 * Read one record into @fields (each newly allocated; *nf of them; free with
 * config_csv_free). Returns 1 for a record, 0 at the end, -1 with a newly
 * allocated translated message in *msg. *start gets the record's first line.
 * Blank lines are skipped.
 */
int config_csv_record(struct config_csv *c, char ***fields, size_t *nf, int *start, char **msg);
void config_csv_free(char **fields, size_t n);

#endif
