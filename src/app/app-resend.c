/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Sending an assignment's message again: `vigia assignment resend ID`, 'm'
 * in the console's roster pane.
 *
 * The dispatcher fixed why it was not sent (added the verifier's contact,
 * set up the gateway in config.yaml) or saw it fail. The message is
 * composed again from the report as it is now and the verifier's current
 * contact and channel, exactly as app_assign does (never the caller's
 * contact), and queued through the outbox as a new message with its own
 * idempotency key (store_outbox_resend_tx). Refused while a message is on
 * its way, for a closed assignment, and for one sent or maybe sent unless
 * the dispatcher says again (--again, or 'm' pressed twice): a second copy
 * is their decision, never a retry's.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/model.h"
#include "vigia/config.h"
#include "vigia/store.h"
#include "vigia/app.h"

#include "private.h"

static bool app_resend_is(const char *st, const char *name)
{
    return st != NULL && strcmp(st, name) == 0;
}

/* When the latest message of @as left this device, as local time text; "" when unknown. */
static void app_resend_sent_at(struct app *a, const struct model_assignment *as, char out[32])
{
    struct store_outbox_row o;

    out[0] = '\0';
    if (store_outbox_of_assignment(a->store, as->id, &o, NULL) != STORE_OK)
        return;
    if (o.updated_at > 0) {
        char when[24];
        timeutil_local(o.updated_at, when);
        snprintf(out, 32, "%s", when);
    }
    store_outbox_row_fini(&o);
}

/*
 * Whether the message of @as may be sent again: 0, -1 or
 * APP_RESEND_ASK_AGAIN with *err (translated).
 */
static int app_resend_allowed(struct app *a, const struct model_assignment *as, const char *name,
                              bool again, char **err)
{
    const char *st = as->message_state;
    bool busy = false;

    if (as->state == MODEL_ASSIGN_RELEASED || as->state == MODEL_ASSIGN_DECLINED) {
        /* TRANSLATORS: %s is a verifier, the second %s "released" or "declined". */
        util_seterr(err, _("cannot send the message to %s again: the assignment is %s"), name,
                    model_assign_state_label(as->state));
        return -1;
    }
    if (store_outbox_in_flight(a->store, as->id, &busy, err) != STORE_OK)
        return -1;
    if (busy || app_resend_is(st, "queued") || app_resend_is(st, "sending")) {
        char *ms = app_assignment_message_status(a, as, false);
        /* TRANSLATORS: %s is a verifier; then where the message is ("queued for sms"). */
        util_seterr(err, _("cannot send the message to %s again: it is already on its way (%s)"),
                    name, ms);
        free(ms);
        return -1;
    }
    if (!again && app_resend_is(st, "sent")) {
        char when[32];
        app_resend_sent_at(a, as, when);
        if (when[0] != '\0')
            /* TRANSLATORS: %s is a verifier, then a local time. */
            util_seterr(err,
                        _("the message to %s was sent at %s: another copy only if they lost it"),
                        name, when);
        else
            util_seterr(err, _("the message to %s was sent: another copy only if they lost it"),
                        name);
        return APP_RESEND_ASK_AGAIN;
    }
    if (!again && app_resend_is(st, "uncertain")) {
        util_seterr(err,
                    _("the gateway may have delivered the message to %s: ask them first; "
                      "another copy only if they did not get it"),
                    name);
        return APP_RESEND_ASK_AGAIN;
    }
    return 0;
}

int app_assignment_resend(struct app *a, const char *id, bool again, char **status, char **err)
{
    struct model_assignment as;
    struct model_verifier v;
    struct model_report r;
    struct store_outbox_msg msg;
    struct config_send cs;
    struct store_col col;
    bool cs_loaded = false;
    char *body = NULL, *lang = NULL, *detail = NULL, *prev = NULL;
    json_t *d;
    int rc = -1;

    if (status != NULL)
        *status = NULL;
    model_verifier_init(&v);
    model_report_init(&r);
    if (a->actor == NULL) {
        util_seterr(err, "%s", _("who is at the keyboard? give your name with --as NAME"));
        return -1;
    }
    if (app_assignment_get(a, id, &as, err) != 0)
        return -1;
    if (store_verifier_get(a->store, as.verifier_id, &v, NULL) != STORE_OK) {
        util_seterr(err, _("cannot send the message again: verifier %s is not on the roster"),
                    as.verifier_id);
        goto out;
    }
    if ((rc = app_resend_allowed(a, &as, v.name, again, err)) != 0)
        goto out;
    rc = -1;
    if (store_report_get(a->store, as.report_id, &r, err) != STORE_OK)
        goto out;
    /* What app_assign would send now: the report as it is, the verifier's contact now. */
    body = app_assignment_message(a, &r, v.name);
    if (app_assign_route(a, &v, &msg, &cs_loaded, &cs) != 0)
        goto out;
    if (msg.channel == NULL) {
        struct model_assignment now = as;
        char *ms;
        now.message_state = (char *)msg.body;
        now.id[0] = '\0'; /* the verifier's channel now, not the earlier outbox row's */
        ms = app_assignment_message_status(a, &now, false);
        /* TRANSLATORS: %s says why ("not sent: no sms gateway is set up..."). */
        util_seterr(err, _("cannot send it again: %s"), ms);
        free(ms);
        goto out;
    }
    msg.body = body;
    msg.assignment_id = as.id;
    if (v.languages != NULL && *v.languages != '\0') {
        lang = xasprintf("%.*s", (int)strcspn(v.languages, ","), v.languages);
        msg.language = lang;
    }
    prev = xstrdup(as.message_state ? as.message_state : "");
    d = json_object();
    json_object_set_new(d, "assignment_id", json_string(as.id));
    json_object_set_new(d, "verifier_id", json_string(v.id));
    json_object_set_new(d, "verifier", json_string(v.name));
    json_object_set_new(d, "channel", json_string(msg.channel));
    json_object_set_new(d, "previous", json_string(prev));
    json_object_set_new(d, "again", json_boolean(again));
    detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    if (detail == NULL)
        util_fatal("%s", "out of memory");
    col.name = "message";
    col.v = store_text(body);
    if (store_begin(a->store, err) != STORE_OK)
        goto out;
    if ((as.message == NULL || strcmp(as.message, body) != 0
             ? store_write(a->store, "assignments", as.id, &col, 1, err)
             : STORE_OK) != STORE_OK ||
        store_outbox_resend_tx(a->store, &msg, NULL, err) != STORE_OK ||
        store_event(a->store, a->actor, "assignment.resent", as.report_id, detail, err) !=
            STORE_OK ||
        store_commit(a->store, err) != STORE_OK) {
        store_rollback(a->store);
        goto out;
    }
    if (status != NULL) {
        struct model_assignment now;
        if (store_assignment_get(a->store, as.id, &now, NULL) == STORE_OK)
            *status = app_assignment_message_status(a, &now, false);
        model_assignment_fini(&now);
    }
    rc = 0;
out:
    free(body);
    free(lang);
    free(detail);
    free(prev);
    if (cs_loaded)
        config_send_fini(&cs);
    model_report_fini(&r);
    model_verifier_fini(&v);
    model_assignment_fini(&as);
    return rc;
}

char *app_resend_event_text(const struct model_event *e)
{
    json_t *d;
    const char *name;
    char *out;

    if (strcmp(e->kind, "assignment.resent") != 0)
        return NULL;
    d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
    name = d ? json_string_value(json_object_get(d, "verifier")) : NULL;
    /* TRANSLATORS: on a report's timeline: "message to Rosa sent again by ana". */
    out = xasprintf(_("message to %s sent again by %s"), name ? name : "?",
                    e->actor ? e->actor : "?");
    json_decref(d);
    return out;
}
