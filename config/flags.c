/*
 * Command-line flags, parsed the way Go's flag package does so that the Go
 * issuer's Deployments keep working: one or two dashes, "--name=value" or
 * "--name value", booleans as "--name" or "--name=false" (never
 * "--name false"), and "--" ending the flags.
 *
 * Besides the settings in config_fields[], this file knows the flags that
 * act rather than set (--config, --help, --version, --print-config) and the
 * controller-runtime zap flags that Go Deployments pass, which are mapped
 * onto --log-level and --log-format or accepted with a warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "config/fields.h"
#include "core/buf.h"
#include "core/xmalloc.h"

enum config_flag_kind {
	CONFIG_FLAG_FIELD, /* a setting in config_fields[] */
	CONFIG_FLAG_ALIAS, /* another name for a setting's flag */
	CONFIG_FLAG_CONFIG,
	CONFIG_FLAG_PRINT,
	CONFIG_FLAG_HELP,
	CONFIG_FLAG_VERSION,
	CONFIG_FLAG_ZAP_LEVEL,
	CONFIG_FLAG_ZAP_ENCODER,
	CONFIG_FLAG_ZAP_DEVEL,
	CONFIG_FLAG_ZAP_IGNORED,
};

struct config_flag {
	const char *name;
	enum config_flag_kind kind;
	const char *target;  /* CONFIG_FLAG_ALIAS: the setting's flag */
	const char *metavar; /* NULL for a boolean */
	const char *help;    /* NULL to leave out of --help */
	int compat;          /* listed apart in --help */
};

static const struct config_flag config_flags[] = {
    {"config", CONFIG_FLAG_CONFIG, NULL, "FILE",
     "Read settings from this YAML file; flags override it.", 0},
    {"print-config", CONFIG_FLAG_PRINT, NULL, NULL,
     "Print the settings in effect as YAML for --config, and exit.", 0},
    {"help", CONFIG_FLAG_HELP, NULL, NULL, "Print this help (also -h) and exit.", 0},
    {"h", CONFIG_FLAG_HELP, NULL, NULL, NULL, 0},
    {"version", CONFIG_FLAG_VERSION, NULL, NULL, "Print the version and exit.", 0},
    {"disable-approval-check", CONFIG_FLAG_ALIAS, "disable-approved-check", NULL,
     "The name of --disable-approved-check in early Go releases.", 1},
    {"zap-log-level", CONFIG_FLAG_ZAP_LEVEL, NULL, "LEVEL",
     "As --log-level; also 0 for info and any number above 0 for debug.", 1},
    {"zap-encoder", CONFIG_FLAG_ZAP_ENCODER, NULL, "ENCODER",
     "json, or console for --log-format=text.", 1},
    {"zap-devel", CONFIG_FLAG_ZAP_DEVEL, NULL, NULL,
     "Text logs at debug level, unless --log-format or --log-level is given.", 1},
    {"zap-stacktrace-level", CONFIG_FLAG_ZAP_IGNORED, NULL, "LEVEL", "Accepted and ignored.", 1},
    {"zap-time-encoding", CONFIG_FLAG_ZAP_IGNORED, NULL, "ENCODING", "Accepted and ignored.", 1},
};

#define CONFIG_NFLAGS (sizeof config_flags / sizeof config_flags[0])

/* One argument being parsed, and what the whole command line set so far. */
struct config_flag_run {
	struct config *cfg;
	const char *arg;   /* as typed, for messages */
	const char *name;  /* the flag's canonical (static) name */
	const char *value; /* NULL for a bare boolean */
	int level_set, format_set, zap_devel;
	char *cause;
};

static const struct config_flag *
config_flag_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < CONFIG_NFLAGS; i++) {
		if (strlen(config_flags[i].name) == len &&
		    strncmp(config_flags[i].name, name, len) == 0)
			return &config_flags[i];
	}
	return NULL;
}

static const struct config_field *
config_flag_field(const char *name, size_t len)
{
	char tmp[128];

	if (len >= sizeof tmp)
		return NULL;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	return config_field_by_flag(tmp);
}

static int
config_flag_fail(struct config_flag_run *r, const char *why)
{
	r->cause = xasprintf("flag --%s: %s", r->name, why);
	return -1;
}

/* Reads the flag's value as a boolean; a bare flag is true. */
static int
config_flag_bool(struct config_flag_run *r, int *v)
{
	char *why = NULL;

	if (r->value == NULL) {
		*v = 1;
		return 0;
	}
	if (config_parse_bool(r->value, 0, v, &why) == 0)
		return 0;
	config_flag_fail(r, why);
	free(why);
	return -1;
}

static void
config_flag_origin(struct config_flag_run *r, const struct config_field *f)
{
	struct config_origin *o = &r->cfg->src->field[config_field_index(f)];

	o->kind = CONFIG_ORIGIN_FLAG;
	o->flag = r->name;
	o->line = o->col = 0;
	if (f->kind == CONFIG_KIND_LOG_LEVEL)
		r->level_set = 1;
	if (f->kind == CONFIG_KIND_LOG_FORMAT)
		r->format_set = 1;
}

static int
config_flag_set(struct config_flag_run *r, const struct config_field *f, const char *text)
{
	char *why = NULL;

	if (config_field_set(r->cfg, f, text, 0, &why) == -1) {
		config_flag_fail(r, why);
		free(why);
		return -1;
	}
	config_flag_origin(r, f);
	return 0;
}

/* Maps controller-runtime's level names and verbosity numbers. */
static int
config_flag_zap_level(struct config_flag_run *r)
{
	const struct config_field *f = config_field_by_flag("log-level");
	const char *v = r->value;
	size_t n = strlen(v);

	if (n > 0 && n < 10 && strspn(v, "0123456789") == n)
		return config_flag_set(r, f, strtoul(v, NULL, 10) == 0 ? "info" : "debug");
	if (strcasecmp(v, "panic") == 0 || strcasecmp(v, "dpanic") == 0 ||
	    strcasecmp(v, "fatal") == 0) {
		config_warn(r->cfg, "flag --zap-log-level=%s is taken as error", v);
		return config_flag_set(r, f, "error");
	}
	if (log_parse_level(v, &r->cfg->log_level) == 0) {
		config_flag_origin(r, f);
		return 0;
	}
	r->cause = xasprintf("flag --zap-log-level: \"%s\" is not a log level (debug, info, "
	                     "warn, error, or a number)",
	                     v);
	return -1;
}

static int
config_flag_zap_encoder(struct config_flag_run *r)
{
	const struct config_field *f = config_field_by_flag("log-format");

	if (strcmp(r->value, "json") == 0)
		return config_flag_set(r, f, "json");
	if (strcmp(r->value, "console") == 0)
		return config_flag_set(r, f, "text");
	r->cause = xasprintf("flag --zap-encoder: \"%s\" is not json or console", r->value);
	return -1;
}

/* Carries out one flag other than a setting's own. */
static int
config_flag_act(struct config_flag_run *r, const struct config_flag *fl)
{
	int on;

	switch (fl->kind) {
	case CONFIG_FLAG_ALIAS:
		return config_flag_set(r, config_field_by_flag(fl->target),
		                       r->value != NULL ? r->value : "true");
	case CONFIG_FLAG_CONFIG:
		if (r->value[0] == '\0')
			return config_flag_fail(r, "needs a file name");
		free(r->cfg->config_file);
		r->cfg->config_file = xstrdup(r->value);
		return 0;
	case CONFIG_FLAG_ZAP_LEVEL:
		return config_flag_zap_level(r);
	case CONFIG_FLAG_ZAP_ENCODER:
		return config_flag_zap_encoder(r);
	case CONFIG_FLAG_ZAP_IGNORED:
		config_warn(r->cfg, "flag --%s is accepted for compatibility and ignored",
		            fl->name);
		return 0;
	default:
		break;
	}
	if (config_flag_bool(r, &on) == -1)
		return -1;
	if (fl->kind == CONFIG_FLAG_ZAP_DEVEL)
		r->zap_devel = on;
	else if (fl->kind == CONFIG_FLAG_PRINT)
		r->cfg->action = on ? CONFIG_ACTION_PRINT : CONFIG_ACTION_RUN;
	else if (on)
		r->cfg->action =
		    fl->kind == CONFIG_FLAG_HELP ? CONFIG_ACTION_HELP : CONFIG_ACTION_VERSION;
	return 0;
}

static int
config_flag_unknown(struct config_flag_run *r, const char *name, size_t len)
{
	char *wrong = xstrndup(name, len);
	const struct config_field *f = config_suggest(wrong);

	if (f != NULL)
		r->cause = xasprintf("unknown flag \"%s\" (did you mean --%s?)", r->arg, f->flag);
	else
		r->cause = xasprintf("unknown flag \"%s\" (see --help)", r->arg);
	free(wrong);
	return -1;
}

/*
 * Whether the argument after a flag that needs a value is rather a known
 * flag: "--kubeconfig --leader-elect" is a forgotten value, not a path.
 */
static int
config_flag_looks_like_flag(const char *next)
{
	const char *p = next;
	size_t len;

	if (*p++ != '-')
		return 0;
	if (*p == '-')
		p++;
	len = strcspn(p, "=");
	return config_flag_find(p, len) != NULL || config_flag_field(p, len) != NULL;
}

/*
 * Parses the flag at argv[*i] and applies it; a value in the next argument
 * advances *i.
 */
static int
config_flag_one(struct config_flag_run *r, int argc, char **argv, int *i)
{
	const char *name = argv[*i] + 1, *eq;
	const struct config_field *f;
	const struct config_flag *fl = NULL;
	size_t len;
	int boolean;

	r->arg = argv[*i];
	if (*name == '-')
		name++;
	if (*name == '-' || *name == '=' || *name == '\0') {
		r->cause = xasprintf("bad flag syntax \"%s\"", r->arg);
		return -1;
	}
	len = (eq = strchr(name, '=')) != NULL ? (size_t)(eq - name) : strlen(name);
	if ((f = config_flag_field(name, len)) == NULL &&
	    (fl = config_flag_find(name, len)) == NULL)
		return config_flag_unknown(r, name, len);
	r->name = f != NULL ? f->flag : fl->name;
	boolean = f != NULL ? f->kind == CONFIG_KIND_BOOL : fl->metavar == NULL;
	if (eq != NULL)
		r->value = eq + 1;
	else if (boolean)
		r->value = NULL;
	else if (*i + 1 >= argc || config_flag_looks_like_flag(argv[*i + 1]))
		return config_flag_fail(r, "needs a value");
	else
		r->value = argv[++*i];
	if (f != NULL)
		return config_flag_set(r, f, r->value != NULL ? r->value : "true");
	return config_flag_act(r, fl);
}

static int
config_flag_positional(struct config_flag_run *r, char **argv, int i)
{
	const char *prev = i > 1 ? argv[i - 1] : "";
	int dummy;
	char *why = NULL;

	if (prev[0] == '-' && strchr(prev, '=') == NULL &&
	    config_parse_bool(argv[i], 0, &dummy, &why) == 0) {
		r->cause = xasprintf("unexpected argument \"%s\" (a boolean flag takes its "
		                     "value as %s=%s)",
		                     argv[i], prev, argv[i]);
		return -1;
	}
	free(why);
	r->cause = xasprintf("unexpected argument \"%s\" (flags start with - or --)", argv[i]);
	return -1;
}

int
config_parse_flags(struct config *cfg, int argc, char **argv, char **cause)
{
	struct config_flag_run r;
	int i;

	memset(&r, 0, sizeof r);
	r.cfg = cfg;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			if (i + 1 == argc)
				break;
			*cause = xasprintf("unexpected argument \"%s\" after --", argv[i + 1]);
			return -1;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			config_flag_positional(&r, argv, i);
			*cause = r.cause;
			return -1;
		}
		if (config_flag_one(&r, argc, argv, &i) == -1) {
			*cause = r.cause;
			return -1;
		}
		if (cfg->action == CONFIG_ACTION_HELP || cfg->action == CONFIG_ACTION_VERSION)
			return 0;
	}
	/* As controller-runtime: development mode only fills in what was not given. */
	r.name = "zap-devel";
	if (r.zap_devel && !r.level_set)
		config_flag_set(&r, config_field_by_flag("log-level"), "debug");
	if (r.zap_devel && !r.format_set)
		config_flag_set(&r, config_field_by_flag("log-format"), "text");
	return 0;
}

extern char **environ;

/* Warns about PCA_ISSUER_<name> when name is close to a setting's flag. */
static void
config_env_unknown(struct config *cfg, const char *var, const char *name)
{
	const struct config_field *f = config_suggest(name);
	char want[64];

	if (f == NULL)
		return;
	config_field_env(f, want, sizeof want);
	if (strcmp(want, var) != 0)
		config_warn(cfg, "environment variable %s is not a setting (did you mean %s?)", var,
		            want);
}

int
config_parse_env(struct config *cfg, char **cause)
{
	char var[64], *why = NULL, **e;
	const char *value;
	size_t i, n;

	for (i = 0; i < CONFIG_NFIELDS; i++) {
		const struct config_field *f = &config_fields[i];
		struct config_origin *o = &cfg->src->field[i];

		config_field_env(f, var, sizeof var);
		if ((value = getenv(var)) == NULL)
			continue;
		if (config_field_set(cfg, f, value, 0, &why) == -1) {
			*cause = xasprintf("environment variable %s: %s", var, why);
			free(why);
			return -1;
		}
		o->kind = CONFIG_ORIGIN_ENV;
		o->line = o->col = 0;
		o->flag = NULL;
		snprintf(o->env, sizeof o->env, "%s", var);
	}
	for (e = environ; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "PCA_ISSUER_", 11) != 0 || strchr(*e, '=') == NULL)
			continue;
		n = (size_t)(strchr(*e, '=') - *e);
		if (n >= sizeof var || strncmp(*e, "PCA_ISSUER_CONFIG=", 18) == 0)
			continue;
		memcpy(var, *e, n);
		var[n] = '\0';
		config_env_unknown(cfg, var, var + 11);
	}
	return 0;
}

static void
config_usage_line(FILE *fp, const char *flag, const char *metavar, const char *file,
                  const char *help, const char *def, int quote)
{
	fprintf(fp, "  --%s%s%s", flag, metavar != NULL ? " " : "", metavar != NULL ? metavar : "");
	if (file != NULL)
		fprintf(fp, "    (file: %s)", file);
	fprintf(fp, "\n        %s", help);
	if (def != NULL && def[0] != '\0')
		fprintf(fp, quote ? " (default \"%s\")" : " (default %s)", def);
	fputc('\n', fp);
}

void
config_usage(FILE *fp)
{
	char key[128];
	size_t i;

	fputs("Usage: pca-issuer [flags]\n\n"
	      "A cert-manager external issuer that has AWS Private CA sign CertificateRequests.\n\n"
	      "Settings come from their defaults, then the --config file, then the flags; a\n"
	      "flag wins over the file wherever it stands. Flags take one or two dashes and a\n"
	      "value as --name=value or --name value; booleans as --name or --name=false.\n"
	      "Durations look like 300ms, 15s, 1.5h or 2h45m; sizes like 512KiB or 16MiB.\n"
	      "Every setting can also come from an environment variable, which wins over the\n"
	      "file and loses to a flag: PCA_ISSUER_ and the flag's name in capitals with _\n"
	      "for -, as in PCA_ISSUER_LEADER_ELECT=true or PCA_ISSUER_MAX_RETRY_DURATION=2h\n"
	      "(PCA_ISSUER_CONFIG names the --config file).\n\n",
	      fp);
	for (i = 0; i < CONFIG_NFLAGS; i++) {
		if (!config_flags[i].compat && config_flags[i].help != NULL)
			config_usage_line(fp, config_flags[i].name, config_flags[i].metavar, NULL,
			                  config_flags[i].help, NULL, 0);
	}
	for (i = 0; i < CONFIG_NFIELDS; i++) {
		const struct config_field *f = &config_fields[i];
		int quote = f->kind == CONFIG_KIND_STRING || f->kind == CONFIG_KIND_DNS_LABEL ||
		            f->kind == CONFIG_KIND_DNS_NAME || f->kind == CONFIG_KIND_ADDR;

		snprintf(key, sizeof key, "%s%s%s", f->section != NULL ? f->section : "",
		         f->section != NULL ? "." : "", f->key);
		config_usage_line(fp, f->flag, f->kind == CONFIG_KIND_BOOL ? NULL : f->metavar, key,
		                  f->help, f->def, quote);
	}
	fputs("\nAccepted for compatibility with the Go issuer and controller-runtime:\n", fp);
	for (i = 0; i < CONFIG_NFLAGS; i++) {
		if (config_flags[i].compat)
			config_usage_line(fp, config_flags[i].name, config_flags[i].metavar, NULL,
			                  config_flags[i].help, NULL, 0);
	}
}
