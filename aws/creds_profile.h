/*
 * The AWS shared configuration files: ~/.aws/config and ~/.aws/credentials
 * (or AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE), read as the AWS
 * SDKs read them, and turned into a plan of which credentials to fetch.
 *
 * Files. Sections are "[default]" and "[profile name]" in the config file,
 * "[name]" in the credentials file; other config sections ("[sso-session
 * x]", "[services x]", a bare "[name]") are skipped. Properties are
 * "key = value"; lines starting with '#' or ';' are comments, and so is
 * whatever follows " #" or " ;" in a value. An indented line after a
 * property continues it (sub-properties such as "s3 =" blocks) and is kept
 * out of the plain values; right after a section header, indentation is
 * just indentation. A "[profile x]" section in the credentials file, or a
 * name holding a blank, is skipped as the SDKs do. Where both files set a key of one profile, the
 * credentials file wins; within one file the last one wins. Keys compare
 * case-insensitively, profile names exactly.
 *
 * Every error names file:line.
 */
#ifndef PCA_AWS_CREDS_PROFILE_H
#define PCA_AWS_CREDS_PROFILE_H

#include <stddef.h>

#include "aws/creds.h"

struct aws_creds_profiles;

struct aws_creds_profiles *aws_creds_profiles_create(void);
void aws_creds_profiles_free(struct aws_creds_profiles *ps);
/*
 * Adds the profiles of one file's text; name is the file name used in
 * messages (copied). -1 with *cause "name:line: ..." on a syntax error, and
 * then ps keeps what came before the bad line.
 */
int aws_creds_profiles_parse(struct aws_creds_profiles *ps, const char *text, size_t len,
                             const char *name, int is_config, char **cause);
/*
 * Reads the config file and then the credentials file named by env. A file
 * that does not exist is skipped; *nfiles (may be NULL) counts the files
 * read. -1 with *cause when a file exists but cannot be read or parsed.
 */
int aws_creds_profiles_load(const struct aws_creds_env *env, struct aws_creds_profiles **out,
                            int *nfiles, char **cause);
/* The two paths env names (new strings; NULL when there is no home to find them in). */
void aws_creds_profile_paths(const struct aws_creds_env *env, char **config, char **credentials);
/* aws_creds_profiles_load() from known paths; either may be NULL. */
int aws_creds_profiles_load_paths(const char *config, const char *credentials,
                                  struct aws_creds_profiles **out, int *nfiles, char **cause);

int aws_creds_profiles_has(const struct aws_creds_profiles *ps, const char *profile);
/* The value of key in profile, or NULL; valid as long as ps. */
const char *aws_creds_profiles_get(const struct aws_creds_profiles *ps, const char *profile,
                                   const char *key);
/*
 * "file:line" of that value, or of the profile's first section header when
 * key is NULL; "" when absent. Valid until the next call.
 */
const char *aws_creds_profiles_where(const struct aws_creds_profiles *ps, const char *profile,
                                     const char *key);

/* The profile in use: AWS_PROFILE, else "default". Borrowed from env. */
const char *aws_creds_profile_name(const struct aws_creds_env *env);
/* The region of the profile in use, from the files, or NULL (a new string). */
char *aws_creds_profile_region(const struct aws_creds_env *env);

/* Where the first credentials of a profile chain come from. */
enum aws_creds_plan_base {
	AWS_CREDS_PLAN_NONE,         /* the profile configures no credentials */
	AWS_CREDS_PLAN_STATIC,       /* keys of base_profile */
	AWS_CREDS_PLAN_ENV,          /* credential_source = Environment */
	AWS_CREDS_PLAN_IMDS,         /* credential_source = Ec2InstanceMetadata */
	AWS_CREDS_PLAN_CONTAINER,    /* credential_source = EcsContainer */
	AWS_CREDS_PLAN_WEB_IDENTITY, /* web_identity_token_file + role_arn */
};

#define AWS_CREDS_PLAN_MAX_ROLES 8

struct aws_creds_plan_role {
	char *profile; /* the profile that names the role */
	char *role_arn;
	char *session_name;  /* role_session_name, or NULL */
	char *external_id;   /* or NULL */
	unsigned duration_s; /* duration_seconds, or 0 */
};

/*
 * A chain: the base credentials, then each role assumed in turn with the
 * credentials of the step before (roles[0] first). For a web identity base,
 * web holds its role and token_file the token's path.
 */
struct aws_creds_plan {
	enum aws_creds_plan_base base;
	char *base_profile;
	char *token_file;
	struct aws_creds_plan_role web;
	struct aws_creds_plan_role roles[AWS_CREDS_PLAN_MAX_ROLES];
	size_t nroles;
	char *region; /* of the starting profile, or NULL */
};

/*
 * Resolves profile into *plan. A profile without credential settings (or
 * one that does not exist) gives AWS_CREDS_PLAN_NONE and 0. -1 with *cause
 * naming file:line for a broken chain: half a key pair, a missing or looping
 * source_profile, an unknown credential_source, credential_process.
 */
int aws_creds_profile_plan(const struct aws_creds_profiles *ps, const char *profile,
                           struct aws_creds_plan *plan, char **cause);
void aws_creds_plan_clear(struct aws_creds_plan *plan);

#endif
