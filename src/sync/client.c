/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The relay client: one CURLM, one easy handle per request, the request
 * struct as CURLOPT_PRIVATE. Nothing here blocks unless asked to
 * (sync_client_wait): a poll loop takes the descriptors and the timeout from
 * sync_client_fds and calls sync_client_perform when they fire. Finished
 * requests run their callback from sync_client_perform, never from inside
 * libcurl.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "vigia/i18n.h"
#include "vigia/util.h"
#include "vigia/sync.h"

#include "vigia/net.h"

struct sync_request {
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    struct buf resp;
    char errbuf[CURL_ERROR_SIZE];
    sync_client_done_fn done;
    void *data;
    struct sync_request *next; /* the client's list of requests in flight */
};

struct sync_client {
    CURLM *multi;
    size_t active;
    struct sync_request *head;
};

struct sync_client *sync_client_new(void)
{
    struct sync_client *c;
    char *err = NULL;

    /* Loaded here at the latest; sync_session_new() reports a failure more gently. */
    if (!net_curl_load(&err))
        util_fatal("%s", err);
    c = xcalloc(1, sizeof *c);
    c->multi = curl_multi_init();
    if (c->multi == NULL)
        util_fatal("cannot start libcurl");
    return c;
}

static void sync_request_free(struct sync_request *r)
{
    curl_slist_free_all(r->headers);
    curl_easy_cleanup(r->easy);
    free(r->body);
    buf_fini(&r->resp);
    free(r);
}

void sync_client_free(struct sync_client **cp)
{
    struct sync_client *c = *cp;

    if (c == NULL)
        return;
    while (c->head != NULL) {
        struct sync_request *r = c->head;
        c->head = r->next;
        curl_multi_remove_handle(c->multi, r->easy);
        sync_request_free(r);
    }
    curl_multi_cleanup(c->multi);
    free(c);
    *cp = NULL;
}

static size_t sync_client_write(char *ptr, size_t size, size_t nmemb, void *data)
{
    struct sync_request *r = data;

    /* The relay's answers are small; refuse anything absurd. */
    if (r->resp.len + size * nmemb > 256u * 1024 * 1024)
        return 0;
    buf_add(&r->resp, ptr, size * nmemb);
    return size * nmemb;
}

void sync_client_request(struct sync_client *c, const char *method, const char *url,
                         const char *const *headers, const void *body, size_t len, long timeout_s,
                         sync_client_done_fn done, void *data)
{
    struct sync_request *r = xcalloc(1, sizeof *r);

    buf_init(&r->resp);
    r->done = done;
    r->data = data;
    r->easy = curl_easy_init();
    if (r->easy == NULL)
        util_fatal("cannot start libcurl");
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
        r->headers = curl_slist_append(r->headers, headers[i]);
    r->headers = curl_slist_append(r->headers, "Expect:");
    curl_easy_setopt(r->easy, CURLOPT_URL, url);
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
    curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, sync_client_write);
    curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "vigia/" PACKAGE_VERSION);
    if (strcmp(method, "POST") == 0) {
        r->body = xmalloc(len ? len : 1);
        if (len)
            memcpy(r->body, body, len);
        curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
        curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl_multi_add_handle(c->multi, r->easy);
    r->next = c->head;
    c->head = r;
    c->active++;
}

size_t sync_client_active(const struct sync_client *c)
{
    return c->active;
}

void sync_client_fds(struct sync_client *c, struct pollfd *fds, size_t max, size_t *n,
                     long *timeout_ms)
{
    fd_set rd, wr, ex;
    int maxfd = -1;

    *n = 0;
    *timeout_ms = -1;
    if (c->active == 0)
        return;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    curl_multi_fdset(c->multi, &rd, &wr, &ex, &maxfd);
    for (int fd = 0; fd <= maxfd && *n < max; fd++) {
        short ev = 0;
        if (FD_ISSET(fd, &rd))
            ev |= POLLIN;
        if (FD_ISSET(fd, &wr))
            ev |= POLLOUT;
        if (FD_ISSET(fd, &ex))
            ev |= POLLPRI;
        if (ev) {
            fds[*n].fd = fd;
            fds[*n].events = ev;
            fds[*n].revents = 0;
            (*n)++;
        }
    }
    curl_multi_timeout(c->multi, timeout_ms);
    /* No socket yet (resolving, connecting): come back soon. */
    if (maxfd < 0 && (*timeout_ms < 0 || *timeout_ms > 100))
        *timeout_ms = 100;
}

void sync_client_perform(struct sync_client *c)
{
    CURLMsg *msg;
    int running, left;

    curl_multi_perform(c->multi, &running);
    while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
        struct sync_request *r = NULL;
        long status = 0;
        const char *error = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (msg->data.result == CURLE_OK)
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        else
            error = r->errbuf[0] ? r->errbuf : curl_easy_strerror(msg->data.result);
        curl_multi_remove_handle(c->multi, msg->easy_handle);
        for (struct sync_request **p = &c->head; *p != NULL; p = &(*p)->next) {
            if (*p == r) {
                *p = r->next;
                break;
            }
        }
        c->active--;
        if (r->done != NULL)
            r->done(status, buf_str(&r->resp), r->resp.len, error, r->data);
        sync_request_free(r);
    }
}

void sync_client_wait(struct sync_client *c, int timeout_ms)
{
    int numfds;

    curl_multi_poll(c->multi, NULL, 0, timeout_ms, &numfds);
    sync_client_perform(c);
}
