/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Gateway adapters: how a message becomes an HTTP (or SMTP) request and how
 * the answer is read, each against the real public API shape.
 *
 *   Twilio   POST {base}/2010-04-01/Accounts/{sid}/Messages.json, Basic auth
 *            sid:token, form fields To, From | MessagingServiceSid, Body;
 *            201 {"sid": "SM…", "status": "queued"}; errors {"code", "message"}.
 *            Lookup: GET …/Messages.json?To=…&PageSize=50, {"messages": [{sid, to, body}]}.
 *   Telegram POST {base}/bot{token}/sendMessage, JSON {chat_id, text};
 *            {"ok": true, "result": {"message_id"}}; errors {"ok": false,
 *            "error_code", "description", "parameters": {"retry_after"}}.
 *   Signal   signal-cli daemon --http: POST {base}/api/v1/rpc, JSON-RPC 2.0
 *            method "send", params {recipient: [..] | groupId, message, account};
 *            {"result": {"timestamp"}} or {"error": {"code", "message"}}.
 *   Email    SMTP through libcurl: MAIL FROM, RCPT TO, an RFC 5322 message
 *            with a UTF-8 (RFC 2047) subject and a base64 UTF-8 body.
 *
 * Classification: 2xx with the expected body is accepted; 429 and 5xx are
 * transient (Retry-After or Telegram's retry_after honoured); other 4xx are
 * permanent with the gateway's own reason. A transfer error before anything
 * was sent (refused connection, DNS) is transient; after the request was
 * sent (timeout, connection dropped, empty reply) it is ambiguous.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/text.h"
#include "vigia/model.h"
#include "vigia/store.h"
#include "vigia/send.h"

#include "private.h"

/* ---- common ---------------------------------------------------------------- */

static size_t send_write_cb(char *data, size_t size, size_t n, void *p)
{
    struct send_req *r = p;

    /* Gateways answer in a few hundred bytes; a runaway body is cut. */
    if (r->resp.len < 256 * 1024)
        buf_add(&r->resp, data, size * n);
    return size * n;
}

static size_t send_header_cb(char *data, size_t size, size_t n, void *p)
{
    struct send_req *r = p;
    size_t len = size * n;

    if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        char *v = xstrndup(data + 12, len - 12), *end;
        long secs;
        while (*v == ' ')
            memmove(v, v + 1, strlen(v));
        v[strcspn(v, "\r\n")] = '\0';
        secs = strtol(v, &end, 10);
        if (end != v && *end == '\0' && secs >= 0) {
            r->retry_after_ms = (int64_t)secs * 1000;
        } else {
            time_t t = curl_getdate(v, NULL);
            if (t > 0) {
                int64_t ms = (int64_t)t * 1000 - timeutil_now_ms();
                r->retry_after_ms = ms > 0 ? ms : 1000;
            }
        }
        free(v);
    }
    return len;
}

void send_req_common(struct send_req *r, const struct config_channel *cc)
{
    curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
    curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, send_write_cb);
    curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, send_header_cb);
    curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)cc->timeout_ms);
    curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(cc->timeout_ms < 10000 ? cc->timeout_ms : 10000));
    curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "vigia/" PACKAGE_VERSION);
    curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps");
    /*
     * A fresh connection for every message. On a reused connection that dies
     * before the answer, libcurl silently sends the request again on a new
     * one; when the gateway had already taken the message, that is a second
     * message. We would rather decide that ourselves (reconcile or mark
     * uncertain) than have it done behind our back.
     */
    curl_easy_setopt(r->easy, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(r->easy, CURLOPT_FORBID_REUSE, 1L);
}

/* True when a transfer error happened before any request byte left. */
static bool send_never_sent(struct send_req *r, CURLcode res)
{
    long sent = 0;

    if (res == CURLE_COULDNT_CONNECT || res == CURLE_COULDNT_RESOLVE_HOST ||
        res == CURLE_COULDNT_RESOLVE_PROXY || res == CURLE_SSL_CONNECT_ERROR)
        return true;
    curl_easy_getinfo(r->easy, CURLINFO_REQUEST_SIZE, &sent);
    return sent == 0;
}

/* The base URL without a trailing slash; caller frees. */
static char *send_base(const char *base, const char *def)
{
    char *b = xstrdup(base && *base ? base : def);
    size_t n = strlen(b);

    while (n > 0 && b[n - 1] == '/')
        b[--n] = '\0';
    return b;
}

static void send_form_add(struct buf *b, CURL *easy, const char *key, const char *value)
{
    char *v = curl_easy_escape(easy, value, 0);

    if (b->len > 0)
        buf_addc(b, '&');
    buf_printf(b, "%s=%s", key, v ? v : "");
    curl_free(v);
}

/* Classify an HTTP answer that is not a success. */
static enum send_outcome send_http_failure(long http)
{
    if (http == 429 || http >= 500 || http == 408)
        return SEND_TRANSIENT;
    return SEND_PERMANENT;
}

/* ---- Twilio ------------------------------------------------------------------ */

static int send_twilio_prepare(struct send_req *r, const struct config_channel *cc, char **err)
{
    char *base;
    struct buf form;

    if (cc->account_sid == NULL || cc->auth_token == NULL ||
        (cc->from == NULL && cc->messaging_service_sid == NULL)) {
        util_seterr(err, "%s",
                    _("sms channel needs account_sid, auth_token and from or "
                      "messaging_service_sid in config.yaml"));
        return -1;
    }
    base = send_base(cc->base_url, "https://api.twilio.com");
    send_req_common(r, cc);
    curl_easy_setopt(r->easy, CURLOPT_USERNAME, cc->account_sid);
    curl_easy_setopt(r->easy, CURLOPT_PASSWORD, cc->auth_token);
    curl_easy_setopt(r->easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    if (r->kind == SEND_REQ_LOOKUP) {
        char *to = curl_easy_escape(r->easy, r->row.contact, 0);
        r->url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json?To=%s&PageSize=50", base,
                           cc->account_sid, to);
        curl_free(to);
        curl_easy_setopt(r->easy, CURLOPT_HTTPGET, 1L);
    } else {
        r->url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json", base, cc->account_sid);
        buf_init(&form);
        send_form_add(&form, r->easy, "To", r->row.contact);
        if (cc->messaging_service_sid)
            send_form_add(&form, r->easy, "MessagingServiceSid", cc->messaging_service_sid);
        else
            send_form_add(&form, r->easy, "From", cc->from);
        send_form_add(&form, r->easy, "Body", r->text);
        r->post = buf_steal(&form);
        curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->post);
    }
    curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
    free(base);
    return 0;
}

static enum send_outcome send_twilio_parse(struct send_req *r, const struct config_channel *cc,
                                           CURLcode res, long http, char **gateway_id,
                                           char **reason)
{
    json_t *j;
    enum send_outcome out;

    if (res != CURLE_OK) {
        *reason = xstrdup(curl_easy_strerror(res));
        return send_never_sent(r, res) ? SEND_TRANSIENT : SEND_AMBIGUOUS;
    }
    j = json_loadb(buf_str(&r->resp), r->resp.len, 0, NULL);
    if (r->kind == SEND_REQ_LOOKUP) {
        json_t *msgs = json_object_get(j, "messages");
        size_t i;
        json_t *m;
        out = http == 200 && json_is_array(msgs) ? SEND_NOT_FOUND : SEND_TRANSIENT;
        if (out == SEND_TRANSIENT)
            *reason = xasprintf(_("lookup failed (HTTP %ld)"), http);
        json_array_foreach(msgs, i, m)
        {
            const char *body = json_string_value(json_object_get(m, "body"));
            const char *to = json_string_value(json_object_get(m, "to"));
            const char *sid = json_string_value(json_object_get(m, "sid"));
            const char *created = json_string_value(json_object_get(m, "date_created"));
            /* The same text to the same number long before this attempt is another message. */
            time_t at = created ? curl_getdate(created, NULL) : -1;
            if (at > 0 && r->row.sending_at > 0 && (int64_t)at * 1000 < r->row.sending_at - 300000)
                continue;
            if (body && to && sid && strcmp(body, r->text) == 0 &&
                strcmp(to, r->row.contact) == 0) {
                *gateway_id = xstrdup(sid);
                out = SEND_OK;
                break;
            }
        }
        json_decref(j);
        return out;
    }
    if (http >= 200 && http < 300 && json_is_string(json_object_get(j, "sid"))) {
        *gateway_id = xstrdup(json_string_value(json_object_get(j, "sid")));
        out = SEND_OK;
    } else if (http >= 200 && http < 300) {
        *reason = xstrdup(_("gateway answered without a message sid"));
        out = SEND_AMBIGUOUS;
    } else {
        const char *msg = json_string_value(json_object_get(j, "message"));
        json_int_t code = json_integer_value(json_object_get(j, "code"));
        *reason = msg ? xasprintf("%s (Twilio %lld, HTTP %ld)", msg, (long long)code, http)
                      : xasprintf("HTTP %ld", http);
        out = send_http_failure(http);
        /* 21610: the number replied STOP to this sender at the carrier. */
        r->recipient_left = code == 21610;
    }
    json_decref(j);
    return out;
}

/* ---- Telegram -------------------------------------------------------------------- */

static int send_telegram_prepare(struct send_req *r, const struct config_channel *cc, char **err)
{
    char *base;
    json_t *o;

    if (cc->token == NULL) {
        util_seterr(err, "%s", _("telegram channel needs a bot token in config.yaml"));
        return -1;
    }
    base = send_base(cc->base_url, "https://api.telegram.org");
    send_req_common(r, cc);
    r->url = xasprintf("%s/bot%s/sendMessage", base, cc->token);
    o = json_object();
    /* A numeric chat id goes as a number, a @channel name as a string. */
    if (r->row.contact[0] == '@')
        json_object_set_new(o, "chat_id", json_string(r->row.contact));
    else
        json_object_set_new(o, "chat_id", json_integer(strtoll(r->row.contact, NULL, 10)));
    json_object_set_new(o, "text", json_string(r->text));
    r->post = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    r->headers = curl_slist_append(r->headers, "Content-Type: application/json");
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->post);
    curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
    free(base);
    return 0;
}

static enum send_outcome send_telegram_parse(struct send_req *r, const struct config_channel *cc,
                                             CURLcode res, long http, char **gateway_id,
                                             char **reason)
{
    json_t *j, *result;
    enum send_outcome out;

    if (res != CURLE_OK) {
        *reason = xstrdup(curl_easy_strerror(res));
        return send_never_sent(r, res) ? SEND_TRANSIENT : SEND_AMBIGUOUS;
    }
    j = json_loadb(buf_str(&r->resp), r->resp.len, 0, NULL);
    result = json_object_get(j, "result");
    if (http == 200 && json_is_true(json_object_get(j, "ok")) &&
        json_is_integer(json_object_get(result, "message_id"))) {
        *gateway_id =
            xasprintf("%s:%lld", r->row.contact,
                      (long long)json_integer_value(json_object_get(result, "message_id")));
        out = SEND_OK;
    } else if (http == 200) {
        *reason = xstrdup(_("gateway answered without a message id"));
        out = SEND_AMBIGUOUS;
    } else {
        const char *d = json_string_value(json_object_get(j, "description"));
        json_t *ra = json_object_get(json_object_get(j, "parameters"), "retry_after");
        if (json_is_integer(ra))
            r->retry_after_ms = (int64_t)json_integer_value(ra) * 1000;
        *reason = d ? xasprintf("%s (HTTP %ld)", d, http) : xasprintf("HTTP %ld", http);
        out = send_http_failure(http);
        /* 403 "Forbidden: bot was blocked by the user": they left. */
        r->recipient_left = http == 403;
    }
    json_decref(j);
    return out;
}

/* ---- Signal (signal-cli JSON-RPC over HTTP) --------------------------------------- */

static int send_signal_prepare(struct send_req *r, const struct config_channel *cc, char **err)
{
    char *base;
    json_t *o, *params;

    base = send_base(cc->base_url, "http://127.0.0.1:8080");
    send_req_common(r, cc);
    r->url = xasprintf("%s/api/v1/rpc", base);
    params = json_object();
    if (strncmp(r->row.contact, "group.", 6) == 0)
        json_object_set_new(params, "groupId", json_string(r->row.contact + 6));
    else
        json_object_set_new(params, "recipient", json_pack("[s]", r->row.contact));
    json_object_set_new(params, "message", json_string(r->text));
    if (cc->account)
        json_object_set_new(params, "account", json_string(cc->account));
    o = json_pack("{s:s, s:s, s:o, s:s}", "jsonrpc", "2.0", "method", "send", "params", params,
                  "id", r->row.key);
    r->post = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    r->headers = curl_slist_append(r->headers, "Content-Type: application/json");
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->post);
    curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
    free(base);
    (void)err;
    return 0;
}

static enum send_outcome send_signal_parse(struct send_req *r, const struct config_channel *cc,
                                           CURLcode res, long http, char **gateway_id,
                                           char **reason)
{
    json_t *j, *result, *error;
    enum send_outcome out;

    if (res != CURLE_OK) {
        *reason = xstrdup(curl_easy_strerror(res));
        return send_never_sent(r, res) ? SEND_TRANSIENT : SEND_AMBIGUOUS;
    }
    j = json_loadb(buf_str(&r->resp), r->resp.len, 0, NULL);
    result = json_object_get(j, "result");
    error = json_object_get(j, "error");
    if (http == 429 || http >= 500) {
        *reason = xasprintf("HTTP %ld", http);
        out = SEND_TRANSIENT;
    } else if (http == 200 && json_is_integer(json_object_get(result, "timestamp"))) {
        *gateway_id =
            xasprintf("%lld", (long long)json_integer_value(json_object_get(result, "timestamp")));
        out = SEND_OK;
    } else if (error != NULL) {
        const char *m = json_string_value(json_object_get(error, "message"));
        json_int_t code = json_integer_value(json_object_get(error, "code"));
        *reason = xasprintf("%s (signal-cli %lld)", m ? m : "error", (long long)code);
        /* signal-cli: -5 is a rate limit (RateLimitException); the rest is final. */
        out = code == -5 || (m && strstr(m, "ate limit")) ? SEND_TRANSIENT : SEND_PERMANENT;
    } else if (http == 200) {
        *reason = xstrdup(_("gateway answered without a timestamp"));
        out = SEND_AMBIGUOUS;
    } else {
        *reason = xasprintf("HTTP %ld", http);
        out = send_http_failure(http);
    }
    json_decref(j);
    return out;
}

/* ---- email (SMTP) -------------------------------------------------------------- */

static size_t send_smtp_read(char *out, size_t size, size_t n, void *p)
{
    struct send_req *r = p;
    size_t left = r->payload.len - r->payload_off, k = size * n < left ? size * n : left;

    memcpy(out, r->payload.data + r->payload_off, k);
    r->payload_off += k;
    return k;
}

/* Append base64 of @s wrapped at 76 columns with CRLF. */
static void send_b64_lines(struct buf *b, const char *s)
{
    size_t n = strlen(s);

    for (size_t off = 0; off < n; off += 57) {
        size_t k = n - off < 57 ? n - off : 57;
        char out[80];
        sodium_bin2base64(out, sizeof out, (const unsigned char *)s + off, k,
                          sodium_base64_VARIANT_ORIGINAL);
        buf_adds(b, out);
        buf_adds(b, "\r\n");
    }
}

static int send_smtp_prepare(struct send_req *r, const struct config_channel *cc, char **err)
{
    char date[64], subj[200], *enc;
    time_t now = (time_t)(timeutil_now_ms() / 1000);
    struct tm tm;
    size_t cut;

    if (cc->base_url == NULL || cc->from == NULL) {
        util_seterr(err, "%s", _("email channel needs url and from in config.yaml"));
        return -1;
    }
    send_req_common(r, cc);
    r->url = xstrdup(cc->base_url);
    curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
    if (cc->username)
        curl_easy_setopt(r->easy, CURLOPT_USERNAME, cc->username);
    if (cc->password)
        curl_easy_setopt(r->easy, CURLOPT_PASSWORD, cc->password);
    if (strncmp(r->url, "smtp://", 7) == 0 && strstr(r->url, "127.0.0.1") == NULL &&
        strstr(r->url, "localhost") == NULL)
        curl_easy_setopt(r->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    {
        char *from = xasprintf("<%s>", cc->from);
        curl_easy_setopt(r->easy, CURLOPT_MAIL_FROM, from);
        free(from);
    }
    {
        char *to = xasprintf("<%s>", r->row.contact);
        r->rcpt = curl_slist_append(NULL, to);
        free(to);
    }
    curl_easy_setopt(r->easy, CURLOPT_MAIL_RCPT, r->rcpt);
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    /* Subject: the first line, cut at a character boundary. */
    cut = strcspn(r->text, "\r\n");
    if (cut > 120)
        cut = text_fit(r->text, 60, NULL);
    snprintf(subj, sizeof subj, "%.*s", (int)cut, r->text);
    enc = xmalloc(sodium_base64_ENCODED_LEN(strlen(subj), sodium_base64_VARIANT_ORIGINAL));
    sodium_bin2base64(enc, sodium_base64_ENCODED_LEN(strlen(subj), sodium_base64_VARIANT_ORIGINAL),
                      (const unsigned char *)subj, strlen(subj), sodium_base64_VARIANT_ORIGINAL);
    buf_init(&r->payload);
    buf_printf(&r->payload,
               "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: =?UTF-8?B?%s?=\r\n"
               "Message-ID: <%s@vigia>\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n",
               date, cc->from, r->row.contact, enc, r->row.key);
    free(enc);
    send_b64_lines(&r->payload, r->text);
    r->payload_off = 0;
    curl_easy_setopt(r->easy, CURLOPT_READFUNCTION, send_smtp_read);
    curl_easy_setopt(r->easy, CURLOPT_READDATA, r);
    curl_easy_setopt(r->easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(r->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->payload.len);
    return 0;
}

static enum send_outcome send_smtp_parse(struct send_req *r, const struct config_channel *cc,
                                         CURLcode res, long code, char **gateway_id, char **reason)
{
    if (res == CURLE_OK) {
        *gateway_id = xasprintf("<%s@vigia>", r->row.key);
        return SEND_OK;
    }
    *reason = code > 0 ? xasprintf("%s (SMTP %ld)", curl_easy_strerror(res), code)
                       : xstrdup(curl_easy_strerror(res));
    if (code >= 500 && code < 600)
        return SEND_PERMANENT;
    if (code >= 400 && code < 500)
        return SEND_TRANSIENT;
    if (res == CURLE_LOGIN_DENIED || res == CURLE_URL_MALFORMAT ||
        res == CURLE_UNSUPPORTED_PROTOCOL)
        return SEND_PERMANENT;
    /*
     * Only once the whole message left could the server have taken it
     * (CURLINFO_REQUEST_SIZE counts HTTP requests only, so it is no use here).
     */
    if (res == CURLE_COULDNT_CONNECT || res == CURLE_COULDNT_RESOLVE_HOST ||
        r->payload_off < r->payload.len)
        return SEND_TRANSIENT;
    return SEND_AMBIGUOUS;
}

/* ---- table ------------------------------------------------------------------------- */

static const struct send_gateway send_gateways[MODEL_CHANNEL_COUNT] = {
    [MODEL_CHANNEL_SMS] = {"twilio", send_twilio_prepare, send_twilio_parse},
    [MODEL_CHANNEL_TELEGRAM] = {"telegram", send_telegram_prepare, send_telegram_parse},
    [MODEL_CHANNEL_SIGNAL] = {"signal-cli", send_signal_prepare, send_signal_parse},
    [MODEL_CHANNEL_EMAIL] = {"smtp", send_smtp_prepare, send_smtp_parse},
};

const struct send_gateway *send_gateway_for(int channel)
{
    if (channel < 0 || channel >= MODEL_CHANNEL_COUNT || channel == MODEL_CHANNEL_FILE)
        return NULL;
    return &send_gateways[channel];
}

/* ---- file sink ------------------------------------------------------------------------ */

int send_file_append(const char *path, const struct store_outbox_row *row, const char *text,
                     char **err)
{
    json_t *o = json_object();
    char at[32], *line;
    int fd, rc = -1;
    size_t n;

    timeutil_rfc3339(timeutil_now_ms(), at);
    json_object_set_new(o, "at", json_string(at));
    json_object_set_new(o, "key", json_string(row->key));
    if (row->assignment_id != NULL) /* a single message: the verifier of an assignment */
        json_object_set_new(o, "assignment_id", json_string(row->assignment_id));
    else
        json_object_set_new(o, "broadcast_id",
                            row->broadcast_id ? json_string(row->broadcast_id) : json_null());
    json_object_set_new(o, "channel", json_string(row->channel));
    json_object_set_new(o, "to", json_string(row->contact ? row->contact : ""));
    json_object_set_new(o, "language", json_string(row->language ? row->language : ""));
    json_object_set_new(o, "text", json_string(text));
    line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    n = strlen(line);
    line[n++] = '\n'; /* json_dumps leaves room: replace the NUL */
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        util_seterr(err, _("cannot open %s: %s"), path, strerror(errno));
        goto out;
    }
    /* One write(2) with O_APPEND: a line is whole or absent, never interleaved. */
    if (write(fd, line, n) != (ssize_t)n) {
        util_seterr(err, _("cannot write %s: %s"), path, strerror(errno));
        close(fd);
        goto out;
    }
    close(fd);
    rc = 0;
out:
    free(line);
    return rc;
}

void send_file_sync(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);

    if (fd >= 0) {
        fdatasync(fd);
        close(fd);
    }
}

int send_file_has(const char *path, const char *key, char **err)
{
    char *data = NULL, *needle;
    size_t len;
    int rc = util_read_file(path, &data, &len);

    if (rc == -ENOENT)
        return 0;
    if (rc != 0) {
        util_seterr(err, _("cannot read %s: %s"), path, strerror(-rc));
        return -1;
    }
    needle = xasprintf("\"key\":\"%s\"", key);
    rc = strstr(data, needle) != NULL;
    free(needle);
    free(data);
    return rc;
}
