/* The shared AWS files, ~/.aws/credentials and ~/.aws/config, read the way
 * the CLI and SDKs read them.
 *
 * Files: AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE override the
 * defaults; a leading "~/" means $HOME. Profile: the argument, else
 * AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
 *
 * Format (INI):
 *   - config sections are [default] and [profile NAME] ([profile default]
 *     beats [default] when both exist); a bare [NAME] other than default is
 *     not a profile in the config file. Credentials sections are [NAME].
 *   - whole-line comments start with '#' or ';'; in a value, '#' or ';'
 *     after a space or tab starts a comment; text after ']' is ignored.
 *   - keys are matched case-insensitively (stored lower-case, as
 *     configparser does); values are trimmed; CRLF is accepted.
 *   - a section repeated in one file is merged; a key repeated wins last.
 *   - indented lines under a key (sub-sections such as `s3 =` or the
 *     `services` block) are skipped.
 * Lookup: a key in the credentials file wins over the same key in the
 * config file. Files over AWS_PROFILE_FILE_MAX are refused. Values are
 * wiped when freed: the credentials file holds secrets. */
#ifndef BUCKETLIST_PROFILE_H
#define BUCKETLIST_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define AWS_PROFILE_FILE_MAX (1024u * 1024u)
#define AWS_PROFILE_NAME_MAX 128
#define AWS_PROFILE_PATH_MAX 1024

typedef enum { AWS_PROFILE_FILE_CONFIG, AWS_PROFILE_FILE_CREDENTIALS } aws_profile_file_kind;

typedef struct {
    char *key;   /* lower-case */
    char *value;
} aws_profile_kv;

typedef struct {
    aws_profile_kv *items;
    size_t n, cap;
    bool found; /* the profile's section exists in the file (possibly empty) */
} aws_profile_section;

typedef struct {
    char name[AWS_PROFILE_NAME_MAX];
    bool name_explicit;                        /* chosen by argument, AWS_PROFILE or AWS_DEFAULT_PROFILE */
    char config_path[AWS_PROFILE_PATH_MAX];    /* "" when it could not be determined (no HOME) */
    char credentials_path[AWS_PROFILE_PATH_MAX];
    aws_profile_section config;
    aws_profile_section credentials;
} aws_profile;

void aws_profile_init(aws_profile *p);

/* Loads the active profile from both files (see above). A missing file is not an error: the
 * profile simply has nothing from it. Returns 0, or -1 with BL_ERR_CONFIG for an unreadable,
 * oversized or malformed file, an invalid profile name; BL_ERR_NOMEM. `out` is initialized first. */
int aws_profile_load(const char *profile_name, aws_profile *out, bl_error *err);

/* Parses one file's text, merging the keys of section `profile_name` into `out`. `origin` names
 * the file in messages. Returns 0 or -1 (malformed line: message gives origin and line number,
 * never the line's content). */
int aws_profile_parse(const char *text, size_t len, aws_profile_file_kind kind, const char *profile_name,
                      const char *origin, aws_profile_section *out, bl_error *err);

/* The value for `key` (case-insensitive): credentials file first, then config file; NULL if unset. */
const char *aws_profile_get(const aws_profile *p, const char *key);
/* The value from one file only. */
const char *aws_profile_section_get(const aws_profile_section *s, const char *key);
/* True if the profile has a section in either file. */
bool aws_profile_exists(const aws_profile *p);

/* The profile name from the environment (AWS_PROFILE, AWS_DEFAULT_PROFILE) or "default". */
const char *aws_profile_name_from_env(bool *is_explicit);

/* Wipes and frees every value; `p` is then empty (safe to call twice). */
void aws_profile_free(aws_profile *p);
void aws_profile_section_free(aws_profile_section *s);

#endif
