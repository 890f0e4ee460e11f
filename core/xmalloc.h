/*
 * Allocation that cannot fail. An allocation failure aborts the process with
 * a message: a controller restarted by Kubernetes is simpler than one that
 * limps on with half its state.
 */
#ifndef PCA_CORE_XMALLOC_H
#define PCA_CORE_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array of nmemb elements of size bytes, checking for overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* Copies len bytes of s and terminates them; s need not be terminated. */
char *xstrndup(const char *s, size_t len);
/* Returns a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Prints "pca-issuer: fatal: <message>" and aborts. */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Frees *pp and sets it to NULL. */
#define xfree_ptr(pp)                                                                              \
	do {                                                                                       \
		free(*(pp));                                                                       \
		*(pp) = NULL;                                                                      \
	} while (0)

#endif
