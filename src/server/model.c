/* model: the table of every concurrency model. Adding a model is adding its file and a line. */
#include "model.h"

#include <stdio.h>
#include <string.h>

extern const struct model model_iterative;
extern const struct model model_fork;
extern const struct model model_thread;
extern const struct model model_poll;
extern const struct model model_epoll;
#ifdef HAVE_LIBURING
extern const struct model model_uring;
#else
static const struct model model_uring = MODEL_NOT_BUILT("uring", "liburing-dev");
#endif

/* In the order --help and --list-models show them; one model a line. */
/* clang-format off */
static const struct model *const models[] = {
    &model_iterative,
    &model_fork,
    &model_thread,
    &model_poll,
    &model_epoll,
    &model_uring,
    NULL,
};
/* clang-format on */

const struct model *model_find(const char *name)
{
    for (size_t i = 0; models[i]; i++)
        if (strcmp(models[i]->name, name) == 0)
            return models[i];
    return NULL;
}

const struct model *const *model_all(void)
{
    return models;
}

int model_check(const struct model *m, char *why, size_t len)
{
    if (m->missing) {
        snprintf(why, len, "not built: install %s and rebuild", m->missing);
        return -1;
    }
    return m->check ? m->check(why, len) : 0;
}
