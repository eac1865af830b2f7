/* model: the one interface every concurrency model implements. */
#ifndef TCPECHO_MODEL_H
#define TCPECHO_MODEL_H

#include "server.h"

struct model {
    const char *name;
    const char *summary; /* one line for --help */
    /* Optional: can the model run here (kernel support)? Called before binding; logs why not
     * and returns -1 when it cannot. */
    int (*check)(void);
    /*
     * Serves clients on srv->listen_fd until sig_stop_requested(), then lets in-flight
     * echoes finish within the drain timeout and returns 0. Returns -1 after logging when
     * the model cannot run at all. The model owns its loop, connections and buffers.
     */
    int (*run)(struct server *srv);
};

/* Returns the model called name, or NULL. */
const struct model *model_find(const char *name);

/* Returns non-zero when name is a model of tcpecho, built into this binary or not. */
int model_known(const char *name);

/* Returns the built models, NULL-terminated, in the order --help lists them. */
const struct model *const *model_all(void);

#endif
