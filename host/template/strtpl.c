/* Strings with "{{ ... }}": mgeneratejs runs every string value containing "{{" through lodash's
 * _.template (interpolate /{{([\s\S]+?)}}/) with chance and faker in scope, so that each
 * {{ expr }} becomes String(expr) and the value is always a string. asrun compiles such a string
 * into literal text and calls, each call being an ordinary operator node:
 *   chance.FN()  chance.FN({options})     the operator $FN with those options, for every
 *                                          operator of the registry that chance.js has;
 *   chance.pickone([..]), chance.pick([..][, n]), chance.pickset([..], n),
 *   chance.weighted([..], [..]), chance.timestamp()   positional forms, mapped by hand;
 *   faker.A.B(...)                         a table of common faker methods (FAKER below), each
 *                                          mapped onto the closest operator.
 * Arguments are JavaScript literals (objects with quoted or bare keys, '..' or ".." strings,
 * numbers, booleans, null, arrays), read into cJSON here. Anything else inside {{ }} is a
 * compile error naming the expression and the path: mgeneratejs would evaluate it as
 * JavaScript, which asrun does not do.
 *
 * Per document, each call appends its value at the end of the document being built, the value
 * is written into a text buffer on the stack as JavaScript's String() would write it, and the
 * document is cut back; the whole string is then appended once. No allocation per document. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/node.h"
#include "template/ops_ext.h"

#define STRTPL_MAX_ARGS 3
#define JS_NEST_MAX 32 /* nesting of a literal argument */
#define DAY_MS 86400000LL
#define CHANCE_MAX_SAFE 9007199254740991.0 /* chance.integer's default bounds: +-(2^53 - 1) */

/* How a call's value becomes text. */
enum {
  FMT_JS,          /* String(value) */
  FMT_FIXED,       /* Number.prototype.toFixed(decimals), as faker's prices and amounts */
  FMT_DATE_BEFORE, /* the value is milliseconds before the clock: a Date, as String(date) */
  FMT_DATE_AFTER,  /* milliseconds after the clock */
  FMT_UNIX_SECONDS /* the value is a fraction of the clock in seconds (chance.timestamp) */
};

typedef struct part {
  const char *text; /* literal text before the call */
  uint32_t textlen;
  const asr_tpl_node_t *call; /* NULL for the text after the last call */
  uint8_t fmt, decimals;
} part_t;

typedef struct strtpl {
  uint32_t nparts;
  part_t parts[];
} strtpl_t;

/* ---- values as text ------------------------------------------------------------------------ */

static bool value_number(const bson_value_t *v, double *out) {
  switch (v->value_type) {
  case BSON_TYPE_INT32: *out = v->value.v_int32; return true;
  case BSON_TYPE_INT64: *out = (double)v->value.v_int64; return true;
  case BSON_TYPE_DOUBLE: *out = v->value.v_double; return true;
  default: return false;
  }
}

static void put_value(const part_t *pt, const asr_tpl_gen_t *g, const bson_value_t *v,
                      asr_tplx_text_t *w) {
  double d = 0;
  if (pt->fmt == FMT_JS || !value_number(v, &d)) {
    asr_tplx_put_js_string(w, v, 0);
  } else if (pt->fmt == FMT_FIXED) {
    char buf[64];
    int len = snprintf(buf, sizeof buf, "%.*f", pt->decimals, d);
    asr_tplx_text_put(w, buf, len > 0 && len < (int)sizeof buf ? (size_t)len : 0);
  } else if (pt->fmt == FMT_UNIX_SECONDS) {
    int64_t now_s = g->t->now_ms / 1000;
    asr_tplx_text_int(w, 1 + (int64_t)(d * (double)(now_s > 1 ? now_s - 1 : 0)));
  } else {
    int64_t off = (int64_t)d;
    asr_tplx_put_js_date(w, pt->fmt == FMT_DATE_BEFORE ? g->t->now_ms - off : g->t->now_ms + off);
  }
}

/* ---- generation ---------------------------------------------------------------------------- */

/* Cuts document dst (top-level or a subdocument being built) back to len bytes: the element
 * appended since is dropped. A subdocument's parent only learns its length when it ends, so
 * its own length is all there is to reset. */
static void cut_back(bson_t *dst, uint32_t len) {
  uint8_t *data = (uint8_t *)bson_get_data(dst);
  dst->len = len;
  memcpy(data, &len, 4);
  data[len - 1] = '\0';
}

/* Appends the call's value at the end of dst, writes it as text, and removes it again. */
static int put_call(const part_t *pt, asr_tpl_gen_t *g, bson_t *dst, asr_tplx_text_t *w) {
  uint32_t mark = dst->len;
  int rc = asr_tpl_gen_kid(pt->call, g, dst, "", 0);
  if (rc || dst->len == mark) return rc; /* $missing: nothing to write */
  bson_iter_t it;
  if (bson_iter_init_from_data_at_offset(&it, bson_get_data(dst), dst->len, mark - 1, 0))
    put_value(pt, g, bson_iter_value(&it), w);
  cut_back(dst, mark);
  return 0;
}

/* The text is built on the stack, not in g->scratch: the calls write g->scratch. */
static int gen_strtpl(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  const strtpl_t *st = n->aux;
  char buf[ASR_TPL_STRING_MAX];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  for (uint32_t i = 0; i < st->nparts; i++) {
    const part_t *pt = &st->parts[i];
    asr_tplx_text_put(&w, pt->text, pt->textlen);
    int rc = pt->call ? put_call(pt, g, dst, &w) : 0;
    if (rc) return rc;
  }
  if (w.over)
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "the text of the {{ }} string is longer than %d bytes",
                            ASR_TPL_STRING_MAX);
  return asr_tpl_put_utf8(dst, key, keylen, buf, w.len);
}

/* ---- JavaScript literals → cJSON ------------------------------------------------------------ */

typedef struct js {
  const char *p, *end;
  const char *bad; /* what went wrong, or NULL */
} js_t;

static void js_ws(js_t *s) {
  while (s->p < s->end && isspace((unsigned char)*s->p)) s->p++;
}

static bool js_eat(js_t *s, char ch) {
  js_ws(s);
  if (s->p < s->end && *s->p == ch) return s->p++, true;
  return false;
}

static bool ident_char(char ch, bool first) {
  return isalpha((unsigned char)ch) || ch == '_' || ch == '$' || (!first && isdigit((unsigned char)ch));
}

/* An identifier at s->p: its length (0 if none). */
static size_t js_ident(js_t *s) {
  js_ws(s);
  size_t n = 0;
  while (s->p + n < s->end && ident_char(s->p[n], n == 0)) n++;
  return n;
}

static void put_utf8(char *out, size_t *n, unsigned cp) {
  if (cp < 0x80) {
    out[(*n)++] = (char)cp;
  } else if (cp < 0x800) {
    out[(*n)++] = (char)(0xC0 | cp >> 6), out[(*n)++] = (char)(0x80 | (cp & 0x3F));
  } else {
    out[(*n)++] = (char)(0xE0 | cp >> 12), out[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[(*n)++] = (char)(0x80 | (cp & 0x3F));
  }
}

/* A '...' or "..." string; the caller frees the text. */
static char *js_string(js_t *s) {
  char quote = *s->p++;
  char *out = malloc((size_t)(s->end - s->p) + 1);
  size_t n = 0;
  if (!out) return s->bad = "out of memory", NULL;
  while (s->p < s->end && *s->p != quote) {
    char ch = *s->p++;
    if (ch != '\\') {
      out[n++] = ch;
      continue;
    }
    if (s->p >= s->end) break;
    ch = *s->p++;
    if (ch == 'u' && s->end - s->p >= 4 && isxdigit((unsigned char)s->p[0]) && isxdigit((unsigned char)s->p[1]) &&
        isxdigit((unsigned char)s->p[2]) && isxdigit((unsigned char)s->p[3])) {
      char hex[5] = {s->p[0], s->p[1], s->p[2], s->p[3], 0};
      unsigned cp = (unsigned)strtoul(hex, NULL, 16);
      s->p += 4;
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
        free(out);
        return s->bad = "a \\u escape asrun cannot keep (NUL or a surrogate half)", NULL;
      }
      put_utf8(out, &n, cp);
      continue;
    }
    switch (ch) {
    case 'n': out[n++] = '\n'; break;
    case 't': out[n++] = '\t'; break;
    case 'r': out[n++] = '\r'; break;
    case 'b': out[n++] = '\b'; break;
    case 'f': out[n++] = '\f'; break;
    case 'v': out[n++] = '\v'; break;
    default: out[n++] = ch; /* \' \" \\ \/ and any other character stand for themselves */
    }
  }
  if (s->p >= s->end) {
    free(out);
    return s->bad = "unterminated string", NULL;
  }
  s->p++;
  out[n] = '\0';
  return out;
}

static cJSON *js_value(js_t *s, int depth);

static cJSON *js_object(js_t *s, int depth) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return s->bad = "out of memory", NULL;
  while (!js_eat(s, '}')) {
    js_ws(s);
    char *key = NULL;
    size_t n = js_ident(s);
    if (n) {
      key = strndup(s->p, n);
      s->p += n;
    } else if (s->p < s->end && (*s->p == '"' || *s->p == '\'')) {
      key = js_string(s);
    } else {
      s->bad = s->bad ? s->bad : "expected a key or '}'";
    }
    cJSON *v = key && js_eat(s, ':') ? js_value(s, depth + 1) : NULL;
    if (key && !v && !s->bad) s->bad = "expected ':' after a key";
    if (v) cJSON_AddItemToObject(o, key, v);
    free(key);
    if (!v || (!js_eat(s, ',') && (js_ws(s), s->p >= s->end || *s->p != '}'))) {
      s->bad = s->bad ? s->bad : "expected ',' or '}'";
      cJSON_Delete(o);
      return NULL;
    }
  }
  return o;
}

static cJSON *js_array(js_t *s, int depth) {
  cJSON *a = cJSON_CreateArray();
  if (!a) return s->bad = "out of memory", NULL;
  while (!js_eat(s, ']')) {
    cJSON *v = js_value(s, depth + 1);
    if (v) cJSON_AddItemToArray(a, v);
    if (!v || (!js_eat(s, ',') && (js_ws(s), s->p >= s->end || *s->p != ']'))) {
      s->bad = s->bad ? s->bad : "expected ',' or ']'";
      cJSON_Delete(a);
      return NULL;
    }
  }
  return a;
}

static cJSON *js_value(js_t *s, int depth) {
  js_ws(s);
  if (depth > JS_NEST_MAX) return s->bad = "nesting too deep", NULL;
  if (s->p >= s->end) return s->bad = "expected a value", NULL;
  char ch = *s->p;
  if (ch == '{') return s->p++, js_object(s, depth);
  if (ch == '[') return s->p++, js_array(s, depth);
  if (ch == '"' || ch == '\'') {
    char *text = js_string(s);
    cJSON *v = text ? cJSON_CreateString(text) : NULL;
    free(text);
    return v;
  }
  if (ch == '-' || ch == '+' || ch == '.' || isdigit((unsigned char)ch)) {
    char buf[64], *end;
    size_t n = 0;
    while (s->p + n < s->end && n < sizeof buf - 1 && strchr("+-.0123456789eE", s->p[n])) n++;
    memcpy(buf, s->p, n);
    buf[n] = '\0';
    double d = strtod(buf, &end);
    if (end != buf + n || n == 0 || !isfinite(d)) return s->bad = "a malformed number", NULL;
    s->p += n;
    return cJSON_CreateNumber(d);
  }
  size_t n = js_ident(s);
  static const char *const words[] = {"true", "false", "null"};
  for (int i = 0; i < 3; i++)
    if (n == strlen(words[i]) && memcmp(s->p, words[i], n) == 0) {
      s->p += n;
      return i == 2 ? cJSON_CreateNull() : cJSON_CreateBool(i == 0);
    }
  return s->bad = "only literals (objects, arrays, strings, numbers, true, false, null) may be "
                  "arguments", NULL;
}

/* ---- calls → operator values ------------------------------------------------------------------ */

typedef struct call {
  char obj[16];  /* "chance" or "faker" */
  char fn[64];   /* "integer", "name.firstName" */
  cJSON *args[STRTPL_MAX_ARGS];
  int nargs;
  uint8_t fmt, decimals;
  char why[200]; /* why the call cannot be compiled */
} call_t;

/* Reads "chance.FN(ARGS)" or "faker.A.B(ARGS)" (the whole expression). */
static bool parse_call(const char *expr, size_t len, call_t *k) {
  js_t s = {expr, expr + len, NULL};
  size_t n = js_ident(&s);
  bool chance = n == 6 && memcmp(s.p, "chance", 6) == 0, faker = n == 5 && memcmp(s.p, "faker", 5) == 0;
  if (!chance && !faker) return false;
  snprintf(k->obj, sizeof k->obj, "%s", chance ? "chance" : "faker");
  s.p += n;
  for (int names = 0; names < (chance ? 1 : 2); names++) {
    if (!js_eat(&s, '.') || !(n = js_ident(&s)) || strlen(k->fn) + n + 2 > sizeof k->fn) return false;
    snprintf(k->fn + strlen(k->fn), sizeof k->fn - strlen(k->fn), "%s%.*s", names ? "." : "", (int)n, s.p);
    s.p += n;
  }
  if (!js_eat(&s, '(')) return false;
  while (!js_eat(&s, ')')) {
    if (k->nargs == STRTPL_MAX_ARGS) return false;
    k->args[k->nargs] = js_value(&s, 0);
    if (!k->args[k->nargs]) {
      snprintf(k->why, sizeof k->why, "%s", s.bad ? s.bad : "a malformed argument");
      return false;
    }
    k->nargs++;
    if (!js_eat(&s, ',') && (js_ws(&s), s.p >= s.end || *s.p != ')')) return false;
  }
  js_ws(&s);
  return s.p == s.end;
}

/* {"$op": options}, taking options (NULL: the "$op" string). */
static cJSON *op_value(const char *op, cJSON *options) {
  if (!options) {
    char text[80];
    snprintf(text, sizeof text, "$%s", op);
    return cJSON_CreateString(text);
  }
  char key[80];
  snprintf(key, sizeof key, "$%s", op);
  cJSON *v = cJSON_CreateObject();
  if (v) cJSON_AddItemToObject(v, key, options);
  else cJSON_Delete(options);
  return v;
}

static cJSON *take(call_t *k, int i) {
  cJSON *a = k->args[i];
  k->args[i] = NULL;
  return a;
}

static cJSON *two_options(const char *op, const char *n1, cJSON *v1, const char *n2, cJSON *v2) {
  cJSON *o = cJSON_CreateObject();
  if (o) cJSON_AddItemToObject(o, n1, v1);
  else cJSON_Delete(v1);
  if (o && v2) cJSON_AddItemToObject(o, n2, v2);
  else cJSON_Delete(v2);
  return o ? op_value(op, o) : NULL;
}

/* chance's positional forms; *handled false for every other function. */
static cJSON *chance_positional(call_t *k, bool *handled) {
  const char *fn = k->fn;
  bool array1 = k->nargs >= 1 && cJSON_IsArray(k->args[0]);
  *handled = true;
  if ((strcmp(fn, "pickone") == 0 || strcmp(fn, "pick") == 0) && k->nargs == 1 && array1)
    return two_options("choose", "from", take(k, 0), NULL, NULL);
  if ((strcmp(fn, "pickset") == 0 || strcmp(fn, "pick") == 0) && k->nargs <= 2 && array1 &&
      (k->nargs == 1 || cJSON_IsNumber(k->args[1])))
    return two_options("pickset", "array", take(k, 0), "quantity", k->nargs == 2 ? take(k, 1) : NULL);
  if (strcmp(fn, "weighted") == 0 && k->nargs == 2 && array1 && cJSON_IsArray(k->args[1]))
    return two_options("choose", "from", take(k, 0), "weights", take(k, 1));
  if (strcmp(fn, "timestamp") == 0 && k->nargs == 0) {
    k->fmt = FMT_UNIX_SECONDS; /* chance: an integer in [1, now in seconds] */
    return two_options("floating", "min", cJSON_CreateNumber(0), "max", cJSON_CreateNumber(1));
  }
  if (strcmp(fn, "integer") == 0 && k->nargs <= 1 && (k->nargs == 0 || cJSON_IsObject(k->args[0]))) {
    cJSON *o = k->nargs ? take(k, 0) : cJSON_CreateObject(); /* chance's defaults: +-(2^53-1) */
    if (o && !cJSON_GetObjectItemCaseSensitive(o, "min")) cJSON_AddNumberToObject(o, "min", -CHANCE_MAX_SAFE);
    if (o && !cJSON_GetObjectItemCaseSensitive(o, "max")) cJSON_AddNumberToObject(o, "max", CHANCE_MAX_SAFE);
    return o ? op_value("integer", o) : NULL;
  }
  if (strcmp(fn, "pickone") == 0 || strcmp(fn, "pick") == 0 || strcmp(fn, "pickset") == 0 ||
      strcmp(fn, "weighted") == 0 || strcmp(fn, "timestamp") == 0) {
    snprintf(k->why, sizeof k->why, "chance.%s takes %s here", fn,
             strcmp(fn, "weighted") == 0 ? "(array, weights)"
             : strcmp(fn, "timestamp") == 0 ? "no arguments"
             : strcmp(fn, "pickone") == 0 ? "one array" : "(array[, count])");
    return NULL;
  }
  *handled = false;
  return NULL;
}

static cJSON *chance_call(call_t *k) {
  const char *fn = k->fn;
  bool handled;
  if (!asr_tpl_chance_has(fn)) {
    snprintf(k->why, sizeof k->why, "chance.%s is not a chance.js function", fn);
    return NULL;
  }
  cJSON *v = chance_positional(k, &handled);
  if (handled) return v;
  if (strcmp(fn, "coordinates") == 0 || asr_tpl_chance_utility(fn) || !asr_tpl_op_find(fn)) {
    snprintf(k->why, sizeof k->why, "asrun has no operator for chance.%s%s", fn,
             strcmp(fn, "coordinates") == 0 ? " as text (\"lat, long\"): use $coordinates"
             : asr_tpl_chance_utility(fn) ? " (a chance.js utility, not a generator)" : "");
    return NULL;
  }
  if (k->nargs == 0) return op_value(fn, NULL);
  if (k->nargs == 1 && cJSON_IsObject(k->args[0])) return op_value(fn, take(k, 0));
  snprintf(k->why, sizeof k->why, "chance.%s takes one options object here ({name: value, ...})", fn);
  return NULL;
}

/* faker (3.x and 4.x) methods, each as an asrun template value; the list is in
 * docs/templates.md. Values may themselves be {{ }} strings. */
static const struct faker_map {
  const char *method, *json;
  uint8_t fmt, decimals;
} FAKER[] = {
    {"name.firstName", "\"$first\"", FMT_JS, 0},
    {"name.lastName", "\"$last\"", FMT_JS, 0},
    {"name.findName", "\"$name\"", FMT_JS, 0},
    {"internet.email", "\"$email\"", FMT_JS, 0},
    {"internet.exampleEmail", "\"$email\"", FMT_JS, 0},
    {"internet.userName", "\"{{chance.first()}}.{{chance.last()}}{{chance.integer({min: 0, max: 99})}}\"", FMT_JS, 0},
    {"internet.url", "\"$url\"", FMT_JS, 0},
    {"internet.domainName", "\"$domain\"", FMT_JS, 0},
    {"internet.ip", "\"$ip\"", FMT_JS, 0},
    {"internet.color", "{\"$color\": {\"format\": \"hex\"}}", FMT_JS, 0},
    {"internet.password", "{\"$string\": {\"length\": 15, \"pool\": "
                          "\"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_\"}}", FMT_JS, 0},
    {"address.city", "\"$city\"", FMT_JS, 0},
    {"address.streetAddress", "\"$address\"", FMT_JS, 0},
    {"address.streetName", "\"$street\"", FMT_JS, 0},
    {"address.country", "{\"$country\": {\"full\": true}}", FMT_JS, 0},
    {"address.countryCode", "\"$country\"", FMT_JS, 0},
    {"address.state", "{\"$state\": {\"full\": true}}", FMT_JS, 0},
    {"address.stateAbbr", "\"$state\"", FMT_JS, 0},
    {"address.zipCode", "\"$zip\"", FMT_JS, 0},
    {"address.latitude", "{\"$floating\": {\"min\": -90, \"max\": 90}}", FMT_FIXED, 4},
    {"address.longitude", "{\"$floating\": {\"min\": -180, \"max\": 180}}", FMT_FIXED, 4},
    {"company.companyName", "\"$company\"", FMT_JS, 0},
    {"lorem.word", "\"$word\"", FMT_JS, 0},
    {"lorem.words", "\"{{chance.word()}} {{chance.word()}} {{chance.word()}}\"", FMT_JS, 0},
    {"lorem.sentence", "\"$sentence\"", FMT_JS, 0},
    {"lorem.paragraph", "\"$paragraph\"", FMT_JS, 0},
    {"phone.phoneNumber", "\"$phone\"", FMT_JS, 0},
    {"random.uuid", "\"$uuid\"", FMT_JS, 0},
    {"random.boolean", "\"$bool\"", FMT_JS, 0},
    {"random.word", "\"$word\"", FMT_JS, 0},
    {"random.number", "{\"$integer\": {\"min\": 0, \"max\": 99999}}", FMT_JS, 0},
    {"date.past", "{\"$integer\": {\"min\": 1000, \"max\": 31536000000}}", FMT_DATE_BEFORE, 0},
    {"date.future", "{\"$integer\": {\"min\": 1000, \"max\": 31536000000}}", FMT_DATE_AFTER, 0},
    {"date.recent", "{\"$integer\": {\"min\": 1000, \"max\": 86400000}}", FMT_DATE_BEFORE, 0},
    {"date.month", "\"$month\"", FMT_JS, 0},
    {"date.weekday", "\"$weekday\"", FMT_JS, 0},
    {"commerce.productName", "\"{{chance.word({capitalize: true})}} {{chance.word({capitalize: true})}} "
                             "{{chance.word({capitalize: true})}}\"", FMT_JS, 0},
    {"commerce.price", "{\"$integer\": {\"min\": 1, \"max\": 1000}}", FMT_FIXED, 2},
    {"finance.amount", "{\"$floating\": {\"min\": 0, \"max\": 1000, \"fixed\": 2}}", FMT_FIXED, 2},
};
#define NFAKER (sizeof FAKER / sizeof FAKER[0])

/* faker.random.number(max) or ({min, max}); date.past/future(years), date.recent(days). */
static bool faker_args(call_t *k, cJSON *v) {
  cJSON *a = k->nargs ? k->args[0] : NULL, *opts = cJSON_IsObject(v) ? v->child : NULL;
  bool dates = strncmp(k->fn, "date.", 5) == 0 && strcmp(k->fn, "date.month") && strcmp(k->fn, "date.weekday");
  if (k->nargs == 0) return true;
  if (k->nargs > 1 || !opts) return false;
  if (strcmp(k->fn, "random.number") == 0 && cJSON_IsNumber(a)) {
    cJSON_ReplaceItemInObject(opts, "max", cJSON_CreateNumber(a->valuedouble));
    return true;
  }
  if (strcmp(k->fn, "random.number") == 0 && cJSON_IsObject(a)) {
    for (const char *const *name = (const char *const[]){"min", "max", NULL}; *name; name++) {
      cJSON *x = cJSON_GetObjectItemCaseSensitive(a, *name);
      if (x) cJSON_ReplaceItemInObject(opts, *name, cJSON_Duplicate(x, true));
    }
    return true;
  }
  if (dates && cJSON_IsNumber(a) && a->valuedouble > 0) {
    double unit = strcmp(k->fn, "date.recent") == 0 ? (double)DAY_MS : 365.0 * DAY_MS;
    cJSON_ReplaceItemInObject(opts, "max", cJSON_CreateNumber(floor(a->valuedouble * unit)));
    return true;
  }
  return false;
}

static cJSON *faker_call(call_t *k) {
  for (size_t i = 0; i < NFAKER; i++) {
    if (strcmp(FAKER[i].method, k->fn) != 0) continue;
    cJSON *v = cJSON_Parse(FAKER[i].json);
    k->fmt = FAKER[i].fmt, k->decimals = FAKER[i].decimals;
    if (v && !faker_args(k, v)) {
      snprintf(k->why, sizeof k->why, "faker.%s takes %s here", k->fn,
               strcmp(k->fn, "random.number") == 0 ? "(max) or ({min, max})"
               : strncmp(k->fn, "date.", 5) == 0 ? "one positive number" : "no arguments");
      cJSON_Delete(v);
      return NULL;
    }
    return v;
  }
  snprintf(k->why, sizeof k->why, "faker.%s is not among the faker methods asrun maps onto its "
           "operators (docs/templates.md lists them)", k->fn);
  return NULL;
}

/* ---- compile ----------------------------------------------------------------------------- */

static int fail_expr(asr_tpl_cc_t *c, const char *expr, size_t len, const char *why) {
  return asr_err_set(c->err, ASR_EINVAL, "%s: {{%.*s}} at %s: %s", c->origin, (int)(len > 200 ? 200 : len),
                     expr, c->path[0] ? c->path : "(root)", why);
}

static int compile_call(asr_tpl_cc_t *c, const char *expr, size_t len, part_t *pt) {
  call_t k;
  memset(&k, 0, sizeof k);
  cJSON *v = NULL;
  if (parse_call(expr, len, &k)) v = k.obj[0] == 'c' ? chance_call(&k) : faker_call(&k);
  else if (!k.why[0])
    snprintf(k.why, sizeof k.why, "asrun expands chance.FN(...) and faker.A.B() calls only (mgeneratejs "
             "would run this as JavaScript)");
  for (int i = 0; i < k.nargs; i++) cJSON_Delete(k.args[i]);
  if (!v) return fail_expr(c, expr, len, k.why[0] ? k.why : "out of memory");
  asr_tpl_node_t *node = NULL;
  int rc = asr_tpl_compile_value(c, v, &node);
  cJSON_Delete(v);
  if (rc == ASR_EINVAL && strlen(c->err->msg) + len + 16 < sizeof c->err->msg)
    snprintf(c->err->msg + strlen(c->err->msg), sizeof c->err->msg - strlen(c->err->msg),
             " (in {{%.*s}})", (int)len, expr);
  pt->call = node;
  pt->fmt = k.fmt, pt->decimals = k.decimals;
  return rc;
}

static char *arena_copy(asr_tpl_cc_t *c, const char *s, size_t len) {
  char *p = asr_tpl_alloc(c, len + 1);
  if (p) memcpy(p, s, len);
  return p;
}

/* The next "{{x}}" at or after s: its start and the "}}" that ends it, or false. */
static bool next_call(const char *s, const char **open, const char **close) {
  *open = strstr(s, "{{");
  *close = *open && (*open)[2] ? strstr(*open + 3, "}}") : NULL;
  return *close != NULL;
}

bool asr_tpl_strtpl_has_call(const char *s) {
  const char *open, *close;
  return next_call(s, &open, &close);
}

int asr_tpl_compile_strtpl(asr_tpl_cc_t *c, const char *s, asr_tpl_node_t *n) {
  const char *open, *close, *lodash = strstr(s, "<%");
  if (!bson_utf8_validate(s, strlen(s), false))
    return asr_err_set(c->err, ASR_EINVAL, "%s: the string at %s is not valid UTF-8", c->origin,
                       c->path[0] ? c->path : "(root)");
  if (lodash && strstr(lodash, "%>"))
    return asr_err_set(c->err, ASR_EINVAL, "%s: the string at %s has lodash's <%% %%> delimiters: "
                       "asrun expands {{ }} only", c->origin, c->path[0] ? c->path : "(root)");
  uint32_t calls = 0;
  for (const char *p = s; next_call(p, &open, &close); p = close + 2) calls++;
  strtpl_t *st = asr_tpl_alloc(c, sizeof *st + sizeof(part_t) * (calls + 1));
  if (!st) return ASR_ENOMEM;
  const char *p = s;
  int rc = 0;
  for (; rc == 0 && next_call(p, &open, &close); p = close + 2) {
    part_t *pt = &st->parts[st->nparts++];
    pt->textlen = (uint32_t)(open - p);
    if (!(pt->text = arena_copy(c, p, pt->textlen))) return ASR_ENOMEM;
    rc = compile_call(c, open + 2, (size_t)(close - open - 2), pt);
  }
  if (rc) return rc;
  part_t *last = &st->parts[st->nparts++];
  last->textlen = (uint32_t)strlen(p);
  if (!(last->text = arena_copy(c, p, last->textlen))) return ASR_ENOMEM;
  n->aux = st;
  n->gen = gen_strtpl;
  return 0;
}
