/*
 * The shared config and credentials files: a small INI reader that follows
 * the AWS SDKs' rules for these two files, and the resolution of a profile
 * into a credential plan (static keys, or a chain of roles on top of a
 * source). Every value remembers the file and line it came from so that
 * resolution errors point at the line to fix.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws/creds_profile.h"
#include "core/buf.h"
#include "core/xmalloc.h"

/* Bigger files are not configuration anyone writes by hand. */
#define AWS_PROFILE_MAX_FILE (1024 * 1024)

struct aws_creds_prop {
	char *key;
	char *value;
	const char *file; /* one of aws_creds_profiles.files */
	int line;
	int prio; /* the credentials file (1) wins over the config file (0) */
};

struct aws_creds_profile {
	char *name;
	const char *file;
	int line;
	struct aws_creds_prop *props;
	size_t n, cap;
};

struct aws_creds_profiles {
	struct aws_creds_profile *v;
	size_t n, cap;
	char **files;
	size_t nfiles;
	char where[512];
};

struct aws_creds_profiles *
aws_creds_profiles_create(void)
{
	return xcalloc(1, sizeof(struct aws_creds_profiles));
}

/* Wipes values on the way out: they include secret keys. */
void
aws_creds_profiles_free(struct aws_creds_profiles *ps)
{
	size_t i, j;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->n; i++) {
		struct aws_creds_profile *p = &ps->v[i];
		for (j = 0; j < p->n; j++) {
			free(p->props[j].key);
			explicit_bzero(p->props[j].value, strlen(p->props[j].value));
			free(p->props[j].value);
		}
		free(p->props);
		free(p->name);
	}
	free(ps->v);
	for (i = 0; i < ps->nfiles; i++)
		free(ps->files[i]);
	free(ps->files);
	free(ps);
}

static struct aws_creds_profile *
aws_creds_profiles_find(const struct aws_creds_profiles *ps, const char *name)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		if (strcmp(ps->v[i].name, name) == 0)
			return &ps->v[i];
	}
	return NULL;
}

static struct aws_creds_prop *
aws_creds_profile_prop(const struct aws_creds_profile *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (strcasecmp(p->props[i].key, key) == 0)
			return &p->props[i];
	}
	return NULL;
}

static size_t
aws_creds_profiles_add(struct aws_creds_profiles *ps, const char *name, const char *file, int line)
{
	struct aws_creds_profile *p = aws_creds_profiles_find(ps, name);

	if (p != NULL)
		return (size_t)(p - ps->v);
	if (ps->n == ps->cap) {
		ps->cap = ps->cap == 0 ? 4 : ps->cap * 2;
		ps->v = xreallocarray(ps->v, ps->cap, sizeof *ps->v);
	}
	p = &ps->v[ps->n];
	memset(p, 0, sizeof *p);
	p->name = xstrdup(name);
	p->file = file;
	p->line = line;
	return ps->n++;
}

static void
aws_creds_profile_set(struct aws_creds_profile *p, const char *key, size_t klen, const char *value,
                      size_t vlen, const char *file, int line, int prio)
{
	struct aws_creds_prop *pr;
	char *k = xstrndup(key, klen);

	pr = aws_creds_profile_prop(p, k);
	if (pr != NULL) {
		free(k);
		if (pr->prio > prio)
			return;
		explicit_bzero(pr->value, strlen(pr->value));
		free(pr->value);
	} else {
		if (p->n == p->cap) {
			p->cap = p->cap == 0 ? 8 : p->cap * 2;
			p->props = xreallocarray(p->props, p->cap, sizeof *p->props);
		}
		pr = &p->props[p->n++];
		pr->key = k;
	}
	pr->value = xstrndup(value, vlen);
	pr->file = file;
	pr->line = line;
	pr->prio = prio;
}

/* One file's parsing state. */
struct aws_creds_ini {
	struct aws_creds_profiles *ps;
	const char *file;
	int is_config;
	int line;
	long cur;      /* profile index; -1 before any section, -2 in a skipped one */
	int have_prop; /* a property came since the section started */
};

static void
aws_creds_trim(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* The length of a value without a trailing comment (" #..." or " ;..."). */
static size_t
aws_creds_strip_comment(const char *v, size_t len)
{
	size_t i;

	for (i = 1; i < len; i++) {
		if ((v[i] == '#' || v[i] == ';') && isspace((unsigned char)v[i - 1]))
			return i;
	}
	return len;
}

static int
aws_creds_ini_section(struct aws_creds_ini *st, const char *s, size_t len, char **cause)
{
	const char *close = memchr(s, ']', len), *name, *rest;
	size_t nlen, rlen;
	char *n;

	if (close == NULL) {
		*cause =
		    xasprintf("%s:%d: section header without a closing ']'", st->file, st->line);
		return -1;
	}
	rest = close + 1;
	rlen = len - (size_t)(rest - s);
	aws_creds_trim(&rest, &rlen);
	if (rlen > 0 && rest[0] != '#' && rest[0] != ';') {
		*cause = xasprintf("%s:%d: unexpected text after the section header", st->file,
		                   st->line);
		return -1;
	}
	name = s + 1;
	nlen = (size_t)(close - name);
	aws_creds_trim(&name, &nlen);
	st->have_prop = 0;
	if (nlen == 0) {
		*cause = xasprintf("%s:%d: empty profile name", st->file, st->line);
		return -1;
	}
	if (st->is_config && !(nlen == 7 && memcmp(name, "default", 7) == 0)) {
		/* Only "[profile x]" and "[default]" hold profiles in the config file. */
		if (nlen < 8 || memcmp(name, "profile", 7) != 0 ||
		    !isspace((unsigned char)name[7])) {
			st->cur = -2;
			return 0;
		}
		name += 8;
		nlen -= 8;
		aws_creds_trim(&name, &nlen);
	}
	if (nlen == 0) {
		*cause = xasprintf("%s:%d: empty profile name", st->file, st->line);
		return -1;
	}
	n = xstrndup(name, nlen);
	if (strpbrk(n, " \t") != NULL) /* the SDKs skip such sections */
		st->cur = -2;
	else
		st->cur = (long)aws_creds_profiles_add(st->ps, n, st->file, st->line);
	free(n);
	return 0;
}

static int
aws_creds_ini_property(struct aws_creds_ini *st, const char *s, size_t len, char **cause)
{
	const char *eq = memchr(s, '=', len), *key = s, *val;
	size_t klen, vlen;

	if (st->cur == -1) {
		*cause =
		    xasprintf("%s:%d: property outside any [profile] section", st->file, st->line);
		return -1;
	}
	if (eq == NULL) {
		*cause = xasprintf("%s:%d: expected \"key = value\"", st->file, st->line);
		return -1;
	}
	klen = (size_t)(eq - s);
	aws_creds_trim(&key, &klen);
	if (klen == 0) {
		*cause = xasprintf("%s:%d: property without a name", st->file, st->line);
		return -1;
	}
	val = eq + 1;
	vlen = len - (size_t)(val - s);
	aws_creds_trim(&val, &vlen);
	vlen = aws_creds_strip_comment(val, vlen);
	aws_creds_trim(&val, &vlen);
	st->have_prop = 1;
	if (st->cur >= 0)
		aws_creds_profile_set(&st->ps->v[st->cur], key, klen, val, vlen, st->file, st->line,
		                      st->is_config ? 0 : 1);
	return 0;
}

static int
aws_creds_ini_line(struct aws_creds_ini *st, const char *line, size_t len, char **cause)
{
	const char *s = line;
	size_t n = len;
	int indented;

	aws_creds_trim(&s, &n);
	if (n == 0 || s[0] == '#' || s[0] == ';')
		return 0;
	indented = s != line;
	if (s[0] == '[')
		return aws_creds_ini_section(st, s, n, cause);
	/* After a property, an indented line continues it (or is a sub-property). */
	if (indented && st->have_prop)
		return 0;
	return aws_creds_ini_property(st, s, n, cause);
}

static const char *
aws_creds_profiles_keep_name(struct aws_creds_profiles *ps, const char *name)
{
	ps->files = xreallocarray(ps->files, ps->nfiles + 1, sizeof *ps->files);
	ps->files[ps->nfiles] = xstrdup(name);
	return ps->files[ps->nfiles++];
}

int
aws_creds_profiles_parse(struct aws_creds_profiles *ps, const char *text, size_t len,
                         const char *name, int is_config, char **cause)
{
	struct aws_creds_ini st;
	const char *p = text, *end = text + len, *nl;
	size_t n;

	memset(&st, 0, sizeof st);
	st.ps = ps;
	st.file = aws_creds_profiles_keep_name(ps, name);
	st.is_config = is_config;
	st.cur = -1;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl == NULL ? (size_t)(end - p) : (size_t)(nl - p);
		st.line++;
		if (memchr(p, '\0', n) != NULL) {
			*cause = xasprintf("%s:%d: NUL byte in the file", st.file, st.line);
			return -1;
		}
		if (aws_creds_ini_line(&st, p, n, cause) != 0)
			return -1;
		p += n + 1;
	}
	return 0;
}

/* Expands a leading "~/" with the home directory, as the SDKs do. */
static char *
aws_creds_expand_path(const char *path, const char *home)
{
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home != NULL)
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

/* Reads path into b: 1 read, 0 missing, -1 with *cause. */
static int
aws_creds_read_file(const char *path, struct buf *b, char **cause)
{
	char chunk[8192];
	ssize_t n;
	int fd, rc = 1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		*cause = xasprintf("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			*cause = xasprintf("cannot read %s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		if (b->len + (size_t)n > AWS_PROFILE_MAX_FILE) {
			*cause = xasprintf("cannot read %s: larger than %d bytes", path,
			                   AWS_PROFILE_MAX_FILE);
			rc = -1;
			break;
		}
		buf_add(b, chunk, (size_t)n);
	}
	close(fd);
	return rc;
}

static int
aws_creds_profiles_load_one(struct aws_creds_profiles *ps, const char *path, int is_config,
                            int *nfiles, char **cause)
{
	struct buf b = BUF_INIT;
	int rc;

	rc = aws_creds_read_file(path, &b, cause);
	if (rc == 1) {
		(*nfiles)++;
		rc = aws_creds_profiles_parse(ps, buf_str(&b), b.len, path, is_config, cause);
	}
	if (b.p != NULL)
		explicit_bzero(b.p, b.len);
	buf_clear(&b);
	return rc < 0 ? -1 : 0;
}

static const char *
aws_creds_home(const struct aws_creds_env *env)
{
	if (env != NULL && env->home != NULL)
		return env->home;
	return aws_creds_env_get(env, "HOME");
}

void
aws_creds_profile_paths(const struct aws_creds_env *env, char **config, char **credentials)
{
	static const char *const vars[2] = {"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"};
	static const char *const deflt[2] = {".aws/config", ".aws/credentials"};
	const char *home = aws_creds_home(env), *v;
	char **out[2] = {config, credentials};
	int i;

	for (i = 0; i < 2; i++) {
		if ((v = aws_creds_env_get(env, vars[i])) != NULL)
			*out[i] = aws_creds_expand_path(v, home);
		else if (home != NULL)
			*out[i] = xasprintf("%s/%s", home, deflt[i]);
		else
			*out[i] = NULL;
	}
}

int
aws_creds_profiles_load_paths(const char *config, const char *credentials,
                              struct aws_creds_profiles **out, int *nfiles, char **cause)
{
	struct aws_creds_profiles *ps = aws_creds_profiles_create();
	int n = 0, rc = 0;

	if (config != NULL)
		rc = aws_creds_profiles_load_one(ps, config, 1, &n, cause);
	if (rc == 0 && credentials != NULL)
		rc = aws_creds_profiles_load_one(ps, credentials, 0, &n, cause);
	if (nfiles != NULL)
		*nfiles = n;
	if (rc != 0) {
		aws_creds_profiles_free(ps);
		*out = NULL;
		return -1;
	}
	*out = ps;
	return 0;
}

int
aws_creds_profiles_load(const struct aws_creds_env *env, struct aws_creds_profiles **out,
                        int *nfiles, char **cause)
{
	char *config, *credentials;
	int rc;

	aws_creds_profile_paths(env, &config, &credentials);
	rc = aws_creds_profiles_load_paths(config, credentials, out, nfiles, cause);
	free(config);
	free(credentials);
	return rc;
}

int
aws_creds_profiles_has(const struct aws_creds_profiles *ps, const char *profile)
{
	return aws_creds_profiles_find(ps, profile) != NULL;
}

const char *
aws_creds_profiles_get(const struct aws_creds_profiles *ps, const char *profile, const char *key)
{
	struct aws_creds_profile *p = aws_creds_profiles_find(ps, profile);
	struct aws_creds_prop *pr;

	if (p == NULL || (pr = aws_creds_profile_prop(p, key)) == NULL)
		return NULL;
	return pr->value;
}

const char *
aws_creds_profiles_where(const struct aws_creds_profiles *ps, const char *profile, const char *key)
{
	struct aws_creds_profiles *mps = (struct aws_creds_profiles *)(uintptr_t)ps;
	struct aws_creds_profile *p = aws_creds_profiles_find(ps, profile);
	struct aws_creds_prop *pr;

	if (p == NULL)
		return "";
	if (key == NULL || (pr = aws_creds_profile_prop(p, key)) == NULL)
		snprintf(mps->where, sizeof mps->where, "%s:%d", p->file, p->line);
	else
		snprintf(mps->where, sizeof mps->where, "%s:%d", pr->file, pr->line);
	return mps->where;
}

const char *
aws_creds_profile_name(const struct aws_creds_env *env)
{
	const char *p = aws_creds_env_get(env, "AWS_PROFILE");

	return p != NULL ? p : "default";
}

char *
aws_creds_profile_region(const struct aws_creds_env *env)
{
	struct aws_creds_profiles *ps;
	const char *r;
	char *cause = NULL, *region = NULL;

	if (aws_creds_profiles_load(env, &ps, NULL, &cause) != 0) {
		free(cause);
		return NULL;
	}
	r = aws_creds_profiles_get(ps, aws_creds_profile_name(env), "region");
	if (r != NULL && *r != '\0')
		region = xstrdup(r);
	aws_creds_profiles_free(ps);
	return region;
}

void
aws_creds_plan_clear(struct aws_creds_plan *plan)
{
	size_t i;

	if (plan == NULL)
		return;
	free(plan->base_profile);
	free(plan->token_file);
	free(plan->region);
	free(plan->web.profile);
	free(plan->web.role_arn);
	free(plan->web.session_name);
	free(plan->web.external_id);
	for (i = 0; i < plan->nroles; i++) {
		free(plan->roles[i].profile);
		free(plan->roles[i].role_arn);
		free(plan->roles[i].session_name);
		free(plan->roles[i].external_id);
	}
	memset(plan, 0, sizeof *plan);
}

static char *
aws_creds_dup_or_null(const char *s)
{
	return s == NULL || *s == '\0' ? NULL : xstrdup(s);
}

static int
aws_creds_plan_role_fill(const struct aws_creds_profiles *ps, const char *profile,
                         struct aws_creds_plan_role *r, char **cause)
{
	const char *d = aws_creds_profiles_get(ps, profile, "duration_seconds");
	char *end;
	unsigned long v = 0;

	if (d != NULL && *d != '\0') {
		errno = 0;
		v = strtoul(d, &end, 10);
		if (errno != 0 || *end != '\0' || v < 900 || v > 43200) {
			*cause = xasprintf(
			    "%s: profile \"%s\": duration_seconds must be a number "
			    "from 900 to 43200",
			    aws_creds_profiles_where(ps, profile, "duration_seconds"), profile);
			return -1;
		}
	}
	r->profile = xstrdup(profile);
	r->role_arn = xstrdup(aws_creds_profiles_get(ps, profile, "role_arn"));
	r->session_name =
	    aws_creds_dup_or_null(aws_creds_profiles_get(ps, profile, "role_session_name"));
	r->external_id = aws_creds_dup_or_null(aws_creds_profiles_get(ps, profile, "external_id"));
	r->duration_s = (unsigned)v;
	return 0;
}

static int
aws_creds_plan_credential_source(const struct aws_creds_profiles *ps, const char *profile,
                                 const char *cs, struct aws_creds_plan *plan, char **cause)
{
	if (strcmp(cs, "Environment") == 0)
		plan->base = AWS_CREDS_PLAN_ENV;
	else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
		plan->base = AWS_CREDS_PLAN_IMDS;
	else if (strcmp(cs, "EcsContainer") == 0)
		plan->base = AWS_CREDS_PLAN_CONTAINER;
	else {
		*cause = xasprintf("%s: profile \"%s\": unknown credential_source \"%s\" "
		                   "(Environment, Ec2InstanceMetadata or EcsContainer)",
		                   aws_creds_profiles_where(ps, profile, "credential_source"),
		                   profile, cs);
		return -1;
	}
	return 0;
}

/*
 * A profile without role_arn: static keys, or nothing. Returns 1 when it
 * holds keys, 0 when it configures no credentials, -1 with *cause.
 */
static int
aws_creds_plan_static(const struct aws_creds_profiles *ps, const char *profile, char **cause)
{
	const char *id = aws_creds_profiles_get(ps, profile, "aws_access_key_id");
	const char *secret = aws_creds_profiles_get(ps, profile, "aws_secret_access_key");
	int has_id = id != NULL && *id != '\0', has_secret = secret != NULL && *secret != '\0';

	if (has_id && has_secret)
		return 1;
	if (has_id || has_secret) {
		*cause = xasprintf("%s: profile \"%s\" sets %s without %s",
		                   aws_creds_profiles_where(ps, profile,
		                                            has_id ? "aws_access_key_id"
		                                                   : "aws_secret_access_key"),
		                   profile, has_id ? "aws_access_key_id" : "aws_secret_access_key",
		                   has_id ? "aws_secret_access_key" : "aws_access_key_id");
		return -1;
	}
	if (aws_creds_profiles_get(ps, profile, "credential_process") != NULL) {
		*cause =
		    xasprintf("%s: profile \"%s\": credential_process is not supported",
		              aws_creds_profiles_where(ps, profile, "credential_process"), profile);
		return -1;
	}
	if (aws_creds_profiles_get(ps, profile, "sso_session") != NULL ||
	    aws_creds_profiles_get(ps, profile, "sso_start_url") != NULL) {
		*cause = xasprintf("%s: profile \"%s\": SSO profiles are not supported",
		                   aws_creds_profiles_where(ps, profile, NULL), profile);
		return -1;
	}
	return 0;
}

/* Checks that next has not been visited on the way from the first profile. */
static int
aws_creds_plan_no_loop(const struct aws_creds_profiles *ps, const char *cur, const char *next,
                       const char **seen, size_t nseen, char **cause)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < nseen; i++) {
		if (strcmp(seen[i], next) == 0)
			break;
	}
	if (i == nseen)
		return 0;
	for (i = 0; i < nseen; i++)
		buf_printf(&b, "%s -> ", seen[i]);
	*cause =
	    xasprintf("%s: profile \"%s\": source_profile loop: %s%s",
	              aws_creds_profiles_where(ps, cur, "source_profile"), cur, buf_str(&b), next);
	buf_clear(&b);
	return -1;
}

/*
 * One step of the chain at profile cur, which has role_arn: records the role
 * and either ends the chain in plan->base (returns 1) or names the next
 * profile in *next (returns 0). -1 with *cause.
 */
static int
aws_creds_plan_step(const struct aws_creds_profiles *ps, const char *cur,
                    struct aws_creds_plan *plan, struct aws_creds_plan_role *outer, size_t *nouter,
                    const char **next, char **cause)
{
	const char *src = aws_creds_profiles_get(ps, cur, "source_profile");
	const char *cs = aws_creds_profiles_get(ps, cur, "credential_source");
	const char *wif = aws_creds_profiles_get(ps, cur, "web_identity_token_file");
	int rc;

	if (src != NULL && cs != NULL) {
		*cause = xasprintf("%s: profile \"%s\" sets both source_profile and "
		                   "credential_source",
		                   aws_creds_profiles_where(ps, cur, "credential_source"), cur);
		return -1;
	}
	if (src == NULL && cs == NULL && wif != NULL) {
		plan->base = AWS_CREDS_PLAN_WEB_IDENTITY;
		plan->token_file = xstrdup(wif);
		return aws_creds_plan_role_fill(ps, cur, &plan->web, cause) == 0 ? 1 : -1;
	}
	if (*nouter == AWS_CREDS_PLAN_MAX_ROLES) {
		*cause = xasprintf("%s: profile \"%s\": a role chain may hold at most %d roles",
		                   aws_creds_profiles_where(ps, cur, "role_arn"), cur,
		                   AWS_CREDS_PLAN_MAX_ROLES);
		return -1;
	}
	if (aws_creds_plan_role_fill(ps, cur, &outer[*nouter], cause) != 0)
		return -1;
	(*nouter)++;
	if (cs != NULL)
		return aws_creds_plan_credential_source(ps, cur, cs, plan, cause) == 0 ? 1 : -1;
	if (src == NULL) {
		*cause = xasprintf("%s: profile \"%s\": role_arn needs source_profile, "
		                   "credential_source or web_identity_token_file",
		                   aws_creds_profiles_where(ps, cur, "role_arn"), cur);
		return -1;
	}
	if (strcmp(src, cur) == 0) {
		/* A profile naming itself takes its own keys as the base. */
		if ((rc = aws_creds_plan_static(ps, cur, cause)) < 0)
			return -1;
		if (rc == 0) {
			*cause =
			    xasprintf("%s: profile \"%s\" is its own source_profile but has "
			              "no keys",
			              aws_creds_profiles_where(ps, cur, "source_profile"), cur);
			return -1;
		}
		plan->base = AWS_CREDS_PLAN_STATIC;
		plan->base_profile = xstrdup(cur);
		return 1;
	}
	if (!aws_creds_profiles_has(ps, src)) {
		*cause = xasprintf("%s: profile \"%s\": source_profile \"%s\" does not exist",
		                   aws_creds_profiles_where(ps, cur, "source_profile"), cur, src);
		return -1;
	}
	*next = src;
	return 0;
}

/* Walks from profile along source_profile links; roles land in outer[] outermost first. */
static int
aws_creds_plan_walk(const struct aws_creds_profiles *ps, const char *profile,
                    struct aws_creds_plan *plan, struct aws_creds_plan_role *outer, size_t *nouter,
                    char **cause)
{
	const char *seen[AWS_CREDS_PLAN_MAX_ROLES + 1], *cur = profile, *next = NULL;
	size_t nseen = 0;
	int rc;

	for (;;) {
		seen[nseen++] = cur;
		if (aws_creds_profiles_get(ps, cur, "role_arn") == NULL) {
			if ((rc = aws_creds_plan_static(ps, cur, cause)) < 0)
				return -1;
			if (rc == 1) {
				plan->base = AWS_CREDS_PLAN_STATIC;
				plan->base_profile = xstrdup(cur);
			} else if (cur != profile) {
				*cause = xasprintf("%s: source profile \"%s\" has no credentials",
				                   aws_creds_profiles_where(ps, cur, NULL), cur);
				return -1;
			}
			return 0;
		}
		rc = aws_creds_plan_step(ps, cur, plan, outer, nouter, &next, cause);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
		if (aws_creds_plan_no_loop(ps, cur, next, seen, nseen, cause) != 0)
			return -1;
		cur = next;
	}
}

int
aws_creds_profile_plan(const struct aws_creds_profiles *ps, const char *profile,
                       struct aws_creds_plan *plan, char **cause)
{
	struct aws_creds_plan_role outer[AWS_CREDS_PLAN_MAX_ROLES];
	size_t nouter = 0, i;

	memset(plan, 0, sizeof *plan);
	memset(outer, 0, sizeof outer);
	if (!aws_creds_profiles_has(ps, profile))
		return 0;
	plan->region = aws_creds_dup_or_null(aws_creds_profiles_get(ps, profile, "region"));
	if (aws_creds_plan_walk(ps, profile, plan, outer, &nouter, cause) != 0) {
		for (i = 0; i < nouter; i++) {
			free(outer[i].profile);
			free(outer[i].role_arn);
			free(outer[i].session_name);
			free(outer[i].external_id);
		}
		aws_creds_plan_clear(plan);
		return -1;
	}
	for (i = 0; i < nouter; i++)
		plan->roles[i] = outer[nouter - 1 - i];
	plan->nroles = nouter;
	return 0;
}
