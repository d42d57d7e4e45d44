#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"

static char dir[64];
static char cfg_path[128], cred_path[128];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/bl-test-profile-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(cfg_path, sizeof cfg_path, "%s/config", dir);
    snprintf(cred_path, sizeof cred_path, "%s/credentials", dir);
    setenv("AWS_CONFIG_FILE", cfg_path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_DEFAULT_PROFILE");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(cfg_path);
    unlink(cred_path);
    rmdir(dir);
    return 0;
}

/* Parses text as one file and returns the section (caller frees). */
static aws_profile_section parse(const char *text, aws_profile_file_kind kind, const char *name, int want_rc)
{
    aws_profile_section s = {0};
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(aws_profile_parse(text, strlen(text), kind, name, "test", &s, &err), want_rc);
    if (want_rc != 0)
        assert_int_equal(err.code, BL_ERR_CONFIG);
    return s;
}

static void test_profile_sections_comments_and_whitespace(void **state)
{
    (void)state;
    const char *text = "# leading comment\n"
                       "; another\n"
                       "[default]\n"
                       "region = eu-west-1\n"
                       "[profile dev]   # comment after header\n"
                       "  region=us-east-2  \n"
                       "output = json\t; inline\n"
                       "url = http://x/#frag\n"
                       "Endpoint_URL = http://h:1 # cut\n"
                       "   # indented comment\n"
                       "[profile other]\n"
                       "region = ap-south-1\n";
    aws_profile_section s = parse(text, AWS_PROFILE_FILE_CONFIG, "dev", 0);
    assert_true(s.found);
    assert_string_equal(aws_profile_section_get(&s, "region"), "us-east-2");
    assert_string_equal(aws_profile_section_get(&s, "output"), "json");
    assert_string_equal(aws_profile_section_get(&s, "url"), "http://x/#frag"); /* no space before '#' */
    assert_string_equal(aws_profile_section_get(&s, "endpoint_url"), "http://h:1"); /* key lower-cased */
    assert_string_equal(aws_profile_section_get(&s, "ENDPOINT_URL"), "http://h:1");
    assert_null(aws_profile_section_get(&s, "missing"));
    aws_profile_section_free(&s);

    s = parse(text, AWS_PROFILE_FILE_CONFIG, "default", 0);
    assert_true(s.found);
    assert_string_equal(aws_profile_section_get(&s, "region"), "eu-west-1");
    aws_profile_section_free(&s);

    s = parse(text, AWS_PROFILE_FILE_CONFIG, "nope", 0);
    assert_false(s.found);
    assert_int_equal(s.n, 0);
    aws_profile_section_free(&s);
}

static void test_profile_crlf_and_duplicates(void **state)
{
    (void)state;
    const char *text = "[a]\r\n"
                       "k = 1\r\n"
                       "k = 2\r\n"
                       "x = keep\r\n"
                       "[b]\r\n"
                       "k = other\r\n"
                       "[a]\r\n"
                       "k = 3\r\n"
                       "y = added\r\n";
    aws_profile_section s = parse(text, AWS_PROFILE_FILE_CREDENTIALS, "a", 0);
    assert_string_equal(aws_profile_section_get(&s, "k"), "3");
    assert_string_equal(aws_profile_section_get(&s, "x"), "keep");
    assert_string_equal(aws_profile_section_get(&s, "y"), "added");
    assert_int_equal(s.n, 3);
    aws_profile_section_free(&s);
}

static void test_profile_prefix_rules_per_file(void **state)
{
    (void)state;
    /* config: [dev] is not a profile, [profile dev] is; credentials: the reverse. */
    const char *text = "[dev]\nk = bare\n[profile dev]\nk = prefixed\n";
    aws_profile_section s = parse(text, AWS_PROFILE_FILE_CONFIG, "dev", 0);
    assert_string_equal(aws_profile_section_get(&s, "k"), "prefixed");
    aws_profile_section_free(&s);
    s = parse(text, AWS_PROFILE_FILE_CREDENTIALS, "dev", 0);
    assert_string_equal(aws_profile_section_get(&s, "k"), "bare");
    aws_profile_section_free(&s);

    /* [profile default] beats [default] in config, whatever the order. */
    s = parse("[profile default]\nk = explicit\n[default]\nk = plain\nz = 1\n", AWS_PROFILE_FILE_CONFIG, "default", 0);
    assert_string_equal(aws_profile_section_get(&s, "k"), "explicit");
    assert_null(aws_profile_section_get(&s, "z"));
    aws_profile_section_free(&s);
    s = parse("[default]\nk = plain\n", AWS_PROFILE_FILE_CONFIG, "default", 0);
    assert_string_equal(aws_profile_section_get(&s, "k"), "plain");
    aws_profile_section_free(&s);
}

static void test_profile_subsections_skipped(void **state)
{
    (void)state;
    const char *text = "[profile p]\n"
                       "s3 =\n"
                       "  max_concurrent_requests = 20\n"
                       "  region = wrong\n"
                       "region = right\n";
    aws_profile_section s = parse(text, AWS_PROFILE_FILE_CONFIG, "p", 0);
    assert_string_equal(aws_profile_section_get(&s, "region"), "right");
    assert_string_equal(aws_profile_section_get(&s, "s3"), "");
    assert_null(aws_profile_section_get(&s, "max_concurrent_requests"));
    aws_profile_section_free(&s);
}

static void test_profile_malformed_lines(void **state)
{
    (void)state;
    aws_profile_section s = parse("k = v\n", AWS_PROFILE_FILE_CONFIG, "default", -1);
    aws_profile_section_free(&s);
    s = parse("[default\nk = v\n", AWS_PROFILE_FILE_CONFIG, "default", -1);
    aws_profile_section_free(&s);
    s = parse("[default]\njust words\n", AWS_PROFILE_FILE_CONFIG, "default", -1);
    aws_profile_section_free(&s);
    /* The message gives the line but never its content (it may be a secret). */
    bl_error err;
    bl_error_clear(&err);
    s = (aws_profile_section){0};
    const char *t = "[default]\naws_secret_access_key SECRETVALUE\n";
    assert_int_equal(aws_profile_parse(t, strlen(t), AWS_PROFILE_FILE_CREDENTIALS, "default", "f", &s, &err), -1);
    assert_non_null(strstr(err.message, "line 2"));
    assert_null(strstr(err.message, "SECRETVALUE"));
    aws_profile_section_free(&s);
}

static void test_profile_load_precedence(void **state)
{
    (void)state;
    write_file(cfg_path, "[default]\nregion = eu-west-1\naws_access_key_id = FROMCONFIG\n"
                         "[profile dev]\nregion = us-west-2\n");
    write_file(cred_path, "[default]\naws_access_key_id = FROMCREDS\naws_secret_access_key = s\n"
                          "[dev]\naws_access_key_id = DEVKEY\n");
    aws_profile p;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(aws_profile_load(NULL, &p, &err), 0);
    assert_string_equal(p.name, "default");
    assert_false(p.name_explicit);
    assert_true(aws_profile_exists(&p));
    assert_string_equal(aws_profile_get(&p, "aws_access_key_id"), "FROMCREDS"); /* credentials file wins */
    assert_string_equal(aws_profile_get(&p, "region"), "eu-west-1");
    aws_profile_free(&p);

    setenv("AWS_DEFAULT_PROFILE", "nonexistent", 1);
    setenv("AWS_PROFILE", "dev", 1); /* AWS_PROFILE beats AWS_DEFAULT_PROFILE */
    assert_int_equal(aws_profile_load(NULL, &p, &err), 0);
    assert_string_equal(p.name, "dev");
    assert_true(p.name_explicit);
    assert_string_equal(aws_profile_get(&p, "region"), "us-west-2");
    assert_string_equal(aws_profile_get(&p, "aws_access_key_id"), "DEVKEY");
    aws_profile_free(&p);

    unsetenv("AWS_PROFILE");
    assert_int_equal(aws_profile_load(NULL, &p, &err), 0);
    assert_string_equal(p.name, "nonexistent");
    assert_false(aws_profile_exists(&p));
    aws_profile_free(&p);
    unsetenv("AWS_DEFAULT_PROFILE");

    assert_int_equal(aws_profile_load("dev", &p, &err), 0); /* explicit argument */
    assert_string_equal(p.name, "dev");
    aws_profile_free(&p);

    setenv("AWS_PROFILE", "bad name", 1);
    assert_int_equal(aws_profile_load(NULL, &p, &err), -1);
    assert_int_equal(err.code, BL_ERR_CONFIG);
    unsetenv("AWS_PROFILE");
}

static void test_profile_missing_files_and_home(void **state)
{
    (void)state;
    unlink(cfg_path);
    unlink(cred_path);
    aws_profile p;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(aws_profile_load(NULL, &p, &err), 0);
    assert_false(aws_profile_exists(&p));
    assert_null(aws_profile_get(&p, "region"));
    aws_profile_free(&p);

    /* Defaults under $HOME. */
    char home[128], awsdir[160], cfg[192];
    snprintf(home, sizeof home, "%s", dir);
    snprintf(awsdir, sizeof awsdir, "%s/.aws", dir);
    snprintf(cfg, sizeof cfg, "%s/config", awsdir);
    assert_int_equal(mkdir(awsdir, 0700), 0);
    write_file(cfg, "[default]\nregion = sa-east-1\n");
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", home, 1);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    assert_int_equal(aws_profile_load(NULL, &p, &err), 0);
    assert_string_equal(aws_profile_get(&p, "region"), "sa-east-1");
    assert_string_equal(p.config_path, cfg);
    aws_profile_free(&p);
    if (old_home) {
        setenv("HOME", old_home, 1);
        free(old_home);
    }
    unlink(cfg);
    rmdir(awsdir);
    setenv("AWS_CONFIG_FILE", cfg_path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
}

static void test_profile_oversized_and_unreadable(void **state)
{
    (void)state;
    FILE *f = fopen(cfg_path, "w");
    assert_non_null(f);
    fputs("[default]\n", f);
    for (size_t i = 0; i < AWS_PROFILE_FILE_MAX / 16 + 1; i++)
        fputs("# padding line.\n", f);
    fclose(f);
    aws_profile p;
    bl_error err;
    bl_error_clear(&err);
    assert_int_equal(aws_profile_load(NULL, &p, &err), -1);
    assert_int_equal(err.code, BL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "larger than"));
    unlink(cfg_path);

    setenv("AWS_CONFIG_FILE", dir, 1); /* a directory */
    assert_int_equal(aws_profile_load(NULL, &p, &err), -1);
    assert_non_null(strstr(err.message, "not a regular file"));
    setenv("AWS_CONFIG_FILE", cfg_path, 1);
}

static void test_profile_free_twice_is_safe(void **state)
{
    (void)state;
    write_file(cred_path, "[default]\naws_secret_access_key = x\n");
    aws_profile p;
    bl_error err;
    assert_int_equal(aws_profile_load(NULL, &p, &err), 0);
    aws_profile_free(&p);
    aws_profile_free(&p);
    assert_null(aws_profile_get(&p, "aws_secret_access_key"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_sections_comments_and_whitespace),
        cmocka_unit_test(test_profile_crlf_and_duplicates),
        cmocka_unit_test(test_profile_prefix_rules_per_file),
        cmocka_unit_test(test_profile_subsections_skipped),
        cmocka_unit_test(test_profile_malformed_lines),
        cmocka_unit_test(test_profile_load_precedence),
        cmocka_unit_test(test_profile_missing_files_and_home),
        cmocka_unit_test(test_profile_oversized_and_unreadable),
        cmocka_unit_test(test_profile_free_twice_is_safe),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
