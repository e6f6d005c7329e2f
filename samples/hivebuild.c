/* hivebuild.c: see hivebuild.h.
 *
 * THE EMPTY HIVE (msuhanov/regf; reference/hivex.md section 6)
 *
 *   0x0000 base block: "regf", sequence 1/1, a fixed timestamp, version 1.5,
 *          type 0 (primary), format 1, root cell at 0x20, hive bins size
 *          0x1000, clustering 1, the embedded file name, XOR checksum.
 *   0x1000 hive bin: "hbin", offset 0, size 0x1000, the same timestamp.
 *   0x1020 root key (nk): flags 0x2C (hive entry, no delete, Latin-1
 *          name), no subkeys or values, security cell at 0x80.
 *   0x1080 security cell (sk): a list of one, reference count 1, and a
 *          self-relative descriptor (owner Administrators, group SYSTEM, a
 *          DACL giving Administrators and SYSTEM full control and Users
 *          read).  hivex copies the parent's sk into every new key.
 *   then   one free cell up to the end of the bin.
 * Cells are 8-byte aligned, negative sizes mark them used. */
#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hivebuild.h"

struct hb_value {
	char *name;
	uint32_t type;
	size_t len;
	unsigned char *data;
};

struct hb_node {
	char *name;
	struct hb_node **kids;
	size_t nkids;
	struct hb_value *vals;
	size_t nvals;
};

struct hb_tree {
	struct hb_node root;
};

static int fold(int c)
{
	return (c >= 'a' && c <= 'z') ? c - 32 : c;
}

static int icmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int d = fold((unsigned char)*a) - fold((unsigned char)*b);

		if (d || !*a)
			return d;
	}
}

struct hb_tree *hb_new(void)
{
	return calloc(1, sizeof(struct hb_tree));
}

static void free_node(struct hb_node *n)
{
	size_t i;

	for (i = 0; i < n->nkids; i++) {
		free_node(n->kids[i]);
		free(n->kids[i]);
	}
	free(n->kids);
	for (i = 0; i < n->nvals; i++) {
		free(n->vals[i].name);
		free(n->vals[i].data);
	}
	free(n->vals);
	free(n->name);
}

void hb_free(struct hb_tree *t)
{
	if (!t)
		return;
	free_node(&t->root);
	free(t);
}

/* The node at path, created if `create`; NULL if absent or on failure. */
static struct hb_node *find(struct hb_tree *t, const char *path, int create)
{
	struct hb_node *n = &t->root;
	char comp[512];

	while (*path) {
		const char *e = strchr(path, '\\');
		size_t len = e ? (size_t)(e - path) : strlen(path), i;
		struct hb_node *k = NULL;

		if (len == 0 || len >= sizeof comp)
			return NULL;
		memcpy(comp, path, len);
		comp[len] = '\0';
		for (i = 0; i < n->nkids; i++)
			if (!icmp(n->kids[i]->name, comp))
				k = n->kids[i];
		if (!k) {
			struct hb_node **v;

			if (!create)
				return NULL;
			k = calloc(1, sizeof *k);
			v = realloc(n->kids, (n->nkids + 1) * sizeof *v);
			if (!k || !v || !(k->name = strdup(comp))) {
				free(k);
				if (v)
					n->kids = v;
				return NULL;
			}
			n->kids = v;
			v[n->nkids++] = k;
		}
		n = k;
		path = e ? e + 1 : path + len;
	}
	return n;
}

int hb_key(struct hb_tree *t, const char *path)
{
	return find(t, path, 1) ? 0 : -1;
}

int hb_set(struct hb_tree *t, const char *path, const char *name, uint32_t type, const void *data,
           size_t len)
{
	struct hb_node *n = find(t, path, 1);
	struct hb_value *v = NULL;
	size_t i;

	if (!n)
		return -1;
	for (i = 0; i < n->nvals; i++)
		if (!icmp(n->vals[i].name, name))
			v = &n->vals[i];
	if (!v) {
		struct hb_value *nv = realloc(n->vals, (n->nvals + 1) * sizeof *nv);

		if (!nv)
			return -1;
		n->vals = nv;
		v = &nv[n->nvals++];
		memset(v, 0, sizeof *v);
		if (!(v->name = strdup(name)))
			return -1;
	}
	free(v->data);
	v->data = malloc(len ? len : 1);
	if (!v->data)
		return -1;
	if (len)
		memcpy(v->data, data, len);
	v->type = type;
	v->len = len;
	return 0;
}

int hb_set_sz(struct hb_tree *t, const char *path, const char *name, const char *s)
{
	size_t n = strlen(s), i, o = 0;
	unsigned char *u = malloc(2 * n + 2);
	int rc;

	if (!u)
		return -1;
	/* UTF-8 to UTF-16LE, BMP only: sample strings are ASCII or Latin-1. */
	for (i = 0; i < n;) {
		unsigned c = (unsigned char)s[i];

		if (c >= 0xC0 && c < 0xE0 && i + 1 < n) {
			c = ((c & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F);
			i += 2;
		} else if (c >= 0xE0 && c < 0xF0 && i + 2 < n) {
			c = ((c & 0x0F) << 12) | (((unsigned char)s[i + 1] & 0x3F) << 6) |
			    ((unsigned char)s[i + 2] & 0x3F);
			i += 3;
		} else {
			i++;
		}
		u[o++] = (unsigned char)c;
		u[o++] = (unsigned char)(c >> 8);
	}
	u[o++] = 0;
	u[o++] = 0;
	rc = hb_set(t, path, name, 1, u, o);
	free(u);
	return rc;
}

int hb_set_dword(struct hb_tree *t, const char *path, const char *name, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 24)};

	return hb_set(t, path, name, 4, b, 4);
}

int hb_set_qword(struct hb_tree *t, const char *path, const char *name, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return hb_set(t, path, name, 11, b, 8);
}

int hb_delete(struct hb_tree *t, const char *path, const char *name)
{
	char parent[4096];
	const char *slash = strrchr(path, '\\');
	struct hb_node *n;
	size_t i;

	if (name) {
		n = find(t, path, 0);
		if (!n)
			return 0;
		for (i = 0; i < n->nvals; i++) {
			if (!icmp(n->vals[i].name, name)) {
				free(n->vals[i].name);
				free(n->vals[i].data);
				memmove(&n->vals[i], &n->vals[i + 1],
				        (n->nvals - i - 1) * sizeof *n->vals);
				n->nvals--;
				return 0;
			}
		}
		return 0;
	}
	if (slash) {
		if ((size_t)(slash - path) >= sizeof parent)
			return -1;
		memcpy(parent, path, (size_t)(slash - path));
		parent[slash - path] = '\0';
		n = find(t, parent, 0);
		slash++;
	} else {
		n = &t->root;
		slash = path;
	}
	if (!n)
		return 0;
	for (i = 0; i < n->nkids; i++) {
		if (!icmp(n->kids[i]->name, slash)) {
			free_node(n->kids[i]);
			free(n->kids[i]);
			memmove(&n->kids[i], &n->kids[i + 1], (n->nkids - i - 1) * sizeof *n->kids);
			n->nkids--;
			return 0;
		}
	}
	return 0;
}

/* ---------------------------------------------------------- empty hive */

static void le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void le64(unsigned char *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t checksum(const unsigned char *p)
{
	uint32_t x = 0;
	int i;

	for (i = 0; i < 0x1FC; i += 4)
		x ^= (uint32_t)p[i] | ((uint32_t)p[i + 1] << 8) | ((uint32_t)p[i + 2] << 16) |
		     ((uint32_t)p[i + 3] << 24);
	return x == 0 ? 1 : x == 0xFFFFFFFFu ? 0xFFFFFFFEu : x;
}

static size_t put_sid(unsigned char *p, uint8_t subs, uint32_t a, uint32_t b)
{
	p[0] = 1;
	p[1] = subs;
	memset(p + 2, 0, 5);
	p[7] = 5; /* NT authority */
	le32(p + 8, a);
	if (subs > 1)
		le32(p + 12, b);
	return 8 + 4u * subs;
}

int hb_write_empty(const char *file, const char *embedded_name, int64_t filetime)
{
	unsigned char *h = calloc(1, 0x2000);
	unsigned char *root, *sk, *sd, *acl;
	size_t i, n, sdlen, acllen = 8, o;
	FILE *f;
	int rc = -1;

	if (!h)
		return -1;
	/* Base block. */
	memcpy(h, "regf", 4);
	le32(h + 0x04, 1);
	le32(h + 0x08, 1);
	le64(h + 0x0C, (uint64_t)filetime);
	le32(h + 0x14, 1);
	le32(h + 0x18, 5);
	le32(h + 0x1C, 0);
	le32(h + 0x20, 1);
	le32(h + 0x24, 0x20);
	le32(h + 0x28, 0x1000);
	le32(h + 0x2C, 1);
	n = strlen(embedded_name);
	for (i = 0; i < n && i < 31; i++)
		le16(h + 0x30 + 2 * i, (unsigned char)embedded_name[i]);
	le32(h + 0x1FC, checksum(h));

	/* Hive bin. */
	memcpy(h + 0x1000, "hbin", 4);
	le32(h + 0x1004, 0);
	le32(h + 0x1008, 0x1000);
	le64(h + 0x1014, (uint64_t)filetime);

	/* Root key at 0x1020: 4 + 76 + a 4-byte name = 84 bytes, cell of 96. */
	root = h + 0x1020;
	le32(root, (uint32_t)-96); /* 84 bytes used, padded to reach the sk cell */
	memcpy(root + 4, "nk", 2);
	le16(root + 6, 0x2C);
	le64(root + 8, (uint64_t)filetime);
	le32(root + 4 + 16, 0);          /* parent */
	le32(root + 4 + 28, 0xFFFFFFFF); /* subkey list */
	le32(root + 4 + 32, 0xFFFFFFFF);
	le32(root + 4 + 40, 0xFFFFFFFF); /* value list */
	le32(root + 4 + 44, 0x80);       /* security: 0x1080 - 0x1000 */
	le32(root + 4 + 48, 0xFFFFFFFF); /* class name */
	le16(root + 4 + 72, 4);
	memcpy(root + 4 + 76, "ROOT", 4);

	/* Security cell at 0x1080. */
	sk = h + 0x1080;
	memcpy(sk + 4, "sk", 2);
	le32(sk + 8, 0x80);
	le32(sk + 12, 0x80);
	le32(sk + 16, 1);
	sd = sk + 24;
	sd[0] = 1;            /* revision */
	le16(sd + 2, 0x8004); /* self-relative, DACL present */
	o = 20;
	le32(sd + 4, (uint32_t)o); /* owner: Administrators S-1-5-32-544 */
	o += put_sid(sd + o, 2, 32, 544);
	le32(sd + 8, (uint32_t)o); /* group: SYSTEM S-1-5-18 */
	o += put_sid(sd + o, 1, 18, 0);
	le32(sd + 16, (uint32_t)o); /* DACL */
	acl = sd + o;
	acl[0] = 2;
	{
		static const struct {
			uint32_t mask;
			uint8_t subs;
			uint32_t a, b;
		} aces[] = {{0xF003F, 2, 32, 544}, {0xF003F, 1, 18, 0}, {0x20019, 2, 32, 545}};
		size_t k;

		for (k = 0; k < 3; k++) {
			unsigned char *ace = acl + acllen;
			size_t sl = put_sid(ace + 8, aces[k].subs, aces[k].a, aces[k].b);

			ace[0] = 0;    /* ACCESS_ALLOWED */
			ace[1] = 0x02; /* container inherit */
			le16(ace + 2, (uint16_t)(8 + sl));
			le32(ace + 4, aces[k].mask);
			acllen += 8 + sl;
		}
	}
	le16(acl + 2, (uint16_t)acllen);
	le16(acl + 4, 3);
	sdlen = o + acllen;
	le32(sk + 20, (uint32_t)sdlen);
	{
		size_t cell = (24 + sdlen + 7) & ~(size_t)7;

		le32(sk, (uint32_t) - (int32_t)cell);
		/* One free cell for the rest of the bin. */
		le32(h + 0x1080 + cell, (uint32_t)(0x2000 - (0x1080 + cell)));
	}

	f = fopen(file, "wb");
	if (f) {
		rc = fwrite(h, 1, 0x2000, f) == 0x2000 ? 0 : -1;
		if (fclose(f) != 0)
			rc = -1;
	}
	free(h);
	return rc;
}

/* ------------------------------------------------------------- writing */

static int by_upper_name(const void *a, const void *b)
{
	const struct hb_node *x = *(const struct hb_node *const *)a;
	const struct hb_node *y = *(const struct hb_node *const *)b;

	return icmp(x->name, y->name);
}

static int write_node(hive_h *h, hive_node_h node, struct hb_node *n, char *err, size_t errlen)
{
	size_t i;

	if (n->nvals) {
		hive_set_value *sv = calloc(n->nvals, sizeof *sv);

		if (!sv)
			return -1;
		for (i = 0; i < n->nvals; i++) {
			sv[i].key = n->vals[i].name;
			sv[i].t = n->vals[i].type;
			sv[i].len = n->vals[i].len;
			sv[i].value = (char *)n->vals[i].data;
		}
		if (hivex_node_set_values(h, node, n->nvals, sv, 0) != 0) {
			snprintf(err, errlen, "setting values of '%s': %s",
			         n->name ? n->name : "(root)", strerror(errno));
			free(sv);
			return -1;
		}
		free(sv);
	}
	if (n->nkids > 1)
		qsort(n->kids, n->nkids, sizeof *n->kids, by_upper_name);
	for (i = 0; i < n->nkids; i++) {
		hive_node_h k = hivex_node_add_child(h, node, n->kids[i]->name);

		if (!k) {
			snprintf(err, errlen, "adding key '%s': %s", n->kids[i]->name,
			         strerror(errno));
			return -1;
		}
		if (write_node(h, k, n->kids[i], err, errlen))
			return -1;
	}
	return 0;
}

int hb_write(const struct hb_tree *t, const char *file, const char *embedded_name, int64_t filetime,
             char *err, size_t errlen)
{
	char tmp[4096];
	hive_h *h;
	int rc;

	snprintf(tmp, sizeof tmp, "%s.part", file);
	if (hb_write_empty(tmp, embedded_name, filetime)) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	h = hivex_open(tmp, HIVEX_OPEN_WRITE);
	if (!h) {
		snprintf(err, errlen, "hivex cannot open the empty hive: %s", strerror(errno));
		unlink(tmp);
		return -1;
	}
	rc = write_node(h, hivex_root(h), (struct hb_node *)&t->root, err, errlen);
	if (!rc && hivex_commit(h, tmp, 0) != 0) {
		snprintf(err, errlen, "hivex commit failed: %s", strerror(errno));
		rc = -1;
	}
	hivex_close(h);
	if (!rc && rename(tmp, file) != 0) {
		snprintf(err, errlen, "cannot rename to %s: %s", file, strerror(errno));
		rc = -1;
	}
	if (rc)
		unlink(tmp);
	return rc;
}

/* --------------------------------------------------------------- damage */

static int patch(const char *file, void (*fn)(unsigned char *h))
{
	unsigned char h[0x200];
	FILE *f = fopen(file, "r+b");
	int rc = -1;

	if (!f)
		return -1;
	if (fread(h, 1, sizeof h, f) == sizeof h) {
		fn(h);
		if (fseek(f, 0, SEEK_SET) == 0 && fwrite(h, 1, sizeof h, f) == sizeof h)
			rc = 0;
	}
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static void flip_checksum(unsigned char *h)
{
	h[0x1FC] ^= 0x5A;
}

static void bump_sequence(unsigned char *h)
{
	uint32_t s = (uint32_t)h[4] | ((uint32_t)h[5] << 8) | ((uint32_t)h[6] << 16) |
	             ((uint32_t)h[7] << 24);

	le32(h + 4, s + 1);
	le32(h + 0x1FC, checksum(h));
}

int hb_corrupt_checksum(const char *file)
{
	return patch(file, flip_checksum);
}

int hb_make_dirty(const char *file)
{
	return patch(file, bump_sequence);
}

int hb_truncate(const char *file, long cut)
{
	struct stat st;

	if (stat(file, &st) != 0 || st.st_size <= cut)
		return -1;
	return truncate(file, st.st_size - cut);
}
