/* reportcheck.h: checks shared by the report.html tests: the page's
 * structure as a hostile-input auditor would verify it, the JSON data
 * island, and running a headless chromium on a page.
 *
 * Static inline so that each test file takes what it needs without
 * unused-function warnings. */
#ifndef HA_REPORTCHECK_H
#define HA_REPORTCHECK_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ha_common.h"
#include "testutil.h"

/* The page's own style and script, as compiled into the program. */
extern const unsigned char ha_report_css[];
extern const size_t ha_report_css_len;
extern const unsigned char ha_report_js[];
extern const size_t ha_report_js_len;

static inline int rc_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static inline int rc_startsi(const char *p, const char *lit)
{
	for (; *lit; p++, lit++)
		if (rc_lower((unsigned char)*p) != rc_lower((unsigned char)*lit))
			return 0;
	return 1;
}

static inline const char *rc_findi(const char *p, const char *lit)
{
	for (; *p; p++)
		if (rc_startsi(p, lit))
			return p;
	return NULL;
}

static inline size_t rc_count(const char *text, const char *lit)
{
	size_t n = 0;
	const char *p = text;

	while ((p = rc_findi(p, lit)) != NULL) {
		n++;
		p++;
	}
	return n;
}

static inline int rc_memstr(const char *p, size_t n, const char *lit)
{
	size_t m = strlen(lit), i;

	for (i = 0; i + m <= n; i++)
		if (!memcmp(p + i, lit, m))
			return 1;
	return 0;
}

/* The text of the JSON data island (not NUL-terminated); NULL when absent. */
static inline const char *rc_island(const char *html, size_t *len)
{
	static const char open[] = "<script type=\"application/json\" id=\"ha-data\">";
	const char *p = strstr(html, open), *e;

	if (!p)
		return NULL;
	p += sizeof open - 1;
	e = rc_findi(p, "</script");
	if (!e)
		return NULL;
	*len = (size_t)(e - p);
	return p;
}

/* The island parsed by jansson (caller decrefs); NULL on failure. */
static inline json_t *rc_island_json(const char *html)
{
	size_t len;
	const char *p = rc_island(html, &len);
	json_error_t je;
	json_t *j;

	if (!p)
		return NULL;
	j = json_loadb(p, len, 0, &je);
	if (!j)
		fprintf(stderr, "island: %s at line %d\n", je.text, je.line);
	return j;
}

/* The string s[i] of the island. */
static inline const char *rc_str(json_t *island, json_t *index)
{
	return json_string_value(
	        json_array_get(json_object_get(island, "s"), (size_t)json_integer_value(index)));
}

static inline int rc_tag_allowed(const char *name)
{
	static const char *const ok[] = {
	        "html",   "head",    "meta",    "title",  "style",   "body",       "header",
	        "div",    "p",       "h1",      "h2",     "h3",      "h4",         "ol",
	        "dl",     "dt",      "dd",      "main",   "section", "a",          "span",
	        "svg",    "rect",    "g",       "text",   "table",   "thead",      "tbody",
	        "tr",     "th",      "td",      "code",   "figure",  "figcaption", "ul",
	        "li",     "details", "summary", "pre",    "b",       "i",          "noscript",
	        "form",   "label",   "input",   "select", "option",  "button",     "script",
	        "footer", NULL,
	};
	size_t i;

	for (i = 0; ok[i]; i++)
		if (!strcmp(ok[i], name))
			return 1;
	return 0;
}

/* Checks one tag's attributes: no event handlers, no style attribute (the
 * CSP forbids them anyway), nothing that loads (src), and links that stay
 * in the page. */
static inline void rc_check_attrs(const char *tag, size_t len, const char *name)
{
	size_t i = 0;

	while (i < len && tag[i] != ' ' && tag[i] != '>')
		i++;
	while (i < len) {
		char attr[64];
		size_t k = 0;

		while (i < len && (tag[i] == ' ' || tag[i] == '\n' || tag[i] == '/'))
			i++;
		if (i >= len || tag[i] == '>')
			break;
		while (i < len && tag[i] != '=' && tag[i] != ' ' && tag[i] != '>' &&
		       k + 1 < sizeof attr)
			attr[k++] = (char)rc_lower((unsigned char)tag[i++]);
		attr[k] = '\0';
		if (!strncmp(attr, "on", 2))
			check_fail(__FILE__, __LINE__, "<%s> has an event handler attribute '%s'",
			           name, attr);
		if (!strcmp(attr, "src") || !strcmp(attr, "style") || !strcmp(attr, "srcdoc") ||
		    !strcmp(attr, "action") || !strcmp(attr, "formaction"))
			check_fail(__FILE__, __LINE__, "<%s> has a '%s' attribute", name, attr);
		if (i < len && tag[i] == '=') {
			i++;
			if (tag[i] != '"') {
				check_fail(__FILE__, __LINE__, "<%s %s=...> is not quoted", name,
				           attr);
				return;
			}
			i++;
			if (!strcmp(attr, "href") && tag[i] != '#')
				check_fail(__FILE__, __LINE__, "<%s> links out of the page: %.60s",
				           name, tag + i);
			while (i < len && tag[i] != '"') {
				/* the policy is ours and quotes its sources */
				if (tag[i] == '<' || (tag[i] == '\'' && strcmp(name, "meta")))
					check_fail(__FILE__, __LINE__,
					           "<%s %s> has a raw '%c' in its value", name,
					           attr, tag[i]);
				i++;
			}
			i++;
		}
	}
}

/* The whole page, as written by the program: every tag is one the program
 * writes, no attribute can run or load anything, text holds no raw markup
 * characters or control bytes, the inline style and script are exactly the
 * compiled-in assets and are allowed by their hashes, and nothing else may
 * run or load. */
static inline void rc_check_page(const char *html, size_t len)
{
	char want[96], b64[45];
	struct ha_err err;
	const char *p = html, *csp;
	size_t scripts = 0, styles = 0, i;

	CHECK(ha_utf8_valid(html, len));
	CHECK(strlen(html) == len); /* no NUL */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)html[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
			check_fail(__FILE__, __LINE__, "control byte 0x%02X at offset %zu", c, i);
			break;
		}
	}
	CHECK(!strncmp(html, "<!DOCTYPE html>\n", 16));

	/* The policy: only the two inline blocks, by hash; nothing fetched. */
	csp = strstr(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"");
	CHECK(csp != NULL);
	if (csp) {
		const char *end = strchr(csp + 52, '"');
		char *policy = end ? ha_strndup(csp + 52, (size_t)(end - csp - 52)) : NULL;

		CHECK_HAS(policy, "default-src 'none'");
		CHECK_LACKS(policy, "unsafe");
		CHECK_LACKS(policy, "http");
		CHECK_LACKS(policy, "*");
		CHECK(ha_sha256_b64(ha_report_css, ha_report_css_len, b64, &err) == 0);
		snprintf(want, sizeof want, "style-src 'sha256-%s'", b64);
		CHECK_HAS(policy, want);
		CHECK(ha_sha256_b64(ha_report_js, ha_report_js_len, b64, &err) == 0);
		snprintf(want, sizeof want, "script-src 'sha256-%s'", b64);
		CHECK_HAS(policy, want);
		free(policy);
	}
	/* Without scripts the summary and a note remain. */
	CHECK_HAS(html, "<noscript><p class=\"note\"");
	CHECK_HAS(html, "<div id=\"ha-app\" hidden>");
	CHECK_HAS(html, "<section id=\"summary\"");

	while ((p = strchr(p, '<')) != NULL) {
		char name[16];
		size_t k = 0, tlen;
		const char *q = p + 1, *end, *tag = p;
		int closing = 0, inq = 0;

		if (!strncmp(p, "<!DOCTYPE html>", 15)) {
			p += 15;
			continue;
		}
		if (*q == '/') {
			closing = 1;
			q++;
		}
		while (((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9')) &&
		       k + 1 < sizeof name)
			name[k++] = *q++;
		name[k] = '\0';
		if (!k || !rc_tag_allowed(name)) {
			check_fail(__FILE__, __LINE__, "unexpected markup at offset %zu: %.60s",
			           (size_t)(p - html), p);
			p++;
			continue;
		}
		for (end = q; *end && (inq || *end != '>'); end++)
			if (*end == '"')
				inq = !inq;
		if (!*end) {
			check_fail(__FILE__, __LINE__, "<%s> is not closed", name);
			break;
		}
		tlen = (size_t)(end - p + 1);
		if (!closing)
			rc_check_attrs(p, tlen, name);
		p = end + 1;
		if (closing)
			continue;
		if (!strcmp(name, "script")) {
			const char *close = rc_findi(p, "</script");

			scripts++;
			if (!close) {
				check_fail(__FILE__, __LINE__, "unterminated script");
				break;
			}
			if (rc_startsi(tag, "<script type=\"application/json\" id=\"ha-data\">")) {
				/* The island: no markup character at all can be in it. */
				size_t n = (size_t)(close - p);

				if (memchr(p, '<', n) || memchr(p, '>', n) || memchr(p, '&', n))
					check_fail(__FILE__, __LINE__,
					           "the data island holds < > or &");
				if (rc_memstr(p, n, "\xe2\x80\xa8") ||
				    rc_memstr(p, n, "\xe2\x80\xa9"))
					check_fail(__FILE__, __LINE__,
					           "the data island holds U+2028/9");
			} else if ((size_t)(close - p) != ha_report_js_len ||
			           memcmp(p, ha_report_js, ha_report_js_len)) {
				check_fail(__FILE__, __LINE__, "a script other than the program's");
			}
			p = close;
		} else if (!strcmp(name, "style")) {
			const char *close = rc_findi(p, "</style");

			styles++;
			if (!close || (size_t)(close - p) != ha_report_css_len ||
			    memcmp(p, ha_report_css, ha_report_css_len))
				check_fail(__FILE__, __LINE__, "a style other than the program's");
			if (close)
				p = close;
		} else {
			/* Text up to the next tag: escaped, so no '>' and only entities after '&'.
			 */
			const char *t, *next = strchr(p, '<');

			for (t = p; next && t < next; t++) {
				if (*t == '>') {
					check_fail(__FILE__, __LINE__,
					           "raw '>' in text at offset %zu: %.40s",
					           (size_t)(t - html), t);
					break;
				}
				if (*t == '&' && !(t[1] == '#' || (t[1] >= 'a' && t[1] <= 'z'))) {
					check_fail(__FILE__, __LINE__,
					           "raw '&' in text at offset %zu",
					           (size_t)(t - html));
					break;
				}
			}
		}
	}
	CHECK_INT(scripts, 2);
	CHECK_INT(styles, 1);
	CHECK_INT(rc_count(html, "<script"), 2);
}

/* A DOM as chromium serialises it after the script ran: every element is
 * one the program makes and none has an attribute that runs or loads
 * anything.  (Text and attribute values may hold quotes and '<' as data.) */
static inline void rc_check_dom(const char *dom)
{
	const char *p = dom;

	while ((p = strchr(p, '<')) != NULL) {
		char name[16], attr[32];
		const char *q = p + 1, *end;
		size_t k = 0;
		int inq = 0;

		if (!strncmp(p, "<!DOCTYPE", 9) || q[0] == '/') {
			p++;
			continue;
		}
		while (((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9')) &&
		       k + 1 < sizeof name)
			name[k++] = *q++;
		name[k] = '\0';
		if (!k || !rc_tag_allowed(name)) {
			check_fail(__FILE__, __LINE__, "DOM holds unexpected markup: %.60s", p);
			p++;
			continue;
		}
		for (end = q; *end && (inq || *end != '>'); end++) {
			if (*end == '"') {
				inq = !inq;
				continue;
			}
			if (inq || (end[-1] != ' ' && end[-1] != '\n'))
				continue;
			/* an attribute name starts here */
			for (k = 0; end[k] && end[k] != '=' && end[k] != ' ' && end[k] != '>' &&
			            k + 1 < sizeof attr;
			     k++)
				attr[k] = (char)rc_lower((unsigned char)end[k]);
			attr[k] = '\0';
			if (!strncmp(attr, "on", 2) || !strcmp(attr, "src") ||
			    !strcmp(attr, "srcdoc") || !strcmp(attr, "style") ||
			    !strcmp(attr, "formaction"))
				check_fail(__FILE__, __LINE__, "<%s> in the DOM has attribute '%s'",
				           name, attr);
		}
		if (!strcmp(name, "script")) {
			const char *close = rc_findi(end, "</script");

			p = close ? close : end;
			continue;
		}
		p = *end ? end + 1 : end;
	}
}

/* --------------------------------------------------------------- chromium */

/* The chromium binary: $HA_CHROMIUM, or a usual name in the usual places;
 * NULL when there is none (the browser tests are then skipped). */
static inline const char *rc_chromium(void)
{
	static const char *const names[] = {
	        "/usr/bin/chromium",      "/usr/bin/chromium-browser",
	        "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable",
	        "/snap/bin/chromium",     NULL,
	};
	const char *env = getenv("HA_CHROMIUM");
	size_t i;

	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	for (i = 0; names[i]; i++)
		if (access(names[i], X_OK) == 0)
			return names[i];
	return NULL;
}

/* Runs headless chromium on `url` with one action argument (--dump-dom,
 * --screenshot=FILE, ...) and a fresh profile, bounded in time; returns
 * its exit status and its output in *out (malloc'd). */
static inline int rc_browse(const char *chromium, const char *url, const char *action,
                            const char *window, char **out)
{
	char *profile = tu_tempdir("chromium"), *udd, *argv[24];
	int n = 0, rc;

	if (!profile)
		return -1;
	udd = ha_asprintf("--user-data-dir=%s", profile);
	if (access("/usr/bin/timeout", X_OK) == 0) {
		argv[n++] = (char *)"/usr/bin/timeout";
		argv[n++] = (char *)"-k";
		argv[n++] = (char *)"10";
		argv[n++] = (char *)"240";
	}
	argv[n++] = (char *)chromium;
	argv[n++] = (char *)"--headless";
	argv[n++] = (char *)"--no-sandbox";
	argv[n++] = (char *)"--disable-gpu";
	argv[n++] = (char *)"--disable-quic";
	argv[n++] = (char *)"--no-first-run";
	argv[n++] = (char *)"--disable-background-networking";
	argv[n++] = (char *)"--disable-component-update";
	argv[n++] = (char *)"--disable-sync";
	argv[n++] = (char *)"--hide-scrollbars";
	argv[n++] = udd;
	if (window)
		argv[n++] = (char *)window;
	argv[n++] = (char *)action;
	argv[n++] = (char *)url;
	argv[n] = NULL;
	rc = tu_run(argv, NULL, out, NULL);
	free(udd);
	tu_rmtree(profile);
	free(profile);
	return rc;
}

/* `file://` + absolute path + fragment (already encoded), malloc'd. */
static inline char *rc_file_url(const char *path, const char *fragment)
{
	char cwd[4096];

	if (path[0] == '/')
		return ha_asprintf("file://%s%s%s", path, fragment ? "#" : "",
		                   fragment ? fragment : "");
	if (!getcwd(cwd, sizeof cwd))
		return NULL;
	return ha_asprintf("file://%s/%s%s%s", cwd, path, fragment ? "#" : "",
	                   fragment ? fragment : "");
}

#endif
