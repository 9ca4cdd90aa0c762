/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internals shared by the worker and the gateway adapters; nothing outside src/send/. */
#ifndef VIGIA_SEND_PRIVATE_H
#define VIGIA_SEND_PRIVATE_H

#include "vigia/net.h" /* libcurl, loaded on first use */

#include "vigia/send.h"

/** How an attempt ended. */
enum send_outcome {
    SEND_OK,        /* accepted; gateway_id set */
    SEND_TRANSIENT, /* not accepted; try again later (retry_after_ms may be set) */
    SEND_PERMANENT, /* refused for good; reason set */
    SEND_AMBIGUOUS, /* may have been accepted: answer lost */
    SEND_NOT_FOUND, /* a reconciliation lookup found no such message */
};

enum send_req_kind { SEND_REQ_SEND, SEND_REQ_LOOKUP };

/** One request in flight. */
struct send_req {
    struct send_worker *w;
    struct send_req *prev, *next; /* the worker's in-flight list */
    enum send_req_kind kind;
    int channel; /* enum model_channel */
    struct store_outbox_row row;
    char *text; /* the message body */
    CURL *easy;
    struct curl_slist *headers, *rcpt;
    char *post;         /* request body */
    struct buf resp;    /* response body */
    struct buf payload; /* SMTP message */
    size_t payload_off;
    int64_t retry_after_ms; /* from Retry-After, 0 when none */
    bool recipient_left;    /* the gateway says the recipient opted out or blocked us */
    char *url;
};

/** A gateway adapter. */
struct send_gateway {
    const char *name;
    /** Set up r->easy for a send (or a lookup); -1 with *err when not configured. */
    int (*prepare)(struct send_req *r, const struct config_channel *cc, char **err);
    /**
     * Classify a finished request: @cc the transfer's result, @http the
     * response code. *gateway_id / *reason newly allocated (caller frees).
     */
    enum send_outcome (*parse)(struct send_req *r, const struct config_channel *cc, CURLcode res,
                               long http, char **gateway_id, char **reason);
};

/** The adapter of a channel (sms -> twilio, ...); NULL for the file sink. */
const struct send_gateway *send_gateway_for(int channel);

/** Append one JSON line for @r to the file sink at @path; 0 or -1 with *err. */
int send_file_append(const char *path, const struct store_outbox_row *row, const char *text,
                     char **err);
/** Flush the file sink to disk (once per batch). */
void send_file_sync(const char *path);
/** 1 when the file sink at @path holds idempotency key @key, 0 when not, -1 on error. */
int send_file_has(const char *path, const char *key, char **err);

/** Common curl setup (timeouts, buffers, headers callback). */
void send_req_common(struct send_req *r, const struct config_channel *cc);

#endif
