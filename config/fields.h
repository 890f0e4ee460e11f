/*
 * The settings table shared by config/config.c, config/flags.c and
 * config/yaml.c; not for use outside config/. Each setting appears once,
 * with its file key, its flag, its default as text and its help line, so
 * that the flags, the file, --help and --print-config cannot drift apart.
 */
#ifndef PCA_CONFIG_FIELDS_H
#define PCA_CONFIG_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/buf.h"

enum config_kind {
	CONFIG_KIND_STRING,    /* char *, any text */
	CONFIG_KIND_DNS_LABEL, /* char *, a namespace name or "" */
	CONFIG_KIND_DNS_NAME,  /* char *, a Lease name, not empty */
	CONFIG_KIND_BOOL,      /* int */
	CONFIG_KIND_DURATION,  /* uint64_t milliseconds, min..max */
	CONFIG_KIND_SIZE,      /* uint64_t bytes, min..max */
	CONFIG_KIND_DECIMAL,   /* double, above 0 (or 0 with min CONFIG_ZERO_OK) and at most max */
	CONFIG_KIND_INT,       /* int, min..max */
	CONFIG_KIND_ADDR,      /* struct config_addr */
	CONFIG_KIND_LOG_LEVEL, /* enum log_level */
	CONFIG_KIND_LOG_FORMAT,
	CONFIG_KIND_RATES, /* double[AWS_PCA_NOPS], a mapping in the file */
};

struct config_field {
	const char *section; /* the file mapping holding key; NULL for the top level */
	const char *key;
	const char *flag; /* without dashes */
	enum config_kind kind;
	size_t offset; /* in struct config */
	uint64_t min, max;
	const char *def; /* the default, in flag syntax */
	const char *metavar;
	const char *help;
};

enum config_origin_kind {
	CONFIG_ORIGIN_DEFAULT,
	CONFIG_ORIGIN_FILE,
	CONFIG_ORIGIN_ENV,
	CONFIG_ORIGIN_FLAG,
};

struct config_origin {
	enum config_origin_kind kind;
	unsigned long line, col; /* 1-based, for CONFIG_ORIGIN_FILE */
	const char *flag;        /* the flag as named on the command line (static) */
	char env[64];            /* CONFIG_ORIGIN_ENV: the variable's name */
};

/* min of a CONFIG_KIND_DECIMAL that may also be 0 ("work it out"). */
#define CONFIG_ZERO_OK 1

#define CONFIG_NFIELDS 32

struct config_src {
	char *file; /* the file most recently loaded */
	struct config_origin field[CONFIG_NFIELDS];
	struct config_origin rate[AWS_PCA_NOPS];
};

extern const struct config_field config_fields[CONFIG_NFIELDS];

const struct config_field *config_field_by_key(const char *section, const char *key);
const struct config_field *config_field_by_flag(const char *flag);
/* The environment variable of a field: "PCA_ISSUER_" and its flag in capitals, '-' as '_'. */
void config_field_env(const struct config_field *f, char *out, size_t size);
/* Returns 1 if some field lives under the file mapping called name. */
int config_is_section(const char *name);
size_t config_field_index(const struct config_field *f);

/*
 * Parses text into the field. A file accepts only true/false for booleans
 * (strict_bool); a flag also accepts Go's 1/0/t/f/TRUE/FALSE.
 */
int config_field_set(struct config *cfg, const struct config_field *f, const char *text,
                     int strict_bool, char **why);
/* Sets one operation's rate; returns the operation in *op. */
int config_rate_set(struct config *cfg, const char *name, const char *text, enum aws_pca_op *op,
                    char **why);
/* Writes the field's value in the syntax config_field_set() reads. */
void config_field_format(const struct config *cfg, const struct config_field *f, struct buf *b);

/*
 * The setting a person probably meant by an unknown key or flag: one whose
 * key, section.key or flag matches wrong when case, '-', '_' and '.' are
 * ignored. NULL if none.
 */
const struct config_field *config_suggest(const char *wrong);

/* Value parsers in config/value.c; see config_parse_duration() for the contract. */
int config_parse_decimal(const char *s, double *v, char **why);
int config_parse_uint(const char *s, uint64_t *v, char **why);
int config_parse_bool(const char *s, int strict, int *v, char **why);
int config_check_dns_label(const char *s, char **why);
int config_check_dns_name(const char *s, char **why);
/* Appends s as a YAML double-quoted scalar; s must be valid UTF-8. */
void config_quote(struct buf *b, const char *s);

void config_warn(struct config *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
