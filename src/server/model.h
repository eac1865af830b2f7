/* model: the one interface every concurrency model implements, and the table of them all. */
#ifndef TCPECHO_MODEL_H
#define TCPECHO_MODEL_H

#include <stddef.h>

#include "server.h"

/* Room for why a model cannot run here. */
#define MODEL_WHY_LEN 256

struct model {
    const char *name;
    const char *summary; /* one line for --help */
    /* Optional: can the model run here (kernel support)? Called before binding and by
     * --list-models; logs nothing: returns 0, or -1 with the reason in why (len bytes). */
    int (*check)(char *why, size_t len);
    /*
     * Serves clients on srv->listen_fd until sig_stop_requested(), then lets in-flight
     * echoes finish within the drain timeout and returns 0. Returns -1 after logging when
     * the model cannot run at all. The model owns its loop, connections and buffers.
     */
    int (*run)(struct server *srv);
    /* A model left out of this build: the package it needs (then check and run are NULL). */
    const char *missing;
    /* Optional: does it read UDP from a socket per event loop (-t; 0: one per CPU)? Then the
     * server binds them before it says it is listening (udp_bind_loops). */
    int (*udp_per_loop)(void);
};

/* The entry of a model this build leaves out (#ifndef its HAVE_...): its name stays known, so
 * "-m name" and --list-models say what to install instead of "unknown model". */
#define MODEL_NOT_BUILT(model_name, package)                                                       \
    {                                                                                              \
        .name = (model_name), .summary = "not built: needs " package, .missing = (package)         \
    }

/* Returns the model called name, built into this binary or not, or NULL. */
const struct model *model_find(const char *name);

/* Returns every model, NULL-terminated, in the order --help lists them. */
const struct model *const *model_all(void);

/* Can m run here: is it built, and does its check() pass? Returns 0, or -1 with the reason in
 * why (len bytes): "not built: install liburing-dev and rebuild". Logs nothing. */
int model_check(const struct model *m, char *why, size_t len);

#endif
