/* json-c for values that hold secrets.
 *
 * json-c copies every string it parses: into the tokener's scratch buffer
 * while parsing, then into each string object. Neither copy is wiped when
 * json-c frees it. These helpers close both gaps: the scratch buffer is
 * sized before parsing (so it never reallocs, which would leave a stale copy)
 * and wiped afterwards, and every string value is wiped before the objects
 * are released. */
#ifndef BUCKETLIST_JSON_SECURE_H
#define BUCKETLIST_JSON_SECURE_H

#include <stddef.h>

#include <json-c/json.h>

/* Parses exactly one JSON value from len bytes (no NUL needed), strictly; trailing whitespace is
 * allowed, anything else after the value is an error. Returns the value, or NULL with *why set to a
 * static description that never quotes the input (json-c's own descriptions are generic). */
json_object *json_secure_parse(const char *s, size_t len, const char **why);

/* Wipes every string value in o (recursively) and then releases o. NULL is fine. */
void json_secure_put(json_object *o);

/* Serializes o without escaping '/', into a fresh heap string (free with free(), or secure_free).
 * NULL when out of memory. */
char *json_plain_dup(json_object *o);

#endif
