/* check.h: the unit-test harness.  CHECK macros record a failure with its
 * file and line and carry on, so one run reports every broken expectation;
 * check_run() runs a table of cases (all, or those named on the command
 * line) and returns the exit status CTest reads. */
#ifndef HA_CHECK_H
#define HA_CHECK_H

#include <stddef.h>
#include <stdint.h>

extern int check_failures;

void check_fail(const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			check_fail(__FILE__, __LINE__, "%s", #c);                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			check_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                                             \
			check_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,       \
			           a_ ? a_ : "(null)", b_ ? b_ : "(null)");                        \
	} while (0)

/* The substring must occur in the text. */
#define CHECK_HAS(text, sub)                                                                       \
	do {                                                                                       \
		const char *t_ = (text), *s_ = (sub);                                              \
		if (!t_ || !s_ || !strstr(t_, s_))                                                 \
			check_fail(__FILE__, __LINE__, "%s contains \"%s\": got \"%.600s\"",       \
			           #text, s_ ? s_ : "(null)", t_ ? t_ : "(null)");                 \
	} while (0)

#define CHECK_LACKS(text, sub)                                                                     \
	do {                                                                                       \
		const char *t_ = (text), *s_ = (sub);                                              \
		if (t_ && s_ && strstr(t_, s_))                                                    \
			check_fail(__FILE__, __LINE__, "%s must not contain \"%s\"", #text, s_);   \
	} while (0)

struct check_case {
	const char *name;
	void (*fn)(void);
};

#define CHECK_CASE(fn)                                                                             \
	{                                                                                          \
#fn, fn                                                                            \
	}

int check_run(const struct check_case *cases, size_t n, int argc, char **argv);

/* Marks the rest of a case as skipped (prints why); returns nothing. */
void check_skip(const char *why);

#endif
