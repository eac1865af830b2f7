/* model: the table of built concurrency models. Adding a model is adding one file and a line. */
#include "model.h"

#include <string.h>

extern const struct model model_iterative;
extern const struct model model_fork;
extern const struct model model_thread;
extern const struct model model_poll;
extern const struct model model_epoll;
#ifdef HAVE_LIBURING
extern const struct model model_uring;
#endif

static const struct model *const models[] = {
    &model_iterative,
    &model_fork,
    &model_thread,
    &model_poll,
    &model_epoll,
#ifdef HAVE_LIBURING
    &model_uring,
#endif
    NULL,
};

/* Every model name, built or not, so that "-m uring" without liburing says what is missing. */
static const char *const known[] = {"iterative", "fork", "thread", "poll", "epoll", "uring", NULL};

const struct model *model_find(const char *name)
{
    for (size_t i = 0; models[i]; i++)
        if (strcmp(models[i]->name, name) == 0)
            return models[i];
    return NULL;
}

int model_known(const char *name)
{
    for (size_t i = 0; known[i]; i++)
        if (strcmp(known[i], name) == 0)
            return 1;
    return 0;
}

const struct model *const *model_all(void)
{
    return models;
}
