/* test_rules.c: the built-in TLS 1.2 pack, rule by rule, on hosts built in
 * memory.
 *
 * A host is written as a small registry (keys and values per hive, with the
 * hive statuses) and then "read" the way the reader reads a real host: for
 * every request of the loaded rules, a key record that is present, absent
 * or unavailable, with only the values asked for, and enumerations with
 * their matching subkeys.  So a case reads like the situation it describes:
 *
 *	h = host(&W2008R2_SP1);                  2008 R2 SP1 x64
 *	schannel(h, "Enabled", 1);               Enabled=1, DisabledByDefault absent
 *	EXPECT(h, SCH, HA_FAIL);
 *
 * and a rule that reads a key its requests did not ask for shows up as an
 * UNKNOWN "not requested".  Every evaluation also checks what holds for all
 * findings: at least one evidence row, an observed value and a reason that
 * is a sentence.
 *
 * (Over 1,000 lines: every rule of the pack, host by host, with its expected finding.)
 */
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ha_rules.h"
#include "testutil.h"

/* Rule ids, for short case lines. */
#define OS     "OS-TLS12-CAPABLE"
#define KB     "KB-TLS12-PREREQ"
#define WH     "WINHTTP-TLS12"
#define WH32   "WINHTTP-TLS12-WOW64"
#define SCH    "SCHANNEL-TLS12-CLIENT"
#define NET    "NETFX-TLS12"
#define NET32  "NETFX-TLS12-WOW64"
#define NETV   "NETFX-VERSION"
#define G2     "ROOTCA-DIGICERT-GLOBAL-G2"
#define GCA    "ROOTCA-DIGICERT-GLOBAL-CA"
#define BALT   "ROOTCA-BALTIMORE"
#define DTRUST "ROOTCA-DTRUST-CLASS3-2009"
#define MSRSA  "ROOTCA-MS-RSA-2017"
#define MSECC  "ROOTCA-MS-ECC-2017"
#define AUTO   "ROOTCA-AUTOUPDATE"
#define INTEG  "HIVE-INTEGRITY"
#define LEGACY "SCHANNEL-LEGACY-PROTOCOLS"
#define AGENT  "BACKUP-AGENT"
#define SUITES "SCHANNEL-CIPHER-SUITES"
#define FIPS   "FIPS-MODE"
#define TLS13  "SCHANNEL-TLS13-CLIENT"
#define NET35  "NETFX35-TLS12"

/* Registry paths as they sit in the hives. */
#define CV           "Microsoft\\Windows NT\\CurrentVersion"
#define PO           "CurrentControlSet\\Control\\ProductOptions"
#define ENV          "CurrentControlSet\\Control\\Session Manager\\Environment"
#define PROTO        "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols"
#define T12C         PROTO "\\TLS 1.2\\Client"
#define NETFX        "Microsoft\\.NETFramework\\v4.0.30319"
#define NETFX32      "Wow6432Node\\Microsoft\\.NETFramework\\v4.0.30319"
#define NDP          "Microsoft\\NET Framework Setup\\NDP\\v4\\Full"
#define WINHTTP      "Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp"
#define WINHTTP32    "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp"
#define CBS          "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"
#define ROOT         "Microsoft\\SystemCertificates\\ROOT\\Certificates"
#define AUTHROOT     "Microsoft\\SystemCertificates\\AuthRoot\\Certificates"
#define GPROOT       "Policies\\Microsoft\\SystemCertificates\\Root\\Certificates"
#define ENTROOT      "Microsoft\\EnterpriseCertificates\\Root\\Certificates"
#define DISALLOWED   "Microsoft\\SystemCertificates\\Disallowed\\Certificates"
#define GPDISALLOWED "Policies\\Microsoft\\SystemCertificates\\Disallowed\\Certificates"
#define AUPOL        "Policies\\Microsoft\\SystemCertificates\\AuthRoot"
#define SSLPOL       "Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002"
#define SSLLOCAL     "CurrentControlSet\\Control\\Cryptography\\Configuration\\Local\\SSL\\00010002"
#define SCHK         "CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL"
#define FIPSK        "CurrentControlSet\\Control\\Lsa\\FipsAlgorithmPolicy"
#define T13C         PROTO "\\TLS 1.3\\Client"
#define NETFX35      "Microsoft\\.NETFramework\\v2.0.50727"
#define NETFX35_32   "Wow6432Node\\Microsoft\\.NETFramework\\v2.0.50727"
#define NDP35        "Microsoft\\NET Framework Setup\\NDP\\v3.5"

#define SYS HA_SYSTEM
#define SW  HA_SOFTWARE

/* 2024-03-01T12:00:00Z, the last-write time of every key. */
#define KEY_TIME 133537680000000000LL

static struct ha_ruleset *pack;
static int64_t as_of_default; /* 2026-01-01 */

/* ------------------------------------------------------------- the host */

struct vval {
	char *name;
	uint32_t type;
	uint8_t *data;
	uint32_t len;
	char *error; /* the reader could not read the data */
};

struct vkey {
	int hive;
	char *path; /* physical: ControlSet001\..., as stored */
	size_t nv;
	struct vval *v;
};

struct host {
	size_t nk;
	struct vkey *k;
	int status[HA_NROLES];
	const char *reason[HA_NROLES];
	int64_t as_of;
	const struct ha_ruleset *rs;
	const char *broken; /* a key the reader fails on part-way, or NULL */
	int evaluated;
	struct ha_snapshot s;
	struct ha_facts f;
	struct ha_findings fs;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = ha_strdup(s);

	if (!p)
		abort();
	return p;
}

/* "CurrentControlSet\X" is stored under ControlSet001, as on disk. */
static char *physical(const char *path)
{
	if (ha_ascii_ncasecmp(path, "CurrentControlSet", 17) == 0 &&
	    (path[17] == '\\' || path[17] == '\0')) {
		char *p = ha_asprintf("ControlSet001%s", path + 17);

		if (!p)
			abort();
		return p;
	}
	return xstrdup(path);
}

static void forget(struct host *h)
{
	if (!h->evaluated)
		return;
	ha_findings_free(&h->fs);
	ha_facts_free(&h->f);
	ha_snapshot_free(&h->s);
	h->evaluated = 0;
}

static void vval_free(struct vval *v)
{
	free(v->name);
	free(v->data);
	free(v->error);
}

static void host_free(struct host *h)
{
	size_t i, j;

	if (!h)
		return;
	forget(h);
	for (i = 0; i < h->nk; i++) {
		for (j = 0; j < h->k[i].nv; j++)
			vval_free(&h->k[i].v[j]);
		free(h->k[i].v);
		free(h->k[i].path);
	}
	free(h->k);
	free(h);
}

static struct vkey *vkey(struct host *h, int hive, const char *path)
{
	char *p = physical(path);
	struct vkey *k;
	size_t i;

	forget(h);
	for (i = 0; i < h->nk; i++) {
		if (h->k[i].hive == hive && ha_ascii_caseeq(h->k[i].path, p)) {
			free(p);
			return &h->k[i];
		}
	}
	k = realloc(h->k, (h->nk + 1) * sizeof *k);
	if (!k)
		abort();
	h->k = k;
	k = &h->k[h->nk++];
	memset(k, 0, sizeof *k);
	k->hive = hive;
	k->path = p;
	return k;
}

/* An empty key (and its parents). */
static void set_key(struct host *h, int hive, const char *path)
{
	(void)vkey(h, hive, path);
}

static void set_raw(struct host *h, int hive, const char *path, const char *name, uint32_t type,
                    const void *data, size_t len)
{
	struct vkey *k = vkey(h, hive, path);
	struct vval *v = NULL;
	size_t i;

	for (i = 0; i < k->nv; i++)
		if (ha_ascii_caseeq(k->v[i].name, name))
			v = &k->v[i];
	if (v) {
		vval_free(v);
	} else {
		v = realloc(k->v, (k->nv + 1) * sizeof *v);
		if (!v)
			abort();
		k->v = v;
		v = &k->v[k->nv++];
	}
	memset(v, 0, sizeof *v);
	v->name = xstrdup(name);
	v->type = type;
	v->len = (uint32_t)len;
	v->data = xcalloc(len, 1);
	if (len)
		memcpy(v->data, data, len);
}

static void set_dw(struct host *h, int hive, const char *path, const char *name, uint32_t d)
{
	uint8_t b[4];

	ha_put_le32(b, d);
	set_raw(h, hive, path, name, HA_REG_DWORD, b, 4);
}

static void set_sz(struct host *h, int hive, const char *path, const char *name, const char *s)
{
	struct ha_buf b;

	ha_buf_init(&b, 0);
	ha_utf8_to_utf16le(&b, s);
	if (ha_buf_status(&b))
		abort();
	set_raw(h, hive, path, name, HA_REG_SZ, b.data, b.len);
	ha_buf_free(&b);
}

/* A value the reader found but whose data it could not read. */
static void set_unreadable(struct host *h, int hive, const char *path, const char *name)
{
	struct vkey *k;

	set_raw(h, hive, path, name, HA_REG_DWORD, NULL, 0);
	k = vkey(h, hive, path);
	k->v[k->nv - 1].error = xstrdup("value data cell out of range");
}

static void del_val(struct host *h, int hive, const char *path, const char *name)
{
	struct vkey *k = vkey(h, hive, path);
	size_t i;

	for (i = 0; i < k->nv; i++) {
		if (ha_ascii_caseeq(k->v[i].name, name)) {
			vval_free(&k->v[i]);
			k->v[i] = k->v[--k->nv];
			return;
		}
	}
}

/* Deletes a key and everything under it. */
static void del_key(struct host *h, int hive, const char *path)
{
	char *p = physical(path);
	size_t i = 0, j, n = strlen(p);

	forget(h);
	while (i < h->nk) {
		struct vkey *k = &h->k[i];

		if (k->hive == hive && ha_ascii_ncasecmp(k->path, p, n) == 0 &&
		    (k->path[n] == '\0' || k->path[n] == '\\')) {
			for (j = 0; j < k->nv; j++)
				vval_free(&k->v[j]);
			free(k->v);
			free(k->path);
			h->k[i] = h->k[--h->nk];
			continue;
		}
		i++;
	}
	free(p);
}

/* -------------------------------------------------------- operating systems */

struct osdef {
	const char *product_name, *version, *build, *csd, *product_type, *arch;
	int nt10; /* writes CurrentMajor/MinorVersionNumber 10.0 */
};

/* clang-format off */
#define SP(n) "Service Pack " #n
static const struct osdef
	NT4 = {"Windows NT 4.0", "4.0", "1381", SP(6), "ServerNT", "x86", 0},
	W2000 = {"Microsoft Windows 2000", "5.0", "2195", SP(4), "ServerNT", "x86", 0},
	XP = {"Microsoft Windows XP", "5.1", "2600", SP(3), "WinNT", "x86", 0},
	W2003 = {"Microsoft Windows Server 2003", "5.2", "3790", SP(2), "ServerNT", "x86", 0},
	VISTA = {"Windows Vista (TM) Business", "6.0", "6002", SP(2), "WinNT", "AMD64", 0},
	W2008_SP1 = {"Windows Server 2008 Standard", "6.0", "6001", SP(1), "ServerNT", "AMD64", 0},
	W2008_SP2 = {"Windows Server 2008 Standard", "6.0", "6002", SP(2), "ServerNT", "AMD64", 0},
	W2008_SP2_6003 = {"Windows Server 2008 Standard", "6.0", "6003", SP(2), "ServerNT", "AMD64",
			  0},
	WIN7_RTM = {"Windows 7 Professional", "6.1", "7600", NULL, "WinNT", "AMD64", 0},
	WIN7_SP1 = {"Windows 7 Professional", "6.1", "7601", SP(1), "WinNT", "AMD64", 0},
	WIN7_SP1_X86 = {"Windows 7 Professional", "6.1", "7601", SP(1), "WinNT", "x86", 0},
	W2008R2_RTM = {"Windows Server 2008 R2 Enterprise", "6.1", "7600", NULL, "ServerNT",
		       "AMD64", 0},
	W2008R2_SP1 = {"Windows Server 2008 R2 Enterprise", "6.1", "7601", SP(1), "ServerNT",
		       "AMD64", 0},
	W2012 = {"Windows Server 2012 Standard", "6.2", "9200", NULL, "ServerNT", "AMD64", 0},
	W2012R2 = {"Windows Server 2012 R2 Standard", "6.3", "9600", NULL, "ServerNT", "AMD64", 0},
	WIN10_1507 = {"Windows 10 Pro", "6.3", "10240", NULL, "WinNT", "AMD64", 1},
	W2016 = {"Windows Server 2016 Datacenter", "6.3", "14393", NULL, "ServerNT", "AMD64",
		 1},
	W2019 = {"Windows Server 2019 Standard", "6.3", "17763", NULL, "LanmanNT", "AMD64", 1},
	W2022 = {"Windows Server 2022 Datacenter", "6.3", "20348", NULL, "ServerNT", "AMD64",
		 1},
	WIN11 = {"Windows 10 Pro", "6.3", "22631", NULL, "WinNT", "AMD64", 1},
	W2025 = {"Windows Server 2025 Standard", "6.3", "26100", NULL, "ServerNT", "AMD64", 1};
/* clang-format on */

static struct host *host(const struct osdef *os)
{
	struct host *h = xcalloc(1, sizeof *h);

	h->status[SYS] = h->status[SW] = HA_HS_OK;
	h->as_of = as_of_default;
	h->rs = pack;
	set_dw(h, SYS, "Select", "Current", 1);
	set_sz(h, SYS, "CurrentControlSet\\Control\\ComputerName\\ComputerName", "ComputerName",
	       "TESTHOST");
	set_sz(h, SW, CV, "ProductName", os->product_name);
	set_sz(h, SW, CV, "CurrentVersion", os->version);
	set_sz(h, SW, CV, "CurrentBuildNumber", os->build);
	if (os->csd)
		set_sz(h, SW, CV, "CSDVersion", os->csd);
	if (os->nt10) {
		set_dw(h, SW, CV, "CurrentMajorVersionNumber", 10);
		set_dw(h, SW, CV, "CurrentMinorVersionNumber", 0);
	}
	set_sz(h, SYS, PO, "ProductType", os->product_type);
	set_sz(h, SYS, ENV, "PROCESSOR_ARCHITECTURE", os->arch);
	if (strcmp(os->arch, "x86") != 0)
		set_sz(h, SW, "Wow6432Node\\Microsoft\\Windows\\CurrentVersion", "ProgramFilesDir",
		       "C:\\Program Files (x86)");
	set_key(h, SW, ROOT);
	set_key(h, SW, DISALLOWED);
	return h;
}

/* --------------------------------------------------------------- reading */

/* The key as stored (exact path), or NULL; *exists when it or a key under
 * it is stored. */
static const struct vkey *find_vkey(const struct host *h, int hive, const char *p, int *exists)
{
	const struct vkey *exact = NULL;
	size_t i, n = strlen(p);

	*exists = n == 0;
	for (i = 0; i < h->nk; i++) {
		const struct vkey *k = &h->k[i];

		if (k->hive != hive)
			continue;
		if (ha_ascii_caseeq(k->path, p)) {
			exact = k;
			*exists = 1;
		} else if (n && ha_ascii_ncasecmp(k->path, p, n) == 0 && k->path[n] == '\\') {
			*exists = 1;
		}
	}
	return exact;
}

static void copy_values(const struct vkey *vk, const struct ha_request *rq, struct ha_key *k)
{
	size_t i, j;

	for (i = 0; vk && i < vk->nv; i++) {
		const struct vval *src = &vk->v[i];
		struct ha_value *v;

		for (j = 0; j < rq->nnames; j++)
			if (ha_ascii_caseeq(src->name, rq->names[j]))
				break;
		if (j == rq->nnames)
			continue;
		v = ha_key_add_value(k);
		if (!v)
			abort();
		v->name = xstrdup(src->name);
		v->type = src->type;
		if (src->error) {
			v->error = xstrdup(src->error);
			continue;
		}
		v->len = src->len;
		v->data = xcalloc(src->len, 1);
		if (src->len)
			memcpy(v->data, src->data, src->len);
	}
}

static void read_request(struct host *h, const struct ha_request *rq)
{
	struct ha_key *k = ha_snapshot_add_key(&h->s);
	const struct vkey *vk;
	size_t kidx, i, j;
	char *p;
	int exists;

	if (!k)
		abort();
	kidx = (size_t)(k - h->s.keys);
	k->hive = rq->hive;
	k->lpath = xstrdup(rq->path);
	k->match = rq->match ? xstrdup(rq->match) : NULL;
	if (!ha_hive_status_readable(h->status[rq->hive])) {
		k->state = HA_KEY_UNAVAILABLE;
		k->error = ha_asprintf("%s hive %s: %s", ha_role_name(rq->hive),
		                       ha_hive_status_name(h->status[rq->hive]),
		                       h->reason[rq->hive] ? h->reason[rq->hive] : "");
		return;
	}
	p = physical(rq->path);
	vk = find_vkey(h, rq->hive, p, &exists);
	k->ppath = p;
	if (h->broken && ha_ascii_caseeq(h->broken, p)) {
		k->state = HA_KEY_ERROR;
		k->error = xstrdup("subkey list cell out of range");
		return;
	}
	if (!exists) {
		k->state = HA_KEY_ABSENT;
		k->error = ha_asprintf("key '%s' not found", p);
		return;
	}
	k->state = HA_KEY_PRESENT;
	k->last_write = KEY_TIME;
	if (!rq->match) {
		copy_values(vk, rq, k);
		return;
	}
	/* Enumeration: each matching child once, read as a key of its own. */
	for (i = 0; i < h->nk; i++) {
		const struct vkey *c = &h->k[i];
		size_t n = strlen(p), len;
		const char *name, *end;
		char *child, *cpath;
		struct ha_key *ck;

		if (c->hive != rq->hive || ha_ascii_ncasecmp(c->path, p, n) != 0 ||
		    c->path[n] != '\\')
			continue;
		name = c->path + n + 1;
		end = strchr(name, '\\');
		len = end ? (size_t)(end - name) : strlen(name);
		child = ha_strndup(name, len);
		if (!child)
			abort();
		k = &h->s.keys[kidx];
		for (j = 0; j < k->nsub; j++)
			if (ha_ascii_caseeq(k->sub[j], child))
				break;
		if (j < k->nsub || !ha_subkey_matches(rq->match, child)) {
			free(child);
			continue;
		}
		if (ha_key_add_sub(k, child))
			abort();
		ck = ha_snapshot_add_key(&h->s);
		if (!ck)
			abort();
		ck->hive = rq->hive;
		ck->lpath = ha_asprintf("%s\\%s", rq->path, child);
		ck->ppath = cpath = ha_asprintf("%s\\%s", p, child);
		if (!ck->lpath || !cpath)
			abort();
		ck->state = HA_KEY_PRESENT;
		ck->last_write = KEY_TIME;
		copy_values(find_vkey(h, rq->hive, cpath, &exists), rq, ck);
		free(child);
	}
}

/* The snapshot the reader would make of this host for the loaded rules. */
static void read_host(struct host *h)
{
	static const char *const files[HA_NROLES] = {"fleet/TESTHOST/SYSTEM",
	                                             "fleet/TESTHOST/SOFTWARE"};
	struct ha_reqset req;
	struct ha_err err;
	size_t i;
	int r;

	ha_snapshot_init(&h->s);
	h->s.label = xstrdup("TESTHOST");
	h->s.dir = xstrdup("fleet/TESTHOST");
	for (r = 0; r < HA_NROLES; r++) {
		struct ha_hivefile *f;
		int idx;

		h->s.role[r].status = h->status[r];
		if (h->status[r] == HA_HS_MISSING) {
			h->s.role[r].reason = h->reason[r]
			                              ? xstrdup(h->reason[r])
			                              : ha_asprintf("no %s hive in the host folder",
			                                            ha_role_name(r));
			continue;
		}
		f = ha_snapshot_add_file(&h->s);
		if (!f)
			abort();
		idx = (int)h->s.nfiles - 1;
		f->path = xstrdup(files[r]);
		f->kind = r == SYS ? HA_FK_SYSTEM : HA_FK_SOFTWARE;
		f->role = r;
		f->status = h->status[r];
		f->reason = xstrdup(h->reason[r] ? h->reason[r] : "");
		memset(f->sha256, r == SYS ? 'a' : 'b', 64);
		f->bb_valid = 1;
		f->bb.seq1 = 7;
		f->bb.seq2 = h->status[r] == HA_HS_DIRTY ? 6 : 7;
		f->bb.checksum_ok = 1;
		h->s.role[r].cand = idx;
		h->s.role[r].file = ha_hive_status_readable(h->status[r]) ? idx : -1;
		if (h->reason[r])
			h->s.role[r].reason = xstrdup(h->reason[r]);
	}
	if (h->s.role[SYS].file >= 0) {
		h->s.ccs = 1;
		h->s.ccs_source = xstrdup("Select\\Current = 1");
	} else {
		h->s.ccs_source = xstrdup("no readable SYSTEM hive");
	}
	ha_reqset_init(&req);
	if (ha_rules_requests(h->rs, &req, &err) != HA_OK)
		abort();
	for (i = 0; i < req.n; i++)
		read_request(h, &req.v[i]);
	ha_reqset_free(&req);
}

/* ----------------------------------------------------------- evaluating */

/* What must hold for every finding of every host. */
static void check_findings(const char *file, int line, const struct host *h)
{
	size_t i, j;

	if (h->fs.n != ha_rules_count(h->rs))
		check_fail(file, line, "%zu findings for %zu rules", h->fs.n,
		           ha_rules_count(h->rs));
	if (!h->fs.verdict_reason || !*h->fs.verdict_reason)
		check_fail(file, line, "no verdict reason");
	for (i = 0; i < h->fs.n; i++) {
		const struct ha_finding *f = &h->fs.v[i];
		const char *r = f->reason;
		size_t n = r ? strlen(r) : 0;

		if (!f->rule_id || strcmp(f->rule_id, ha_rules_info(h->rs, i)->id) != 0)
			check_fail(file, line, "finding %zu is not rule %s", i,
			           ha_rules_info(h->rs, i)->id);
		if (f->status < 0 || f->status >= HA_NSTATUS)
			check_fail(file, line, "%s: status %d", f->rule_id, f->status);
		if (!f->nev)
			check_fail(file, line, "%s (%s): no evidence", f->rule_id,
			           ha_status_name(f->status));
		if (!f->observed || !*f->observed)
			check_fail(file, line, "%s: nothing observed", f->rule_id);
		if (!n || r[0] == ' ' || r[n - 1] != '.' || (n > 1 && r[n - 2] == ' ') ||
		    strstr(r, "  ") || strstr(r, "..") || strstr(r, " . ") || strstr(r, "(null)") ||
		    strstr(r, "()") || strstr(r, "not requested"))
			check_fail(file, line, "%s: reason is not a sentence: \"%s\"", f->rule_id,
			           r ? r : "(null)");
		for (j = 0; j < f->nev; j++) {
			const struct ha_evidence *e = &f->ev[j];

			if (!e->key_path || !e->value_type)
				check_fail(file, line, "%s: evidence %zu lacks a key or a type",
				           f->rule_id, j);
			if (e->role >= 0 && (!e->hive_path || !*e->hive_path) &&
			    h->status[e->role] != HA_HS_MISSING)
				check_fail(file, line, "%s: evidence %zu names no hive file",
				           f->rule_id, j);
		}
	}
}

/* One certificate memo for the whole run, as a scan shares one: every
 * evaluation is repeated through it and must give the same findings. */
static struct ha_cert_cache *memo;

static void same_with_memo(const char *file, int line, struct host *h)
{
	struct ha_eval_opts eo = {.as_of = h->as_of};
	struct ha_findings fs;
	struct ha_err err;
	size_t i;

	if (!memo && ha_cert_cache_new(&memo, &err) != HA_OK)
		abort();
	eo.certs = memo;
	ha_findings_init(&fs);
	if (ha_rules_evaluate(h->rs, &h->s, &h->f, &eo, &fs, &err) != HA_OK)
		check_fail(file, line, "evaluate with the memo: %s", err.msg);
	else if (fs.n != h->fs.n)
		check_fail(file, line, "the memo changed the number of findings");
	for (i = 0; i < fs.n && i < h->fs.n; i++)
		if (fs.v[i].status != h->fs.v[i].status ||
		    strcmp(fs.v[i].reason, h->fs.v[i].reason) ||
		    strcmp(fs.v[i].observed, h->fs.v[i].observed) || fs.v[i].nev != h->fs.v[i].nev)
			check_fail(file, line, "%s differs with the certificate memo",
			           fs.v[i].rule_id);
	ha_findings_free(&fs);
}

static void evaluate(const char *file, int line, struct host *h)
{
	struct ha_eval_opts eo = {.as_of = 0};
	struct ha_err err;

	if (h->evaluated)
		return;
	read_host(h);
	if (ha_facts_derive(&h->s, &h->f, &err) != HA_OK)
		abort();
	ha_findings_init(&h->fs);
	eo.as_of = h->as_of;
	if (ha_rules_evaluate(h->rs, &h->s, &h->f, &eo, &h->fs, &err) != HA_OK)
		check_fail(file, line, "evaluate: %s", err.msg);
	h->evaluated = 1;
	check_findings(file, line, h);
	same_with_memo(file, line, h);
}

static const struct ha_finding *finding_at(const char *file, int line, struct host *h,
                                           const char *id)
{
	size_t i;

	evaluate(file, line, h);
	for (i = 0; i < h->fs.n; i++)
		if (!strcmp(h->fs.v[i].rule_id, id))
			return &h->fs.v[i];
	check_fail(file, line, "no finding for %s", id);
	return NULL;
}
#define FINDING(h, id) finding_at(__FILE__, __LINE__, h, id)

static void expect_status(const char *file, int line, struct host *h, const char *id, int want)
{
	const struct ha_finding *f = finding_at(file, line, h, id);

	if (f && f->status != want)
		check_fail(file, line, "%s on %s: %s, expected %s; observed \"%s\"; reason \"%s\"",
		           id, h->f.os_family, ha_status_name(f->status), ha_status_name(want),
		           f->observed, f->reason);
}
#define EXPECT(h, id, st) expect_status(__FILE__, __LINE__, h, id, st)

static void expect_text(const char *file, int line, struct host *h, const char *id, int which,
                        const char *sub, int want)
{
	const struct ha_finding *f = finding_at(file, line, h, id);
	const char *t;

	if (!f)
		return;
	t = which == 0 ? f->reason : f->observed;
	if ((strstr(t, sub) != NULL) != want)
		check_fail(file, line, "%s %s %s \"%s\": \"%s\"", id, which ? "observed" : "reason",
		           want ? "lacks" : "has", sub, t);
}
#define REASON_HAS(h, id, s)   expect_text(__FILE__, __LINE__, h, id, 0, s, 1)
#define REASON_LACKS(h, id, s) expect_text(__FILE__, __LINE__, h, id, 0, s, 0)
#define OBSERVED_HAS(h, id, s) expect_text(__FILE__, __LINE__, h, id, 1, s, 1)

/* The first evidence row of a finding for a value name, or NULL. */
static const struct ha_evidence *evidence_for(const struct ha_finding *f, const char *value)
{
	size_t i;

	for (i = 0; f && i < f->nev; i++)
		if (f->ev[i].value_name && !strcmp(f->ev[i].value_name, value))
			return &f->ev[i];
	return NULL;
}

/* ------------------------------------------------------ configuration */

static void schannel(struct host *h, const char *name, uint32_t v)
{
	set_dw(h, SYS, T12C, name, v);
}

static void netfx(struct host *h, const char *path)
{
	set_dw(h, SW, path, "SystemDefaultTlsVersions", 1);
	set_dw(h, SW, path, "SchUseStrongCrypto", 1);
}

static void package(struct host *h, const char *kb, uint32_t state)
{
	char path[512];

	snprintf(path, sizeof path, "%s\\Package_for_%s~31bf3856ad364e35~amd64~~6.1.1.0", CBS, kb);
	set_dw(h, SW, path, "CurrentState", state);
	set_dw(h, SW, path, "InstallClient", 1);
}

/* ------------------------------------------------------- certificates */

struct certfile {
	const char *file;
	uint8_t *der;
	size_t len;
	char thumb[41];
};

static struct certfile certfiles[] = {
        {"digicert-global-root-g2", NULL, 0, ""},
        {"digicert-global-root-ca", NULL, 0, ""},
        {"baltimore-cybertrust-root", NULL, 0, ""},
        {"d-trust-root-class-3-ca-2-2009", NULL, 0, ""},
        {"microsoft-rsa-root-2017", NULL, 0, ""},
        {"microsoft-ecc-root-2017", NULL, 0, ""},
        {"isrg-root-x1", NULL, 0, ""},
};

static const struct certfile *certfile(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof certfiles / sizeof certfiles[0]; i++) {
		struct certfile *c = &certfiles[i];
		char path[4096];
		unsigned char *der = NULL;
		uint8_t sha[20];
		struct ha_err err;
		X509 *x;
		FILE *f;
		int n;

		if (strcmp(c->file, name) != 0)
			continue;
		if (c->der)
			return c;
		snprintf(path, sizeof path, "%s/samples/certs/%s.pem", tu_source_dir(), name);
		f = fopen(path, "r");
		if (!f)
			abort();
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		if (!x || (n = i2d_X509(x, &der)) <= 0)
			abort();
		X509_free(x);
		c->len = (size_t)n;
		c->der = xcalloc(c->len, 1);
		memcpy(c->der, der, c->len);
		OPENSSL_free(der);
		if (ha_sha1(c->der, c->len, sha, &err) != HA_OK)
			abort();
		ha_hex(sha, 20, c->thumb, 1);
		return c;
	}
	abort();
}

enum { CERT_GOOD, CERT_TAMPERED, CERT_GARBAGE, CERT_NO_DER, CERT_AS_SZ };

/* A certificate in a store, keyed by its thumbprint as Windows keys it:
 * Blob = {3, 1, 20, SHA-1} {0x20, 1, size, DER}. */
static void add_cert(struct host *h, const char *store, const char *name, int how)
{
	const struct certfile *c = certfile(name);
	char path[512];
	uint8_t *blob;
	size_t n = 12 + 20 + 12 + c->len;
	uint8_t sha[20];
	struct ha_err err;

	snprintf(path, sizeof path, "%s\\%s", store, c->thumb);
	if (how == CERT_AS_SZ) {
		set_sz(h, SW, path, "Blob", "not a certificate");
		return;
	}
	blob = xcalloc(n, 1);
	if (ha_sha1(c->der, c->len, sha, &err) != HA_OK)
		abort();
	ha_put_le32(blob, 3);
	ha_put_le32(blob + 4, 1);
	ha_put_le32(blob + 8, 20);
	memcpy(blob + 12, sha, 20);
	ha_put_le32(blob + 32, how == CERT_NO_DER ? 4 : 0x20);
	ha_put_le32(blob + 36, 1);
	ha_put_le32(blob + 40, (uint32_t)c->len);
	memcpy(blob + 44, c->der, c->len);
	if (how == CERT_TAMPERED)
		blob[n - 1] ^= 1; /* in the signature: still DER, another hash */
	if (how == CERT_GARBAGE) {
		ha_put_le32(blob + 40, 0x7fffffff); /* the record claims more than there is */
	}
	set_raw(h, SW, path, "Blob", HA_REG_BINARY, blob, n);
	free(blob);
}

/* The roots where Windows usually keeps them. */
static void roots(struct host *h)
{
	add_cert(h, ROOT, "microsoft-rsa-root-2017", CERT_GOOD);
	add_cert(h, ROOT, "microsoft-ecc-root-2017", CERT_GOOD);
	add_cert(h, AUTHROOT, "digicert-global-root-g2", CERT_GOOD);
	add_cert(h, AUTHROOT, "digicert-global-root-ca", CERT_GOOD);
	add_cert(h, AUTHROOT, "baltimore-cybertrust-root", CERT_GOOD);
	add_cert(h, AUTHROOT, "d-trust-root-class-3-ca-2-2009", CERT_GOOD);
	add_cert(h, AUTHROOT, "isrg-root-x1", CERT_GOOD);
}

/* Everything the Azure Backup article asks of this OS. */
static struct host *ready(const struct osdef *os)
{
	struct host *h = host(os);
	int major = os->nt10 ? 10 : os->version[0] - '0';
	int minor = os->nt10 ? 0 : os->version[2] - '0';

	schannel(h, "Enabled", 1);
	schannel(h, "DisabledByDefault", 0);
	netfx(h, NETFX);
	if (strcmp(os->arch, "x86") != 0)
		netfx(h, NETFX32);
	set_dw(h, SW, NDP, "Release", 528049);
	if (major == 6 && minor == 0)
		package(h, "KB4019276", 0x70);
	if (major == 6 && (minor == 1 || minor == 2)) {
		package(h, "KB3140245", 0x70);
		set_dw(h, SW, WINHTTP, "DefaultSecureProtocols", 0xA00);
		if (strcmp(os->arch, "x86") != 0)
			set_dw(h, SW, WINHTTP32, "DefaultSecureProtocols", 0xA00);
	}
	package(h, "KB4474419", 0x70); /* noise */
	roots(h);
	return h;
}

static int64_t date(const char *s)
{
	int64_t t;

	if (ha_parse_date(s, &t) != HA_OK)
		abort();
	return t;
}

/* Every counted rule of a ready host passes (Baltimore aside, expired). */
static void expect_ready(const char *file, int line, struct host *h)
{
	static const char *const ids[] = {OS, KB,  WH,     WH32,  SCH,   NET,  NET32, NETV,
	                                  G2, GCA, DTRUST, MSRSA, MSECC, AUTO, INTEG};
	size_t i;

	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		const struct ha_finding *f = finding_at(file, line, h, ids[i]);

		if (f && f->status != HA_PASS && f->status != HA_NOT_APPLICABLE)
			check_fail(file, line, "%s on %s: %s: %s", ids[i], h->f.os_family,
			           ha_status_name(f->status), f->reason);
	}
	if (h->fs.verdict != HA_READY)
		check_fail(file, line, "verdict on %s: %s (%s)", h->f.os_family,
		           ha_verdict_name(h->fs.verdict), h->fs.verdict_reason);
}
#define EXPECT_READY(h) expect_ready(__FILE__, __LINE__, h)

/* =================================================================== tests */

/* ------------------------------------------------------ OS-TLS12-CAPABLE */

static void test_os_families(void)
{
	static const struct {
		const struct osdef *os;
		const char *family;
		int status;
	} t[] = {
	        {&NT4, "Windows NT 4.0 Server SP6", HA_FAIL},
	        {&W2000, "Windows 2000 Server SP4", HA_FAIL},
	        {&XP, "Windows XP SP3", HA_FAIL},
	        {&W2003, "Windows Server 2003 SP2", HA_FAIL},
	        {&VISTA, "Windows Vista SP2", HA_FAIL},
	        {&W2008_SP1, "Windows Server 2008 SP1", HA_FAIL},
	        {&W2008_SP2, "Windows Server 2008 SP2", HA_PASS},
	        {&W2008_SP2_6003, "Windows Server 2008 SP2", HA_PASS},
	        {&WIN7_RTM, "Windows 7", HA_FAIL},
	        {&WIN7_SP1, "Windows 7 SP1", HA_PASS},
	        {&W2008R2_RTM, "Windows Server 2008 R2", HA_FAIL},
	        {&W2008R2_SP1, "Windows Server 2008 R2 SP1", HA_PASS},
	        {&W2012, "Windows Server 2012", HA_PASS},
	        {&W2012R2, "Windows Server 2012 R2", HA_PASS},
	        {&WIN10_1507, "Windows 10", HA_PASS},
	        {&W2016, "Windows Server 2016", HA_PASS},
	        {&W2019, "Windows Server 2019", HA_PASS},
	        {&W2022, "Windows Server 2022", HA_PASS},
	        {&WIN11, "Windows 11", HA_PASS},
	        {&W2025, "Windows Server 2025", HA_PASS},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct host *h = host(t[i].os);

		EXPECT(h, OS, t[i].status);
		CHECK_STR(h->f.os_family, t[i].family);
		REASON_HAS(h, OS, t[i].family);
		host_free(h);
	}
}

static void test_os_reasons(void)
{
	struct host *h = host(&W2003);

	REASON_HAS(h, OS, "Windows Server 2003 SP2 predates TLS 1.2");
	OBSERVED_HAS(h, OS, "NT 5.2, build 3790");
	CHECK(evidence_for(FINDING(h, OS), "CurrentVersion") != NULL);
	CHECK(evidence_for(FINDING(h, OS), "ProductType") != NULL);
	host_free(h);

	h = host(&W2008_SP1);
	REASON_HAS(h, OS, "KB4019276 requires Service Pack 2");
	host_free(h);
	h = host(&VISTA);
	REASON_HAS(h, OS, "Server 2008 SP2 only");
	host_free(h);
	h = host(&W2008R2_RTM);
	REASON_HAS(h, OS, "needs Service Pack 1");
	host_free(h);

	/* Server 2008 SP2 whose CSDVersion was removed: build 6003 says SP2. */
	h = host(&W2008_SP2_6003);
	del_key(h, SW, CV);
	set_sz(h, SW, CV, "CurrentVersion", "6.0");
	set_sz(h, SW, CV, "CurrentBuildNumber", "6003");
	EXPECT(h, OS, HA_PASS);
	host_free(h);

	/* Windows 11 says "Windows 10" in ProductName. */
	h = host(&WIN11);
	EXPECT(h, OS, HA_PASS);
	CHECK_STR(h->f.product_name, "Windows 10 Pro");
	CHECK_STR(h->f.os_family, "Windows 11");
	host_free(h);
}

/* Before NT 6.0 only OS-TLS12-CAPABLE and HIVE-INTEGRITY apply. */
static void test_pre_vista_not_applicable(void)
{
	const struct osdef *const oses[] = {&NT4, &W2000, &XP, &W2003};
	size_t i, j;

	for (i = 0; i < sizeof oses / sizeof oses[0]; i++) {
		struct host *h = ready(oses[i]);

		EXPECT(h, OS, HA_FAIL);
		EXPECT(h, INTEG, HA_PASS);
		for (j = 0; j < h->fs.n; j++) {
			const struct ha_finding *f = &h->fs.v[j];

			if (!strcmp(f->rule_id, OS) || !strcmp(f->rule_id, INTEG))
				continue;
			if (f->status != HA_NOT_APPLICABLE)
				check_fail(__FILE__, __LINE__, "%s on %s: %s", f->rule_id,
				           h->f.os_family, ha_status_name(f->status));
			CHECK_HAS(f->reason, "Applies to Windows ");
			CHECK_HAS(f->reason, h->f.os_family);
		}
		CHECK_INT(h->fs.verdict, HA_NOT_READY);
		CHECK_HAS(h->fs.verdict_reason, OS);
		host_free(h);
	}
}

/* A configured host of every supported family is ready. */
static void test_ready_hosts(void)
{
	const struct osdef *const oses[] = {&W2008_SP2,   &W2008_SP2_6003, &WIN7_SP1, &WIN7_SP1_X86,
	                                    &W2008R2_SP1, &W2012,          &W2012R2,  &WIN10_1507,
	                                    &W2016,       &W2019,          &W2022,    &WIN11};
	size_t i;

	for (i = 0; i < sizeof oses / sizeof oses[0]; i++) {
		struct host *h = ready(oses[i]);

		EXPECT_READY(h);
		EXPECT(h, BALT, HA_WARN); /* expired on 2025-05-12 */
		host_free(h);
	}
}

/* ------------------------------------------------------- KB-TLS12-PREREQ */

static void test_kb_applicability(void)
{
	static const struct {
		const struct osdef *os;
		int status;
	} t[] = {
	        {&W2003, HA_NOT_APPLICABLE},   {&VISTA, HA_NOT_APPLICABLE},
	        {&W2008_SP1, HA_FAIL},         {&W2008_SP2, HA_FAIL},
	        {&WIN7_RTM, HA_FAIL},          {&WIN7_SP1, HA_FAIL},
	        {&W2008R2_SP1, HA_FAIL},       {&W2012, HA_FAIL},
	        {&W2012R2, HA_NOT_APPLICABLE}, {&W2016, HA_NOT_APPLICABLE},
	        {&W2022, HA_NOT_APPLICABLE},   {&WIN11, HA_NOT_APPLICABLE},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct host *h = host(t[i].os);

		EXPECT(h, KB, t[i].status);
		if (t[i].status == HA_FAIL)
			REASON_HAS(h, KB, "was not found among the installed update packages");
		host_free(h);
	}
	/* 2008 SP2 needs KB4019276, 2008 R2 SP1 KB3140245: the other one does not count. */
	{
		struct host *h = host(&W2008_SP2);

		package(h, "KB3140245", 0x70);
		EXPECT(h, KB, HA_FAIL);
		REASON_HAS(h, KB, "KB4019276 was not found");
		package(h, "KB4019276", 0x70);
		EXPECT(h, KB, HA_PASS);
		host_free(h);
		h = host(&W2008R2_SP1);
		package(h, "KB4019276", 0x70);
		EXPECT(h, KB, HA_FAIL);
		package(h, "KB3140245", 0x80);
		EXPECT(h, KB, HA_PASS);
		host_free(h);
	}
}

static void test_kb_states(void)
{
	static const struct {
		uint32_t state;
		int status;
		const char *label;
	} t[] = {
	        {0x70, HA_PASS, "Installed"},         {0x80, HA_PASS, "Permanent"},
	        {0x50, HA_PASS, "Superseded"},        {0x40, HA_FAIL, "Staged"},
	        {0x60, HA_FAIL, "Install Pending"},   {0x65, HA_FAIL, "Partially Installed"},
	        {0x05, HA_FAIL, "Uninstall Pending"}, {0x00, HA_FAIL, "Not installed"},
	        {0x20, HA_FAIL, "Not installed"},     {0x99, HA_FAIL, "Unknown state"},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct host *h = host(&W2008R2_SP1);
		const struct ha_finding *f;

		package(h, "KB3140245", t[i].state);
		EXPECT(h, KB, t[i].status);
		OBSERVED_HAS(h, KB, t[i].label);
		REASON_HAS(h, KB,
		           "KB3140245: Package_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.0 has "
		           "CurrentState 0x");
		REASON_HAS(h, KB, t[i].label);
		f = FINDING(h, KB);
		CHECK(evidence_for(f, "CurrentState") != NULL);
		if (t[i].state == 0x50)
			REASON_HAS(h, KB, "superseded by a newer package");
		if (t[i].state == 0x40)
			REASON_HAS(h, KB, "not installed");
		if (t[i].state == 0x60)
			REASON_HAS(h, KB, "waiting for a reboot");
		host_free(h);
	}
}

static void test_kb_matching(void)
{
	struct host *h = host(&W2008R2_SP1);

	/* Neighbours of the number are other updates. */
	package(h, "KB31402450", 0x70);
	package(h, "KB314024", 0x70);
	EXPECT(h, KB, HA_FAIL);
	REASON_HAS(h, KB, "KB3140245 was not found");
	/* Several packages: the best state wins, whatever the order. */
	package(h, "KB3140245", 0x40);
	set_dw(h, SW, CBS "\\Package_for_KB3140245~31bf3856ad364e35~x86~~6.1.1.0", "CurrentState",
	       0x70);
	EXPECT(h, KB, HA_PASS);
	REASON_HAS(h, KB,
	           "~x86~~6.1.1.0 has CurrentState 0x00000070 (112), Installed (the best of 2 "
	           "matching subkeys).");
	/* Variants of the package name and of its case. */
	del_key(h, SW, CBS);
	set_dw(h, SW, CBS "\\package_for_kb3140245_SP1~31bf3856ad364e35~amd64~~6.1.1.1",
	       "currentstate", 0x70);
	EXPECT(h, KB, HA_PASS);
	del_key(h, SW, CBS);
	set_dw(h, SW, CBS "\\Package_1_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.1",
	       "CurrentState", 0x80);
	EXPECT(h, KB, HA_PASS);
	/* No Packages key at all. */
	del_key(h, SW, CBS);
	EXPECT(h, KB, HA_FAIL);
	/* A package without CurrentState, or with it as text. */
	set_dw(h, SW, CBS "\\Package_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.0",
	       "InstallClient", 1);
	EXPECT(h, KB, HA_FAIL);
	set_sz(h, SW, CBS "\\Package_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.0", "CurrentState",
	       "112");
	EXPECT(h, KB, HA_UNKNOWN);
	REASON_HAS(h, KB,
	           "KB3140245: Package_for_KB3140245~31bf3856ad364e35~amd64~~6.1.1.0 has a "
	           "CurrentState that is REG_SZ \"112\", not REG_DWORD.");
	host_free(h);
}

/* --------------------------------------------------------- WINHTTP-TLS12 */

static void test_winhttp(void)
{
	struct host *h;

	/* Applies where KB3140245 does. */
	h = host(&W2008_SP2);
	EXPECT(h, WH, HA_NOT_APPLICABLE);
	EXPECT(h, WH32, HA_NOT_APPLICABLE);
	host_free(h);
	h = host(&W2012R2);
	EXPECT(h, WH, HA_NOT_APPLICABLE);
	host_free(h);
	h = host(&W2016);
	EXPECT(h, WH32, HA_NOT_APPLICABLE);
	host_free(h);

	/* Absent: the OS default 0xA0 lacks TLS 1.2. */
	h = host(&W2012);
	EXPECT(h, WH, HA_FAIL);
	EXPECT(h, WH32, HA_FAIL);
	REASON_HAS(h, WH,
	           "WinHttp\\DefaultSecureProtocols is absent (its key does not exist); on "
	           "Windows Server 2012 the default is 0xA0 (160)");
	REASON_HAS(h, WH32, "default is 0xA0");
	set_key(h, SW, WINHTTP);
	REASON_HAS(h, WH, "WinHttp\\DefaultSecureProtocols is absent; on");
	/* Both views are separate. */
	set_dw(h, SW, WINHTTP, "DefaultSecureProtocols", 0xA00);
	EXPECT(h, WH, HA_PASS);
	EXPECT(h, WH32, HA_FAIL);
	set_dw(h, SW, WINHTTP32, "DefaultSecureProtocols", 0x800);
	EXPECT(h, WH32, HA_PASS);
	{
		const struct ha_evidence *e =
		        evidence_for(FINDING(h, WH32), "DefaultSecureProtocols");

		CHECK(e != NULL);
		if (e)
			CHECK_HAS(e->key_path, "Wow6432Node\\Microsoft\\Windows\\CurrentVersion");
	}
	/* 0xA80 has TLS 1.2, 0xAA0 too; 0x200 (TLS 1.1 only) does not. */
	set_dw(h, SW, WINHTTP, "DefaultSecureProtocols", 0xA80);
	EXPECT(h, WH, HA_PASS);
	set_dw(h, SW, WINHTTP, "DefaultSecureProtocols", 0x200);
	EXPECT(h, WH, HA_FAIL);
	REASON_HAS(h, WH, "expected bits 0x800 set");
	set_sz(h, SW, WINHTTP, "DefaultSecureProtocols", "0xA00");
	EXPECT(h, WH, HA_UNKNOWN);
	host_free(h);

	/* A 32-bit Windows 7 has one view. */
	h = ready(&WIN7_SP1_X86);
	EXPECT(h, WH, HA_PASS);
	EXPECT(h, WH32, HA_NOT_APPLICABLE);
	REASON_HAS(h, WH32, "A 32-bit OS has no separate 32-bit registry view");
	CHECK(evidence_for(FINDING(h, WH32), "PROCESSOR_ARCHITECTURE") != NULL);
	host_free(h);
}

/* ------------------------------------------------- SCHANNEL-TLS12-CLIENT */

static void test_schannel_defaults(void)
{
	static const struct {
		const struct osdef *os;
		int status;
	} t[] = {
	        {&W2003, HA_NOT_APPLICABLE}, {&VISTA, HA_FAIL},    {&W2008_SP2, HA_FAIL},
	        {&W2008R2_SP1, HA_FAIL},     {&WIN7_SP1, HA_FAIL}, {&W2012, HA_PASS},
	        {&W2012R2, HA_PASS},         {&W2016, HA_PASS},    {&W2019, HA_PASS},
	        {&W2022, HA_PASS},           {&WIN11, HA_PASS},    {&W2025, HA_PASS},
	};
	size_t i;

	/* No SChannel values at all: the OS defaults decide. */
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct host *h = host(t[i].os);

		EXPECT(h, SCH, t[i].status);
		if (t[i].status == HA_PASS)
			REASON_HAS(h, SCH,
			           "the default is 1 (TLS 1.2 is on by default from Windows 8 "
			           "and Server 2012), which meets the requirement");
		if (t[i].status == HA_FAIL)
			REASON_HAS(h, SCH,
			           "the default is 0 (TLS 1.2 is off by default before Windows 8 "
			           "and Server 2012), which does not meet the requirement");
		host_free(h);
	}
}

static void test_schannel_values(void)
{
	struct host *h = host(&W2008R2_SP1);
	const struct ha_evidence *e;

	/* The key exists, both values absent: the OS defaults, both failing. */
	set_key(h, SYS, T12C);
	EXPECT(h, SCH, HA_FAIL);
	REASON_HAS(h, SCH,
	           "TLS 1.2\\Client\\Enabled is absent; on Windows Server 2008 R2 SP1 the "
	           "default is 0 (TLS 1.2 is off by default before Windows 8 and Server 2012), "
	           "which does not meet the requirement. TLS 1.2\\Client\\DisabledByDefault is "
	           "absent;");
	OBSERVED_HAS(h, SCH, "TLS 1.2\\Client\\Enabled: absent, OS default 0");
	/* 2008 R2 SP1 x64, SChannel Enabled=1, DisabledByDefault absent -> FAIL */
	schannel(h, "Enabled", 1);
	EXPECT(h, SCH, HA_FAIL);
	REASON_HAS(h, SCH,
	           "TLS 1.2\\Client\\DisabledByDefault is absent; on Windows Server 2008 R2 "
	           "SP1 the default is 1 (TLS 1.2 is not in the default protocol set before "
	           "Windows 8 and Server 2012), which does not meet the requirement.");
	REASON_LACKS(h, SCH, "Enabled is");
	/* ... DisabledByDefault=0 -> PASS, with the values as evidence. */
	schannel(h, "DisabledByDefault", 0);
	EXPECT(h, SCH, HA_PASS);
	REASON_HAS(h, SCH,
	           "TLS 1.2\\Client\\Enabled is 0x00000001 (1); meets the requirement (non-zero).");
	e = evidence_for(FINDING(h, SCH), "Enabled");
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(e->key_path, "ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protoc"
		                       "ols\\TLS 1.2\\Client");
		CHECK_STR(e->control_set, "ControlSet001 (Select\\Current = 1)");
		CHECK_STR(e->value_type, "REG_DWORD");
		CHECK_STR(e->data, "0x00000001 (1)");
		CHECK_STR(e->last_write, "2024-03-01T12:00:00Z");
		CHECK_STR(e->hive_path, "fleet/TESTHOST/SYSTEM");
		CHECK_INT(strlen(e->hive_sha256), 64);
	}
	/* Any non-zero Enabled enables (0xFFFFFFFF is common). */
	schannel(h, "Enabled", 0xFFFFFFFF);
	EXPECT(h, SCH, HA_PASS);
	schannel(h, "Enabled", 0);
	EXPECT(h, SCH, HA_FAIL);
	REASON_HAS(h, SCH, "TLS 1.2\\Client\\Enabled is 0x00000000 (0); expected non-zero.");
	schannel(h, "Enabled", 1);
	schannel(h, "DisabledByDefault", 1);
	EXPECT(h, SCH, HA_FAIL);
	REASON_HAS(h, SCH, "DisabledByDefault is 0x00000001 (1); expected 0.");
	host_free(h);

	/* 2012: Enabled=0 beats the on-by-default. */
	h = host(&W2012);
	schannel(h, "Enabled", 0);
	EXPECT(h, SCH, HA_FAIL);
	host_free(h);
	/* 2016: DisabledByDefault=1 takes it out of the default set. */
	h = host(&W2016);
	schannel(h, "DisabledByDefault", 1);
	EXPECT(h, SCH, HA_FAIL);
	host_free(h);
}

static void test_schannel_wrong_types(void)
{
	static const uint8_t be1[4] = {0, 0, 0, 1}, short1[2] = {1, 0};
	static const uint8_t q1[8] = {1, 0, 0, 0, 0, 0, 0, 0};
	struct host *h = host(&W2008R2_SP1);

	schannel(h, "DisabledByDefault", 0);
	/* REG_SZ "1": SChannel's reading is undocumented -> UNKNOWN. */
	set_sz(h, SYS, T12C, "Enabled", "1");
	EXPECT(h, SCH, HA_UNKNOWN);
	REASON_HAS(h, SCH, "TLS 1.2\\Client\\Enabled is REG_SZ \"1\", not REG_DWORD");
	REASON_HAS(h, SCH, "undocumented");
	CHECK(evidence_for(FINDING(h, SCH), "Enabled") != NULL);
	if (evidence_for(FINDING(h, SCH), "Enabled"))
		CHECK_STR(evidence_for(FINDING(h, SCH), "Enabled")->value_type, "REG_SZ");
	/* REG_DWORD_BIG_ENDIAN. */
	set_raw(h, SYS, T12C, "Enabled", HA_REG_DWORD_BE, be1, 4);
	EXPECT(h, SCH, HA_UNKNOWN);
	REASON_HAS(h, SCH, "REG_DWORD_BIG_ENDIAN");
	/* REG_QWORD. */
	set_raw(h, SYS, T12C, "Enabled", HA_REG_QWORD, q1, 8);
	EXPECT(h, SCH, HA_UNKNOWN);
	REASON_HAS(h, SCH, "REG_QWORD");
	/* A REG_DWORD of two bytes. */
	set_raw(h, SYS, T12C, "Enabled", HA_REG_DWORD, short1, 2);
	EXPECT(h, SCH, HA_UNKNOWN);
	REASON_HAS(h, SCH, "2 bytes");
	REASON_LACKS(h, SCH, "REG_DWORD, not REG_DWORD");
	/* An unknown value does not hide a definite failure next to it. */
	schannel(h, "DisabledByDefault", 1);
	EXPECT(h, SCH, HA_FAIL);
	host_free(h);
}

static void test_schannel_case_insensitive(void)
{
	struct host *h = host(&W2008R2_SP1);
	size_t i;

	set_dw(h, SYS, PROTO "\\tls 1.2\\CLIENT", "ENABLED", 1);
	set_dw(h, SYS, PROTO "\\tls 1.2\\CLIENT", "disabledbydefault", 0);
	EXPECT(h, SCH, HA_PASS);
	/* A snapshot whose logical paths are in another case still answers. */
	for (i = 0; i < h->s.nkeys; i++) {
		char *p;

		for (p = h->s.keys[i].lpath; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	ha_findings_free(&h->fs);
	ha_findings_init(&h->fs);
	{
		struct ha_eval_opts eo = {.as_of = as_of_default};
		struct ha_err err;

		CHECK_INT(ha_rules_evaluate(pack, &h->s, &h->f, &eo, &h->fs, &err), HA_OK);
	}
	EXPECT(h, SCH, HA_PASS);
	EXPECT(h, OS, HA_PASS);
	host_free(h);
}

/* ------------------------------------------------------------ NETFX-TLS12 */

static void test_netfx(void)
{
	static const uint8_t be1[4] = {0, 0, 0, 1}, short1[3] = {1, 0, 0};
	struct host *h = host(&W2012R2);

	EXPECT(h, NET, HA_FAIL);
	EXPECT(h, NET32, HA_FAIL);
	REASON_HAS(h, NET,
	           "v4.0.30319\\SystemDefaultTlsVersions is absent (its key does not exist): "
	           "apps targeting .NET 4.6.2 or earlier then pick their own, older protocols.");
	netfx(h, NETFX);
	EXPECT(h, NET, HA_PASS);
	EXPECT(h, NET32, HA_FAIL);
	netfx(h, NETFX32);
	EXPECT(h, NET32, HA_PASS);
	/* One value missing is enough to fail. */
	set_dw(h, SW, NETFX32, "SchUseStrongCrypto", 0);
	EXPECT(h, NET32, HA_FAIL);
	REASON_HAS(h, NET32, "SchUseStrongCrypto is 0x00000000 (0); expected 1.");
	set_dw(h, SW, NETFX32, "SchUseStrongCrypto", 2);
	EXPECT(h, NET32, HA_FAIL);
	set_dw(h, SW, NETFX32, "SchUseStrongCrypto", 1);
	/* .NET reads only REG_DWORD: anything else counts as absent -> FAIL. */
	set_sz(h, SW, NETFX, "SchUseStrongCrypto", "1");
	EXPECT(h, NET, HA_FAIL);
	REASON_HAS(h, NET,
	           "v4.0.30319\\SchUseStrongCrypto is REG_SZ \"1\", not REG_DWORD, which counts "
	           "as absent: apps targeting .NET 4.5.2 or earlier then offer only SSL 3.0 and "
	           "TLS 1.0.");
	set_raw(h, SW, NETFX, "SchUseStrongCrypto", HA_REG_DWORD_BE, be1, 4);
	EXPECT(h, NET, HA_FAIL);
	REASON_HAS(h, NET, "REG_DWORD_BIG_ENDIAN");
	set_raw(h, SW, NETFX, "SchUseStrongCrypto", HA_REG_DWORD, short1, 3);
	EXPECT(h, NET, HA_FAIL);
	REASON_HAS(h, NET, "3 bytes");
	set_dw(h, SW, NETFX, "SchUseStrongCrypto", 1);
	EXPECT(h, NET, HA_PASS);
	/* Case of names does not matter. */
	del_key(h, SW, NETFX);
	set_dw(h, SW, "MICROSOFT\\.netframework\\V4.0.30319", "systemdefaulttlsversions", 1);
	set_dw(h, SW, "MICROSOFT\\.netframework\\V4.0.30319", "SCHUSESTRONGCRYPTO", 1);
	EXPECT(h, NET, HA_PASS);
	host_free(h);

	/* Where it applies. */
	h = ready(&W2003);
	EXPECT(h, NET, HA_NOT_APPLICABLE);
	host_free(h);
	h = ready(&W2008_SP2);
	EXPECT(h, NET, HA_PASS);
	EXPECT(h, NET32, HA_PASS);
	host_free(h);
	h = ready(&WIN7_SP1_X86);
	EXPECT(h, NET32, HA_NOT_APPLICABLE);
	host_free(h);
}

/* The 32-bit view on a host whose architecture is unknown. */
static void test_wow64_unknown_arch(void)
{
	struct host *h = ready(&W2008R2_SP1);

	del_key(h, SYS, ENV);
	del_key(h, SW, "Wow6432Node");
	/* No PROCESSOR_ARCHITECTURE and no Wow6432Node: a 32-bit system. */
	EXPECT(h, NET32, HA_NOT_APPLICABLE);
	CHECK_INT(h->f.arch, HA_ARCH_X86);
	/* Wow6432Node without PROCESSOR_ARCHITECTURE: inferred 64-bit. */
	netfx(h, NETFX32);
	EXPECT(h, NET32, HA_PASS);
	CHECK_INT(h->f.arch, HA_ARCH_X64);
	/* An architecture that is not recognised, and no view to infer from
	 * (the Wow6432Node key cannot be read). */
	set_sz(h, SYS, ENV, "PROCESSOR_ARCHITECTURE", "MIPS");
	h->broken = "Wow6432Node";
	EXPECT(h, NET32, HA_UNKNOWN);
	EXPECT(h, WH32, HA_UNKNOWN);
	REASON_HAS(h, NET32, "Cannot tell whether the host is 64-bit");
	EXPECT(h, NET, HA_PASS);
	CHECK_INT(h->fs.verdict, HA_VERDICT_UNKNOWN);
	host_free(h);
}

/* ---------------------------------------------------------- NETFX-VERSION */

static void test_netfx_version(void)
{
	struct host *h = host(&W2012R2);

	EXPECT(h, NETV, HA_FAIL);
	REASON_HAS(h, NETV, ".NET Framework 4.5 or later is not installed");
	set_dw(h, SW, NDP, "Release", 379892);
	EXPECT(h, NETV, HA_FAIL);
	REASON_HAS(h, NETV, "expected at least 0x5CBF5 (379893)");
	set_dw(h, SW, NDP, "Release", 379893);
	EXPECT(h, NETV, HA_PASS);
	set_dw(h, SW, NDP, "Release", 533325);
	EXPECT(h, NETV, HA_PASS);
	set_sz(h, SW, NDP, "Release", "528040");
	EXPECT(h, NETV, HA_UNKNOWN);
	host_free(h);
	h = host(&W2003);
	EXPECT(h, NETV, HA_NOT_APPLICABLE);
	host_free(h);
}

/* ------------------------------------------------------------ root CAs */

static void test_roots_stores(void)
{
	static const char *const stores[] = {ROOT, AUTHROOT, GPROOT, ENTROOT};
	size_t i;

	for (i = 0; i < sizeof stores / sizeof stores[0]; i++) {
		struct host *h = host(&W2016);

		add_cert(h, stores[i], "digicert-global-root-g2", CERT_GOOD);
		EXPECT(h, G2, HA_PASS);
		REASON_HAS(h, G2, stores[i]);
		REASON_HAS(h, G2, "valid until 2038-01-15");
		EXPECT(h, GCA, HA_WARN);
		host_free(h);
	}
}

static void test_roots_each_rule(void)
{
	static const struct {
		const char *id, *file;
	} t[] = {
	        {G2, "digicert-global-root-g2"},
	        {GCA, "digicert-global-root-ca"},
	        {DTRUST, "d-trust-root-class-3-ca-2-2009"},
	        {MSRSA, "microsoft-rsa-root-2017"},
	        {MSECC, "microsoft-ecc-root-2017"},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct host *h = host(&W2008R2_SP1);

		/* Missing, auto-update allowed -> WARN; disabled -> FAIL. */
		EXPECT(h, t[i].id, HA_WARN);
		REASON_HAS(h, t[i].id,
		           "is not in any machine root store; automatic root update is allowed");
		set_dw(h, SW, AUPOL, "DisableRootAutoUpdate", 1);
		EXPECT(h, t[i].id, HA_FAIL);
		REASON_HAS(h, t[i].id, "automatic root update is disabled by policy");
		CHECK(evidence_for(FINDING(h, t[i].id), "DisableRootAutoUpdate") != NULL);
		/* Present -> PASS, whatever the policy. */
		add_cert(h, AUTHROOT, t[i].file, CERT_GOOD);
		EXPECT(h, t[i].id, HA_PASS);
		/* Also under Disallowed -> FAIL. */
		add_cert(h, DISALLOWED, t[i].file, CERT_GOOD);
		EXPECT(h, t[i].id, HA_FAIL);
		REASON_HAS(h, t[i].id, "explicitly distrusted");
		host_free(h);
	}
	/* The certificate of one rule does not satisfy another. */
	{
		struct host *h = host(&W2016);

		add_cert(h, ROOT, "isrg-root-x1", CERT_GOOD);
		add_cert(h, ROOT, "digicert-global-root-ca", CERT_GOOD);
		EXPECT(h, GCA, HA_PASS);
		EXPECT(h, G2, HA_WARN);
		host_free(h);
	}
}

static void test_roots_damaged(void)
{
	struct host *h = host(&W2008R2_SP1);
	const struct ha_finding *f;

	set_dw(h, SW, AUPOL, "DisableRootAutoUpdate", 1);
	/* A Blob that does not hash to its key name is tampered and does not count. */
	add_cert(h, AUTHROOT, "digicert-global-root-g2", CERT_TAMPERED);
	EXPECT(h, G2, HA_FAIL);
	REASON_HAS(h, G2, "a copy whose content does not match its thumbprint does not count");
	REASON_HAS(h, G2, "is tampered");
	OBSERVED_HAS(h, G2, "only a tampered copy");
	f = FINDING(h, G2);
	CHECK(evidence_for(f, "Blob") != NULL);
	if (evidence_for(f, "Blob"))
		CHECK_HAS(evidence_for(f, "Blob")->note, "tampered");
	/* A good copy elsewhere still counts. */
	add_cert(h, ROOT, "digicert-global-root-g2", CERT_GOOD);
	EXPECT(h, G2, HA_PASS);
	host_free(h);

	/* A Blob that does not parse. */
	h = host(&W2008R2_SP1);
	add_cert(h, ROOT, "digicert-global-root-g2", CERT_GARBAGE);
	EXPECT(h, G2, HA_WARN);
	REASON_HAS(h, G2, "does not parse");
	set_dw(h, SW, AUPOL, "DisableRootAutoUpdate", 1);
	EXPECT(h, G2, HA_FAIL);
	/* No certificate record at all. */
	add_cert(h, ROOT, "digicert-global-root-g2", CERT_NO_DER);
	EXPECT(h, G2, HA_FAIL);
	REASON_HAS(h, G2, "no certificate record");
	/* A Blob that is not binary. */
	add_cert(h, ROOT, "digicert-global-root-g2", CERT_AS_SZ);
	EXPECT(h, G2, HA_FAIL);
	REASON_HAS(h, G2, "has no usable Blob");
	/* A certificate key with no Blob. */
	del_key(h, SW, ROOT);
	set_key(h, SW, ROOT "\\DF3C24F9BFD666761B268073FE06D1CC8D4F82A4");
	EXPECT(h, G2, HA_FAIL);
	host_free(h);
}

static void test_roots_baltimore(void)
{
	struct host *h = host(&W2012R2);

	add_cert(h, AUTHROOT, "baltimore-cybertrust-root", CERT_GOOD);
	h->as_of = date("2025-05-11");
	EXPECT(h, BALT, HA_PASS);
	REASON_HAS(h, BALT, "valid until 2025-05-12");
	forget(h);
	h->as_of = date("2025-05-13");
	EXPECT(h, BALT, HA_WARN);
	REASON_HAS(h, BALT, "is present; it expired on 2025-05-12");
	OBSERVED_HAS(h, BALT, "present but expired");
	host_free(h);
	/* Missing: before expiry as any root, after expiry only a warning. */
	h = host(&W2012R2);
	set_dw(h, SW, AUPOL, "DisableRootAutoUpdate", 1);
	h->as_of = date("2025-01-01");
	EXPECT(h, BALT, HA_FAIL);
	forget(h);
	h->as_of = date("2026-01-01");
	EXPECT(h, BALT, HA_WARN);
	REASON_HAS(h, BALT, "is not present; it expired on 2025-05-12");
	host_free(h);
}

static void test_roots_autoupdate(void)
{
	struct host *h = host(&W2012R2);

	EXPECT(h, AUTO, HA_PASS);
	REASON_HAS(h, AUTO, "automatic root update is on (the default)");
	set_dw(h, SW, AUPOL, "DisableRootAutoUpdate", 0);
	EXPECT(h, AUTO, HA_PASS);
	set_dw(h, SW, AUPOL, "DisableRootAutoUpdate", 1);
	EXPECT(h, AUTO, HA_FAIL);
	REASON_HAS(h, AUTO, "AuthRoot\\DisableRootAutoUpdate is 0x00000001 (1); expected not 1.");
	/* A policy value of the wrong type: UNKNOWN here, and the roots rules
	 * cannot say whether a missing root will be fetched. */
	set_sz(h, SW, AUPOL, "DisableRootAutoUpdate", "1");
	EXPECT(h, AUTO, HA_UNKNOWN);
	EXPECT(h, G2, HA_UNKNOWN);
	REASON_HAS(h, G2,
	           "whether automatic root update is allowed is unknown (the policy value is "
	           "not a REG_DWORD).");
	host_free(h);
}

/* ------------------------------------------------------- HIVE-INTEGRITY */

static void test_integrity(void)
{
	static const struct {
		int status;
		int want;
	} t[] = {
	        {HA_HS_OK, HA_PASS},       {HA_HS_REPLAYED, HA_PASS},   {HA_HS_DIRTY, HA_WARN},
	        {HA_HS_DEGRADED, HA_WARN}, {HA_HS_UNREADABLE, HA_FAIL}, {HA_HS_MISSING, HA_FAIL},
	        {HA_HS_CONFLICT, HA_FAIL}, {HA_HS_NOT_HIVE, HA_FAIL},
	};
	size_t i;
	int role;

	for (role = 0; role < HA_NROLES; role++) {
		for (i = 0; i < sizeof t / sizeof t[0]; i++) {
			struct host *h = ready(&W2012R2);
			const struct ha_finding *f;
			char want[64];

			h->status[role] = t[i].status;
			h->reason[role] = "as the reader found it";
			EXPECT(h, INTEG, t[i].want);
			snprintf(want, sizeof want, "%s: %s", ha_role_name(role),
			         ha_hive_status_name(t[i].status));
			OBSERVED_HAS(h, INTEG, want);
			REASON_HAS(h, INTEG, "as the reader found it");
			f = FINDING(h, INTEG);
			CHECK_INT(f ? f->nev : 0, 2);
			/* The verdict: ready only on trusted hives. */
			CHECK_INT(h->fs.verdict,
			          t[i].want == HA_PASS ? HA_READY : HA_VERDICT_UNKNOWN);
			host_free(h);
		}
	}
}

/* Values read from a dirty or degraded hive are not conclusive. */
static void test_untrusted_hives(void)
{
	static const int statuses[] = {HA_HS_DIRTY, HA_HS_DEGRADED};
	size_t i;

	for (i = 0; i < 2; i++) {
		struct host *h = ready(&W2008R2_SP1);
		char want[128];

		h->status[SYS] = statuses[i];
		h->reason[SYS] = "sequence numbers 7/6, no logs";
		schannel(h, "DisabledByDefault", 1);
		EXPECT(h, SCH, HA_UNKNOWN);
		snprintf(want, sizeof want,
		         "Not conclusive: the SYSTEM hive is %s (sequence numbers 7/6, "
		         "no logs); as stored this gives FAIL.",
		         ha_hive_status_name(statuses[i]));
		REASON_HAS(h, SCH, want);
		EXPECT(h, NET, HA_PASS); /* SOFTWARE is clean */
		EXPECT(h, INTEG, HA_WARN);
		CHECK_INT(h->fs.verdict, HA_VERDICT_UNKNOWN);
		CHECK_HAS(h->fs.verdict_reason, SCH);
		host_free(h);

		h = ready(&W2008R2_SP1);
		h->status[SW] = statuses[i];
		h->reason[SW] = "opened in recovery mode";
		EXPECT(h, OS, HA_UNKNOWN);
		REASON_HAS(h, OS, "as stored this gives PASS");
		EXPECT(h, KB, HA_UNKNOWN);
		EXPECT(h, WH, HA_UNKNOWN);
		EXPECT(h, NET32, HA_UNKNOWN);
		EXPECT(h, NETV, HA_UNKNOWN);
		EXPECT(h, G2, HA_UNKNOWN);
		REASON_HAS(h, G2, "as stored this gives PASS");
		EXPECT(h, AUTO, HA_UNKNOWN);
		EXPECT(h, SCH, HA_PASS);
		host_free(h);
	}
}

/* A missing or unreadable hive: the rules that need it are UNKNOWN. */
static void test_missing_hives(void)
{
	struct host *h = ready(&W2008R2_SP1);

	h->status[SYS] = HA_HS_UNREADABLE;
	h->reason[SYS] = "not a registry hive: bad magic";
	EXPECT(h, SCH, HA_UNKNOWN);
	REASON_HAS(h, SCH,
	           "could not be read: SYSTEM hive unreadable: not a registry hive: bad magic.");
	EXPECT(h, INTEG, HA_FAIL);
	EXPECT(h, OS, HA_PASS); /* ProductName tells a server without ProductType */
	CHECK_STR(h->f.product_source, "EditionID/ProductName mention Server");
	EXPECT(h, NET, HA_PASS);
	EXPECT(h, NET32, HA_PASS); /* 64-bit: SOFTWARE has Wow6432Node */
	EXPECT(h, WH, HA_PASS);
	CHECK_INT(h->fs.verdict, HA_VERDICT_UNKNOWN);
	host_free(h);

	h = ready(&W2008R2_SP1);
	h->status[SW] = HA_HS_MISSING;
	EXPECT(h, INTEG, HA_FAIL);
	REASON_HAS(h, INTEG, "SOFTWARE hive missing");
	EXPECT(h, OS, HA_UNKNOWN);
	REASON_HAS(h, OS, "the OS version could not be read: the SOFTWARE hive is not readable");
	EXPECT(h, SCH, HA_UNKNOWN);
	REASON_HAS(h, SCH, "Cannot tell whether the rule applies");
	EXPECT(h, G2, HA_UNKNOWN);
	EXPECT(h, LEGACY, HA_UNKNOWN);
	CHECK_INT(h->fs.verdict, HA_VERDICT_UNKNOWN);
	host_free(h);

	/* Both missing: still one finding per rule, each with evidence. */
	h = host(&W2008R2_SP1);
	h->status[SYS] = h->status[SW] = HA_HS_MISSING;
	EXPECT(h, INTEG, HA_FAIL);
	EXPECT(h, OS, HA_UNKNOWN);
	CHECK_INT(h->fs.verdict, HA_VERDICT_UNKNOWN);
	host_free(h);

	/* A value the reader could not read. */
	h = ready(&W2008R2_SP1);
	set_unreadable(h, SYS, T12C, "DisabledByDefault");
	EXPECT(h, SCH, HA_UNKNOWN);
	REASON_HAS(h, SCH, "DisabledByDefault could not be read: value data cell out of range.");
	host_free(h);
}

/* A certificate store that could not be read: UNKNOWN, with evidence. */
static void test_roots_unreadable_store(void)
{
	struct host *h = host(&W2012R2);
	size_t i;

	EXPECT(h, G2, HA_WARN);
	for (i = 0; i < h->s.nkeys; i++) {
		struct ha_key *k = &h->s.keys[i];

		if (strstr(k->lpath, "SystemCertificates") ||
		    strstr(k->lpath, "EnterpriseCertificates")) {
			k->state = HA_KEY_ERROR;
			free(k->error);
			k->error = xstrdup("subkey list cell out of range");
		}
	}
	ha_findings_free(&h->fs);
	ha_findings_init(&h->fs);
	{
		struct ha_eval_opts eo = {.as_of = as_of_default};
		struct ha_err err;

		CHECK_INT(ha_rules_evaluate(pack, &h->s, &h->f, &eo, &h->fs, &err), HA_OK);
	}
	check_findings(__FILE__, __LINE__, h);
	EXPECT(h, G2, HA_UNKNOWN);
	REASON_HAS(h, G2,
	           "DigiCert Global Root G2 was not found, and a certificate store could not "
	           "be read (subkey list cell out of range).");
	EXPECT(h, AUTO, HA_UNKNOWN);
	host_free(h);

	/* Found, but the Disallowed store cannot be read. */
	h = host(&W2012R2);
	add_cert(h, ROOT, "digicert-global-root-g2", CERT_GOOD);
	h->broken = DISALLOWED "\\DF3C24F9BFD666761B268073FE06D1CC8D4F82A4";
	EXPECT(h, G2, HA_UNKNOWN);
	REASON_HAS(h, G2, "whether it is distrusted cannot be told");
	EXPECT(h, GCA, HA_WARN);
	host_free(h);

	/* The auto-update policy key cannot be read: a missing root is UNKNOWN. */
	h = host(&W2012R2);
	h->broken = AUPOL;
	EXPECT(h, G2, HA_UNKNOWN);
	REASON_HAS(h, G2, "whether automatic root update is allowed is unknown (subkey list cell");
	EXPECT(h, AUTO, HA_UNKNOWN);
	host_free(h);
}

/* -------------------------------------------- SCHANNEL-LEGACY-PROTOCOLS */

static void test_legacy_defaults(void)
{
	static const struct {
		const struct osdef *os;
		int status;
		const char *offered;
	} t[] = {
	        {&W2003, HA_NOT_APPLICABLE, ""},
	        {&W2008_SP2, HA_WARN, "offered by the client: SSL 3.0, TLS 1.0"},
	        {&W2008R2_SP1, HA_WARN, "offered by the client: SSL 3.0, TLS 1.0"},
	        {&W2012, HA_WARN, "offered by the client: SSL 3.0, TLS 1.0, TLS 1.1"},
	        {&W2012R2, HA_WARN, "offered by the client: SSL 3.0, TLS 1.0, TLS 1.1"},
	        {&WIN10_1507, HA_WARN, "offered by the client: SSL 3.0, TLS 1.0, TLS 1.1"},
	        {&W2016, HA_WARN, "offered by the client: TLS 1.0, TLS 1.1"},
	        {&W2022, HA_WARN, "offered by the client: TLS 1.0, TLS 1.1"},
	        {&WIN11, HA_WARN, "offered by the client: TLS 1.0, TLS 1.1"},
	        {&W2025, HA_UNKNOWN,
	         "TLS 1.0\\Client\\DisabledByDefault: absent (its key does not exist), OS default "
	         "unknown"},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct host *h = host(t[i].os);

		EXPECT(h, LEGACY, t[i].status);
		if (*t[i].offered)
			OBSERVED_HAS(h, LEGACY, t[i].offered);
		if (t[i].status == HA_WARN) {
			REASON_HAS(h, LEGACY, "TLS 1.0 is offered by the client");
			REASON_LACKS(h, LEGACY, "SSL 2.0 is offered");
		}
		host_free(h);
	}
}

static void test_legacy_values(void)
{
	struct host *h = host(&W2012R2);

	/* Everything below TLS 1.2 switched off. */
	set_dw(h, SYS, PROTO "\\SSL 3.0\\Client", "Enabled", 0);
	set_dw(h, SYS, PROTO "\\TLS 1.0\\Client", "Enabled", 0);
	set_dw(h, SYS, PROTO "\\TLS 1.1\\Client", "DisabledByDefault", 1);
	EXPECT(h, LEGACY, HA_PASS);
	OBSERVED_HAS(h, LEGACY, "none offered by the client");
	/* SSL 2.0 switched on again (it exists before Windows 10 1607). */
	set_dw(h, SYS, PROTO "\\SSL 2.0\\Client", "Enabled", 1);
	set_dw(h, SYS, PROTO "\\SSL 2.0\\Client", "DisabledByDefault", 0);
	EXPECT(h, LEGACY, HA_WARN);
	OBSERVED_HAS(h, LEGACY, "offered by the client: SSL 2.0");
	REASON_HAS(h, LEGACY, "SSL 2.0 is offered by the client");
	host_free(h);

	/* From build 14393 SSL 2.0 is gone, whatever the registry says. */
	h = host(&W2016);
	set_dw(h, SYS, PROTO "\\SSL 2.0\\Client", "Enabled", 1);
	set_dw(h, SYS, PROTO "\\SSL 2.0\\Client", "DisabledByDefault", 0);
	set_dw(h, SYS, PROTO "\\TLS 1.0\\Client", "Enabled", 0);
	set_dw(h, SYS, PROTO "\\TLS 1.1\\Client", "Enabled", 0);
	EXPECT(h, LEGACY, HA_PASS);
	/* SSL 3.0 put back into the default set. */
	set_dw(h, SYS, PROTO "\\SSL 3.0\\Client", "DisabledByDefault", 0);
	EXPECT(h, LEGACY, HA_WARN);
	OBSERVED_HAS(h, LEGACY, "offered by the client: SSL 3.0");
	host_free(h);

	/* Server 2025: explicit values decide where the defaults are unknown. */
	h = host(&W2025);
	set_dw(h, SYS, PROTO "\\TLS 1.0\\Client", "Enabled", 0);
	set_dw(h, SYS, PROTO "\\TLS 1.1\\Client", "Enabled", 0);
	EXPECT(h, LEGACY, HA_PASS);
	/* An informational rule never makes a host not ready. */
	host_free(h);
	h = ready(&W2012R2);
	EXPECT(h, LEGACY, HA_WARN);
	CHECK_INT(h->fs.verdict, HA_READY);
	/* A wrongly typed value: the protocol may or may not be offered. */
	set_dw(h, SYS, PROTO "\\SSL 3.0\\Client", "Enabled", 0);
	set_dw(h, SYS, PROTO "\\TLS 1.0\\Client", "Enabled", 0);
	set_dw(h, SYS, PROTO "\\TLS 1.1\\Client", "Enabled", 0);
	set_sz(h, SYS, PROTO "\\TLS 1.1\\Client", "Enabled", "0");
	EXPECT(h, LEGACY, HA_UNKNOWN);
	REASON_HAS(h, LEGACY, "TLS 1.1 is perhaps offered by the client");
	host_free(h);
}

/* ---------------------------------------------------------- BACKUP-AGENT */

static void test_backup_agent(void)
{
	struct host *h = host(&W2016);

	EXPECT(h, AGENT, HA_WARN);
	REASON_HAS(h, AGENT, "no MARS agent footprint");
	set_sz(h, SW, "Microsoft\\Windows Azure Backup\\Setup", "InstallPath",
	       "C:\\Program Files\\Microsoft Azure Recovery Services Agent\\");
	EXPECT(h, AGENT, HA_PASS);
	OBSERVED_HAS(h, AGENT,
	             "InstallPath = \"C:\\Program Files\\Microsoft Azure Recovery Services");
	CHECK(evidence_for(FINDING(h, AGENT), "InstallPath") != NULL);
	del_key(h, SW, "Microsoft\\Windows Azure Backup");
	set_key(h, SW, "Microsoft\\Microsoft Data Protection Manager\\Setup");
	EXPECT(h, AGENT, HA_PASS);
	host_free(h);
	h = host(&W2003);
	EXPECT(h, AGENT, HA_NOT_APPLICABLE);
	host_free(h);
}

/* ------------------------------------------------------------- verdict */

static void test_verdict(void)
{
	struct host *h = ready(&W2008R2_SP1);

	EXPECT_READY(h);
	CHECK_STR(h->fs.verdict_reason, "every prerequisite is met");
	/* A failing counted rule: not ready, and it is named. */
	schannel(h, "DisabledByDefault", 1);
	EXPECT(h, SCH, HA_FAIL);
	CHECK_INT(h->fs.verdict, HA_NOT_READY);
	CHECK_STR(h->fs.verdict_reason, "failing: " SCH);
	/* A warning (a root fetched on demand) does not stop readiness. */
	schannel(h, "DisabledByDefault", 0);
	del_key(h, SW,
	        AUTHROOT "\\"
	                 "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4");
	EXPECT(h, G2, HA_WARN);
	CHECK_INT(h->fs.verdict, HA_READY);
	/* UNKNOWN without failures: unknown. */
	set_sz(h, SYS, T12C, "Enabled", "1");
	EXPECT(h, SCH, HA_UNKNOWN);
	CHECK_INT(h->fs.verdict, HA_VERDICT_UNKNOWN);
	CHECK_STR(h->fs.verdict_reason, "undetermined: " SCH);
	/* A failure beats unknowns. */
	set_dw(h, SW, NDP, "Release", 1);
	EXPECT(h, NETV, HA_FAIL);
	CHECK_INT(h->fs.verdict, HA_NOT_READY);
	host_free(h);

	/* Informational rules do not count: no agent, legacy protocols on. */
	h = ready(&W2016);
	EXPECT(h, AGENT, HA_WARN);
	EXPECT(h, LEGACY, HA_WARN);
	CHECK_INT(h->fs.verdict, HA_READY);
	host_free(h);
}

/* ------------------------------------------------ the engine, user rules */

/* Rules exercising what the built-in pack does not use. */
static const char engine_rules[] =
        "hiveaudit-rules: 1\n"
        "pack: engine\n"
        "rules:\n"
        "  - id: E-KEY\n    title: Agent installed\n    severity: low\n    category: info\n"
        "    source: test\n    remediation: {summary: Install it.}\n"
        "    check:\n      key:\n        path: 'HKLM\\SOFTWARE\\Contoso\\Agent'\n"
        "        present: {status: PASS, why: the agent is installed}\n"
        "        absent: {status: WARN, why: the agent is not installed}\n"
        "        show: [Version]\n"
        "  - id: E-TEXT\n    title: Agent mode\n    severity: low\n    category: info\n"
        "    source: test\n    remediation: {summary: Set it.}\n"
        "    check:\n      value: {path: 'HKLM\\SOFTWARE\\Contoso\\Agent', name: Mode, type: sz, "
        "test: {one_of: [Strict, Audit]}, absent: {status: UNKNOWN, why: no mode is set}}\n"
        "  - id: E-QWORD\n    title: Small limit\n    severity: low\n    category: info\n"
        "    source: test\n    remediation: {summary: Lower it.}\n"
        "    check:\n      value: {path: 'HKLM\\SOFTWARE\\Contoso\\Agent', name: Limit, "
        "type: [dword, qword], test: {at_most: 10}}\n"
        "  - id: E-ANY\n    title: One of two switches\n    severity: low\n    category: info\n"
        "    source: test\n    remediation: {summary: Switch one on.}\n"
        "    check:\n      any:\n"
        "        - value: {path: 'HKLM\\SOFTWARE\\Contoso\\Agent', name: A, type: dword, test: "
        "{equals: 1}}\n"
        "        - value: {path: 'HKLM\\SOFTWARE\\Contoso\\Agent', name: B, type: dword, test: "
        "{equals: 1}}\n"
        "  - id: E-NONE\n    title: No legacy switch\n    severity: low\n    category: info\n"
        "    source: test\n    fail_status: WARN\n    remediation: {summary: Switch them off.}\n"
        "    check:\n      none:\n"
        "        - label: Legacy A\n          meaning: switched on\n"
        "          value: {path: 'HKLM\\SOFTWARE\\Contoso\\Agent', name: LegacyA, type: dword, "
        "test: "
        "nonzero, absent: FAIL}\n"
        "        - label: Legacy B\n          meaning: switched on\n"
        "          value: {path: 'HKLM\\SOFTWARE\\Contoso\\Agent', name: LegacyB, type: dword, "
        "test: "
        "nonzero, absent: FAIL}\n"
        "  - id: E-CASES\n    title: Only on NT 6.1\n    severity: low\n    category: info\n"
        "    source: test\n    remediation: {summary: s}\n"
        "    check:\n      cases:\n        - when: {nt: \"6.1\", product: server}\n"
        "          check: {hives: [SYSTEM]}\n"
        "  - id: E-OS\n    title: New enough\n    severity: low\n    category: os\n"
        "    source: test\n    remediation: {summary: s}\n"
        "    check:\n      os:\n        - {when: {nt_min: \"10.0\"}, status: PASS, why: \"{os} is "
        "new\"}\n"
        "        - {when: {nt: \"6.3\"}, status: WARN, why: \"{os} is old\"}\n"
        "  - id: E-DC\n    title: Domain controllers\n    severity: low\n    category: info\n"
        "    source: test\n    applies: {product: dc, arch: 64bit}\n    remediation: {summary: s}\n"
        "    check: {hives: [SYSTEM]}\n"
        "  - id: E-PLUGINS\n    title: Plugins are current\n    severity: low\n    category: info\n"
        "    source: test\n    remediation: {summary: s}\n"
        "    check:\n      subkeys:\n        path: 'HKLM\\SOFTWARE\\Contoso\\Plugins'\n"
        "        match: 'Tls*'\n        value: Version\n        type: dword\n"
        "        states: [{at_least: 2, status: PASS, label: current}]\n"
        "        other: {status: FAIL, label: old}\n"
        "  - id: E-WOW\n    title: Bits\n    severity: low\n    category: info\n"
        "    source: test\n    views: [native, wow64]\n    remediation: {summary: s}\n"
        "    check:\n      value: {path: 'HKLM\\SOFTWARE\\Contoso\\Agent', name: Bits, type: "
        "dword, "
        "test: {bits_set: 3}}\n";

static struct ha_ruleset *engine(void)
{
	struct ha_ruleset *rs;
	struct ha_err err;

	if (ha_rules_new(&rs, &err) ||
	    ha_rules_load_buffer(rs, "engine.yaml", engine_rules, sizeof engine_rules - 1,
	                         HA_RULES_ADD, &err)) {
		fprintf(stderr, "engine.yaml: %s\n", err.msg);
		abort();
	}
	return rs;
}

static void test_engine_values(void)
{
	static const uint8_t q5[8] = {5, 0, 0, 0, 0, 0, 0, 0}, q11[8] = {11, 0, 0, 0, 0, 0, 0, 0};
	struct ha_ruleset *rs = engine();
	struct host *h = host(&W2016);

	h->rs = rs;
	EXPECT(h, "E-KEY", HA_WARN);
	REASON_HAS(h, "E-KEY", "Agent is absent: the agent is not installed.");
	EXPECT(h, "E-TEXT", HA_UNKNOWN);
	REASON_HAS(h, "E-TEXT", "no mode is set");
	EXPECT(h, "E-QWORD", HA_FAIL);
	EXPECT(h, "E-ANY", HA_FAIL);
	EXPECT(h, "E-NONE", HA_PASS);
	OBSERVED_HAS(h, "E-NONE", "none switched on");
	set_sz(h, SW, "Contoso\\Agent", "Version", "2.0.9083.0");
	EXPECT(h, "E-KEY", HA_PASS);
	OBSERVED_HAS(h, "E-KEY", "Version = \"2.0.9083.0\"");
	CHECK(evidence_for(FINDING(h, "E-KEY"), "Version") != NULL);
	/* Text compares case-insensitively; other text fails. */
	set_sz(h, SW, "Contoso\\Agent", "Mode", "strict");
	EXPECT(h, "E-TEXT", HA_PASS);
	set_sz(h, SW, "Contoso\\Agent", "Mode", "Off");
	EXPECT(h, "E-TEXT", HA_FAIL);
	REASON_HAS(h, "E-TEXT", "expected one of \"Strict\", \"Audit\".");
	/* A REG_EXPAND_SZ is text too; a REG_DWORD is not. */
	set_dw(h, SW, "Contoso\\Agent", "Mode", 1);
	EXPECT(h, "E-TEXT", HA_UNKNOWN);
	REASON_HAS(h, "E-TEXT", "not REG_SZ");
	/* QWORD and DWORD both accepted where both are allowed. */
	set_raw(h, SW, "Contoso\\Agent", "Limit", HA_REG_QWORD, q5, 8);
	EXPECT(h, "E-QWORD", HA_PASS);
	set_raw(h, SW, "Contoso\\Agent", "Limit", HA_REG_QWORD, q11, 8);
	EXPECT(h, "E-QWORD", HA_FAIL);
	set_dw(h, SW, "Contoso\\Agent", "Limit", 10);
	EXPECT(h, "E-QWORD", HA_PASS);
	set_raw(h, SW, "Contoso\\Agent", "Limit", HA_REG_QWORD, q5, 4);
	EXPECT(h, "E-QWORD", HA_UNKNOWN);
	REASON_HAS(h, "E-QWORD", "a REG_QWORD of only 4 bytes");
	/* any: one child passing is enough. */
	set_dw(h, SW, "Contoso\\Agent", "B", 1);
	EXPECT(h, "E-ANY", HA_PASS);
	set_sz(h, SW, "Contoso\\Agent", "B", "1");
	EXPECT(h, "E-ANY", HA_UNKNOWN);
	set_dw(h, SW, "Contoso\\Agent", "A", 1);
	EXPECT(h, "E-ANY", HA_PASS);
	/* none: a child that holds fails it, and fail_status makes that WARN. */
	set_dw(h, SW, "Contoso\\Agent", "LegacyB", 1);
	EXPECT(h, "E-NONE", HA_WARN);
	OBSERVED_HAS(h, "E-NONE", "switched on: Legacy B");
	REASON_HAS(h, "E-NONE", "Legacy B is switched on (");
	REASON_LACKS(h, "E-NONE", "Legacy A");
	/* bits_set needs every bit, in each view. */
	set_dw(h, SW, "Contoso\\Agent", "Bits", 7);
	set_dw(h, SW, "Wow6432Node\\Contoso\\Agent", "Bits", 2);
	EXPECT(h, "E-WOW", HA_PASS);
	EXPECT(h, "E-WOW-WOW64", HA_FAIL);
	REASON_HAS(h, "E-WOW-WOW64", "expected bits 0x3 set.");
	host_free(h);
	ha_rules_free(rs);
}

static void test_engine_conditions(void)
{
	struct ha_ruleset *rs = engine();
	struct host *h = host(&W2008R2_SP1);

	h->rs = rs;
	EXPECT(h, "E-CASES", HA_PASS);
	EXPECT(h, "E-OS", HA_UNKNOWN);
	REASON_HAS(h, "E-OS", "No row of the OS table covers Windows Server 2008 R2 SP1.");
	EXPECT(h, "E-DC", HA_NOT_APPLICABLE);
	REASON_HAS(
	        h, "E-DC",
	        "Applies to domain controllers, 64-bit; this host is Windows Server 2008 R2 SP1.");
	host_free(h);

	h = host(&W2019); /* a domain controller */
	h->rs = rs;
	EXPECT(h, "E-CASES", HA_NOT_APPLICABLE);
	REASON_HAS(h, "E-CASES", "No case of this rule covers Windows Server 2019.");
	EXPECT(h, "E-OS", HA_PASS);
	REASON_HAS(h, "E-OS", "Windows Server 2019 is new.");
	EXPECT(h, "E-DC", HA_PASS);
	host_free(h);

	h = host(&W2012R2);
	h->rs = rs;
	EXPECT(h, "E-OS", HA_WARN);
	/* Product unknown: a condition on it is unknown, not false. */
	del_key(h, SYS, PO);
	del_val(h, SW, CV, "ProductName");
	EXPECT(h, "E-DC", HA_UNKNOWN);
	REASON_HAS(h, "E-DC",
	           "Cannot tell whether the rule applies: the product type or "
	           "architecture is not recorded.");
	host_free(h);

	h = host(&WIN7_SP1);
	h->rs = rs;
	del_key(h, SYS, PO);
	del_val(h, SW, CV, "ProductName");
	EXPECT(h, "E-CASES", HA_UNKNOWN);
	REASON_HAS(h, "E-CASES", "Cannot tell which case of the rule applies");
	host_free(h);

	/* No OS facts at all: the OS table cannot decide. */
	h = host(&W2016);
	h->rs = rs;
	del_key(h, SW, CV);
	EXPECT(h, "E-OS", HA_UNKNOWN);
	REASON_HAS(h, "E-OS",
	           "Cannot tell the operating system: the OS version is not recorded in "
	           "the SOFTWARE hive.");
	EXPECT(h, "E-KEY", HA_WARN); /* no condition: evaluated anyway */
	host_free(h);
	ha_rules_free(rs);
}

static void test_engine_subkeys(void)
{
	struct ha_ruleset *rs = engine();
	struct host *h = host(&W2016);

	h->rs = rs;
	EXPECT(h, "E-PLUGINS", HA_FAIL);
	REASON_HAS(h, "E-PLUGINS", "Tls*: Contoso\\Plugins does not exist.");
	set_key(h, SW, "Contoso\\Plugins\\Other");
	EXPECT(h, "E-PLUGINS", HA_FAIL);
	REASON_HAS(h, "E-PLUGINS", "Tls*: no subkey of Contoso\\Plugins matches \"Tls*\".");
	set_dw(h, SW, "Contoso\\Plugins\\TlsHelper", "Version", 1);
	EXPECT(h, "E-PLUGINS", HA_FAIL);
	REASON_HAS(h, "E-PLUGINS", "Tls*: TlsHelper has Version 0x00000001 (1), old.");
	set_dw(h, SW, "Contoso\\Plugins\\tlsCore", "Version", 3);
	EXPECT(h, "E-PLUGINS", HA_PASS);
	REASON_HAS(h, "E-PLUGINS",
	           "tlsCore has Version 0x00000003 (3), current (the best of 2 "
	           "matching subkeys).");
	host_free(h);
	ha_rules_free(rs);
}

/* A user pack with its own stores and no auto-update policy. */
static void test_engine_cert_stores(void)
{
	static const char text[] =
	        "hiveaudit-rules: 1\n"
	        "cert_stores:\n  trusted: ['HKLM\\SOFTWARE\\Contoso\\Roots']\n"
	        "rules:\n"
	        "  - id: E-CERT\n    title: Root\n    severity: low\n    category: roots\n"
	        "    source: test\n    remediation: {summary: s}\n"
	        "    check:\n      cert: {thumbprint: 73a5e64a3bff8316ff0edccc618a906e4eae4d74, "
	        "name: MS "
	        "RSA 2017}\n"
	        "  - id: E-CERT-STRICT\n    title: Root\n    severity: low\n    category: roots\n"
	        "    source: test\n    remediation: {summary: s}\n"
	        "    check:\n      cert: {thumbprint: 999A64C37FF47D9FAB95F14769891460EEC4C3C5, "
	        "name: MS "
	        "ECC 2017, missing: FAIL}\n";
	struct ha_ruleset *rs;
	struct ha_err err;
	struct host *h;

	if (ha_rules_new(&rs, &err) ||
	    ha_rules_load_buffer(rs, "stores.yaml", text, sizeof text - 1, HA_RULES_ADD, &err))
		abort();
	h = host(&W2016);
	h->rs = rs;
	/* The machine stores do not count for this pack. */
	roots(h);
	EXPECT(h, "E-CERT", HA_WARN);
	REASON_HAS(h, "E-CERT", "MS RSA 2017 is not in any machine root store.");
	EXPECT(h, "E-CERT-STRICT", HA_FAIL);
	add_cert(h, "Contoso\\Roots", "microsoft-rsa-root-2017", CERT_GOOD);
	EXPECT(h, "E-CERT", HA_PASS);
	REASON_HAS(h, "E-CERT", "is in Contoso\\Roots");
	host_free(h);
	ha_rules_free(rs);
}

/* ---------------------------------------------------- the documentation */

/* docs/rules.md's worked example on the built-in pack: the reason the page
 * quotes is the one the engine gives. */
static void test_docs_example(void)
{
	char path[4096], *doc, *p, *end, *ex = NULL, *q;
	struct ha_ruleset *rs;
	struct ha_err err;
	struct host *h;
	const struct ha_finding *f;

	snprintf(path, sizeof path, "%s/docs/rules.md", tu_source_dir());
	doc = tu_read(path, NULL);
	CHECK(doc != NULL);
	if (!doc)
		return;
	p = strstr(doc, "<!-- example: contoso.yaml");
	p = p ? strstr(p, "```yaml\n") : NULL;
	end = p ? strstr(p + 8, "\n```\n") : NULL;
	if (p && end)
		ex = ha_strndup(p + 8, (size_t)(end - p - 8) + 1);
	CHECK(ex != NULL);
	if (!ex || ha_rules_new(&rs, &err) || ha_rules_load_builtin(rs, &err) ||
	    ha_rules_load_buffer(rs, "contoso.yaml", ex, strlen(ex), HA_RULES_ADD, &err)) {
		check_fail(__FILE__, __LINE__, "example: %s", ex ? err.msg : "not found");
		free(ex);
		free(doc);
		return;
	}
	/* The page wraps lines: compare with its text on one line. */
	for (q = doc; *q; q++)
		if (*q == '\n')
			*q = ' ';
	h = host(&W2019);
	h->rs = rs;
	EXPECT(h, "CONTOSO-TLS10-CLIENT-OFF", HA_FAIL);
	f = FINDING(h, "CONTOSO-TLS10-CLIENT-OFF");
	if (f && !strstr(doc, f->reason))
		check_fail(__FILE__, __LINE__, "docs/rules.md does not quote \"%s\"", f->reason);
	EXPECT(h, "BACKUP-AGENT", HA_FAIL);
	CHECK_INT(h->fs.verdict, HA_NOT_READY);
	EXPECT(h, "CONTOSO-HELPER-TLS", HA_FAIL);
	set_sz(h, SW, "Contoso\\BackupHelper", "Protocol", "tls12");
	EXPECT(h, "CONTOSO-HELPER-TLS", HA_PASS);
	EXPECT(h, "CONTOSO-HELPER-TLS-WOW64", HA_FAIL);
	host_free(h);
	h = host(&W2025);
	h->rs = rs;
	EXPECT(h, "CONTOSO-TLS10-CLIENT-OFF", HA_UNKNOWN);
	set_dw(h, SYS, PROTO "\\TLS 1.0\\Client", "Enabled", 0);
	EXPECT(h, "CONTOSO-TLS10-CLIENT-OFF", HA_PASS);
	host_free(h);
	h = host(&WIN11);
	h->rs = rs;
	EXPECT(h, "BACKUP-AGENT", HA_NOT_APPLICABLE);
	EXPECT(h, "CONTOSO-TLS10-CLIENT-OFF", HA_NOT_APPLICABLE);
	host_free(h);
	ha_rules_free(rs);
	free(ex);
	free(doc);
}

/* ------------------------------------------------- SCHANNEL-CIPHER-SUITES */

/* clang-format off */
static const struct osdef
	WIN10_22H2 = {"Windows 10 Pro", "6.3", "19045", NULL, "WinNT", "AMD64", 1};
/* clang-format on */

/* A REG_MULTI_SZ from a NULL-terminated list of strings. */
static void set_multi(struct host *h, int hive, const char *path, const char *name,
                      const char *const *strs)
{
	struct ha_buf b;

	ha_buf_init(&b, 0);
	for (; *strs; strs++)
		ha_utf8_to_utf16le(&b, *strs); /* with its terminator */
	ha_buf_add(&b, "\0\0", 2);
	if (ha_buf_status(&b))
		abort();
	set_raw(h, hive, path, name, HA_REG_MULTI_SZ, b.data, b.len);
	ha_buf_free(&b);
}

static void sch_off(struct host *h, const char *key)
{
	char *p = ha_asprintf("%s\\%s", SCHK, key);

	if (!p)
		abort();
	set_dw(h, SYS, p, "Enabled", 0);
	free(p);
}

/* The derived evidence row `name` ("offered", "accepted by Azure"). */
static const char *suite_row(struct host *h, const char *name)
{
	const struct ha_finding *f = FINDING(h, SUITES);
	const struct ha_evidence *e = f ? evidence_for(f, name) : NULL;

	return e && e->data ? e->data : "(none)";
}

static void test_suites_defaults(void)
{
	static const struct {
		const struct osdef *os;
		int status;
		const char *obs;
	} t[] = {
	        {&W2008R2_SP1, HA_WARN, "default list: 36 TLS 1.2 suites offered"},
	        {&WIN7_SP1, HA_WARN, "default list: 36 TLS 1.2 suites offered"},
	        {&W2012, HA_WARN, "default list: 34 TLS 1.2 suites offered"},
	        {&W2012R2, HA_WARN, "default list: 36 TLS 1.2 suites offered"},
	        {&WIN10_1507, HA_PASS, "default list: 30 TLS 1.2 suites offered"},
	        {&W2016, HA_PASS, "default list: 30 TLS 1.2 suites offered"},
	        {&W2019, HA_PASS, "default list: 21 TLS 1.2 suites offered"},
	        {&WIN10_22H2, HA_PASS, "default list: 18 TLS 1.2 suites offered"},
	        {&W2022, HA_PASS, "default list: 21 TLS 1.2 suites offered"},
	        {&WIN11, HA_PASS, "default list: 18 TLS 1.2 suites offered"},
	        {&W2025, HA_PASS, "default list: 18 TLS 1.2 suites offered"},
	        {&W2008_SP2, HA_NOT_APPLICABLE, "Windows Server 2008 SP2"},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct host *h = ready(t[i].os);

		EXPECT(h, SUITES, t[i].status);
		OBSERVED_HAS(h, SUITES, t[i].obs);
		if (t[i].status == HA_WARN) {
			/* Windows 7 to 8.1 reach Azure only through the 2022 policy. */
			REASON_HAS(h, SUITES,
			           "which Azure accepts only under its older compatibility "
			           "policy (azure-2022), not its current default (azure-2023).");
			REASON_HAS(h, SUITES, "the documented list assumes KB");
			OBSERVED_HAS(h, SUITES, "current policy 0)");
			CHECK_INT(h->fs.verdict, HA_READY);
		}
		if (t[i].status == HA_PASS) {
			REASON_HAS(h, SUITES,
			           "of which Azure's current policy (azure-2023) accepts, "
			           "first TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384.");
			CHECK_HAS(suite_row(h, "accepted by Azure"),
			          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "
			          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
			/* TLS 1.3 suites are not counted as TLS 1.2 ones. */
			CHECK(strstr(suite_row(h, "offered"), "TLS_AES_") == NULL);
			EXPECT_READY(h);
		}
		host_free(h);
	}
}

static void test_suites_policy(void)
{
	struct host *h;

	/* 2012 R2 with a GCM-only hardening list: no ECDHE_RSA GCM exists
	 * there, DHE_RSA GCM is removed by Diffie-Hellman=0, TLS_RSA GCM is
	 * compatibility only: WARN; with PKCS off as well, FAIL. */
	h = ready(&W2012R2);
	set_sz(h, SW, SSLPOL, "Functions",
	       "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,"
	       "TLS_RSA_WITH_AES_256_GCM_SHA384");
	EXPECT(h, SUITES, HA_WARN);
	OBSERVED_HAS(h, SUITES, "policy list: 2 TLS 1.2 suites offered");
	REASON_HAS(h, SUITES,
	           "Not supported on Windows Server 2012 R2, so not offered: "
	           "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384.");
	sch_off(h, "KeyExchangeAlgorithms\\Diffie-Hellman");
	EXPECT(h, SUITES, HA_WARN);
	REASON_HAS(h, SUITES,
	           "The Group Policy list leaves only TLS_RSA_WITH_AES_256_GCM_SHA384 "
	           "(SCHANNEL\\KeyExchangeAlgorithms\\Diffie-Hellman is disabled (1 "
	           "suite)), which Azure accepts only under its older compatibility policy");
	sch_off(h, "KeyExchangeAlgorithms\\PKCS");
	EXPECT(h, SUITES, HA_FAIL);
	REASON_HAS(h, SUITES, "The Group Policy list leaves no TLS 1.2 cipher suite once");
	CHECK_INT(h->fs.verdict, HA_NOT_READY);
	CHECK_HAS(h->fs.verdict_reason, SUITES);
	CHECK_STR(suite_row(h, "offered"), "");
	host_free(h);

	/* 2016, a policy list of CBC-SHA1 suites only: nothing Azure accepts. */
	h = ready(&W2016);
	set_sz(h, SW, SSLPOL, "Functions",
	       "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
	EXPECT(h, SUITES, HA_FAIL);
	REASON_HAS(h, SUITES,
	           "The Group Policy list leaves only TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "
	           "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, which Azure's current policy "
	           "(azure-2023) does not accept, nor its compatibility policy (azure-2022).");
	OBSERVED_HAS(h, SUITES, "Azure accepts 0 (current policy 0)");
	host_free(h);

	/* Only TLS_RSA (GCM and CBC-SHA256): compatibility only. */
	h = ready(&W2019);
	set_sz(h, SW, SSLPOL, "Functions",
	       "TLS_RSA_WITH_AES_256_GCM_SHA384,TLS_RSA_WITH_AES_128_CBC_SHA256");
	EXPECT(h, SUITES, HA_WARN);
	CHECK_STR(suite_row(h, "accepted by Azure"),
	          "TLS_RSA_WITH_AES_256_GCM_SHA384 (compatibility), "
	          "TLS_RSA_WITH_AES_128_CBC_SHA256 (compatibility)");
	host_free(h);

	/* An empty policy value: what Windows does is not documented: WARN. */
	h = ready(&W2019);
	set_sz(h, SW, SSLPOL, "Functions", " , ");
	EXPECT(h, SUITES, HA_WARN);
	REASON_HAS(h, SUITES,
	           "The policy value is empty; whether Windows then uses no suite or "
	           "falls back to the local list is unconfirmed");
	host_free(h);

	/* A hostile list of 40,000 distinct unknown names: a few are named, the
	 * rest counted, quickly. */
	h = ready(&W2019);
	{
		struct ha_buf b;
		int i;

		ha_buf_init(&b, 0);
		for (i = 0; i < 40000; i++)
			ha_buf_printf(&b, "TLS_X%d,", i);
		ha_buf_puts(&b, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
		set_sz(h, SW, SSLPOL, "Functions", ha_buf_cstr(&b));
		ha_buf_free(&b);
	}
	EXPECT(h, SUITES, HA_PASS);
	REASON_HAS(h, SUITES,
	           "ignored (unconfirmed): TLS_X0, TLS_X1, TLS_X2, TLS_X3, TLS_X4 and "
	           "39995 more.");
	host_free(h);

	/* Past the documented 1,023 characters: reported, not cut. */
	h = ready(&W2019);
	{
		struct ha_buf b;
		int i;

		ha_buf_init(&b, 0);
		for (i = 0; i < 30; i++)
			ha_buf_puts(&b, "TLS_RSA_WITH_AES_128_CBC_SHA,TLS_FOO_WITH_BAR,");
		ha_buf_puts(&b, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
		set_sz(h, SW, SSLPOL, "Functions", ha_buf_cstr(&b));
		ha_buf_free(&b);
	}
	EXPECT(h, SUITES, HA_PASS);
	REASON_HAS(h, SUITES,
	           "The policy string is longer than 1,023 characters; how Windows "
	           "treats the rest is unconfirmed.");
	host_free(h);

	/* The comma form with spaces, an unknown name and a duplicate. */
	h = ready(&W2019);
	set_sz(h, SW, SSLPOL, "Functions",
	       " TLS_FOO_WITH_BAR , TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ,,"
	       "tls_ecdhe_rsa_with_aes_128_gcm_sha256,\tTLS_RSA_WITH_AES_128_CBC_SHA ");
	EXPECT(h, SUITES, HA_PASS);
	CHECK_STR(suite_row(h, "offered"),
	          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_128_CBC_SHA");
	REASON_HAS(h, SUITES,
	           "Names Windows does not know, ignored (unconfirmed): TLS_FOO_WITH_BAR.");
	/* The policy replaces the local list. */
	{
		static const char *const local[] = {"TLS_RSA_WITH_AES_256_CBC_SHA", NULL};

		set_multi(h, SYS, SSLLOCAL, "Functions", local);
	}
	EXPECT(h, SUITES, HA_PASS);
	OBSERVED_HAS(h, SUITES, "policy list: 2 TLS 1.2 suites offered");
	host_free(h);
}

static void test_suites_local_and_keys(void)
{
	static const char *const cbc_only[] = {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
	                                       "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
	                                       "TLS_RSA_WITH_AES_256_CBC_SHA", NULL};
	static const char *const no_nist[] = {"curve25519", NULL};
	struct host *h;

	/* A local Functions REG_MULTI_SZ. */
	h = ready(&W2016);
	set_multi(h, SYS, SSLLOCAL, "Functions", cbc_only);
	EXPECT(h, SUITES, HA_WARN);
	OBSERVED_HAS(h, SUITES, "local list: 3 TLS 1.2 suites offered");
	REASON_HAS(h, SUITES,
	           "The local list leaves only TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, "
	           "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, TLS_RSA_WITH_AES_256_CBC_SHA,");
	/* Hashes\SHA removes the CBC-SHA1 suite. */
	sch_off(h, "Hashes\\SHA");
	EXPECT(h, SUITES, HA_WARN);
	CHECK_STR(suite_row(h, "offered"),
	          "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256");
	OBSERVED_HAS(h, SUITES, "SCHANNEL\\Hashes\\SHA is disabled (1 suite)");
	/* A curve list without NIST curves removes every ECDHE suite. */
	set_multi(h, SYS, SSLLOCAL, "EccCurves", no_nist);
	EXPECT(h, SUITES, HA_WARN);
	REASON_HAS(h, SUITES,
	           "the local curve list (curve25519) has no curve Azure accepts, so no "
	           "ECDHE suite can be used (2 suites)");
	/* ... which rests on an inference: WARN, not FAIL, and it says so. */
	REASON_HAS(h, SUITES, "WARN, not FAIL: the removal that decides it is not confirmed");
	REASON_HAS(h, SUITES, "Unconfirmed: that ECDHE in TLS 1.2 needs one of the curves");
	/* A confirmed removal of the same suites makes it FAIL after all. */
	sch_off(h, "KeyExchangeAlgorithms\\ECDH");
	EXPECT(h, SUITES, HA_FAIL);
	host_free(h);

	/* The default list: both AES ciphers off leaves nothing Azure takes. */
	h = ready(&W2019);
	sch_off(h, "Ciphers\\AES 128/128");
	EXPECT(h, SUITES, HA_PASS);
	sch_off(h, "Ciphers\\AES 256/256");
	EXPECT(h, SUITES, HA_FAIL);
	OBSERVED_HAS(h, SUITES, "SCHANNEL\\Ciphers\\AES 128/128 is disabled");
	host_free(h);

	/* ECDH off on 2016: only DHE_RSA GCM and TLS_RSA remain: WARN. */
	h = ready(&W2016);
	sch_off(h, "KeyExchangeAlgorithms\\ECDH");
	EXPECT(h, SUITES, HA_WARN);
	CHECK(strstr(suite_row(h, "offered"), "ECDHE") == NULL);
	CHECK_HAS(suite_row(h, "accepted by Azure"), "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 "
	                                             "(compatibility)");
	host_free(h);

	/* DH off on 2012 R2: the ECDHE CBC suites still reach the 2022 policy. */
	h = ready(&W2012R2);
	sch_off(h, "KeyExchangeAlgorithms\\Diffie-Hellman");
	EXPECT(h, SUITES, HA_WARN);
	CHECK(strstr(suite_row(h, "offered"), "TLS_DHE_") == NULL);
	/* ... and with ECDH off too, only TLS_RSA is left. */
	sch_off(h, "KeyExchangeAlgorithms\\ECDH");
	EXPECT(h, SUITES, HA_WARN);
	CHECK_HAS(suite_row(h, "accepted by Azure"), "TLS_RSA_WITH_AES_256_GCM_SHA384 "
	                                             "(compatibility)");
	host_free(h);

	/* A suite removed by an unconfirmed key and by a confirmed one counts
	 * as removed for sure: Hashes\SHA384 and SHA256 (unconfirmed) and ECDH
	 * (confirmed) leave a CBC-SHA384/256 ECDHE list with nothing: FAIL. */
	h = ready(&W2016);
	{
		static const char *const cbc2[] = {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
		                                   "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", NULL};

		set_multi(h, SYS, SSLLOCAL, "Functions", cbc2);
	}
	sch_off(h, "Hashes\\SHA384");
	sch_off(h, "Hashes\\SHA256");
	EXPECT(h, SUITES, HA_WARN);
	sch_off(h, "KeyExchangeAlgorithms\\ECDH");
	EXPECT(h, SUITES, HA_FAIL);
	host_free(h);

	/* PKCS off: TLS_RSA goes; that ECDHE_RSA goes too is unconfirmed, so
	 * a host left with nothing else is WARN with the caveat, not FAIL. */
	h = ready(&W2019);
	sch_off(h, "KeyExchangeAlgorithms\\PKCS");
	EXPECT(h, SUITES, HA_WARN);
	REASON_HAS(h, SUITES, "WARN, not FAIL: the removal that decides it is not confirmed");
	REASON_HAS(h, SUITES, "Unconfirmed: KB245030 (NT 4 era) says PKCS=0 disables");
	host_free(h);
}

static void test_suites_wrong_types(void)
{
	static const char *const one[] = {"TLS_RSA_WITH_AES_256_CBC_SHA", NULL};
	struct host *h;

	/* The policy value as REG_MULTI_SZ (the GPO writes REG_SZ). */
	h = ready(&W2019);
	set_multi(h, SW, SSLPOL, "Functions", one);
	EXPECT(h, SUITES, HA_UNKNOWN);
	REASON_HAS(h, SUITES,
	           "The Group Policy cipher suite list (Functions) is a REG_MULTI_SZ, "
	           "not REG_SZ; how Windows reads it then is not documented.");
	CHECK_INT(h->fs.verdict, HA_VERDICT_UNKNOWN);
	host_free(h);

	/* The local value as REG_SZ. */
	h = ready(&W2016);
	set_sz(h, SYS, SSLLOCAL, "Functions", "TLS_RSA_WITH_AES_256_CBC_SHA");
	EXPECT(h, SUITES, HA_UNKNOWN);
	REASON_HAS(h, SUITES, "is a REG_SZ, not REG_MULTI_SZ");
	host_free(h);

	/* A SCHANNEL Enabled as REG_SZ. */
	h = ready(&W2016);
	set_sz(h, SYS, SCHK "\\KeyExchangeAlgorithms\\ECDH", "Enabled", "0");
	EXPECT(h, SUITES, HA_UNKNOWN);
	REASON_HAS(h, SUITES,
	           "SCHANNEL\\KeyExchangeAlgorithms\\ECDH\\Enabled is a REG_SZ, not "
	           "REG_DWORD");
	host_free(h);

	/* EccCurves as REG_SZ. */
	h = ready(&W2022);
	set_sz(h, SW, SSLPOL, "EccCurves", "NistP256");
	EXPECT(h, SUITES, HA_UNKNOWN);
	REASON_HAS(h, SUITES, "EccCurves (the Group Policy curve list) is a REG_SZ");
	host_free(h);

	/* The SYSTEM hive unreadable: UNKNOWN with why. */
	h = ready(&W2016);
	h->status[SYS] = HA_HS_UNREADABLE;
	h->reason[SYS] = "not a registry hive: bad magic";
	EXPECT(h, SUITES, HA_UNKNOWN);
	REASON_HAS(h, SUITES, "could not be read: SYSTEM hive unreadable: not a registry hive");
	host_free(h);
}

static void test_fips_tls13_netfx35(void)
{
	struct host *h = ready(&W2016);

	EXPECT(h, FIPS, HA_PASS);
	set_dw(h, SYS, FIPSK, "Enabled", 1);
	EXPECT(h, FIPS, HA_WARN);
	REASON_HAS(h, FIPS, "FIPS mode is on: .NET Framework classes that are not FIPS-validated");
	REASON_HAS(h, FIPS, "(unconfirmed).");
	/* FIPS never decides readiness; the suites stay PASS (NIST curves). */
	EXPECT(h, SUITES, HA_PASS);
	EXPECT_READY(h);
	set_sz(h, SYS, FIPSK, "Enabled", "1");
	EXPECT(h, FIPS, HA_UNKNOWN);
	CHECK_INT(h->fs.verdict, HA_READY);
	host_free(h);

	/* TLS 1.3: not applicable before Server 2022; on by default there. */
	h = ready(&W2019);
	EXPECT(h, TLS13, HA_NOT_APPLICABLE);
	host_free(h);
	h = ready(&W2022);
	EXPECT(h, TLS13, HA_PASS);
	set_dw(h, SYS, T13C, "Enabled", 0);
	EXPECT(h, TLS13, HA_WARN);
	EXPECT_READY(h);
	/* A working TLS 1.3 does not hide a broken TLS 1.2. */
	set_dw(h, SYS, T13C, "Enabled", 1);
	sch_off(h, "Ciphers\\AES 128/128");
	sch_off(h, "Ciphers\\AES 256/256");
	EXPECT(h, TLS13, HA_PASS);
	EXPECT(h, SUITES, HA_FAIL);
	CHECK_INT(h->fs.verdict, HA_NOT_READY);
	host_free(h);

	/* .NET 3.5: PASS when not installed; WARN when installed without the
	 * values; PASS with them in both views. */
	h = ready(&W2012R2);
	EXPECT(h, NET35, HA_PASS);
	REASON_HAS(h, NET35, "is absent: not installed.");
	set_key(h, SW, NDP35);
	EXPECT(h, NET35, HA_WARN);
	set_dw(h, SW, NETFX35, "SystemDefaultTlsVersions", 1);
	set_dw(h, SW, NETFX35, "SchUseStrongCrypto", 1);
	EXPECT(h, NET35, HA_WARN);
	REASON_HAS(h, NET35, "Wow6432Node v2.0.50727\\SystemDefaultTlsVersions is absent");
	set_dw(h, SW, NETFX35_32, "SystemDefaultTlsVersions", 1);
	set_dw(h, SW, NETFX35_32, "SchUseStrongCrypto", 1);
	EXPECT(h, NET35, HA_PASS);
	EXPECT_READY(h);
	host_free(h);
}

static void test_suites_trust_and_fix(void)
{
	static const char *const gcm[] = {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	                                  "TLS_RSA_WITH_AES_256_GCM_SHA384", NULL};
	static const char *const no_nist[] = {"curve25519", NULL};
	struct host *h;

	/* A dirty SYSTEM hive: UNKNOWN, with what the stored data gives. */
	h = ready(&W2016);
	sch_off(h, "Ciphers\\AES 128/128");
	sch_off(h, "Ciphers\\AES 256/256");
	h->status[SYS] = HA_HS_DIRTY;
	h->reason[SYS] = "sequence numbers differ";
	EXPECT(h, SUITES, HA_UNKNOWN);
	REASON_HAS(h, SUITES,
	           "Not conclusive: the SYSTEM hive is dirty (sequence numbers differ); "
	           "as stored this gives FAIL.");
	host_free(h);

	/* What remediate writes goes where the damage is: a local list and a
	 * local curve list are written back as the build's defaults; nothing
	 * for a host whose suites pass. */
	h = ready(&W2019);
	set_multi(h, SYS, SSLLOCAL, "Functions", gcm);
	set_multi(h, SYS, SSLLOCAL, "EccCurves", no_nist);
	EXPECT(h, SUITES, HA_WARN);
	CHECK_HAS(suite_row(h, "remediation"),
	          "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Cryptography\\"
	          "Configuration\\Local\\SSL\\00010002]\n\"Functions\"=hex(7):54,00,4c,00,53,00,5f,"
	          "00,");
	/* curve25519, NistP256, NistP384, then the empty string that ends it */
	CHECK_HAS(suite_row(h, "remediation"), "\"EccCurves\"=hex(7):63,00,75,00,72,00,76,00,");
	CHECK_HAS(suite_row(h, "remediation"), "38,00,34,00,00,00,00,00\n");
	CHECK(strstr(suite_row(h, "remediation"), "SecurityProviders") == NULL);
	host_free(h);

	h = ready(&W2019);
	EXPECT(h, SUITES, HA_PASS);
	CHECK_STR(suite_row(h, "remediation"), "(none)");
	host_free(h);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	        CHECK_CASE(test_os_families),
	        CHECK_CASE(test_os_reasons),
	        CHECK_CASE(test_pre_vista_not_applicable),
	        CHECK_CASE(test_ready_hosts),
	        CHECK_CASE(test_kb_applicability),
	        CHECK_CASE(test_kb_states),
	        CHECK_CASE(test_kb_matching),
	        CHECK_CASE(test_winhttp),
	        CHECK_CASE(test_schannel_defaults),
	        CHECK_CASE(test_schannel_values),
	        CHECK_CASE(test_schannel_wrong_types),
	        CHECK_CASE(test_schannel_case_insensitive),
	        CHECK_CASE(test_netfx),
	        CHECK_CASE(test_wow64_unknown_arch),
	        CHECK_CASE(test_netfx_version),
	        CHECK_CASE(test_roots_stores),
	        CHECK_CASE(test_roots_each_rule),
	        CHECK_CASE(test_roots_damaged),
	        CHECK_CASE(test_roots_baltimore),
	        CHECK_CASE(test_roots_autoupdate),
	        CHECK_CASE(test_roots_unreadable_store),
	        CHECK_CASE(test_integrity),
	        CHECK_CASE(test_untrusted_hives),
	        CHECK_CASE(test_missing_hives),
	        CHECK_CASE(test_legacy_defaults),
	        CHECK_CASE(test_legacy_values),
	        CHECK_CASE(test_backup_agent),
	        CHECK_CASE(test_verdict),
	        CHECK_CASE(test_engine_values),
	        CHECK_CASE(test_engine_conditions),
	        CHECK_CASE(test_engine_subkeys),
	        CHECK_CASE(test_engine_cert_stores),
	        CHECK_CASE(test_docs_example),
	        CHECK_CASE(test_suites_defaults),
	        CHECK_CASE(test_suites_policy),
	        CHECK_CASE(test_suites_local_and_keys),
	        CHECK_CASE(test_suites_wrong_types),
	        CHECK_CASE(test_fips_tls13_netfx35),
	        CHECK_CASE(test_suites_trust_and_fix),
	};
	struct ha_err err;
	size_t i;
	int rc;

	if (ha_rules_new(&pack, &err) || ha_rules_load_builtin(pack, &err)) {
		fprintf(stderr, "built-in pack: %s\n", err.msg);
		return 1;
	}
	as_of_default = date("2026-01-01");
	rc = check_run(cases, sizeof cases / sizeof cases[0], argc, argv);
	ha_rules_free(pack);
	ha_cert_cache_free(memo);
	for (i = 0; i < sizeof certfiles / sizeof certfiles[0]; i++)
		free(certfiles[i].der);
	return rc;
}
