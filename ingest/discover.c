/* discover.c: from the paths a user gives to hosts and their hive files.
 *
 * (Over 1,000 lines: the walk, recognition by content, links and loops,
 * exports and containers each need their notes and statuses.)
 *
 * Hive files are recognised by content (the "regf" signature, the base
 * block's file type and embedded name); file names are only hints, because
 * collections rename files ("web01-system.hiv").  Each file belongs to the
 * host named by its collection folder: the folder holding it, or, for a
 * disk-layout collection, the folder above [drive/]Windows/System32/config.
 *
 * What is deliberately not a hive of the host:
 *   - transaction logs (.LOG, .LOG1, .LOG2 beside a hive): attached to it;
 *   - RegBack copies and .sav/.bak/.old backups: recorded as skipped, since
 *     reading them as live hives would give two SYSTEM hives per host;
 *   - folders holding only other kinds of hive (user profiles): not hosts.
 *
 * Symlinks are followed only when they point inside the given paths (a
 * collection must not make us read /etc); FIFOs, sockets and devices are
 * never opened.  Every such decision becomes a note. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "ingest_internal.h"

#define MAX_DEPTH 40
#define MAX_FILES 10000000

enum cls {
	CLS_CANDIDATE, /* could be SYSTEM or SOFTWARE: opened by the worker */
	CLS_HIVE,      /* another kind of hive: opened only inside a host folder */
	CLS_LOG,       /* a transaction log */
	CLS_BACKUP,    /* RegBack copy or .sav backup: recorded, never read */
	CLS_LINK,      /* a symbolic link to a hive read under its own path */
};

struct entry {
	char *path;
	char *dir;        /* folder holding the file */
	char *hostdir;    /* collection folder */
	const char *name; /* points into path */
	enum cls cls;
	int hint;
	char *hint_why;
	int is_regf;
	char *skip_reason;
	int attached;
	int is_export; /* a .reg text export (recognised by its header) */
};

struct seen {
	dev_t dev;
	ino_t ino;
};

/* A folder that could not be read, or was not entered (too deep). */
struct problem {
	char *path;
	char *why;
	int deep;
};

struct walk {
	struct entry *v;
	size_t n, cap;
	char **roots; /* real paths of the given folders */
	char **given; /* the same paths as the user wrote them */
	size_t nroots;
	struct seen *seen;
	size_t nseen, capseen;
	struct ha_fleet *fleet;
	struct ha_err *err;
	volatile sig_atomic_t *stop;
	struct problem *probs;
	size_t nprobs;
};

static int problem(struct walk *w, const char *path, const char *why, int deep)
{
	struct problem *p = realloc(w->probs, (w->nprobs + 1) * sizeof *p);

	if (!p)
		return ha_err_nomem(w->err);
	w->probs = p;
	p += w->nprobs;
	p->path = ha_strdup(path);
	p->why = ha_strdup(why);
	p->deep = deep;
	if (!p->path || !p->why) {
		free(p->path);
		free(p->why);
		return ha_err_nomem(w->err);
	}
	w->nprobs++;
	if (deep)
		w->fleet->deep_dirs++;
	else
		w->fleet->unreadable_dirs++;
	return HA_OK;
}

static int stopped(const struct walk *w)
{
	return w->stop && *w->stop;
}

static int interrupted(struct walk *w)
{
	return ha_err_set(w->err, HA_ERR_INTERRUPTED, "interrupted while looking for hives");
}

static int note(struct walk *w, const char *fmt, ...) HA_PRINTF(2, 3);
static int note(struct walk *w, const char *fmt, ...)
{
	struct ha_buf b;
	va_list ap;
	char **p;

	ha_buf_init(&b, 0);
	va_start(ap, fmt);
	ha_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	p = realloc(w->fleet->notes, (w->fleet->nnotes + 1) * sizeof *p);
	if (!p || ha_buf_status(&b)) {
		ha_buf_free(&b);
		if (p)
			w->fleet->notes = p;
		return ha_err_nomem(w->err);
	}
	w->fleet->notes = p;
	p[w->fleet->nnotes++] = ha_buf_detach(&b, NULL);
	return HA_OK;
}

/* ------------------------------------------------------------ names */

int ha_kind_from_name(const char *name)
{
	static const struct {
		const char *name;
		int kind;
	} names[] = {
	        {"SYSTEM", HA_FK_SYSTEM},
	        {"SOFTWARE", HA_FK_SOFTWARE},
	        {"SAM", HA_FK_SAM},
	        {"SECURITY", HA_FK_SECURITY},
	        {"NTUSER.DAT", HA_FK_NTUSER},
	        {"UsrClass.dat", HA_FK_USRCLASS},
	        {"COMPONENTS", HA_FK_COMPONENTS},
	        {"DEFAULT", HA_FK_DEFAULT},
	        {"BCD", HA_FK_BCD},
	        {"BCD-Template", HA_FK_BCD},
	        {"DRIVERS", HA_FK_DRIVERS},
	        {"ELAM", HA_FK_OTHER},
	        {"BBI", HA_FK_OTHER},
	        {"Amcache.hve", HA_FK_OTHER},
	        {"Syscache.hve", HA_FK_OTHER},
	        {"userdiff", HA_FK_OTHER},
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (ha_ascii_caseeq(name, names[i].name))
			return names[i].kind;
	return HA_FK_UNKNOWN;
}

/* ------------------------------------------------------ host folders */

static const char *last_comp(const char *path, size_t len, size_t *clen)
{
	size_t i = len;

	while (i > 0 && path[i - 1] != '/')
		i--;
	*clen = len - i;
	return path + i;
}

static int comp_is(const char *c, size_t n, const char *want)
{
	return strlen(want) == n && ha_ascii_ncasecmp(c, want, n) == 0;
}

/* Length of the collection folder's path within `dir`: strips a trailing
 * [drive/](Windows|WINNT)/System32/config[/RegBack].  *regback is set when
 * the folder was a RegBack folder. */
static size_t host_dir_len(const char *dir, int *regback)
{
	size_t len = strlen(dir), c;
	const char *p;

	*regback = 0;
	p = last_comp(dir, len, &c);
	if (comp_is(p, c, "RegBack")) {
		size_t l2 = (size_t)(p - dir), c2;
		const char *q;

		if (l2 > 1) {
			q = last_comp(dir, l2 - 1, &c2);
			if (comp_is(q, c2, "config")) {
				*regback = 1;
				len = l2 - 1;
			}
		}
	}
	{
		size_t l = len, cc;
		const char *a = last_comp(dir, l, &cc);

		if (!comp_is(a, cc, "config") || a == dir)
			return len;
		l = (size_t)(a - dir) - 1;
		a = last_comp(dir, l, &cc);
		if (!comp_is(a, cc, "System32") || a == dir)
			return len;
		l = (size_t)(a - dir) - 1;
		a = last_comp(dir, l, &cc);
		if ((!comp_is(a, cc, "Windows") && !comp_is(a, cc, "WINNT")) || a == dir)
			return len;
		l = (size_t)(a - dir) - 1;
		/* An optional drive folder: "C", "C:", "C$", "C_". */
		a = last_comp(dir, l, &cc);
		if (a != dir &&
		    (cc == 1 || (cc == 2 && (a[1] == ':' || a[1] == '$' || a[1] == '_'))) &&
		    ((a[0] >= 'A' && a[0] <= 'Z') || (a[0] >= 'a' && a[0] <= 'z')))
			l = (size_t)(a - dir) - 1;
		return l ? l : 1;
	}
}

/* --------------------------------------------------------- walking */

/* Folders already visited, by (device, inode): an open-addressing
 * set, so that symlink loops end and nothing is read twice. */
static size_t seen_slot(dev_t dev, ino_t ino, size_t cap)
{
	uint64_t h = (uint64_t)dev * 0x9E3779B97F4A7C15ULL ^ (uint64_t)ino * 0xC2B2AE3D27D4EB4FULL;

	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static int seen_before(struct walk *w, const struct stat *st)
{
	size_t i;

	if ((w->nseen + 1) * 2 > w->capseen) {
		size_t cap = w->capseen ? w->capseen * 2 : 1024, j;
		void *old = w->seen;
		size_t oldcap = w->capseen;

		w->seen = calloc(cap, sizeof *w->seen);
		if (!w->seen) {
			w->seen = old;
			return -1;
		}
		w->capseen = cap;
		for (j = 0; j < oldcap; j++) {
			const dev_t d = ((struct seen *)old)[j].dev;
			const ino_t n = ((struct seen *)old)[j].ino;

			if (!n)
				continue;
			for (i = seen_slot(d, n, cap); w->seen[i].ino; i = (i + 1) & (cap - 1))
				;
			w->seen[i].dev = d;
			w->seen[i].ino = n;
		}
		free(old);
	}
	for (i = seen_slot(st->st_dev, st->st_ino, w->capseen); w->seen[i].ino;
	     i = (i + 1) & (w->capseen - 1))
		if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
			return 1;
	w->seen[i].dev = st->st_dev;
	w->seen[i].ino = st->st_ino ? st->st_ino : 1;
	w->nseen++;
	return 0;
}

static int inside_roots(const struct walk *w, const char *real)
{
	size_t i;

	for (i = 0; i < w->nroots; i++) {
		size_t n = strlen(w->roots[i]);

		if (strncmp(real, w->roots[i], n) == 0 &&
		    (real[n] == '/' || real[n] == '\0' || (n == 1 && w->roots[i][0] == '/')))
			return 1;
	}
	return 0;
}

/* The path of `real` (inside root i) written from the user's spelling of
 * that root, so reports show paths as the user gave them. */
static char *as_given(const struct walk *w, const char *real)
{
	size_t i;

	for (i = 0; i < w->nroots; i++) {
		size_t n = strlen(w->roots[i]);

		if (strncmp(real, w->roots[i], n) == 0 && (real[n] == '/' || real[n] == '\0'))
			return ha_asprintf("%s%s", w->given[i], real + n);
	}
	return ha_strdup(real);
}

/* A .reg text export, recognised by its header line (in any of its
 * encodings).  It is a host's SYSTEM and SOFTWARE at once, and its folder
 * is the host as for hives; an export given directly as a PATH is a host
 * of its own, named after the file without its extension (export_label). */
static int export_entry(struct walk *w, struct entry *e)
{
	size_t i;

	e->cls = CLS_CANDIDATE;
	e->is_export = 1;
	e->hint = HA_FK_UNKNOWN;
	for (i = 0; i < w->nroots; i++) {
		if (strcmp(w->given[i], e->path) == 0) {
			free(e->hostdir);
			e->hostdir = ha_strdup(e->path);
			if (!e->hostdir)
				return ha_err_nomem(w->err);
			break;
		}
	}
	return HA_OK;
}

/* 1 when the .reg export at `path` names no HKEY_LOCAL_MACHINE\SYSTEM or
 * \SOFTWARE key (nor HKLM\...) anywhere in its text: a header alone, or
 * keys of other roots (HKCU, HKLM\SAM, ...) only.  Such a file is not a
 * host's registry, and the parser could find nothing in it, since it keeps
 * only keys under those two (regtext.c).  The test errs towards 0: the
 * words anywhere (in a value too) are enough, and a file that cannot be
 * read to the end is left to the worker, which says why.  One pass over
 * the first 64 MiB, decoded as UTF-16LE (BOM FF FE, or a second byte 0) or as
 * 8-bit text, ASCII lower-cased; non-ASCII becomes 0x01. */
static int export_lacks_hklm(const char *path)
{
	enum { KEEP = 32, CHUNK = 1 << 16, MAX_READ = 64 << 20 };
	static uint8_t raw[CHUNK];
	static char text[KEEP + CHUNK];
	size_t len = 0, total = 0, i;
	int fd, utf16 = -1, pending = -1, found = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0;
	while (!found && (n = read(fd, raw, sizeof raw)) > 0) {
		const char *p, *q, *end;

		if (utf16 < 0)
			utf16 = (n >= 2 && raw[0] == 0xFF && raw[1] == 0xFE) ||
			        (n >= 2 && raw[0] != 0 && raw[1] == 0);
		for (i = 0; i < (size_t)n; i++) {
			unsigned u = raw[i];

			if (utf16) {
				if (pending < 0) {
					pending = (int)u;
					continue;
				}
				u = (unsigned)pending | u << 8;
				pending = -1;
			}
			text[len++] = u >= 'A' && u <= 'Z' ? (char)(u + 32)
			              : u && u < 0x80      ? (char)u
			                                   : 1;
		}
		end = text + len;
		for (p = text; !found && (q = memchr(p, '\\', (size_t)(end - p))) != NULL;
		     p = q + 1) {
			size_t before = (size_t)(q - text), after = (size_t)(end - q - 1);

			found = ((before >= 4 && !memcmp(q - 4, "hklm", 4)) ||
			         (before >= 18 && !memcmp(q - 18, "hkey_local_machine", 18))) &&
			        ((after >= 6 && !memcmp(q + 1, "system", 6)) ||
			         (after >= 8 && !memcmp(q + 1, "software", 8)));
		}
		/* Discovery reads at most MAX_READ of one file (a whole-registry
		 * export starts with HKEY_CLASSES_ROOT, which can be larger): past
		 * it, the file is left to the worker, under its limits. */
		total += (size_t)n;
		if (!found && total >= MAX_READ)
			found = 1;
		/* The last characters again next time: a name across two reads. */
		if (len > KEEP) {
			memmove(text, text + len - KEEP, KEEP);
			len = KEEP;
		}
	}
	if (!found && n < 0)
		found = 1; /* not read to the end: the worker says why */
	close(fd);
	return !found;
}

/* The label of a host that is one export given directly: "WEB01" for
 * ".../WEB01.reg".  NULL when the host is a folder. */
static char *export_label(const struct entry *v, size_t n)
{
	const char *b, *dot;

	if (n != 1 || !v[0].is_export || strcmp(v[0].hostdir, v[0].path) != 0)
		return NULL;
	b = strrchr(v[0].path, '/');
	b = b ? b + 1 : v[0].path;
	dot = strrchr(b, '.');
	return ha_strndup(b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
}

/* Classifies one regular file (already known to be regular), recorded as
 * `path` and read from `from` (a link's target; NULL: path itself). */
static int add_file(struct walk *w, const char *path, const char *from)
{
	uint8_t head[HA_BASEBLOCK_SIZE];
	struct entry *e;
	struct ha_baseblock bb;
	const char *name;
	char *dir;
	ssize_t got = 0;
	int fd, regf, hint_name, hint_bb = HA_FK_UNKNOWN, regback, ck;
	size_t hlen;

	name = strrchr(path, '/');
	name = name ? name + 1 : path;
	fd = open(from ? from : path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		/* A hive-named file we cannot read is still worth a host entry:
		 * the worker will report it unreadable with the reason. */
		if (ha_kind_from_name(name) != HA_FK_SYSTEM &&
		    ha_kind_from_name(name) != HA_FK_SOFTWARE)
			return note(w, "%s: cannot open: %s", path, strerror(errno));
	} else {
		got = read(fd, head, sizeof head);
		if (got < 0)
			got = 0;
		close(fd);
	}
	regf = got >= 4 && memcmp(head, "regf", 4) == 0;
	hint_name = ha_kind_from_name(name);
	if (!regf && (ck = ha_container_sniff(head, (size_t)got, name)) != HA_CONT_NONE)
		return ha_container_discover(w->fleet, path, ck, w->stop, w->err);

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		void *p;

		if (cap > MAX_FILES)
			return ha_err_set(w->err, HA_ERR_LIMIT, "more than %d files to examine",
			                  MAX_FILES);
		p = realloc(w->v, cap * sizeof *w->v);
		if (!p)
			return ha_err_nomem(w->err);
		w->v = p;
		w->cap = cap;
	}
	e = &w->v[w->n];
	memset(e, 0, sizeof *e);
	e->path = ha_strdup(path);
	if (!e->path)
		return ha_err_nomem(w->err);
	e->name = strrchr(e->path, '/') ? strrchr(e->path, '/') + 1 : e->path;
	dir = ha_strndup(e->path,
	                 (size_t)(e->name - e->path) > 1 ? (size_t)(e->name - e->path) - 1 : 1);
	if (!dir) {
		free(e->path);
		return ha_err_nomem(w->err);
	}
	e->dir = dir;
	hlen = host_dir_len(dir, &regback);
	e->hostdir = ha_strndup(dir, hlen);
	if (!e->hostdir) {
		free(e->path);
		free(e->dir);
		return ha_err_nomem(w->err);
	}
	e->is_regf = regf;
	w->n++;

	if (regf && (size_t)got >= sizeof head &&
	    ha_baseblock_parse(head, sizeof head, &bb) == HA_OK) {
		if (ha_bb_is_log(&bb) && !ha_log_owner_len(name) &&
		    (hint_name == HA_FK_SYSTEM || hint_name == HA_FK_SOFTWARE)) {
			/* Named like a hive, headed like a log (a log copied under
			 * the hive's name): the host's hive is there and unusable,
			 * which the reader says; it is not a missing hive. */
			e->cls = CLS_CANDIDATE;
			e->hint = hint_name;
			e->hint_why = ha_asprintf("file name \"%s\"", name);
			return e->hint_why ? HA_OK : ha_err_nomem(w->err);
		}
		if (ha_bb_is_log(&bb)) {
			e->cls = CLS_LOG;
			return HA_OK;
		}
		hint_bb = ha_kind_from_name(ha_bb_name_tail(&bb));
		if (hint_bb != HA_FK_UNKNOWN)
			e->hint_why = ha_asprintf("embedded name \"%s\"", bb.name);
	}
	if (ha_log_owner_len(name)) {
		e->cls = CLS_LOG;
		return HA_OK;
	}
	if (regback || ha_backup_name(name)) {
		e->cls = CLS_BACKUP;
		e->hint = hint_bb != HA_FK_UNKNOWN ? hint_bb : hint_name;
		e->skip_reason =
		        ha_strdup(regback ? "a RegBack copy (a backup), not the live hive"
		                          : "a backup copy (.sav/.bak/.old), not the live hive");
		return e->skip_reason ? HA_OK : ha_err_nomem(w->err);
	}
	if (!regf) {
		if (ha_regtext_sniff(head, (size_t)got) && export_lacks_hklm(from ? from : path)) {
			w->n--; /* a .reg file, but no host's registry: said, not audited */
			free(e->path);
			free(e->dir);
			free(e->hostdir);
			return note(
			        w,
			        "%s: not a registry export of HKLM\\SYSTEM or HKLM\\SOFTWARE: "
			        "no keys (a .reg header without a HKEY_LOCAL_MACHINE\\SYSTEM or "
			        "\\SOFTWARE key); not a host",
			        path);
		}
		if (ha_regtext_sniff(head, (size_t)got))
			return export_entry(w, e);
		if (hint_name == HA_FK_SYSTEM || hint_name == HA_FK_SOFTWARE) {
			/* Named like a hive: the host exists, its hive is bad. */
			e->cls = CLS_CANDIDATE;
			e->hint = hint_name;
			e->hint_why = ha_asprintf("file name \"%s\"", name);
			return HA_OK;
		}
		w->n--; /* not ours: forget it quietly */
		free(e->path);
		free(e->dir);
		free(e->hostdir);
		return HA_OK;
	}
	/* A file named SYSTEM or SOFTWARE claims that role, whatever name the
	 * hive carries inside: if its content disagrees it is reported as the
	 * wrong kind rather than quietly skipped. */
	if (hint_name == HA_FK_SYSTEM || hint_name == HA_FK_SOFTWARE || hint_bb == HA_FK_UNKNOWN) {
		e->hint = hint_name;
		free(e->hint_why);
		e->hint_why =
		        hint_name != HA_FK_UNKNOWN ? ha_asprintf("file name \"%s\"", name) : NULL;
	} else {
		e->hint = hint_bb;
	}
	if (e->hint == HA_FK_UNKNOWN || e->hint == HA_FK_SYSTEM || e->hint == HA_FK_SOFTWARE)
		e->cls = CLS_CANDIDATE;
	else
		e->cls = CLS_HIVE;
	return HA_OK;
}

struct dirstack {
	char **v;
	int *depth;
	size_t n, cap;
};

static int push(struct dirstack *s, const char *path, int depth)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **v = realloc(s->v, cap * sizeof *v);
		int *d;

		if (!v)
			return HA_ERR_NOMEM;
		s->v = v;
		d = realloc(s->depth, cap * sizeof *d);
		if (!d)
			return HA_ERR_NOMEM;
		s->depth = d;
		s->cap = cap;
	}
	s->v[s->n] = ha_strdup(path);
	if (!s->v[s->n])
		return HA_ERR_NOMEM;
	s->depth[s->n++] = depth;
	return HA_OK;
}

static int visit(struct walk *w, struct dirstack *stack, const char *path, int depth)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return note(w, "%s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		char *real = realpath(path, NULL), *shown;
		int rc;

		if (!real)
			return note(w, "%s: broken symbolic link, skipped", path);
		if (!inside_roots(w, real)) {
			rc = note(w,
			          "%s: symbolic link to %s, outside the scanned folders; not "
			          "followed",
			          path, real);
			free(real);
			return rc;
		}
		if (stat(real, &st) != 0) {
			rc = note(w, "%s: %s", path, strerror(errno));
			free(real);
			return rc;
		}
		shown = as_given(w, real);
		free(real);
		if (!shown)
			return ha_err_nomem(w->err);
		if (S_ISDIR(st.st_mode)) {
			int s = seen_before(w, &st);

			/* Walked under its own name, once: the link says where
			 * its hosts went. */
			rc = s < 0 ? ha_err_nomem(w->err)
			           : note(w,
			                  "%s: symbolic link to the folder %s, walked once under "
			                  "that name",
			                  path, shown);
			if (!rc && s == 0 && push(stack, shown, depth))
				rc = ha_err_nomem(w->err);
			free(shown);
			return rc;
		}
		if (S_ISREG(st.st_mode)) {
			size_t before = w->n;

			/* A hive of the link's own folder, not read twice: the
			 * walk reaches the target under its real path. */
			rc = add_file(w, path, shown);
			if (!rc && w->n > before) {
				struct entry *e = &w->v[w->n - 1];

				if (e->cls == CLS_CANDIDATE) {
					e->cls = CLS_LINK;
					free(e->skip_reason);
					e->skip_reason = ha_asprintf(
					        "same file as %s (a symbolic link to it)", shown);
					if (!e->skip_reason)
						rc = ha_err_nomem(w->err);
				} else {
					/* a log, a backup, another kind of hive */
					w->n--;
					free(e->path);
					free(e->dir);
					free(e->hostdir);
					free(e->hint_why);
					free(e->skip_reason);
					rc = note(w, "%s: symbolic link to %s, examined there",
					          path, shown);
				}
			}
			free(shown);
			return rc;
		}
		free(shown);
		return note(w, "%s: special file, skipped", path);
	}
	if (S_ISDIR(st.st_mode)) {
		int s = seen_before(w, &st);

		if (s < 0)
			return ha_err_nomem(w->err);
		if (s > 0)
			return note(w,
			            "%s: a folder already walked (through a link or another PATH), "
			            "not walked again",
			            path);
		return push(stack, path, depth) ? ha_err_nomem(w->err) : HA_OK;
	}
	/* Files are not merged by inode: hard-linked copies in two host
	 * folders are two collections. */
	if (S_ISREG(st.st_mode))
		return add_file(w, path, NULL);
	return note(w, "%s: special file (not a regular file or folder), skipped", path);
}

static int walk_dir(struct walk *w, struct dirstack *stack)
{
	while (stack->n) {
		char *dir;
		int depth;
		struct dirent *de;
		DIR *d;
		int rc = HA_OK;

		if (stopped(w))
			return interrupted(w);
		dir = stack->v[--stack->n];
		depth = stack->depth[stack->n];

		if (depth > MAX_DEPTH) {
			rc = note(w, "%s: deeper than %d folders, not entered", dir, MAX_DEPTH);
			if (!rc)
				rc = problem(w, dir, "deeper than the limit", 1);
			free(dir);
			if (rc)
				return rc;
			continue;
		}
		d = opendir(dir);
		if (!d) {
			const char *why = strerror(errno);

			rc = note(w, "%s: cannot read folder: %s", dir, why);
			if (!rc)
				rc = problem(w, dir, why, 0);
			free(dir);
			if (rc)
				return rc;
			continue;
		}
		while (!rc && (de = readdir(d)) != NULL) {
			char *child;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (stopped(w)) {
				rc = interrupted(w);
				break;
			}
			child = ha_asprintf("%s%s%s", dir, strcmp(dir, "/") ? "/" : "", de->d_name);
			if (!child) {
				rc = ha_err_nomem(w->err);
				break;
			}
			rc = visit(w, stack, child, depth + 1);
			free(child);
		}
		closedir(d);
		free(dir);
		if (rc)
			return rc;
	}
	return HA_OK;
}

/* ------------------------------------------------------------ grouping */

static int by_host_then_path(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->hostdir, y->hostdir);

	return c ? c : strcmp(x->path, y->path);
}

static int add_log(struct ha_job_file *jf, const char *path)
{
	char **p = realloc(jf->logs, (jf->nlogs + 1) * sizeof *p);

	if (!p)
		return HA_ERR_NOMEM;
	jf->logs = p;
	p[jf->nlogs] = ha_strdup(path);
	if (!p[jf->nlogs])
		return HA_ERR_NOMEM;
	jf->nlogs++;
	return HA_OK;
}

static int build_host(struct walk *w, struct entry *v, size_t n)
{
	struct ha_fleet *fl = w->fleet;
	struct ha_host_job *h;
	size_t i, j, nf = 0, c;
	int any = 0;
	const char *lab;
	void *p;

	for (i = 0; i < n; i++)
		if (v[i].cls == CLS_CANDIDATE || v[i].cls == CLS_LINK)
			any = 1;
	if (!any) {
		for (i = 0; i < n; i++) {
			int rc = HA_OK;

			if (v[i].cls == CLS_HIVE)
				rc = note(w, "%s: %s hive outside any host folder, not audited",
				          v[i].path, ha_file_kind_name(v[i].hint));
			else if (v[i].cls == CLS_LOG)
				rc = note(w, "%s: transaction log without a hive beside it",
				          v[i].path);
			else if (v[i].cls == CLS_BACKUP)
				rc = note(w, "%s: %s", v[i].path, v[i].skip_reason);
			if (rc)
				return rc;
		}
		return HA_OK;
	}
	p = realloc(fl->hosts, (fl->nhosts + 1) * sizeof *fl->hosts);
	if (!p)
		return ha_err_nomem(w->err);
	fl->hosts = p;
	h = &fl->hosts[fl->nhosts++];
	memset(h, 0, sizeof *h);
	h->dir = ha_strdup(v[0].hostdir);
	lab = last_comp(v[0].hostdir, strlen(v[0].hostdir), &c);
	if (!c || (c == 1 && lab[0] == '.') || (c == 2 && lab[0] == '.' && lab[1] == '.')) {
		/* "." or "..": the label is the folder's real name. */
		char *real = realpath(v[0].hostdir, NULL);
		const char *b = real ? strrchr(real, '/') : NULL;

		h->label = ha_strdup(b && b[1] ? b + 1 : real ? real : v[0].hostdir);
		free(real);
	} else if (!(h->label = export_label(v, n))) {
		h->label = ha_strndup(lab, c);
	}
	for (i = 0, j = 0; i < n; i++)
		j += v[i].is_export;
	h->files = calloc(n + j, sizeof *h->files);
	if (!h->dir || !h->label || !h->files)
		return ha_err_nomem(w->err);
	for (i = 0; i < n; i++) {
		struct ha_job_file *jf;

		if (v[i].cls == CLS_LOG)
			continue;
		jf = &h->files[nf++];
		jf->path = v[i].path;
		v[i].path = NULL;
		v[i].attached = 1;
		jf->hint = v[i].hint;
		jf->hint_why = v[i].hint_why;
		v[i].hint_why = NULL;
		jf->is_regf = v[i].is_regf;
		if (v[i].cls == CLS_BACKUP || v[i].cls == CLS_LINK) {
			jf->skip_status = HA_HS_SKIPPED;
			jf->skip_reason = v[i].skip_reason;
			v[i].skip_reason = NULL;
		}
		if (v[i].is_export) {
			/* Listed twice: its SYSTEM part, then its SOFTWARE part. */
			jf->is_export = 1;
			jf->hint = HA_FK_SYSTEM;
			jf[1].is_export = 1;
			jf[1].hint = HA_FK_SOFTWARE;
			jf[1].is_regf = 0;
			if (!(jf[1].path = ha_strdup(jf->path)))
				return ha_err_nomem(w->err);
			nf++;
		}
	}
	h->nfiles = nf;
	/* Logs go to the hive of the same name in the same folder. */
	for (i = 0; i < n; i++) {
		size_t olen;
		int done = 0;

		if (v[i].cls != CLS_LOG)
			continue;
		olen = ha_log_owner_len(v[i].name);
		for (j = 0; olen && j < nf && !done; j++) {
			struct ha_job_file *jf = &h->files[j];
			const char *jn = strrchr(jf->path, '/');
			size_t dl = jn ? (size_t)(jn - jf->path) : 0;

			jn = jn ? jn + 1 : jf->path;
			if (strlen(jn) == olen && ha_ascii_ncasecmp(jn, v[i].name, olen) == 0 &&
			    dl == strlen(v[i].dir) && strncmp(jf->path, v[i].dir, dl) == 0) {
				if (add_log(jf, v[i].path))
					return ha_err_nomem(w->err);
				done = 1;
			}
		}
		if (!done) {
			int rc =
			        note(w, "%s: transaction log without a hive of that name beside it",
			             v[i].path);

			if (rc)
				return rc;
		}
	}
	return HA_OK;
}

/* ------------------------------------------------ unreadable folders */

static int by_dir(const void *a, const void *b)
{
	return strcmp(((const struct ha_host_job *)a)->dir, ((const struct ha_host_job *)b)->dir);
}

/* The host whose folder holds `path` (the deepest), or whose folder it
 * is; -1 for none. */
static long host_of(const struct ha_fleet *fl, const char *path, const char *hostdir)
{
	size_t i, best_len = 0;
	long best = -1;

	for (i = 0; i < fl->nhosts; i++) {
		const char *d = fl->hosts[i].dir;
		size_t n = strlen(d);

		if (!strcmp(d, hostdir) ||
		    (strncmp(path, d, n) == 0 && (path[n] == '/' || (n == 1 && d[0] == '/')))) {
			if (best < 0 || n > best_len) {
				best = (long)i;
				best_len = n;
			}
		}
	}
	return best;
}

struct hostprobs {
	size_t unreadable, deep;
	const struct problem *first_unreadable, *first_deep;
};

/* Every folder that could not be read or entered is counted in the host
 * it belongs to, in that host's note; an unreadable folder inside no host
 * is a host of its own, with no files, so that it is not absent from
 * every report.  Hosts stay sorted by folder. */
static int place_problems(struct walk *w)
{
	struct ha_fleet *fl = w->fleet;
	struct hostprobs *hp;
	size_t i;
	int rc = HA_OK;

	for (i = 0; i < w->nprobs; i++) {
		const struct problem *p = &w->probs[i];
		struct ha_host_job *nh;
		const char *lab;
		size_t c;
		int regback;
		char *hd;
		void *q;

		if (p->deep)
			continue;
		hd = ha_strndup(p->path, host_dir_len(p->path, &regback));
		if (!hd)
			return ha_err_nomem(w->err);
		if (host_of(fl, p->path, hd) >= 0) {
			free(hd);
			continue;
		}
		q = realloc(fl->hosts, (fl->nhosts + 1) * sizeof *fl->hosts);
		if (!q) {
			free(hd);
			return ha_err_nomem(w->err);
		}
		fl->hosts = q;
		nh = &fl->hosts[fl->nhosts++];
		memset(nh, 0, sizeof *nh);
		lab = last_comp(hd, strlen(hd), &c);
		nh->label = c ? ha_strndup(lab, c) : ha_strdup(hd);
		nh->dir = hd;
		nh->files = calloc(1, sizeof *nh->files);
		if (!nh->label || !nh->files)
			return ha_err_nomem(w->err);
	}
	hp = calloc(fl->nhosts ? fl->nhosts : 1, sizeof *hp);
	if (!hp)
		return ha_err_nomem(w->err);
	for (i = 0; i < w->nprobs; i++) {
		const struct problem *p = &w->probs[i];
		int regback;
		char *hd = ha_strndup(p->path, host_dir_len(p->path, &regback));
		long h;

		if (!hd) {
			free(hp);
			return ha_err_nomem(w->err);
		}
		h = host_of(fl, p->path, hd);
		free(hd);
		if (h < 0)
			continue; /* cut at the depth limit outside any host: counted */
		if (p->deep && !hp[h].deep++)
			hp[h].first_deep = p;
		if (!p->deep && !hp[h].unreadable++)
			hp[h].first_unreadable = p;
	}
	for (i = 0; i < fl->nhosts && !rc; i++) {
		struct ha_buf b;

		if (!hp[i].unreadable && !hp[i].deep)
			continue;
		ha_buf_init(&b, 0);
		if (hp[i].unreadable)
			ha_buf_printf(&b, "%zu folder%s could not be read (%s: %s%s)",
			              hp[i].unreadable, hp[i].unreadable == 1 ? "" : "s",
			              hp[i].first_unreadable->path, hp[i].first_unreadable->why,
			              hp[i].unreadable > 1 ? ", ..." : "");
		if (hp[i].deep)
			ha_buf_printf(&b, "%s%zu folder%s deeper than %d levels not entered (%s%s)",
			              hp[i].unreadable ? "; " : "", hp[i].deep,
			              hp[i].deep == 1 ? "" : "s", MAX_DEPTH, hp[i].first_deep->path,
			              hp[i].deep > 1 ? ", ..." : "");
		fl->hosts[i].note = ha_buf_detach(&b, NULL);
		if (!fl->hosts[i].note)
			rc = ha_err_nomem(w->err);
	}
	free(hp);
	if (!rc)
		qsort(fl->hosts, fl->nhosts, sizeof *fl->hosts, by_dir);
	return rc;
}

static void free_entries(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		free(w->v[i].path);
		free(w->v[i].dir);
		free(w->v[i].hostdir);
		free(w->v[i].hint_why);
		free(w->v[i].skip_reason);
	}
	free(w->v);
}

int ha_discover(const char *const *paths, size_t npaths, struct ha_fleet *fleet, struct ha_err *err)
{
	return ha_discover_until(paths, npaths, NULL, fleet, err);
}

int ha_discover_until(const char *const *paths, size_t npaths, volatile sig_atomic_t *stop,
                      struct ha_fleet *fleet, struct ha_err *err)
{
	struct walk w;
	struct dirstack stack = {0};
	size_t i, start;
	int rc = HA_OK;

	memset(fleet, 0, sizeof *fleet);
	memset(&w, 0, sizeof w);
	w.fleet = fleet;
	w.err = err;
	w.stop = stop;
	w.roots = calloc(npaths ? npaths : 1, sizeof *w.roots);
	w.given = calloc(npaths ? npaths : 1, sizeof *w.given);
	if (!w.roots || !w.given) {
		free(w.roots);
		free(w.given);
		return ha_err_nomem(err);
	}
	for (i = 0; i < npaths; i++) {
		struct stat st;

		w.roots[i] = realpath(paths[i], NULL);
		if (!w.roots[i]) {
			/* A path that leads nowhere (missing, a symlink loop, a
			 * file used as a folder) is the user's to fix: exit 2. */
			rc = ha_err_sys(err,
			                errno == ENOENT || errno == ELOOP || errno == ENOTDIR
			                        ? HA_ERR_USAGE
			                        : HA_ERR_IO,
			                errno, "%s", paths[i]);
			goto out;
		}
		w.nroots++;
		{
			size_t n = strlen(paths[i]);

			while (n > 1 && paths[i][n - 1] == '/')
				n--;
			w.given[i] = ha_strndup(paths[i], n);
			if (!w.given[i]) {
				rc = ha_err_nomem(err);
				goto out;
			}
		}
		if (stat(w.roots[i], &st) != 0) {
			rc = ha_err_sys(err, HA_ERR_IO, errno, "%s", paths[i]);
			goto out;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			rc = ha_err_set(err, HA_ERR_USAGE, "%s: not a folder or a file", paths[i]);
			goto out;
		}
	}
	for (i = 0; i < npaths && !rc; i++) {
		struct stat st;

		/* A given path is followed even if it is a link: the user
		 * named it.  Inside it, links are followed only when they stay
		 * inside the given paths. */
		if (stat(w.given[i], &st) != 0)
			rc = ha_err_sys(err, HA_ERR_IO, errno, "%s", paths[i]);
		else if (!S_ISDIR(st.st_mode))
			rc = add_file(&w, w.given[i], NULL);
		else if (seen_before(&w, &st) < 0)
			rc = ha_err_nomem(err);
		else
			rc = push(&stack, w.given[i], 0) ? ha_err_nomem(err) : HA_OK;
		if (!rc)
			rc = walk_dir(&w, &stack);
	}
	if (!rc)
		rc = ha_container_flush(fleet, stop, err);
	if (rc)
		goto out;
	if (w.n) {
		size_t j;

		qsort(w.v, w.n, sizeof *w.v, by_host_then_path);
		/* One file reached twice (directly and through a link, or two
		 * overlapping PATHs) is one file. */
		for (i = 1, j = 1; i < w.n; i++) {
			if (!strcmp(w.v[i].path, w.v[j - 1].path)) {
				free(w.v[i].path);
				free(w.v[i].dir);
				free(w.v[i].hostdir);
				free(w.v[i].hint_why);
				free(w.v[i].skip_reason);
				continue;
			}
			w.v[j++] = w.v[i];
		}
		w.n = j;
	}
	for (start = 0, i = 1; i <= w.n && !rc; i++) {
		if (i == w.n || strcmp(w.v[i].hostdir, w.v[start].hostdir) != 0) {
			rc = build_host(&w, w.v + start, i - start);
			start = i;
		}
	}
	if (!rc && w.nprobs)
		rc = place_problems(&w);
out:
	ha_container_discard();
	for (i = 0; i < w.nprobs; i++) {
		free(w.probs[i].path);
		free(w.probs[i].why);
	}
	free(w.probs);
	for (i = 0; i < stack.n; i++)
		free(stack.v[i]);
	free(stack.v);
	free(stack.depth);
	free_entries(&w);
	for (i = 0; i < w.nroots; i++) {
		free(w.roots[i]);
		free(w.given[i]);
	}
	free(w.roots);
	free(w.given);
	free(w.seen);
	if (rc)
		ha_fleet_free(fleet);
	return rc;
}

void ha_fleet_free(struct ha_fleet *fleet)
{
	size_t i, j, k;

	if (!fleet)
		return;
	for (i = 0; i < fleet->nhosts; i++) {
		struct ha_host_job *h = &fleet->hosts[i];

		for (j = 0; j < h->nfiles; j++) {
			struct ha_job_file *f = &h->files[j];

			free(f->path);
			free(f->hint_why);
			free(f->skip_reason);
			for (k = 0; k < f->nlogs; k++)
				free(f->logs[k]);
			free(f->logs);
		}
		free(h->files);
		ha_container_job_free(h->container);
		free(h->label);
		free(h->dir);
		free(h->note);
	}
	free(fleet->hosts);
	for (i = 0; i < fleet->nnotes; i++)
		free(fleet->notes[i]);
	free(fleet->notes);
	memset(fleet, 0, sizeof *fleet);
}
