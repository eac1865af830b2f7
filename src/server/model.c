/* model: the table of every concurrency model. Adding a model is adding its file and a line. */
#include "model.h"

#include <stdio.h>
#include <string.h>

/*
 * Every model, one a line, in the order --help and --list-models show them: model_NAME is
 * defined in the model's own file. A model that a build may leave out also gets a
 * MODEL_NOT_BUILT entry below, so that "-m NAME" says what to install.
 */
#define MODELS(X)                                                                                  \
    X(iterative)                                                                                   \
    X(fork)                                                                                        \
    X(thread)                                                                                      \
    X(poll)                                                                                        \
    X(epoll)                                                                                       \
    X(uring)

#define DECLARE(name) extern const struct model model_##name;
#define ENTRY(name)   &model_##name,

MODELS(DECLARE)
#ifndef HAVE_LIBURING
const struct model model_uring = MODEL_NOT_BUILT("uring", "liburing-dev");
#endif

static const struct model *const models[] = {MODELS(ENTRY) NULL};

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
