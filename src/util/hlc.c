/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Hybrid logical clock (Kulkarni et al.): physical milliseconds in the top 48
 * bits, a counter in the low 16. A timestamp never goes backwards even when the
 * wall clock does, and observing a remote timestamp moves us past it, so every
 * op from every device gets a place in one total order.
 */
#include "config.h"

#include "vigia/util.h"

uint64_t hlc_now(struct hlc *h, int64_t wall_ms)
{
    uint64_t phys = (uint64_t)(wall_ms < 0 ? 0 : wall_ms) << 16;

    if (phys > h->last)
        h->last = phys;
    else
        h->last++;
    return h->last;
}

void hlc_observe(struct hlc *h, uint64_t remote, int64_t wall_ms)
{
    uint64_t phys = (uint64_t)(wall_ms < 0 ? 0 : wall_ms) << 16;

    if (remote > h->last)
        h->last = remote;
    if (phys > h->last)
        h->last = phys;
}
