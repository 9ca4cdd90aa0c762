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

/** Free what app-verify.c keeps in @a (called by app_free). */
void app_verify_free(struct app *a);
/**
 * The vault was just opened (unlock, keyring, first passphrase, adopted key;
 * app-privacy.c): tag subscribers that have no tag yet (with @retag_all,
 * every one whose tag the key gives differently) and apply the STOP replies
 * that arrived while it was locked. Failures are logged, not returned.
 */
void app_vault_opened(struct app *a, bool retag_all);

#endif
