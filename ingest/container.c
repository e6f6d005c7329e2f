/* container.c: collection containers, the parts that need no library.
 *
 * (Over 1,000 lines: every collector's layout, name decoding, the host-name
 * rule and the protocol between a listing process and the parent; the
 * libarchive and libtsk parts are container_archive.c and container_image.c.)
 *
 * A container (an archive or a disk image) is listed in discovery, level
 * by level (a zip inside a zip is a level), into entries with what their
 * first bytes say; the layout code below turns one level's entries into
 * hosts exactly as discover.c does for folders (CONTRACT.md "Hosts"), after
 * undoing the collectors' name encodings:
 *
 *   Velociraptor  uploads/<accessor>/<device>/<path>, every component
 *                 %XX-escaped (v0.6.7 escaped more, v0.6.8 less; decoding
 *                 is the same); <device> is "C:" (auto) or "\\.\C:" (ntfs);
 *                 a volume shadow copy device is a backup, never the live
 *                 hive.  v0.6.6 and older: <accessor>/<path>.
 *   CyLR          C/Windows/System32/config/SYSTEM (drive without colon)
 *   KAPE          C/Windows/... (or C\Windows\... in a zip written on
 *                 Windows) under the drive-letter folder
 *   anything else by content: a zipped fleet "fleet/WEB01/SYSTEM" gives
 *                 host WEB01, as the folder would.
 *
 * Host names (README "Host names"): a host folder inside the container
 * names the host; at the container's root the collector's own record
 * (Velociraptor client_info.json or info.json "Hostname") does, else the
 * container's file name without the collector's decoration.  Both depend
 * only on the container's name and content, so they are stable between
 * runs.
 *
 * Entry names are never used as paths on disk: members are extracted into
 * memory files (the worker registers them here, and ha_input_open() opens
 * them for the reader), so "..", absolute names and links cannot write or
 * read anything outside; they are still reported, because a collector
 * never writes them. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container.h"

/* ---------------------------------------------------------------- options */

static struct ha_container_opts opts_cur;
static char **opts_pw;

int ha_container_configure(const struct ha_container_opts *o, struct ha_err *err)
{
	size_t i;
	char **pw = NULL;

	if (o->npasswords) {
		pw = calloc(o->npasswords + 1, sizeof *pw);
		if (!pw)
			return ha_err_nomem(err);
		for (i = 0; i < o->npasswords; i++) {
			pw[i] = ha_strdup(o->passwords[i]);
			if (!pw[i]) {
				while (i)
					free(pw[--i]);
				free(pw);
				return ha_err_nomem(err);
			}
		}
	}
	if (opts_pw) {
		for (i = 0; opts_pw[i]; i++)
			free(opts_pw[i]);
		free(opts_pw);
	}
	opts_pw = pw;
	opts_cur = *o;
	opts_cur.passwords = (const char *const *)opts_pw;
	return HA_OK;
}

const struct ha_container_opts *ha_container_opts_get(void)
{
	static struct ha_container_opts o;

	o = opts_cur;
	if (!o.max_member)
		o.max_member = (uint64_t)2 << 30;
	if (!o.max_ratio)
		o.max_ratio = 100;
	if (!o.ratio_floor)
		o.ratio_floor = (uint64_t)64 << 20;
	if (!o.max_nested)
		o.max_nested = (uint64_t)4 << 30;
	if (!o.max_depth)
		o.max_depth = 3;
	if (!o.timeout_sec)
		o.timeout_sec = 300;
	if (!o.mem_bytes)
		o.mem_bytes = (uint64_t)4 << 30;
	return &o;
}

/* ---------------------------------------------------------- member table */

/* Members a worker extracted, by the path the job names them with.  Only
 * workers fill it (one host each), so it is small and linear. */
static struct member {
	char *display;
	int fd;
	char sha256[65]; /* "" when not computed */
} * members;
static size_t nmembers;

int ha_member_register(const char *display, int fd, const char *sha256)
{
	struct member *p = realloc(members, (nmembers + 1) * sizeof *p);

	if (!p) {
		close(fd);
		return HA_ERR_NOMEM;
	}
	members = p;
	p[nmembers].display = ha_strdup(display);
	if (!p[nmembers].display) {
		close(fd);
		return HA_ERR_NOMEM;
	}
	snprintf(p[nmembers].sha256, sizeof p[nmembers].sha256, "%s",
	         sha256 && strlen(sha256) == 64 ? sha256 : "");
	p[nmembers++].fd = fd;
	return HA_OK;
}

int ha_input_sha256(const char *path, char hex[65])
{
	size_t i;

	for (i = 0; i < nmembers; i++)
		if (!strcmp(members[i].display, path) && members[i].sha256[0]) {
			memcpy(hex, members[i].sha256, 65);
			return 1;
		}
	return 0;
}

void ha_member_clear(void)
{
	size_t i;

	for (i = 0; i < nmembers; i++) {
		free(members[i].display);
		close(members[i].fd);
	}
	free(members);
	members = NULL;
	nmembers = 0;
}

int ha_input_open(const char *path, int flags)
{
	size_t i;

	for (i = 0; i < nmembers; i++) {
		if (!strcmp(members[i].display, path)) {
			char pp[64];

			/* A new open file description, so that two readers of
			 * one member do not share a file offset. */
			snprintf(pp, sizeof pp, "/proc/self/fd/%d", members[i].fd);
			return open(pp, O_RDONLY | O_CLOEXEC);
		}
	}
	/* A worker reading a container host opens members only: a member
	 * that could not be extracted must not be looked for on disk under
	 * its display name. */
	if (nmembers && strstr(path, HA_CONT_SEP)) {
		errno = ENOENT;
		return -1;
	}
	return open(path, flags);
}

/* ------------------------------------------------------------ lists */

struct ha_centry *ha_clist_add(struct ha_clist *l, const char *name)
{
	struct ha_centry *e;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *p = realloc(l->v, cap * sizeof *l->v);

		if (!p)
			return NULL;
		l->v = p;
		l->cap = cap;
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof *e);
	e->bb_kind = HA_FK_UNKNOWN;
	e->name = ha_strdup(name);
	if (!e->name)
		return NULL;
	l->n++;
	return e;
}

void ha_clist_free(struct ha_clist *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].problem);
	}
	free(l->v);
	for (i = 0; i < l->nhashes; i++)
		free(l->hashes[i].path);
	free(l->hashes);
	free(l->hostname);
	free(l->problem);
	memset(l, 0, sizeof *l);
}

void ha_container_job_free(struct ha_container_job *cj)
{
	size_t i;

	if (!cj)
		return;
	free(cj->file);
	for (i = 0; i < cj->nchain; i++)
		free(cj->chain[i]);
	free(cj->chain);
	for (i = 0; i < cj->nmembers; i++) {
		free(cj->display[i]);
		free(cj->inner[i]);
		if (cj->expect)
			free(cj->expect[i]);
	}
	free(cj->display);
	free(cj->inner);
	free(cj->expect);
	free(cj->sha256);
	free(cj);
}

const char *ha_job_container_file(const struct ha_host_job *job)
{
	return job->container ? job->container->file : NULL;
}

const char *ha_job_container_sha256(const struct ha_host_job *job)
{
	return job->container ? job->container->sha256 : NULL;
}

const char *ha_job_inner_path(const struct ha_host_job *job, const char *path)
{
	const char *f = ha_job_container_file(job);
	size_t n = f ? strlen(f) : 0;

	if (!f || strncmp(path, f, n) || strncmp(path + n, HA_CONT_SEP, strlen(HA_CONT_SEP)))
		return NULL;
	return path + n + strlen(HA_CONT_SEP);
}

int ha_fleet_note(struct ha_fleet *fleet, struct ha_err *err, const char *fmt, ...)
{
	struct ha_buf b;
	va_list ap;
	char **p;

	ha_buf_init(&b, 0);
	va_start(ap, fmt);
	ha_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	p = realloc(fleet->notes, (fleet->nnotes + 1) * sizeof *p);
	if (!p || ha_buf_status(&b)) {
		ha_buf_free(&b);
		if (p)
			fleet->notes = p;
		return ha_err_nomem(err);
	}
	fleet->notes = p;
	p[fleet->nnotes++] = ha_buf_detach(&b, NULL);
	return HA_OK;
}

/* ------------------------------------------------------------ names */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void ha_velo_unescape(const char *s, size_t n, struct ha_buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0 && (hi || lo)) {
			ha_buf_putc(out, (char)(hi << 4 | lo));
			i += 2;
		} else {
			ha_buf_putc(out, s[i]);
		}
	}
}

char *ha_velo_decode(const char *s, size_t n)
{
	struct ha_buf b;

	ha_buf_init(&b, 0);
	ha_velo_unescape(s, n, &b);
	ha_buf_putc(&b, '\0');
	if (ha_buf_status(&b)) {
		ha_buf_free(&b);
		return NULL;
	}
	return ha_buf_detach(&b, NULL);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "YYYY-MM-DDT" at p (at least 11 characters left). */
static int date_at(const char *p, size_t left)
{
	return left >= 11 && is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]) &&
	       p[4] == '-' && is_digit(p[5]) && is_digit(p[6]) && p[7] == '-' && is_digit(p[8]) &&
	       is_digit(p[9]) && p[10] == 'T';
}

char *ha_container_label(const char *path)
{
	static const char *const exts[] = {".zip", ".7z",  ".tar", ".tgz",  ".txz", ".tbz2", ".gz",
	                                   ".xz",  ".bz2", ".zst", ".vhdx", ".vhd", ".vmdk", ".e01",
	                                   ".raw", ".dd",  ".img", ".001",  ".bin", ".ex01"};
	const char *b = strrchr(path, '/');
	size_t n, i, k, round;

	b = b ? b + 1 : path;
	n = strlen(b);
	for (round = 0; round < 3; round++) {
		int cut = 0;

		for (i = 0; i < sizeof exts / sizeof exts[0] && !cut; i++) {
			k = strlen(exts[i]);
			if (n > k && ha_ascii_ncasecmp(b + n - k, exts[i], k) == 0) {
				n -= k;
				cut = 1;
			}
		}
		if (!cut)
			break;
	}
	/* Velociraptor: Collection-<Hostname or FQDN>-<timestamp>. */
	if (n > 11 && strncmp(b, "Collection-", 11) == 0) {
		const char *h = b + 11;
		size_t hn = n - 11;

		for (i = 1; i + 1 < hn; i++) {
			if (h[i] == '-' && date_at(h + i + 1, hn - i - 1))
				return ha_strndup(h, i);
		}
		return ha_strndup(h, hn);
	}
	/* KAPE: <timestamp>_<base>. */
	if (date_at(b, n)) {
		for (i = 11; i + 1 < n; i++)
			if (b[i] == '_')
				return ha_strndup(b + i + 1, n - i - 1);
	}
	return ha_strndup(b, n ? n : strlen(b));
}

int ha_container_sniff(const uint8_t *p, size_t n, const char *name)
{
	static const uint8_t ewf[8] = {'E', 'V', 'F', 0x09, 0x0D, 0x0A, 0xFF, 0x00};
	size_t nl = name ? strlen(name) : 0;

	if (n >= 4 && p[0] == 'P' && p[1] == 'K' &&
	    ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6) || (p[2] == 7 && p[3] == 8)))
		return HA_CONT_ARCHIVE;
	if (n >= 6 && !memcmp(p, "7z\xBC\xAF\x27\x1C", 6))
		return HA_CONT_ARCHIVE;
	if (n >= 3 && p[0] == 0x1F && p[1] == 0x8B && p[2] == 8)
		return HA_CONT_ARCHIVE; /* gzip: a .tar.gz (a lone .gz is refused when listed) */
	if (n >= 6 && !memcmp(p,
	                      "\xFD"
	                      "7zXZ\0",
	                      6))
		return HA_CONT_ARCHIVE;
	if (n >= 4 && !memcmp(p, "BZh", 3) && p[3] >= '1' && p[3] <= '9')
		return HA_CONT_ARCHIVE;
	if (n >= 4 && !memcmp(p, "\x28\xB5\x2F\xFD", 4))
		return HA_CONT_ARCHIVE;
	if (n >= 262 && !memcmp(p + 257, "ustar", 5))
		return HA_CONT_ARCHIVE;
	/* EWF: only the first segment (segment number 1 at offset 9). */
	if (n >= 11 && !memcmp(p, ewf, 8))
		return p[9] == 1 && p[10] == 0 ? HA_CONT_IMAGE : HA_CONT_NONE;
	if (n >= 8 && (!memcmp(p, "vhdxfile", 8) || !memcmp(p, "conectix", 8)))
		return HA_CONT_IMAGE;
	if (n >= 4 && !memcmp(p, "KDMV", 4))
		return HA_CONT_IMAGE;
	if (n >= 21 && !memcmp(p, "# Disk DescriptorFile", 21))
		return HA_CONT_IMAGE;
	if (n >= 11 && (!memcmp(p + 3, "NTFS    ", 8) || !memcmp(p + 3, "-FVE-FS-", 8)))
		return HA_CONT_IMAGE; /* a bare NTFS or BitLocker volume */
	if (n >= 512 && p[510] == 0x55 && p[511] == 0xAA) {
		size_t i;

		if (n >= 520 && !memcmp(p + 512, "EFI PART", 8))
			return HA_CONT_IMAGE;
		/* MBR: a partition of a type Windows installs on. */
		for (i = 0; i < 4; i++) {
			uint8_t t = p[446 + 16 * i + 4];

			if ((p[446 + 16 * i] & 0x7F) == 0 && (t == 0x07 || t == 0xEE || t == 0x27))
				return HA_CONT_IMAGE;
		}
	}
	/* A fixed VHD keeps its footer only at the end. */
	if (nl > 4 && ha_ascii_caseeq(name + nl - 4, ".vhd"))
		return HA_CONT_IMAGE;
	return HA_CONT_NONE;
}

/* -------------------------------------------------------------- JSON */

/* Collector records (client_info.json, uploads.json lines) are parsed with
 * jansson: only the first JSON value of the text is read (a JSON Lines file
 * is read from its first object), strings holding U+0000 are refused, and
 * nesting is bounded by jansson's own depth limit. */
char *ha_json_top_string(const char *s, size_t n, const char *key)
{
	json_error_t jerr;
	json_t *root = json_loadb(s, n, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
	const char *k;
	json_t *v;
	char *out = NULL;

	if (!root)
		return NULL;
	if (json_is_object(root)) {
		json_object_foreach(root, k, v)
		{
			if (ha_ascii_caseeq(k, key) && json_is_string(v)) {
				out = ha_strndup(json_string_value(v), json_string_length(v));
				break;
			}
		}
	}
	json_decref(root);
	return out;
}

/* ------------------------------------------------------------ layout */

enum cls { C_IGNORE, C_CANDIDATE, C_HIVE, C_LOG, C_BACKUP };

struct item {
	size_t entry;
	char *path;    /* decoded, '/'-separated, no empty or "." components */
	char *dir;     /* its folder */
	char *hostdir; /* the collection folder */
	const char *name;
	enum cls cls;
	int hint;
	char *hint_why;
	char *skip; /* skip reason (backup, duplicate) */
	int skip_status;
};

static const char *const accessors[] = {"auto", "ntfs", "lazy_ntfs", "ntfs_vss",
                                        "mft",  "file", "raw_ntfs",  "vss"};

static int is_accessor(const char *c, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof accessors / sizeof accessors[0]; i++)
		if (strlen(accessors[i]) == n && !strncmp(c, accessors[i], n))
			return 1;
	return 0;
}

/* Components of a path, as (start, length) pairs into a decoded copy. */
struct comps {
	size_t n;
	char *c[256];
};

static void comps_free(struct comps *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		free(cs->c[i]);
	cs->n = 0;
}

/* Splits raw on '/' (and '\\' when bs), decoding each component with
 * Velociraptor's escaping when velo.  Returns 0, 1 when a component is
 * "..", 2 when too deep, -1 on allocation failure. */
static int split(const char *raw, int bs, int velo, struct comps *cs)
{
	const char *p = raw;

	cs->n = 0;
	while (*p) {
		size_t k = 0;

		while (p[k] && p[k] != '/' && !(bs && p[k] == '\\'))
			k++;
		if (k) {
			char *c;

			if (cs->n == sizeof cs->c / sizeof cs->c[0])
				return 2;
			c = velo ? ha_velo_decode(p, k) : ha_strndup(p, k);
			if (!c)
				return -1;
			/* Velociraptor escapes bytes that are not UTF-8; decoded,
			 * they become U+FFFD here (labels are text), while the
			 * entry itself is still found by its raw name. */
			if (!ha_utf8_valid(c, strlen(c))) {
				struct ha_buf u;

				ha_buf_init(&u, 0);
				ha_utf8_sanitize(&u, c, strlen(c));
				ha_buf_putc(&u, '\0');
				free(c);
				if (ha_buf_status(&u)) {
					ha_buf_free(&u);
					return -1;
				}
				c = ha_buf_detach(&u, NULL);
			}
			/* Judged after decoding: "%2E%2E" is ".." too. */
			if (!strcmp(c, "..")) {
				free(c);
				return 1;
			}
			if (!c[0] || !strcmp(c, "."))
				free(c);
			else
				cs->c[cs->n++] = c;
		}
		p += k;
		if (*p)
			p++;
	}
	return 0;
}

static char *join(struct comps *cs, size_t from, size_t to)
{
	struct ha_buf b;
	size_t i;

	ha_buf_init(&b, 0);
	for (i = from; i < to; i++) {
		if (i > from)
			ha_buf_putc(&b, '/');
		ha_buf_puts(&b, cs->c[i]);
	}
	ha_buf_putc(&b, '\0');
	if (ha_buf_status(&b)) {
		ha_buf_free(&b);
		return NULL;
	}
	return ha_buf_detach(&b, NULL);
}

static int is_drive(const char *a)
{
	size_t cc = strlen(a);

	return (cc == 1 || (cc == 2 && (a[1] == ':' || a[1] == '$' || a[1] == '_'))) &&
	       ((a[0] >= 'A' && a[0] <= 'Z') || (a[0] >= 'a' && a[0] <= 'z'));
}

/* Number of leading components that make the collection folder, for a
 * file whose folder is comps[0..nd): strips [drive/](Windows|WINNT)/
 * System32/config[/RegBack]. */
static size_t host_len(struct comps *cs, size_t nd, int *regback)
{
	size_t l = nd;

	*regback = 0;
	if (l >= 2 && ha_ascii_caseeq(cs->c[l - 1], "RegBack") &&
	    ha_ascii_caseeq(cs->c[l - 2], "config")) {
		*regback = 1;
		l--;
	}
	if (l >= 3 && ha_ascii_caseeq(cs->c[l - 1], "config") &&
	    ha_ascii_caseeq(cs->c[l - 2], "System32") &&
	    (ha_ascii_caseeq(cs->c[l - 3], "Windows") || ha_ascii_caseeq(cs->c[l - 3], "WINNT"))) {
		l -= 3;
		if (l >= 1 && is_drive(cs->c[l - 1]))
			l--;
	}
	return l;
}

static int by_path(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->hostdir, y->hostdir);

	if (c)
		return c;
	c = ha_ascii_casecmp(x->path, y->path);
	return c ? c : (x->entry < y->entry ? -1 : x->entry > y->entry);
}

static int lay_note(struct ha_clayout *lay, const char *fmt, ...) HA_PRINTF(2, 3);
static int lay_note(struct ha_clayout *lay, const char *fmt, ...)
{
	struct ha_buf b;
	va_list ap;
	char **p;

	ha_buf_init(&b, 0);
	va_start(ap, fmt);
	ha_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	p = realloc(lay->notes, (lay->nnotes + 1) * sizeof *p);
	if (!p || ha_buf_status(&b)) {
		ha_buf_free(&b);
		if (p)
			lay->notes = p;
		return HA_ERR_NOMEM;
	}
	lay->notes = p;
	p[lay->nnotes++] = ha_buf_detach(&b, NULL);
	return HA_OK;
}

/* Classifies entry e into it (path already set); mirrors discover.c's
 * add_file, on the entry's first bytes instead of a file's. */
static int classify(const struct ha_centry *e, struct item *it, int regback, int vss)
{
	int hint_name = ha_kind_from_name(it->name), hint_bb = e->bb_kind;

	if (e->is_regf && e->bb_log && !ha_log_owner_len(it->name) &&
	    (hint_name == HA_FK_SYSTEM || hint_name == HA_FK_SOFTWARE)) {
		it->cls = C_CANDIDATE;
		it->hint = hint_name;
		it->hint_why = ha_asprintf("file name \"%s\"", it->name);
		return it->hint_why ? HA_OK : HA_ERR_NOMEM;
	}
	if ((e->is_regf && e->bb_log) || ha_log_owner_len(it->name)) {
		/* A text file called *.log (a collector's own log) is not a
		 * transaction log; "SYSTEM.LOG1" is, whatever it holds. */
		size_t ol = ha_log_owner_len(it->name);
		char *owner = ol ? ha_strndup(it->name, ol) : NULL;

		if (ol && !owner)
			return HA_ERR_NOMEM;
		it->cls = e->is_regf || (owner && ha_kind_from_name(owner) != HA_FK_UNKNOWN)
		                  ? C_LOG
		                  : C_IGNORE;
		free(owner);
		return HA_OK;
	}
	if (regback || vss || ha_backup_name(it->name)) {
		it->cls = C_BACKUP;
		it->hint = hint_bb != HA_FK_UNKNOWN ? hint_bb : hint_name;
		it->skip_status = HA_HS_SKIPPED;
		it->skip =
		        ha_strdup(vss       ? "a volume shadow copy (a backup), not the live hive"
		                  : regback ? "a RegBack copy (a backup), not the live hive"
		                            : "a backup copy (.sav/.bak/.old), not the live hive");
		return it->skip ? HA_OK : HA_ERR_NOMEM;
	}
	if (!e->is_regf) {
		if (hint_name == HA_FK_SYSTEM || hint_name == HA_FK_SOFTWARE) {
			it->cls = C_CANDIDATE;
			it->hint = hint_name;
			it->hint_why = ha_asprintf("file name \"%s\"", it->name);
			return it->hint_why ? HA_OK : HA_ERR_NOMEM;
		}
		it->cls = C_IGNORE;
		return HA_OK;
	}
	if (hint_name == HA_FK_SYSTEM || hint_name == HA_FK_SOFTWARE || hint_bb == HA_FK_UNKNOWN) {
		it->hint = hint_name;
		if (hint_name != HA_FK_UNKNOWN) {
			it->hint_why = ha_asprintf("file name \"%s\"", it->name);
			if (!it->hint_why)
				return HA_ERR_NOMEM;
		}
	} else {
		it->hint = hint_bb;
		it->hint_why =
		        ha_asprintf("embedded name of the hive (%s)", ha_file_kind_name(hint_bb));
		if (!it->hint_why)
			return HA_ERR_NOMEM;
	}
	it->cls =
	        it->hint == HA_FK_UNKNOWN || it->hint == HA_FK_SYSTEM || it->hint == HA_FK_SOFTWARE
	                ? C_CANDIDATE
	                : C_HIVE;
	return HA_OK;
}

/* Makes the item for entry i; it->cls stays C_IGNORE for entries that are
 * not ours.  HA_ERR_NOMEM only. */
static int make_item(const struct ha_clist *l, size_t i, struct item *it, struct ha_clayout *lay)
{
	const struct ha_centry *e = &l->v[i];
	struct comps cs;
	size_t from = 0, nd, hl;
	int rc, velo = 0, vss = 0, regback = 0, bs = strchr(e->name, '\\') != NULL;

	memset(it, 0, sizeof *it);
	it->entry = i;
	it->cls = C_IGNORE;
	if (e->type == HA_CE_DIR || e->nested)
		return HA_OK;
	if (e->type == HA_CE_SYMLINK || e->type == HA_CE_HARDLINK)
		return lay_note(lay, "%s: a %s entry, not followed", e->name,
		                e->type == HA_CE_SYMLINK ? "symbolic link" : "hard link");
	if (e->type != HA_CE_FILE)
		return lay_note(lay, "%s: not a regular file entry, skipped", e->name);
	if (e->name[0] == '/' || (bs && e->name[0] == '\\') ||
	    (e->name[0] && e->name[1] == ':' && is_drive((char[]){e->name[0], 0})))
		return lay_note(lay,
		                "%s: absolute entry name, skipped (a collector never writes one)",
		                e->name);
	/* Velociraptor's uploads/ tree, and its older <accessor>/<path>. */
	if (!strncmp(e->name, "uploads/", 8) || l->velociraptor)
		velo = 1;
	rc = split(e->name, bs, velo, &cs);
	if (rc == 1) {
		comps_free(&cs);
		return lay_note(lay, "%s: entry name with a \"..\" component, skipped", e->name);
	}
	if (rc == 2) {
		comps_free(&cs);
		return lay_note(lay, "%s: entry name deeper than 256 folders, skipped", e->name);
	}
	if (rc < 0) {
		comps_free(&cs);
		return HA_ERR_NOMEM;
	}
	if (!cs.n)
		return HA_OK;
	if (velo && cs.n > 2 && !strcmp(cs.c[0], "uploads") &&
	    is_accessor(cs.c[1], strlen(cs.c[1])))
		from = 2;
	else if (velo && l->velociraptor && cs.n > 1 && is_accessor(cs.c[0], strlen(cs.c[0])))
		from = 1;
	if (from && cs.n > from + 1) {
		char *dev = cs.c[from];

		/* "\\.\C:" (the ntfs accessor) is drive C:; a shadow copy
		 * device ("\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1")
		 * holds an older copy of the volume. */
		if (strstr(dev, "GLOBALROOT") || strstr(dev, "ShadowCopy"))
			vss = 1;
		else if (!strncmp(dev, "\\\\.\\", 4))
			memmove(dev, dev + 4, strlen(dev + 4) + 1);
	}
	if (bs) {
		rc = lay_note(lay,
		              "%s: entry name with backslashes, read with '\\' as the separator",
		              e->name);
		if (rc) {
			comps_free(&cs);
			return rc;
		}
	}
	nd = cs.n - 1;
	hl = host_len(&cs, nd, &regback);
	if (hl < from)
		hl = from;
	it->path = join(&cs, from, cs.n);
	it->dir = join(&cs, from, nd);
	it->hostdir = join(&cs, from, hl);
	comps_free(&cs);
	if (!it->path || !it->dir || !it->hostdir)
		return HA_ERR_NOMEM;
	it->name = strrchr(it->path, '/') ? strrchr(it->path, '/') + 1 : it->path;
	if (e->problem) {
		/* Unreadable entries (encrypted without a password, an
		 * unsupported method) still name the hive they would hold. */
		int k = ha_kind_from_name(it->name);

		if (ha_log_owner_len(it->name) || (k != HA_FK_SYSTEM && k != HA_FK_SOFTWARE)) {
			it->cls = C_IGNORE;
			return HA_OK;
		}
		it->cls = C_CANDIDATE;
		it->hint = k;
		it->skip_status = HA_HS_UNREADABLE;
		it->skip = ha_strdup(e->problem);
		it->hint_why = ha_asprintf("file name \"%s\"", it->name);
		return it->skip && it->hint_why ? HA_OK : HA_ERR_NOMEM;
	}
	return classify(e, it, regback, vss);
}

static void item_free(struct item *it)
{
	free(it->path);
	free(it->dir);
	free(it->hostdir);
	free(it->hint_why);
	free(it->skip);
}

static int add_host(struct ha_clayout *lay, struct item *v, size_t n)
{
	struct ha_chost *h;
	size_t i, j, nf = 0;
	int any = 0;
	void *p;

	for (i = 0; i < n; i++)
		if (v[i].cls == C_CANDIDATE)
			any = 1;
	if (!any) {
		for (i = 0; i < n; i++) {
			int rc = HA_OK;

			if (v[i].cls == C_HIVE)
				rc = lay_note(lay,
				              "%s: %s hive outside any host folder, not audited",
				              v[i].path, ha_file_kind_name(v[i].hint));
			else if (v[i].cls == C_BACKUP)
				rc = lay_note(lay, "%s: %s", v[i].path, v[i].skip);
			if (rc)
				return rc;
		}
		return HA_OK;
	}
	p = realloc(lay->hosts, (lay->nhosts + 1) * sizeof *lay->hosts);
	if (!p)
		return HA_ERR_NOMEM;
	lay->hosts = p;
	h = &lay->hosts[lay->nhosts++];
	memset(h, 0, sizeof *h);
	h->prefix = ha_strdup(v[0].hostdir);
	if (!h->prefix)
		return HA_ERR_NOMEM;
	if (v[0].hostdir[0]) {
		const char *b = strrchr(v[0].hostdir, '/');

		h->label = ha_strdup(b ? b + 1 : v[0].hostdir);
		if (!h->label)
			return HA_ERR_NOMEM;
	}
	h->files = calloc(n, sizeof *h->files);
	if (!h->files)
		return HA_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		struct ha_cfile *f;

		if (v[i].cls != C_CANDIDATE && v[i].cls != C_BACKUP && v[i].cls != C_HIVE)
			continue;
		f = &h->files[nf++];
		f->entry = v[i].entry;
		f->path = ha_strdup(v[i].path);
		if (!f->path)
			return HA_ERR_NOMEM;
		f->hint = v[i].hint;
		f->hint_why = v[i].hint_why;
		v[i].hint_why = NULL;
		f->skip_status = v[i].skip_status;
		f->skip_reason = v[i].skip;
		v[i].skip = NULL;
	}
	h->nfiles = nf;
	for (i = 0; i < n; i++) {
		size_t ol;
		int done = 0;

		if (v[i].cls != C_LOG)
			continue;
		ol = ha_log_owner_len(v[i].name);
		for (j = 0; ol && j < n && !done; j++) {
			size_t k;

			if (v[j].cls == C_LOG || v[j].cls == C_IGNORE ||
			    strcmp(v[j].dir, v[i].dir) || strlen(v[j].name) != ol ||
			    ha_ascii_ncasecmp(v[j].name, v[i].name, ol))
				continue;
			for (k = 0; k < nf; k++) {
				struct ha_cfile *f = &h->files[k];

				if (f->entry == v[j].entry && f->nlogs < 4) {
					f->logs[f->nlogs++] = v[i].entry;
					done = 1;
				}
			}
		}
		if (!done) {
			int rc = lay_note(
			        lay, "%s: transaction log without a hive of that name beside it",
			        v[i].path);

			if (rc)
				return rc;
		}
	}
	return HA_OK;
}

int ha_clayout_build(const struct ha_clist *l, struct ha_clayout *out, struct ha_err *err)
{
	struct item *v;
	size_t i, j, n = 0, start;
	int rc = HA_OK;

	memset(out, 0, sizeof *out);
	v = calloc(l->n ? l->n : 1, sizeof *v);
	if (!v)
		return ha_err_nomem(err);
	for (i = 0; i < l->n && !rc; i++) {
		rc = make_item(l, i, &v[n], out);
		if (!rc && v[n].cls != C_IGNORE)
			n++;
		else
			item_free(&v[n]);
	}
	if (!rc)
		qsort(v, n, sizeof *v, by_path);
	/* Two entries for one path (zip allows it): which one Windows had is
	 * unknown, so neither is trusted. */
	for (i = 0; !rc && i < n; i = j) {
		for (j = i + 1; j < n && !strcmp(v[i].hostdir, v[j].hostdir) &&
		                !ha_ascii_casecmp(v[i].path, v[j].path);
		     j++)
			;
		if (j - i > 1) {
			size_t k;

			for (k = i; k < j && !rc; k++) {
				if (v[k].cls == C_LOG)
					v[k].cls = C_IGNORE;
				if (v[k].cls != C_CANDIDATE)
					continue;
				free(v[k].skip);
				v[k].skip =
				        ha_asprintf("the container holds %zu entries named \"%s\"; "
				                    "which one is the hive is unknown",
				                    j - i, v[k].path);
				v[k].skip_status = HA_HS_UNREADABLE;
				if (!v[k].skip)
					rc = HA_ERR_NOMEM;
			}
			for (k = i + 1; k < j; k++)
				if (v[k].cls == C_CANDIDATE)
					v[k].cls = C_IGNORE; /* one file, one status */
		}
	}
	for (start = 0, i = 1; !rc && i <= n; i++) {
		if (i == n || strcmp(v[i].hostdir, v[start].hostdir)) {
			rc = add_host(out, v + start, i - start);
			start = i;
		}
	}
	for (i = 0; i < n; i++)
		item_free(&v[i]);
	free(v);
	if (rc) {
		ha_clayout_free(out);
		return ha_err_nomem(err);
	}
	return HA_OK;
}

void ha_clayout_free(struct ha_clayout *lay)
{
	size_t i, j;

	if (!lay)
		return;
	for (i = 0; i < lay->nhosts; i++) {
		for (j = 0; j < lay->hosts[i].nfiles; j++) {
			free(lay->hosts[i].files[j].path);
			free(lay->hosts[i].files[j].hint_why);
			free(lay->hosts[i].files[j].skip_reason);
		}
		free(lay->hosts[i].files);
		free(lay->hosts[i].prefix);
		free(lay->hosts[i].label);
	}
	free(lay->hosts);
	for (i = 0; i < lay->nnotes; i++)
		free(lay->notes[i]);
	free(lay->notes);
	memset(lay, 0, sizeof *lay);
}

/* Appends s with control characters as \xNN, so that one host stays one
 * line whatever a decoded name holds ("%0A" is a newline). */
static void put_visible(struct ha_buf *b, const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			ha_buf_printf(b, "\\x%02x", (unsigned char)*s);
		else
			ha_buf_putc(b, *s);
	}
}

char *ha_container_layout_text(const char *names, size_t n)
{
	struct ha_clist l;
	struct ha_clayout lay;
	struct ha_buf b;
	struct ha_err err;
	size_t i = 0, h, f, k;
	char *out = NULL;

	memset(&l, 0, sizeof l);
	ha_buf_init(&b, (size_t)16 << 20);
	while (i < n) {
		size_t e = i, len;
		char *line;
		struct ha_centry *ce;
		int regf = 0;

		while (e < n && names[e] != '\n')
			e++;
		len = e - i;
		if (len >= 5 && !memcmp(names + i, "regf:", 5)) {
			regf = 1;
			i += 5;
			len -= 5;
		}
		line = ha_strndup(names + i, len);
		if (!line)
			goto out;
		if (memchr(line, '\0', len) == NULL && len) {
			ce = ha_clist_add(&l, line);
			if (!ce) {
				free(line);
				goto out;
			}
			ce->is_regf = regf;
			if (line[len - 1] == '/')
				ce->type = HA_CE_DIR;
			if (!strcmp(line, "uploads.json") || !strcmp(line, "client_info.json"))
				l.velociraptor = 1;
		}
		free(line);
		i = e + 1;
	}
	ha_err_clear(&err);
	if (ha_clayout_build(&l, &lay, &err))
		goto out;
	for (h = 0; h < lay.nhosts; h++) {
		const struct ha_chost *ho = &lay.hosts[h];

		put_visible(&b, ho->label ? ho->label : "*");
		ha_buf_putc(&b, '\t');
		put_visible(&b, ho->prefix);
		ha_buf_putc(&b, '\t');
		for (f = 0; f < ho->nfiles; f++) {
			if (f)
				ha_buf_putc(&b, '|');
			put_visible(&b, l.v[ho->files[f].entry].name);
			for (k = 0; k < ho->files[f].nlogs; k++) {
				ha_buf_putc(&b, '+');
				put_visible(&b, l.v[ho->files[f].logs[k]].name);
			}
			if (ho->files[f].skip_status)
				ha_buf_puts(&b, "(skipped)");
		}
		ha_buf_putc(&b, '\n');
	}
	for (k = 0; k < lay.nnotes; k++) {
		ha_buf_puts(&b, "note: ");
		put_visible(&b, lay.notes[k]);
		ha_buf_putc(&b, '\n');
	}
	ha_clayout_free(&lay);
	ha_buf_putc(&b, '\0');
	if (!ha_buf_status(&b))
		out = ha_buf_detach(&b, NULL);
out:
	ha_buf_free(&b);
	ha_clist_free(&l);
	return out;
}

/* ------------------------------------------------------- recorded hashes */

int ha_clist_add_hash(struct ha_clist *l, const char *path, size_t plen, const char *hex, int sha1)
{
	size_t want = sha1 ? 40 : 64, i, k;
	struct ha_chash *h;
	void *p;
	char *q;

	if (strlen(hex) != want)
		return HA_OK;
	for (i = 0; i < want; i++)
		if (hexval(hex[i]) < 0)
			return HA_OK;
	/* "\\.\C:\Windows\..." and "C:\Windows\..." are the same file. */
	if (plen >= 4 && (!strncmp(path, "\\\\.\\", 4) || !strncmp(path, "\\\\?\\", 4))) {
		path += 4;
		plen -= 4;
	}
	if (!plen)
		return HA_OK;
	p = realloc(l->hashes, (l->nhashes + 1) * sizeof *l->hashes);
	if (!p)
		return HA_ERR_NOMEM;
	l->hashes = p;
	h = &l->hashes[l->nhashes];
	q = ha_strndup(path, plen);
	if (!q)
		return HA_ERR_NOMEM;
	for (k = 0; q[k]; k++)
		if (q[k] == '\\')
			q[k] = '/';
	h->path = q;
	h->sha1 = sha1;
	for (i = 0; i < want; i++)
		h->hex[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
	h->hex[want] = '\0';
	l->nhashes++;
	return HA_OK;
}

/* One CSV record starting at s[*i]: fields into f (at most nf), each
 * malloc'd; returns the count, or -1 on allocation failure. */
static int csv_record(const char *s, size_t n, size_t *i, char **f, int nf)
{
	int k = 0;

	while (*i < n) {
		struct ha_buf b;

		ha_buf_init(&b, 1 << 16);
		if (s[*i] == '"') {
			(*i)++;
			while (*i < n) {
				if (s[*i] == '"' && *i + 1 < n && s[*i + 1] == '"') {
					ha_buf_putc(&b, '"');
					*i += 2;
				} else if (s[*i] == '"') {
					(*i)++;
					break;
				} else {
					ha_buf_putc(&b, s[(*i)++]);
				}
			}
		}
		while (*i < n && s[*i] != ',' && s[*i] != '\n' && s[*i] != '\r')
			ha_buf_putc(&b, s[(*i)++]);
		ha_buf_putc(&b, '\0');
		if (ha_buf_status(&b)) {
			ha_buf_free(&b);
			while (k)
				free(f[--k]);
			return -1;
		}
		if (k < nf)
			f[k++] = ha_buf_detach(&b, NULL);
		else
			ha_buf_free(&b);
		if (*i < n && s[*i] == ',') {
			(*i)++;
			continue;
		}
		while (*i < n && (s[*i] == '\r' || s[*i] == '\n'))
			(*i)++;
		break;
	}
	return k;
}

int ha_clist_read_hashes(struct ha_clist *l, const char *s, size_t n, int kape)
{
	size_t i = 0;

	if (kape) {
		char *f[16];
		int nf, c, src = -1, dst = -1, sha = -1, rc = HA_OK;

		nf = csv_record(s, n, &i, f, 16);
		if (nf < 0)
			return HA_ERR_NOMEM;
		for (c = 0; c < nf; c++) {
			if (ha_ascii_caseeq(f[c], "SourceFile"))
				src = c;
			else if (ha_ascii_caseeq(f[c], "DestinationFile"))
				dst = c;
			else if (ha_ascii_caseeq(f[c], "SourceFileSha1"))
				sha = c;
			free(f[c]);
		}
		if (dst < 0 || sha < 0)
			return HA_OK;
		(void)src;
		while (!rc && i < n) {
			nf = csv_record(s, n, &i, f, 16);
			if (nf < 0)
				return HA_ERR_NOMEM;
			if (nf > dst && nf > sha)
				rc = ha_clist_add_hash(l, f[dst], strlen(f[dst]), f[sha], 1);
			for (c = 0; c < nf; c++)
				free(f[c]);
		}
		return rc;
	}
	while (i < n) {
		size_t e = i;
		char *src, *sha;
		int rc = HA_OK;

		while (e < n && s[e] != '\n')
			e++;
		src = ha_json_top_string(s + i, e - i, "SourceFile");
		sha = ha_json_top_string(s + i, e - i, "SourceFileSha256");
		if (src && sha)
			rc = ha_clist_add_hash(l, src, strlen(src), sha, 0);
		free(src);
		free(sha);
		if (rc)
			return rc;
		i = e + 1;
	}
	return HA_OK;
}

/* The hash recorded for a file at `path` inside the level: Velociraptor
 * records the source path ("C:/Windows/..."), KAPE the destination
 * ("D:/out/C/Windows/..."), whose tail is the path inside the container. */
static const struct ha_chash *find_hash(const struct ha_clist *l, const char *path)
{
	size_t i, pl = strlen(path);

	for (i = 0; i < l->nhashes; i++) {
		const char *hp = l->hashes[i].path;
		size_t hl = strlen(hp);

		if (!ha_ascii_casecmp(hp, path))
			return &l->hashes[i];
		if (l->hashes[i].sha1 && hl > pl && hp[hl - pl - 1] == '/' &&
		    !ha_ascii_casecmp(hp + hl - pl, path))
			return &l->hashes[i];
	}
	return NULL;
}

/* ------------------------------------------------------- hosts of a level */

static char *dup_or_null(const char *s, int *fail)
{
	char *d = s ? ha_strdup(s) : NULL;

	if (s && !d)
		*fail = 1;
	return d;
}

int ha_container_add_hosts(const char *file, const char *const *chain, size_t nchain,
                           const char *shown, const char *lead, const char *label,
                           const struct ha_clist *l, struct ha_fleet *fleet, struct ha_err *err)
{
	struct ha_clayout lay;
	size_t h, i, k;
	int rc, fail = 0;

	rc = ha_clayout_build(l, &lay, err);
	if (rc)
		return rc;
	for (i = 0; i < lay.nnotes && !rc; i++)
		rc = ha_fleet_note(fleet, err, "%s%s%s", shown, HA_CONT_SEP, lay.notes[i]);
	if (!rc && !lay.nhosts && !l->nnested)
		rc = ha_fleet_note(fleet, err,
		                   "%s: no SYSTEM or SOFTWARE hive inside (%zu entries)", shown,
		                   l->n);
	for (h = 0; h < lay.nhosts && !rc; h++) {
		const struct ha_chost *ch = &lay.hosts[h];
		struct ha_host_job *job;
		struct ha_container_job *cj;
		size_t nm = 0, f;
		void *p;

		p = realloc(fleet->hosts, (fleet->nhosts + 1) * sizeof *fleet->hosts);
		if (!p)
			goto nomem;
		fleet->hosts = p;
		job = &fleet->hosts[fleet->nhosts++];
		memset(job, 0, sizeof *job);
		job->label = ha_strdup(ch->label ? ch->label : label);
		job->dir = ch->prefix[0] ? ha_asprintf("%s%s%s", shown, HA_CONT_SEP, ch->prefix)
		                         : ha_strdup(shown);
		job->files = calloc(ch->nfiles ? ch->nfiles : 1, sizeof *job->files);
		cj = job->container = calloc(1, sizeof *cj);
		if (!job->label || !job->dir || !job->files || !cj)
			goto nomem;
		for (f = 0; f < ch->nfiles; f++)
			nm += 1 + ch->files[f].nlogs;
		cj->file = ha_strdup(file);
		cj->final = HA_CJ_ARCHIVE;
		cj->chain = calloc(nchain ? nchain : 1, sizeof *cj->chain);
		cj->display = calloc(nm ? nm : 1, sizeof *cj->display);
		cj->inner = calloc(nm ? nm : 1, sizeof *cj->inner);
		cj->expect = calloc(nm ? nm : 1, sizeof *cj->expect);
		if (!cj->file || !cj->chain || !cj->display || !cj->inner || !cj->expect)
			goto nomem;
		for (i = 0; i < nchain; i++) {
			cj->chain[i] = ha_strdup(chain[i]);
			if (!cj->chain[i])
				goto nomem;
			cj->nchain++;
		}
		for (f = 0; f < ch->nfiles; f++) {
			const struct ha_cfile *cf = &ch->files[f];
			struct ha_job_file *jf = &job->files[job->nfiles++];
			const char *en = l->v[cf->entry].name;

			jf->path = ha_asprintf("%s%s%s%s", shown, HA_CONT_SEP, lead, en);
			jf->hint = cf->hint;
			jf->hint_why = dup_or_null(cf->hint_why, &fail);
			jf->is_regf = l->v[cf->entry].is_regf;
			jf->skip_status = cf->skip_status;
			jf->skip_reason = dup_or_null(cf->skip_reason, &fail);
			if (!jf->path || fail)
				goto nomem;
			if (cf->skip_status)
				continue; /* never read: nothing to extract */
			cj->display[cj->nmembers] = ha_strdup(jf->path);
			cj->inner[cj->nmembers] = ha_asprintf("%s%s", lead, en);
			if (!cj->display[cj->nmembers] || !cj->inner[cj->nmembers])
				goto nomem;
			{
				const struct ha_chash *hh = find_hash(l, cf->path);

				if (hh &&
				    !(cj->expect[cj->nmembers] = ha_asprintf(
				              "%s:%s", hh->sha1 ? "sha1" : "sha256", hh->hex)))
					goto nomem;
			}
			cj->nmembers++;
			if (cf->nlogs) {
				jf->logs = calloc(cf->nlogs, sizeof *jf->logs);
				if (!jf->logs)
					goto nomem;
			}
			for (k = 0; k < cf->nlogs; k++) {
				const char *ln = l->v[cf->logs[k]].name;

				jf->logs[k] = ha_asprintf("%s%s%s%s", shown, HA_CONT_SEP, lead, ln);
				if (!jf->logs[k])
					goto nomem;
				jf->nlogs++;
				cj->display[cj->nmembers] = ha_strdup(jf->logs[k]);
				cj->inner[cj->nmembers] = ha_asprintf("%s%s", lead, ln);
				if (!cj->display[cj->nmembers] || !cj->inner[cj->nmembers])
					goto nomem;
				cj->nmembers++;
			}
		}
	}
	ha_clayout_free(&lay);
	return rc;
nomem:
	ha_clayout_free(&lay);
	return ha_err_nomem(err);
}

/* ------------------------------------------------------- entry points */

/* Hashes what fd holds from `off` for `len` bytes into one or two running
 * hashes (b may be NULL), through a mapping of a window at a time (no copy
 * through a buffer, and no more address space than the window).  -1 with
 * errno when it cannot be read; HA_ERR_* from the hash. */
static int hash_span(int fd, uint64_t len, struct ha_sha256 *a, struct ha_sha256 *b,
                     struct ha_err *err)
{
	const uint64_t win = (uint64_t)64 << 20;
	uint64_t off = 0;

	while (off < len) {
		size_t n = (size_t)(len - off < win ? len - off : win);
		void *m = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, (off_t)off);
		int rc;

		if (m == MAP_FAILED)
			return -1;
		madvise(m, n, MADV_SEQUENTIAL);
		rc = ha_sha256_update(a, m, n, err);
		if (!rc && b)
			rc = ha_sha256_update(b, m, n, err);
		munmap(m, n);
		if (rc)
			return rc;
		off += n;
	}
	return 0;
}

/* The container's hash for the chain of evidence: its SHA-256, and for a
 * set of segments (E01, E02, ...; .001, .002, ...) each segment's, with
 * the set's hash over the segments' bytes one after the other (for a split
 * raw image, the SHA-256 of the disk).  Adds the per-segment notes; says in
 * `why` (and leaves hex empty) when it is not computed. */
static int hash_container(struct ha_fleet *fleet, const char *path, int kind, char *hex, char *why,
                          size_t wl, struct ha_err *err)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	char **seg = NULL, (*shex)[65] = NULL;
	uint64_t total = 0, *size = NULL, cap = o->max_hashed ? o->max_hashed : (uint64_t)4 << 30;
	size_t nseg = 1, i;
	struct ha_sha256 set;
	int rc = HA_OK, set_open = 0;

	hex[0] = '\0';
	if (o->no_hash) {
		snprintf(why, wl, "sha256 not computed (--hash none)");
		return HA_OK;
	}
	if (kind == HA_CONT_IMAGE) {
		rc = ha_image_segments(path, &seg, &nseg);
		if (rc)
			return ha_err_set(err, rc, "out of memory");
	}
	size = calloc(nseg, sizeof *size);
	shex = calloc(nseg, sizeof *shex);
	if (!size || !shex) {
		rc = ha_err_nomem(err);
		goto out;
	}
	for (i = 0; i < nseg; i++) {
		struct stat st;

		if (stat(seg ? seg[i] : path, &st) != 0) {
			snprintf(why, wl, "sha256 not computed (%s: %s)", seg ? seg[i] : path,
			         strerror(errno));
			goto out;
		}
		size[i] = (uint64_t)st.st_size;
		total += size[i];
	}
	if (cap != UINT64_MAX && total > cap) {
		snprintf(why, wl,
		         "larger than the %llu MiB hashing limit (%llu MiB%s), sha256 not "
		         "computed",
		         (unsigned long long)(cap >> 20), (unsigned long long)(total >> 20),
		         nseg > 1 ? " in all its segments" : "");
		goto out;
	}
	rc = ha_sha256_init(&set, err);
	if (rc)
		goto out;
	set_open = 1;
	for (i = 0; i < nseg && !rc; i++) {
		struct ha_sha256 one;
		int fd = open(seg ? seg[i] : path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		int r;

		if (fd < 0) {
			snprintf(why, wl, "sha256 not computed (%s: %s)", seg ? seg[i] : path,
			         strerror(errno));
			goto out;
		}
		/* One segment: its hash is the set's. */
		rc = nseg > 1 ? ha_sha256_init(&one, err) : HA_OK;
		if (rc) {
			close(fd);
			break;
		}
		r = hash_span(fd, size[i], &set, nseg > 1 ? &one : NULL, err);
		close(fd);
		if (r) {
			if (nseg > 1)
				ha_sha256_abort(&one);
			if (r > 0) {
				rc = r;
				break;
			}
			snprintf(why, wl, "sha256 not computed (%s: cannot be read: %s)",
			         seg ? seg[i] : path, strerror(errno));
			goto out;
		}
		if (nseg > 1)
			rc = ha_sha256_final(&one, shex[i], err);
	}
	if (!rc) {
		set_open = 0;
		rc = ha_sha256_final(&set, hex, err);
	}
	for (i = 0; nseg > 1 && !rc && i < nseg; i++)
		rc = ha_fleet_note(fleet, err, "%s: segment %zu of %zu, %s, %llu bytes, sha256 %s",
		                   path, i + 1, nseg, seg[i], (unsigned long long)size[i], shex[i]);
out:
	if (set_open)
		ha_sha256_abort(&set);
	if (rc || why[0])
		hex[0] = '\0';
	for (i = 0; seg && i < nseg; i++)
		free(seg[i]);
	free(seg);
	free(size);
	free(shex);
	return rc;
}

static int discover_here(struct ha_fleet *fleet, const char *path, int kind, struct ha_err *err)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	size_t before = fleet->nhosts, i;
	struct ha_buf hl;
	char hex[65] = "", why[1200] = "";
	int rc = HA_OK, fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ha_fleet_note(fleet, err, "%s: cannot open: %s", path, strerror(errno));
	rc = hash_container(fleet, path, kind, hex, why, sizeof why, err);
	if (!rc && kind == HA_CONT_IMAGE && !o->no_hash)
		rc = ha_image_media_check(path, o->max_hashed ? o->max_hashed : (uint64_t)4 << 30,
		                          fleet, err);
	if (!rc && kind == HA_CONT_IMAGE) {
		char *label = ha_container_label(path);

		rc = label ? ha_image_discover(path, NULL, 0, fd, path, label, fleet, err)
		           : ha_err_nomem(err);
		free(label);
	}
	close(fd);
	if (!rc && kind == HA_CONT_ARCHIVE)
		rc = ha_archive_discover(path, fleet, err);
	if (rc)
		return rc;
	/* Each host's evidence names the container's hash too. */
	for (i = before; hex[0] && i < fleet->nhosts; i++)
		if (fleet->hosts[i].container &&
		    !(fleet->hosts[i].container->sha256 = ha_strdup(hex)))
			return ha_err_nomem(err);
	ha_buf_init(&hl, 1 << 20);
	for (i = before; i < fleet->nhosts; i++)
		ha_buf_printf(&hl, "%s%s", i > before ? ", " : "", fleet->hosts[i].label);
	ha_buf_putc(&hl, '\0');
	if (ha_buf_status(&hl)) {
		ha_buf_free(&hl);
		return ha_err_nomem(err);
	}
	rc = ha_fleet_note(fleet, err, "%s: %s container, %s%s, %zu host%s%s%s%s", path,
	                   kind == HA_CONT_IMAGE ? "disk image" : "archive",
	                   hex[0] ? "sha256 " : why, hex, fleet->nhosts - before,
	                   fleet->nhosts - before == 1 ? "" : "s", hl.len > 1 ? " (" : "",
	                   ha_buf_cstr(&hl), hl.len > 1 ? ")" : "");
	ha_buf_free(&hl);
	return rc;
}

int ha_container_stage_job(const struct ha_host_job *job, struct ha_host_job *staged,
                           struct ha_err *err)
{
	const struct ha_container_job *cj = job->container;
	char **why;
	size_t i, j;
	int rc;

	*staged = *job;
	staged->files = malloc((job->nfiles ? job->nfiles : 1) * sizeof *staged->files);
	why = calloc(cj->nmembers ? cj->nmembers : 1, sizeof *why);
	if (!staged->files || !why) {
		free(staged->files);
		free(why);
		staged->files = NULL;
		return ha_err_nomem(err);
	}
	memcpy(staged->files, job->files, job->nfiles * sizeof *staged->files);
	rc = cj->final == HA_CJ_IMAGE && !cj->nchain ? ha_image_stage(cj, -1, why, err)
	                                             : ha_archive_stage(cj, why, err);
	/* A hive that could not be extracted is unreadable, with the reason;
	 * a log that could not be is left out (the reader then says the
	 * hive has no logs, and which ones were missing is in the notes). */
	for (i = 0; !rc && i < staged->nfiles; i++) {
		struct ha_job_file *f = &staged->files[i];

		if (f->skip_status)
			continue;
		for (j = 0; j < cj->nmembers; j++) {
			if (strcmp(cj->display[j], f->path) || !why[j] || !why[j][0])
				continue;
			f->skip_status = HA_HS_UNREADABLE;
			f->skip_reason = why[j];
			why[j] = NULL; /* the staged job keeps it until the worker exits */
		}
	}
	for (j = 0; j < cj->nmembers; j++)
		free(why[j]);
	free(why);
	return rc;
}

/* ------------------------------------------------ listing in a worker */

/* Listing a container parses its headers, partition tables and file
 * system metadata, all hostile (a crafted NTFS index can loop; libarchive
 * and libtsk have had crashes on crafted input).  So discovery lists each
 * container in a child process with the workers' time and memory limits,
 * which sends back the hosts and notes it found:
 *
 *   u32 nnotes, notes (lstr); u32 nhosts, then per host:
 *   label, dir (lstr); u32 nfiles, per file: path, hint_why?, skip_reason?
 *   (lstr, "?" = u8 present first), u32 hint, is_regf, skip_status, nlogs,
 *   logs (lstr); the container job: file, u32 nchain, chain, u32 final,
 *   u64 vol_offset, u32 nmembers, per member display, inner, expect?;
 *   then the container's sha256?.
 *
 * The parent decodes it with bounds checks like any worker result. */

#define MAX_LISTING ((size_t)256 << 20)

static void put_s(struct ha_buf *b, const char *s)
{
	ha_buf_lstr(b, s, strlen(s));
}

static void put_opt(struct ha_buf *b, const char *s)
{
	ha_buf_putc(b, s ? 1 : 0);
	if (s)
		put_s(b, s);
}

static void encode_fleet(const struct ha_fleet *f, struct ha_buf *b)
{
	size_t i, j, k;

	ha_buf_u32(b, (uint32_t)f->nnotes);
	for (i = 0; i < f->nnotes; i++)
		put_s(b, f->notes[i]);
	ha_buf_u32(b, (uint32_t)f->nhosts);
	for (i = 0; i < f->nhosts; i++) {
		const struct ha_host_job *h = &f->hosts[i];
		const struct ha_container_job *cj = h->container;

		put_s(b, h->label);
		put_s(b, h->dir);
		ha_buf_u32(b, (uint32_t)h->nfiles);
		for (j = 0; j < h->nfiles; j++) {
			const struct ha_job_file *jf = &h->files[j];

			put_s(b, jf->path);
			put_opt(b, jf->hint_why);
			put_opt(b, jf->skip_reason);
			ha_buf_u32(b, (uint32_t)jf->hint);
			ha_buf_u32(b, (uint32_t)jf->is_regf);
			ha_buf_u32(b, (uint32_t)jf->skip_status);
			ha_buf_u32(b, (uint32_t)jf->nlogs);
			for (k = 0; k < jf->nlogs; k++)
				put_s(b, jf->logs[k]);
		}
		put_s(b, cj->file);
		ha_buf_u32(b, (uint32_t)cj->nchain);
		for (k = 0; k < cj->nchain; k++)
			put_s(b, cj->chain[k]);
		ha_buf_u32(b, (uint32_t)cj->final);
		ha_buf_u64(b, cj->vol_offset);
		ha_buf_u32(b, (uint32_t)cj->nmembers);
		for (k = 0; k < cj->nmembers; k++) {
			put_s(b, cj->display[k]);
			put_s(b, cj->inner[k]);
			put_opt(b, cj->expect ? cj->expect[k] : NULL);
		}
		put_opt(b, cj->sha256);
	}
}

/* A string from the cursor: malloc'd, NUL-free; -1 malformed, -2 no memory. */
static int get_s(struct ha_cur *c, char **out)
{
	const uint8_t *p;
	uint32_t n;

	*out = NULL;
	if (ha_cur_lstr(c, &p, &n) || memchr(p, 0, n))
		return -1;
	*out = ha_strndup((const char *)p, n);
	return *out ? 0 : -2;
}

static int get_opt(struct ha_cur *c, char **out)
{
	uint8_t f;

	*out = NULL;
	if (ha_cur_u8(c, &f) || f > 1)
		return -1;
	return f ? get_s(c, out) : 0;
}

/* Bounded count: at most `max`, and no more than the bytes left could hold. */
static int get_n(struct ha_cur *c, size_t max, size_t *n)
{
	uint32_t v;

	if (ha_cur_u32(c, &v) || v > max || v > ha_cur_left(c))
		return -1;
	*n = v;
	return 0;
}

static int get_i(struct ha_cur *c, int *v)
{
	uint32_t u;

	if (ha_cur_u32(c, &u) || u > 0x7FFFFFFF)
		return -1;
	*v = (int)u;
	return 0;
}

#define TRY(x)                                                                                     \
	do {                                                                                       \
		int r_ = (x);                                                                      \
		if (r_)                                                                            \
			return r_;                                                                 \
	} while (0)

static int decode_host(struct ha_cur *c, struct ha_host_job *h)
{
	struct ha_container_job *cj;
	size_t j, k, n;

	TRY(get_s(c, &h->label));
	TRY(get_s(c, &h->dir));
	TRY(get_n(c, 1 << 20, &n));
	h->files = calloc(n ? n : 1, sizeof *h->files);
	if (!h->files)
		return -2;
	for (j = 0; j < n; j++) {
		struct ha_job_file *jf = &h->files[j];
		size_t nl;

		h->nfiles++;
		TRY(get_s(c, &jf->path));
		TRY(get_opt(c, &jf->hint_why));
		TRY(get_opt(c, &jf->skip_reason));
		TRY(get_i(c, &jf->hint));
		TRY(get_i(c, &jf->is_regf));
		TRY(get_i(c, &jf->skip_status));
		TRY(get_n(c, 4, &nl));
		if (nl) {
			jf->logs = calloc(nl, sizeof *jf->logs);
			if (!jf->logs)
				return -2;
		}
		for (k = 0; k < nl; k++) {
			TRY(get_s(c, &jf->logs[k]));
			jf->nlogs++;
		}
	}
	cj = h->container = calloc(1, sizeof *cj);
	if (!cj)
		return -2;
	TRY(get_s(c, &cj->file));
	TRY(get_n(c, 16, &n));
	cj->chain = calloc(n ? n : 1, sizeof *cj->chain);
	if (!cj->chain)
		return -2;
	for (k = 0; k < n; k++) {
		TRY(get_s(c, &cj->chain[k]));
		cj->nchain++;
	}
	TRY(get_i(c, &cj->final));
	if (ha_cur_u64(c, &cj->vol_offset) ||
	    (cj->final != HA_CJ_ARCHIVE && cj->final != HA_CJ_IMAGE))
		return -1;
	TRY(get_n(c, 1 << 20, &n));
	cj->display = calloc(n ? n : 1, sizeof *cj->display);
	cj->inner = calloc(n ? n : 1, sizeof *cj->inner);
	cj->expect = calloc(n ? n : 1, sizeof *cj->expect);
	if (!cj->display || !cj->inner || !cj->expect)
		return -2;
	for (k = 0; k < n; k++) {
		cj->nmembers++;
		TRY(get_s(c, &cj->display[k]));
		TRY(get_s(c, &cj->inner[k]));
		TRY(get_opt(c, &cj->expect[k]));
	}
	TRY(get_opt(c, &cj->sha256));
	return 0;
}

/* Appends the encoded listing to fleet.  -1 malformed (nothing added),
 * -2 no memory. */
static int decode_into(const uint8_t *p, size_t n, struct ha_fleet *fleet)
{
	struct ha_fleet tmp;
	struct ha_cur c;
	size_t i, nn, nh;
	int rc = 0;
	void *v;

	memset(&tmp, 0, sizeof tmp);
	ha_cur_init(&c, p, n);
	if (get_n(&c, 1 << 22, &nn))
		return -1;
	tmp.notes = calloc(nn ? nn : 1, sizeof *tmp.notes);
	if (!tmp.notes)
		return -2;
	for (i = 0; i < nn && !rc; i++) {
		rc = get_s(&c, &tmp.notes[i]);
		if (!rc)
			tmp.nnotes++;
	}
	if (!rc && get_n(&c, 1 << 20, &nh))
		rc = -1;
	if (!rc) {
		tmp.hosts = calloc(nh ? nh : 1, sizeof *tmp.hosts);
		if (!tmp.hosts)
			rc = -2;
	}
	for (i = 0; !rc && i < nh; i++) {
		tmp.nhosts++;
		rc = decode_host(&c, &tmp.hosts[i]);
	}
	if (!rc && ha_cur_left(&c))
		rc = -1;
	if (!rc) {
		v = realloc(fleet->notes, (fleet->nnotes + tmp.nnotes + 1) * sizeof *fleet->notes);
		if (v)
			fleet->notes = v;
		v = v ? realloc(fleet->hosts,
		                (fleet->nhosts + tmp.nhosts + 1) * sizeof *fleet->hosts)
		      : NULL;
		if (v)
			fleet->hosts = v;
		else
			rc = -2;
	}
	if (!rc) {
		memcpy(fleet->notes + fleet->nnotes, tmp.notes, tmp.nnotes * sizeof *tmp.notes);
		fleet->nnotes += tmp.nnotes;
		memcpy(fleet->hosts + fleet->nhosts, tmp.hosts, tmp.nhosts * sizeof *tmp.hosts);
		fleet->nhosts += tmp.nhosts;
		free(tmp.notes);
		free(tmp.hosts);
		return 0;
	}
	ha_fleet_free(&tmp);
	return rc;
}

#if defined(__SANITIZE_ADDRESS__)
#define HA_CONT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HA_CONT_ASAN 1
#endif
#endif

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Test-only faults, as the workers have (worker.c): HIVEAUDIT_TEST_FAULT
 * "listcrash:NAME" makes the process listing the container whose file
 * name is NAME die of a real SIGSEGV, "listhang:NAME" makes it hang, so
 * the tests can prove the parent survives both. */
static void list_fault(const char *path)
{
	const char *f = getenv("HIVEAUDIT_TEST_FAULT"), *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	if (!f)
		return;
	if (!strncmp(f, "listcrash:", 10) && !strcmp(f + 10, b)) {
		volatile int *p = NULL;

		*p = 1;
	}
	if (!strncmp(f, "listhang:", 9) && !strcmp(f + 9, b))
		for (;;)
			pause();
}

/* Containers being listed.  Discovery starts a listing process for each
 * container as the walk meets it, up to `jobs` at once, and walks on;
 * ha_container_flush() waits for the rest and adds their hosts and notes
 * in the order the containers were met, each one's notes where the walk's
 * notes then stood.  So the fleet is the same as if the containers had
 * been listed one after the other, and listing (and hashing) a folder of
 * containers uses every core. */
struct listing {
	char *path;
	int kind;
	size_t note_at; /* fleet->nnotes when the walk met it */
	pid_t pid;      /* >0 running; -1 ended */
	int fd;
	double deadline;
	int timed_out, status;
	struct ha_buf in;
};
static struct listing *lists;
static size_t nlists, nrunning;

static void list_child(const char *path, int kind, int wfd, pid_t parent)
{
	struct ha_fleet mine;
	struct ha_buf b;
	struct rlimit rl;
	struct ha_err e;
	const uint8_t *q;
	size_t left, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	/* The other listings' pipes are not ours. */
	for (i = 0; i < nlists; i++)
		if (lists[i].pid > 0)
			close(lists[i].fd);
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
#ifndef HA_CONT_ASAN
	if (ha_container_opts_get()->mem_bytes)
		ha_limit_address_space(ha_container_opts_get()->mem_bytes);
#endif
	memset(&mine, 0, sizeof mine);
	ha_err_clear(&e);
	list_fault(path);
	if (discover_here(&mine, path, kind, &e) != HA_OK)
		_exit(4);
	ha_buf_init(&b, MAX_LISTING);
	encode_fleet(&mine, &b);
	if (ha_buf_status(&b))
		_exit(5);
	for (q = (const uint8_t *)b.data, left = b.len; left;) {
		ssize_t w = write(wfd, q, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		q += w;
		left -= (size_t)w;
	}
	_exit(0);
}

static int list_start(struct listing *l, struct ha_err *err)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	int fds[2];
	pid_t pid, parent = getpid();

	if (pipe2(fds, O_CLOEXEC) != 0)
		return ha_err_sys(err, HA_ERR_IO, errno, "cannot create a pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return ha_err_sys(err, HA_ERR_IO, errno, "cannot start a process to list %s",
		                  l->path);
	}
	if (pid == 0) {
		close(fds[0]);
		list_child(l->path, l->kind, fds[1], parent);
	}
	close(fds[1]);
	l->pid = pid;
	l->fd = fds[0];
	l->deadline = o->timeout_sec ? mono() + o->timeout_sec : 0;
	ha_buf_init(&l->in, MAX_LISTING);
	nrunning++;
	return HA_OK;
}

static void list_end(struct listing *l)
{
	close(l->fd);
	while (waitpid(l->pid, &l->status, 0) < 0 && errno == EINTR)
		;
	l->pid = -1;
	nrunning--;
}

/* Reads what the running listings sent, ends those that are done or out
 * of time; waits up to 250 ms for something to happen when `block`. */
static void list_pump(int block)
{
	struct pollfd pf[256];
	struct listing *who[256];
	size_t i, n = 0;
	double now = mono();

	for (i = 0; i < nlists && n < 256; i++) {
		struct listing *l = &lists[i];

		if (l->pid <= 0)
			continue;
		if (l->deadline && now > l->deadline) {
			kill(l->pid, SIGKILL);
			l->timed_out = 1;
			list_end(l);
			continue;
		}
		pf[n].fd = l->fd;
		pf[n].events = POLLIN;
		pf[n].revents = 0;
		who[n++] = l;
	}
	if (!n || poll(pf, (nfds_t)n, block ? 250 : 0) <= 0)
		return;
	for (i = 0; i < n; i++) {
		uint8_t buf[65536];
		ssize_t got;

		if (!pf[i].revents)
			continue;
		got = read(pf[i].fd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			list_end(who[i]);
			continue;
		}
		ha_buf_add(&who[i]->in, buf, (size_t)got);
		if (ha_buf_status(&who[i]->in)) {
			kill(who[i]->pid, SIGKILL);
			list_end(who[i]);
		}
	}
}

void ha_container_discard(void)
{
	size_t i;

	for (i = 0; i < nlists; i++) {
		if (lists[i].pid > 0) {
			kill(lists[i].pid, SIGKILL);
			list_end(&lists[i]);
		}
		free(lists[i].path);
		ha_buf_free(&lists[i].in);
	}
	free(lists);
	lists = NULL;
	nlists = nrunning = 0;
}

static int stop_now(struct ha_err *err)
{
	ha_container_discard();
	return ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted while looking for hives");
}

int ha_container_discover(struct ha_fleet *fleet, const char *path, int kind,
                          volatile sig_atomic_t *stop, struct ha_err *err)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	unsigned jobs = o->jobs ? o->jobs : 1;
	struct listing *l;
	void *p;

	while (nrunning >= jobs) {
		if (stop && *stop)
			return stop_now(err);
		list_pump(1);
	}
	p = realloc(lists, (nlists + 1) * sizeof *lists);
	if (!p)
		return ha_err_nomem(err);
	lists = p;
	l = &lists[nlists];
	memset(l, 0, sizeof *l);
	l->path = ha_strdup(path);
	if (!l->path)
		return ha_err_nomem(err);
	l->kind = kind;
	l->note_at = fleet->nnotes;
	l->pid = -1;
	nlists++;
	return list_start(l, err);
}

/* One ended listing into the fleet, its notes from index `at`; the number
 * of notes it added goes to *added. */
static int list_collect(struct listing *l, struct ha_fleet *fleet, size_t at, size_t *added,
                        struct ha_err *err)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	const char *path = l->path;
	size_t before = fleet->nnotes;
	int status = l->status, rc;

	*added = 0;
	if (l->timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    ha_buf_status(&l->in)) {
		char why[200];

		if (l->timed_out)
			snprintf(why, sizeof why, "timed out after %u s", o->timeout_sec);
		else if (WIFSIGNALED(status))
			snprintf(why, sizeof why,
			         "the listing process was killed by signal %d (%s)",
			         WTERMSIG(status), strsignal(WTERMSIG(status)));
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
			snprintf(why, sizeof why, "out of memory");
		else
			snprintf(why, sizeof why, "the listing process failed (status %d)",
			         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		rc = ha_fleet_note(fleet, err, "%s: listing the container failed: %s; not read",
		                   path, why);
		goto placed;
	}
	rc = decode_into((const uint8_t *)l->in.data, l->in.len, fleet);
	if (rc == -2)
		return ha_err_nomem(err);
	rc = rc ? ha_fleet_note(fleet, err,
	                        "%s: the listing process sent a malformed result; "
	                        "not read",
	                        path)
	        : HA_OK;
placed:
	if (rc)
		return rc;
	/* decode_into and ha_fleet_note append: move those notes to `at`. */
	*added = fleet->nnotes - before;
	if (*added && at < before) {
		char **tmp = malloc(*added * sizeof *tmp);

		if (!tmp)
			return ha_err_nomem(err);
		memcpy(tmp, fleet->notes + before, *added * sizeof *tmp);
		memmove(fleet->notes + at + *added, fleet->notes + at,
		        (before - at) * sizeof *fleet->notes);
		memcpy(fleet->notes + at, tmp, *added * sizeof *tmp);
		free(tmp);
	}
	return HA_OK;
}

int ha_container_flush(struct ha_fleet *fleet, volatile sig_atomic_t *stop, struct ha_err *err)
{
	size_t i, shift = 0;
	int rc = HA_OK;

	while (nrunning) {
		if (stop && *stop)
			return stop_now(err);
		list_pump(1);
	}
	for (i = 0; i < nlists && !rc; i++) {
		size_t added;

		rc = list_collect(&lists[i], fleet, lists[i].note_at + shift, &added, err);
		shift += added;
	}
	ha_container_discard();
	return rc;
}
