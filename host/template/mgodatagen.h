/* mgodatagen configs (github.com/feliixx/mgodatagen) translated into asrun templates.
 * A config is a JSON array of collections {database, collection, count, content}, each field
 * of content a typed generator ({"type": "int", "min": 1, "max": 9, "nullPercentage": 5}).
 * Each collection becomes one cJSON tree in asrun's mgeneratejs-style syntax
 * (docs/templates.md), which the ordinary template compiler compiles: there is no second
 * generator engine. mgodatagen.c documents the mapping of every generator type.
 *
 * Ownership: asr_mgodatagen_load/parse return an array the caller frees with
 * asr_mgodatagen_free; every string and tree in it is owned by the array. */
#ifndef ASR_TEMPLATE_MGODATAGEN_H
#define ASR_TEMPLATE_MGODATAGEN_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct asr_mgo_collection {
  char *database, *collection;
  uint64_t count;
  cJSON *tpl; /* the translated template (owned) */
} asr_mgo_collection_t;

/* Parses and translates a config file (ASR_EIO with the path when unreadable).
 * Errors are ASR_EINVAL and name the collection, the field path and the generator type:
 * "config.json: collection shop.orders, field items.price: generator type 'countAggregator'
 * is not supported" or "...: option 'minLength' must be an integer". */
int asr_mgodatagen_load(const char *path, asr_mgo_collection_t **out, size_t *n, asr_err_t *err);
/* The same from text; origin names it in messages (NULL: "mgodatagen config"). On failure
 * *out is NULL and *n is 0. */
int asr_mgodatagen_parse(const char *json, size_t len, const char *origin,
                         asr_mgo_collection_t **out, size_t *n, asr_err_t *err);
void asr_mgodatagen_free(asr_mgo_collection_t *c, size_t n);

#endif
