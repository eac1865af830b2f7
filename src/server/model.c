/* model: the table of built concurrency models. Adding a model is adding one file and a line. */
#include "model.h"

#include <string.h>

extern const struct model model_iterative;

static const struct model *const models[] = {
    &model_iterative,
    NULL,
};

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
