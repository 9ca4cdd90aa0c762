/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libcurl, loaded on first use: see include/vigia/net.h.
 *
 * A layer of its own between util and sync/send (both use it, and neither
 * may use the other). It resolves names and calls curl_global_init through
 * the table; every other libcurl call stays in src/sync and src/send.
 */
#include "config.h"

#include "vigia/net.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "vigia/i18n.h"
#include "vigia/util.h"

#define NET_CURL_SONAME "libcurl.so.4"

struct net_curl net_curl;

static const struct {
    const char *name;
    size_t off;
} net_curl_names[] = {
#define NET_FN(f)                                                                                  \
    {                                                                                              \
        "curl_" #f, offsetof(struct net_curl, f)                                                   \
    }
    NET_FN(global_init),         NET_FN(easy_init),      NET_FN(easy_cleanup),
    NET_FN(easy_setopt),         NET_FN(easy_getinfo),   NET_FN(easy_strerror),
    NET_FN(easy_escape),         NET_FN(free),           NET_FN(getdate),
    NET_FN(slist_append),        NET_FN(slist_free_all), NET_FN(multi_init),
    NET_FN(multi_cleanup),       NET_FN(multi_setopt),   NET_FN(multi_add_handle),
    NET_FN(multi_remove_handle), NET_FN(multi_perform),  NET_FN(multi_poll),
    NET_FN(multi_fdset),         NET_FN(multi_timeout),  NET_FN(multi_socket_action),
    NET_FN(multi_info_read),
#undef NET_FN
};

static bool net_curl_ready;

bool net_curl_loaded(void)
{
    return net_curl_ready;
}

bool net_curl_load(char **err)
{
    struct net_curl t;
    void *lib;
    const char *e;

    if (net_curl_ready)
        return true;
    if ((lib = dlopen(NET_CURL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
        e = dlerror();
        util_seterr(err, _("cannot load %s: %s"), NET_CURL_SONAME, e ? e : "?");
        return false;
    }
    memset(&t, 0, sizeof t);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(net_curl_names); i++) {
        void *p = dlsym(lib, net_curl_names[i].name);
        if (p == NULL) {
            util_seterr(err, _("cannot load %s: no %s"), NET_CURL_SONAME, net_curl_names[i].name);
            dlclose(lib);
            return false;
        }
        /* POSIX: a function's address from dlsym converts back through memcpy. */
        memcpy((char *)&t + net_curl_names[i].off, &p, sizeof p);
    }
    if (t.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        util_seterr(err, _("cannot load %s: initialisation failed"), NET_CURL_SONAME);
        dlclose(lib);
        return false;
    }
    net_curl = t; /* kept loaded until the process ends */
    net_curl_ready = true;
    return true;
}
