/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internals shared by the app's modules; nothing outside src/app/ includes this. */
#ifndef VIGIA_APP_PRIVATE_H
#define VIGIA_APP_PRIVATE_H

#include "vigia/config.h"
#include "vigia/store.h"

struct app_verify;

struct app {
    struct config config;
    struct store *store;
    char *config_path; /* where to remember the dispatcher */
    char *actor;
    struct app_verify *verify; /* checklists, loaded on first use (app-verify.c) */
    bool practice;       /* a practice run: outbox workers use only the sink (app-practice.c) */
    char *practice_sink; /* the sandbox's file sink */
};

struct config_send;
/** The send config (channels) of one use case; every channel in practice (app-broadcast.c). */
int app_send_config(struct app *a, struct config_send *cs, char **err);
struct model_verifier;
struct store_outbox_msg;
/**
 * Where the message to @v goes (app-roster.c): msg->channel and contact, or
 * with channel NULL the reason in msg->body (no_contact, no_channel,
 * no_gateway). Loads @cs when it reads the send config (*cs_loaded).
 */
int app_assign_route(struct app *a, const struct model_verifier *v, struct store_outbox_msg *msg,
                     bool *cs_loaded, struct config_send *cs);
/** The timeline's text of an "assignment.resent" event, or NULL (app-resend.c). */
char *app_resend_event_text(const struct model_event *e);

/** Free what app-verify.c keeps in @a (called by app_free). */
void app_verify_free(struct app *a);
/**
 * The vault was just opened (unlock, keyring, first passphrase, adopted key;
 * app-privacy.c): tag subscribers that have no tag yet (with @retag_all,
 * every one whose tag the key gives differently) and apply the STOP replies
 * that arrived while it was locked. Failures are logged, not returned.
 */
void app_vault_opened(struct app *a, bool retag_all);

/* A field of an imported report line (app-import.c). */
enum app_import_kind {
    APP_IMPORT_STRING, /* a JSON string */
    APP_IMPORT_SCALAR, /* a number or boolean, as the text the report reads ("3", "yes") */
    APP_IMPORT_NULL,
};
struct app_import_field {
    const char *key;
    const char *value; /* NULL for null */
    enum app_import_kind kind;
};
#define APP_IMPORT_MAX_FIELDS 64
/**
 * Read @line (@len bytes) as a flat JSON object of plain strings, integers,
 * booleans and nulls, in place (keys and values are terminated inside
 * @line). 0 with *n fields in @fields, or 1 when the line needs a full JSON
 * parser (escapes, reals, nesting, duplicates, bad UTF-8, bad syntax);
 * @line is then unchanged.
 */
int app_import_scan(char *line, size_t len, struct app_import_field *fields, size_t max, size_t *n);

#endif
