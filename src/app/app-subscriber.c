/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Listing subscribers without showing who they are.
 *
 * A subscriber's contact is personal data, sealed once a passphrase is set
 * (src/store/store-subscriber.c). `subscriber list` masks it like the console
 * masks a caller's number ("+•••••••••09": enough to tell two apart), shows it
 * in full only when asked and personal data is unlocked, and says "locked"
 * when this device cannot open it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/store.h"
#include "vigia/app.h"

#include "private.h"

char *app_contact_mask(const char *contact)
{
    struct buf b;
    size_t n, keep;

    if (contact == NULL)
        return NULL;
    n = strlen(contact);
    keep = n > 6 ? 2 : 0;
    buf_init(&b);
    for (size_t i = 0; i < n - keep; i++) {
        unsigned char c = (unsigned char)contact[i];
        if ((c & 0xc0) == 0x80)
            continue; /* one dot per character, not per byte */
        if (i == 0 && (c == '+' || c == '@'))
            buf_addc(&b, (char)c);
        else
            buf_adds(&b, "•");
    }
    buf_adds(&b, contact + n - keep);
    return buf_steal(&b);
}

struct app_sub_list {
    struct app *a;
    bool reveal;
    struct app_subscriber_row *rows;
    size_t n, cap;
};

static int app_sub_list_one(const struct store_subscriber *sub, void *data)
{
    struct app_sub_list *l = data;
    struct app_subscriber_row *r;
    char *plain = NULL;
    int rc;

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->rows = xreallocarray(l->rows, l->cap, sizeof *l->rows);
    }
    r = &l->rows[l->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", sub->id);
    r->channel = sub->channel ? xstrdup(sub->channel) : NULL;
    r->language = sub->language ? xstrdup(sub->language) : NULL;
    r->areas = sub->areas ? xstrdup(sub->areas) : NULL;
    r->opted_out_at = sub->opted_out_at;
    r->created_at = sub->created_at;
    rc =
        store_open_text(l->a->store, "subscribers", "contact", sub->id, sub->contact, &plain, NULL);
    if (rc != STORE_OK) {
        r->locked = true; /* locked, or sealed under a key this device does not have */
        return 0;
    }
    if (l->reveal) {
        r->contact = plain;
        return 0;
    }
    r->contact = app_contact_mask(plain);
    if (plain != NULL)
        sodium_memzero(plain, strlen(plain));
    free(plain);
    return 0;
}

int app_subscriber_list(struct app *a, bool all, bool reveal, struct app_subscriber_row **rows,
                        size_t *n, char **err)
{
    struct app_sub_list l = {.a = a, .reveal = reveal};

    *rows = NULL;
    *n = 0;
    if (reveal && app_vault_state(a) == APP_VAULT_LOCKED) {
        util_seterr(err, "%s",
                    _("personal data is locked: run 'vigia unlock' to show subscribers' contacts"));
        return -1;
    }
    if (store_subscriber_foreach(a->store, all, app_sub_list_one, &l, err) != STORE_OK) {
        app_subscriber_rows_free(&l.rows, l.n);
        return -1;
    }
    *rows = l.rows;
    *n = l.n;
    return 0;
}

void app_subscriber_rows_free(struct app_subscriber_row **rows, size_t n)
{
    for (size_t i = 0; *rows != NULL && i < n; i++) {
        struct app_subscriber_row *r = &(*rows)[i];
        if (r->contact != NULL)
            sodium_memzero(r->contact, strlen(r->contact));
        free(r->contact);
        free(r->channel);
        free(r->language);
        free(r->areas);
    }
    FREE(rows);
}

char *app_subscriber_json(const struct app_subscriber_row *r)
{
    json_t *o = json_object();
    char t[32], *s;

    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "channel", json_string(r->channel ? r->channel : ""));
    json_object_set_new(o, "contact", r->contact ? json_string(r->contact) : json_null());
    json_object_set_new(o, "contact_locked", json_boolean(r->locked));
    json_object_set_new(o, "language", json_string(r->language ? r->language : ""));
    json_object_set_new(o, "areas", r->areas ? json_string(r->areas) : json_null());
    if (r->created_at) {
        timeutil_rfc3339(r->created_at, t);
        json_object_set_new(o, "created_at", json_string(t));
    }
    if (r->opted_out_at) {
        timeutil_rfc3339(r->opted_out_at, t);
        json_object_set_new(o, "opted_out_at", json_string(t));
    } else {
        json_object_set_new(o, "opted_out_at", json_null());
    }
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}
