/* mkfleet.c: builds the sample fleet from the declarative description
 * below: one host per OS family, one host per misconfiguration the TLS 1.2
 * pack detects, damaged collections and unusual layouts.  The expected
 * status of every rule on every host is written by hand in
 * samples/expected.csv; the end-to-end test compares a scan with it.
 *
 * usage: mkfleet CERTDIR OUTDIR
 *
 * Deterministic: the same description gives the same bytes (fixed
 * timestamps, fixed key order), which a test checks. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hivebuild.h"

#include "hostparts.h"

/* Operations only the sample fleet uses. */
#define Q(h, p, n, v)                                                                              \
	{                                                                                          \
		h, QW, p, n, NULL, v, NULL                                                         \
	}
#define K(h, p)                                                                                    \
	{                                                                                          \
		h, KEY, p, NULL, NULL, 0, NULL                                                     \
	}
#define XV(h, p, n)                                                                                \
	{                                                                                          \
		h, DELV, p, n, NULL, 0, NULL                                                       \
	}
#define XK(h, p)                                                                                   \
	{                                                                                          \
		h, DELK, p, NULL, NULL, 0, NULL                                                    \
	}
#define CT(p, cert)                                                                                \
	{                                                                                          \
		SW, TAMPERED, p, cert, NULL, 0, NULL                                               \
	}
#define M(h, p, n, s)                                                                              \
	{                                                                                          \
		h, MSZ, p, n, s, 0, NULL                                                           \
	}

/* ------------------------------------------------------------ base layer */

/* What every Windows hive of the fleet has, plus realistic noise:
 * services, unrelated update packages, unrelated root certificates. */
static const struct op base[] = {
        S(SYS, "CCS\\Services\\Tcpip\\Parameters", "Domain", "corp.contoso.com"),
        S(SYS, "CCS\\Services\\Tcpip\\Parameters", "NV Domain", "corp.contoso.com"),
        D(SYS, PROTO "\\SSL 2.0\\Client", "DisabledByDefault", 1),
        S(SYS, "CCS\\Services\\W32Time", "ImagePath",
          "%SystemRoot%\\system32\\svchost.exe -k LocalService"),
        D(SYS, "CCS\\Services\\W32Time", "Start", 3),
        S(SYS, "CCS\\Services\\Dnscache", "ImagePath",
          "%SystemRoot%\\system32\\svchost.exe -k NetworkService"),
        D(SYS, "CCS\\Services\\Dnscache", "Start", 2),
        S(SYS, "CCS\\Services\\LanmanServer", "ImagePath",
          "%SystemRoot%\\system32\\svchost.exe -k netsvcs"),
        D(SYS, "CCS\\Services\\LanmanServer", "Start", 2),
        S(SYS, "CCS\\Services\\EventLog", "ImagePath",
          "%SystemRoot%\\System32\\svchost.exe -k LocalServiceNetworkRestricted"),
        D(SYS, "CCS\\Services\\EventLog", "Start", 2),
        D(SYS, "CCS\\Control\\Lsa", "LimitBlankPasswordUse", 1),
        S(SYS, "CCS\\Control\\TimeZoneInformation", "TimeZoneKeyName", "W. Europe Standard Time"),
        S(SW, "Classes\\.txt", "", "txtfile"),
        S(SW, "Classes\\txtfile", "", "Text Document"),
        S(SW, "Microsoft\\Windows\\CurrentVersion", "ProgramFilesDir", "C:\\Program Files"),
        S(SW, "Microsoft\\Windows\\CurrentVersion", "CommonFilesDir",
          "C:\\Program Files\\Common Files"),
        K(SW, "Policies\\Microsoft\\Windows"),
        K(SW, ROOT),
        K(SW, DISALLOWED),
        PK("KB2533552", 0x70),
        PK("KB2999226", 0x70),
        PK("KB3020369", 0x70),
        PK("KB3125574", 0x70),
        PK("KB3172605", 0x70),
        PK("KB4474419", 0x70),
        PK("KB4490628", 0x70),
        PK("KB4516115", 0x50),
        PK("KB4534310", 0x70),
        PK("KB4538483", 0x70),
        PK("KB4556836", 0x50),
        PK("KB4565524", 0x70),
        PK("KB4592471", 0x70),
        PK("KB5000851", 0x70),
        PK("KB5001335", 0x70),
        PK("KB5006743", 0x70),
        PK("KB5012626", 0x70),
        PK("KB5017361", 0x70),
        PK("KB5022338", 0x70),
        PK("KB5034169", 0x70),
        C(AUTHROOT, "isrg-root-x1"),
        C(AUTHROOT, "globalsign-root-ca"),
        C(AUTHROOT, "amazon-root-ca-1"),
        C(AUTHROOT, "go-daddy-root-g2"),
        C(AUTHROOT, "usertrust-rsa"),
        DONE,
};

/* ------------------------------------------------------------- OS layers */

static const struct op os_2008_sp1[] = {
        INC(x64),
        S(SW, CV, "ProductName", "Windows Server\xc2\xae 2008 Standard"),
        S(SW, CV, "CurrentVersion", "6.0"),
        S(SW, CV, "CurrentBuildNumber", "6001"),
        S(SW, CV, "CSDVersion", "Service Pack 1"),
        S(SW, CV, "EditionID", "ServerStandard"),
        S(SYS, PO, "ProductType", "ServerNT"),
        DONE,
};

static const struct op os_2008r2_rtm[] = {
        INC(x64),
        S(SW, CV, "ProductName", "Windows Server 2008 R2 Enterprise"),
        S(SW, CV, "CurrentVersion", "6.1"),
        S(SW, CV, "CurrentBuildNumber", "7600"),
        S(SW, CV, "EditionID", "ServerEnterprise"),
        S(SW, CV, "InstallationType", "Server"),
        S(SYS, PO, "ProductType", "ServerNT"),
        DONE,
};

/* ------------------------------------------------------- TLS 1.2 layers */

static const struct op kb3140245[] = {PK("KB3140245", 0x70), DONE};
static const struct op kb4019276[] = {PK("KB4019276", 0x70), DONE};

/* Everything the Azure Backup article asks of 2008 R2 SP1, x64. */
static const struct op good_2008r2[] = {
        INC(os_2008r2_sp1), INC(schannel_on), INC(netfx_native), INC(netfx_wow), INC(netfx48),
        INC(winhttp_on),    INC(kb3140245),   INC(roots),        DONE,
};

/* ------------------------------------------------------------- the hosts */

enum layout { FLAT, DISK, RENAMED };
/* LOGGED: a Windows 8.1-style collection whose newest SYSTEM state lives
 * only in SYSTEM.LOG1 (the primary is dirty and still holds TLS 1.2
 * client Enabled=0). */
enum damage { NONE, CHECKSUM, DIRTY, TRUNCATED, TEXT, ABSENT, LOGGED };

struct host {
	const char *folder;
	const char *computer;
	const struct op *ops;
	enum layout layout;
	enum damage sys_damage, sw_damage;
	int control_sets; /* 1 or 2 */
};

#define OPS(...) ((const struct op[]){__VA_ARGS__, DONE})

static const struct host hosts[] = {
        /* One host per OS family, configured as far as the OS allows. */
        {"srv2003", "SRV2003", OPS(INC(os_2003_sp2)), FLAT, NONE, NONE, 1},
        {"srv2008-sp1", "SRV2008SP1",
         OPS(INC(os_2008_sp1), INC(schannel_on), INC(netfx_native), INC(netfx_wow), INC(netfx46),
             INC(roots)),
         FLAT, NONE, NONE, 1},
        {"srv2008-sp2", "SRV2008SP2",
         OPS(INC(os_2008_sp2), INC(schannel_on), INC(netfx_native), INC(netfx_wow), INC(netfx46),
             INC(kb4019276), INC(roots)),
         FLAT, NONE, NONE, 2},
        {"srv2008r2-rtm", "SRV2008R2RTM",
         OPS(INC(os_2008r2_rtm), INC(schannel_on), INC(netfx_native), INC(netfx_wow), INC(netfx46),
             INC(roots)),
         FLAT, NONE, NONE, 1},
        {"srv2008r2-sp1", "SRV2008R2SP1", OPS(INC(good_2008r2)), FLAT, NONE, NONE, 2},
        {"win7-sp1-x86", "WKS-WIN7-X86",
         OPS(INC(os_win7_sp1_x86), INC(schannel_on), INC(netfx_native), INC(netfx48),
             D(SW, WINHTTP, "DefaultSecureProtocols", 0xA80), INC(kb3140245), INC(roots)),
         FLAT, NONE, NONE, 1},
        {"srv2012", "SRV2012",
         OPS(INC(os_2012), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(winhttp_on),
             INC(kb3140245), INC(roots)),
         FLAT, NONE, NONE, 1},
        {"srv2012r2", "SRV2012R2",
         OPS(INC(os_2012r2), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots),
             INC(mars)),
         FLAT, NONE, NONE, 2},
        {"srv2016", "SRV2016",
         OPS(INC(os_2016), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots), INC(mars)),
         FLAT, NONE, NONE, 1},
        {"srv2019", "SRV2019",
         OPS(INC(os_2019), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots),
             INC(legacy_off), INC(mars)),
         FLAT, NONE, NONE, 1},
        {"srv2022", "SRV2022",
         OPS(INC(os_2022), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots), INC(dpm)),
         FLAT, NONE, NONE, 1},

        /* SChannel. */
        {"mis-schannel-absent", "MIS-SCH-ABSENT", OPS(INC(good_2008r2), XK(SYS, PROTO "\\TLS 1.2")),
         FLAT, NONE, NONE, 1},
        {"mis-schannel-zero", "MIS-SCH-ZERO", OPS(INC(good_2008r2), D(SYS, T12C, "Enabled", 0)),
         FLAT, NONE, NONE, 1},
        {"mis-schannel-ffffffff", "MIS-SCH-FFFF",
         OPS(INC(good_2008r2), D(SYS, T12C, "Enabled", 0xFFFFFFFF)), FLAT, NONE, NONE, 1},
        {"mis-schannel-wrongtype", "MIS-SCH-SZ",
         OPS(INC(good_2008r2), S(SYS, T12C, "Enabled", "1")), FLAT, NONE, NONE, 1},
        {"mis-schannel-dbd", "MIS-SCH-DBD",
         OPS(INC(good_2008r2), D(SYS, T12C, "DisabledByDefault", 1)), FLAT, NONE, NONE, 1},
        {"mis-schannel-case", "MIS-SCH-CASE",
         OPS(INC(good_2008r2), XK(SYS, PROTO "\\TLS 1.2"),
             D(SYS, PROTO "\\tls 1.2\\CLIENT", "ENABLED", 1),
             D(SYS, PROTO "\\tls 1.2\\CLIENT", "disabledbydefault", 0)),
         FLAT, NONE, NONE, 1},

        /* The update package. */
        {"mis-kb-staged", "MIS-KB-STAGED", OPS(INC(good_2008r2), PK("KB3140245", 0x40)), FLAT, NONE,
         NONE, 1},
        {"mis-kb-absent", "MIS-KB-ABSENT",
         OPS(INC(os_2008r2_sp1), INC(schannel_on), INC(netfx_native), INC(netfx_wow), INC(netfx48),
             INC(winhttp_on), INC(roots), PK("KB31402450", 0x70), PK("KB314024", 0x70)),
         FLAT, NONE, NONE, 1},
        {"mis-kb-superseded", "MIS-KB-SUPERSEDED", OPS(INC(good_2008r2), PK("KB3140245", 0x50)),
         FLAT, NONE, NONE, 1},
        {"mis-kb-pending", "MIS-KB-PENDING", OPS(INC(good_2008r2), PK("KB3140245", 0x60)), FLAT,
         NONE, NONE, 1},
        {"srv2008-sp2-nokb", "SRV2008SP2-NOKB",
         OPS(INC(os_2008_sp2), INC(schannel_on), INC(netfx_native), INC(netfx_wow), INC(netfx46),
             INC(roots)),
         FLAT, NONE, NONE, 1},

        /* .NET. */
        {"mis-netfx-wow-missing", "MIS-NETFX-WOW",
         OPS(INC(good_2008r2), XK(SW, "Wow6432Node\\Microsoft\\.NETFramework")), FLAT, NONE, NONE,
         1},
        {"mis-netfx-sz", "MIS-NETFX-SZ",
         OPS(INC(good_2008r2), S(SW, NETFX, "SchUseStrongCrypto", "1")), FLAT, NONE, NONE, 1},
        {"mis-netfx-old", "MIS-NETFX-OLD", OPS(INC(good_2008r2), D(SW, NDP, "Release", 378389)),
         FLAT, NONE, NONE, 1},

        /* WinHTTP. */
        {"mis-winhttp-absent", "MIS-WINHTTP-ABSENT",
         OPS(INC(good_2008r2), XV(SW, WINHTTP, "DefaultSecureProtocols"),
             XV(SW, WINHTTP32, "DefaultSecureProtocols")),
         FLAT, NONE, NONE, 1},
        {"mis-winhttp-no800", "MIS-WINHTTP-NO800",
         OPS(INC(good_2008r2), D(SW, WINHTTP, "DefaultSecureProtocols", 0xA0)), FLAT, NONE, NONE,
         1},

        /* Root certificates. */
        {"mis-roots-authroot", "MIS-ROOTS-AUTHROOT",
         OPS(INC(os_2008r2_sp1), INC(schannel_on), INC(netfx_native), INC(netfx_wow), INC(netfx48),
             INC(winhttp_on), INC(kb3140245), C(AUTHROOT, "microsoft-rsa-root-2017"),
             C(AUTHROOT, "microsoft-ecc-root-2017"), C(AUTHROOT, "digicert-global-root-g2"),
             C(AUTHROOT, "digicert-global-root-ca"), C(AUTHROOT, "baltimore-cybertrust-root"),
             C(AUTHROOT, "d-trust-root-class-3-ca-2-2009")),
         FLAT, NONE, NONE, 1},
        {"mis-roots-missing", "MIS-ROOTS-MISSING",
         OPS(INC(os_2008r2_sp1), INC(schannel_on), INC(netfx_native), INC(netfx_wow), INC(netfx48),
             INC(winhttp_on), INC(kb3140245)),
         FLAT, NONE, NONE, 1},
        {"mis-roots-noautoupdate", "MIS-ROOTS-NOAUTO",
         OPS(INC(os_2008r2_sp1), INC(schannel_on), INC(netfx_native), INC(netfx_wow), INC(netfx48),
             INC(winhttp_on), INC(kb3140245), D(SW, AUPOL, "DisableRootAutoUpdate", 1)),
         FLAT, NONE, NONE, 1},
        {"mis-roots-tampered", "MIS-ROOTS-TAMPERED",
         OPS(INC(good_2008r2), XK(SW, AUTHROOT "\\DF3C24F9BFD666761B268073FE06D1CC8D4F82A4"),
             CT(AUTHROOT, "digicert-global-root-g2"), D(SW, AUPOL, "DisableRootAutoUpdate", 1)),
         FLAT, NONE, NONE, 1},
        {"mis-roots-disallowed", "MIS-ROOTS-DISALLOWED",
         OPS(INC(good_2008r2), C(DISALLOWED, "digicert-global-root-g2")), FLAT, NONE, NONE, 1},

        /* Control sets. */
        {"cs-select-2", "CS-SELECT-2",
         OPS(INC(good_2008r2), D(SYS, "Select", "Current", 2), D(SYS, "Select", "Default", 2),
             D(SYS, "Select", "LastKnownGood", 1),
             D(SYS,
               "ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client",
               "Enabled", 0)),
         FLAT, NONE, NONE, 2},
        {"cs-no-select", "CS-NO-SELECT", OPS(INC(good_2008r2), XK(SYS, "Select")), FLAT, NONE, NONE,
         1},

        /* Two folders, one machine image: same ComputerName, two hosts. */
        {"clone-a", "CLONE01", OPS(INC(good_2008r2)), FLAT, NONE, NONE, 1},
        {"clone-b", "CLONE01", OPS(INC(good_2008r2)), FLAT, NONE, NONE, 1},

        /* Damaged collections. */
        {"dmg-checksum", "DMG-CHECKSUM", OPS(INC(good_2008r2)), FLAT, CHECKSUM, NONE, 1},
        {"dmg-dirty", "DMG-DIRTY", OPS(INC(good_2008r2)), FLAT, NONE, DIRTY, 1},
        {"dirty-replayed", "DIRTY-REPLAYED",
         OPS(INC(os_2016), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots), INC(mars),
             D(SYS, T12C, "Enabled", 1), D(SYS, T12C, "DisabledByDefault", 0)),
         FLAT, LOGGED, NONE, 1},
        {"dmg-truncated", "DMG-TRUNCATED", OPS(INC(good_2008r2)), FLAT, NONE, TRUNCATED, 1},
        {"dmg-text", "DMG-TEXT", OPS(INC(good_2008r2)), FLAT, TEXT, NONE, 1},
        {"only-system", "ONLY-SYSTEM", OPS(INC(good_2008r2)), FLAT, NONE, ABSENT, 1},

        /* Cipher suites, curves, FIPS, TLS 1.3, .NET 3.5. */
        {"sui-2012r2-gcm-policy", "SUI-2012R2-GCM",
         OPS(INC(os_2012r2), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots),
             S(SW, SSLPOL, "Functions",
               "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")),
         FLAT, NONE, NONE, 1},
        {"sui-2012r2-dh-off", "SUI-2012R2-DH",
         OPS(INC(os_2012r2), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots),
             D(SYS, SCHK "\\KeyExchangeAlgorithms\\Diffie-Hellman", "Enabled", 0),
             {SW, KEY, "Microsoft\\NET Framework Setup\\NDP\\v3.5", NULL, NULL, 0, NULL}),
         FLAT, NONE, NONE, 1},
        {"sui-2016-ecdh-off", "SUI-2016-ECDH",
         OPS(INC(os_2016), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots), INC(mars),
             D(SYS, SCHK "\\KeyExchangeAlgorithms\\ECDH", "Enabled", 0)),
         FLAT, NONE, NONE, 1},
        {"sui-2019-sha1-policy", "SUI-2019-SHA1",
         OPS(INC(os_2019), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots),
             S(SW, SSLPOL, "Functions",
               " TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA , "
               "TLS_RSA_WITH_AES_128_CBC_SHA,TLS_CONTOSO_X ")),
         FLAT, NONE, NONE, 1},
        {"sui-2019-local-curves", "SUI-2019-CURVES",
         OPS(INC(os_2019), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots),
             M(SYS, SSLLOCAL, "Functions",
               "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384|TLS_RSA_WITH_AES_256_GCM_SHA384|"),
             M(SYS, SSLLOCAL, "EccCurves", "curve25519|")),
         FLAT, NONE, NONE, 1},
        {"sui-2022-aes-off", "SUI-2022-AES",
         OPS(INC(os_2022), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots), INC(dpm),
             D(SYS, SCHK "\\Ciphers\\AES 128/128", "Enabled", 0),
             D(SYS, SCHK "\\Ciphers\\AES 256/256", "Enabled", 0)),
         FLAT, NONE, NONE, 1},
        {"sui-2016-fips", "SUI-2016-FIPS",
         OPS(INC(os_2016), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots), INC(mars),
             D(SYS, "CCS\\Control\\Lsa\\FipsAlgorithmPolicy", "Enabled", 1)),
         FLAT, NONE, NONE, 1},
        {"sui-2016-policy-dword", "SUI-2016-DWORD",
         OPS(INC(os_2016), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots),
             D(SW, SSLPOL, "Functions", 1)),
         FLAT, NONE, NONE, 1},

        /* Layouts. */
        {"diskhost", "DISKHOST",
         OPS(INC(os_2012r2), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots)), DISK,
         NONE, NONE, 2},
        {"renamed", "RENAMED-WEB01",
         OPS(INC(os_2016), INC(netfx_native), INC(netfx_wow), INC(netfx48), INC(roots)), RENAMED,
         NONE, NONE, 1},
};

/* ------------------------------------------------------------ generation */

/* A fixed time for every key: 2024-02-29T04:00:00Z. */
#define FIXED_TIME 133536528000000000LL

static const char *certdir;

struct hives {
	struct hb_tree *t[2];
	int ncs;
};

static int fail(const char *what)
{
	fprintf(stderr, "mkfleet: %s\n", what);
	return -1;
}

/* The DER of a PEM file and its SHA-1 thumbprint (upper-case hex). */
static unsigned char *load_der(const char *name, int *len, char thumb[41])
{
	char path[4096];
	unsigned char *der = NULL, md[20];
	unsigned int mdlen = 0, i;
	X509 *x;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.pem", certdir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		return NULL;
	*len = i2d_X509(x, &der);
	X509_free(x);
	if (*len <= 0)
		return NULL;
	EVP_Digest(der, (size_t)*len, md, &mdlen, EVP_sha1(), NULL);
	for (i = 0; i < 20; i++)
		snprintf(thumb + 2 * i, 3, "%02X", md[i]);
	return der;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* A certificate's Blob: the SHA-1 property, then the DER property, the
 * order Windows uses. */
static int add_cert(struct hb_tree *t, const char *store, const char *name, int tamper)
{
	char thumb[41], key[4096];
	unsigned char *der, *blob, md[20];
	unsigned int i;
	int len;
	size_t n;

	der = load_der(name, &len, thumb);
	if (!der)
		return fail("cannot read a certificate");
	n = 12 + 20 + 12 + (size_t)len;
	blob = malloc(n);
	if (!blob) {
		OPENSSL_free(der);
		return -1;
	}
	for (i = 0; i < 20; i++) {
		unsigned int hi, lo;

		hi = (unsigned)(thumb[2 * i] <= '9' ? thumb[2 * i] - '0' : thumb[2 * i] - 'A' + 10);
		lo = (unsigned)(thumb[2 * i + 1] <= '9' ? thumb[2 * i + 1] - '0'
		                                        : thumb[2 * i + 1] - 'A' + 10);
		md[i] = (unsigned char)(hi << 4 | lo);
	}
	put32(blob, 3);
	put32(blob + 4, 1);
	put32(blob + 8, 20);
	memcpy(blob + 12, md, 20);
	put32(blob + 32, 0x20);
	put32(blob + 36, 1);
	put32(blob + 40, (uint32_t)len);
	memcpy(blob + 44, der, (size_t)len);
	if (tamper)
		blob[44 + len - 1] ^= 0x01; /* in the signature: still DER, new hash */
	snprintf(key, sizeof key, "%s\\%s", store, thumb);
	len = hb_set(t, key, "Blob", 3, blob, n);
	free(blob);
	OPENSSL_free(der);
	return len;
}

static int add_pkg(struct hb_tree *t, const char *kb, uint64_t state)
{
	char key[512];

	snprintf(key, sizeof key, "%s\\Package_for_%s~31bf3856ad364e35~amd64~~6.1.1.0", CBS, kb);
	if (hb_set_dword(t, key, "CurrentState", (uint32_t)state) ||
	    hb_set_dword(t, key, "InstallClient", 1) ||
	    hb_set_sz(t, key, "InstallLocation",
	              "\\\\?\\C:\\Windows\\SoftwareDistribution\\Download"))
		return -1;
	return 0;
}

/* Applies one op; "CCS" paths go to every control set of the host. */
/* REG_MULTI_SZ from "a|b|" (ASCII): each string and the list ended by a
 * UTF-16 NUL. */
static int set_multi(struct hb_tree *t, const char *path, const char *name, const char *s)
{
	size_t n = strlen(s), i, o = 0;
	unsigned char *u = malloc(2 * n + 2);
	int rc;

	if (!u)
		return -1;
	for (i = 0; i < n; i++) {
		u[o++] = s[i] == '|' ? 0 : (unsigned char)s[i];
		u[o++] = 0;
	}
	u[o++] = 0;
	u[o++] = 0;
	rc = hb_set(t, path, name, 7, u, o);
	free(u);
	return rc;
}

static int apply(struct hives *hv, const struct op *o)
{
	struct hb_tree *t = hv->t[o->hive];
	int cs;

	if (o->k == INCLUDE) {
		const struct op *p;

		for (p = o->inc; p->k != END; p++)
			if (apply(hv, p))
				return -1;
		return 0;
	}
	if (o->k == CERT || o->k == TAMPERED)
		return add_cert(hv->t[SW], o->path, o->name, o->k == TAMPERED);
	if (o->k == PKG)
		return add_pkg(hv->t[SW], o->name, o->num);
	for (cs = 1; cs <= (strncmp(o->path, "CCS", 3) ? 1 : hv->ncs); cs++) {
		char path[4096];
		int rc = 0;

		if (!strncmp(o->path, "CCS", 3))
			snprintf(path, sizeof path, "ControlSet%03d%s", cs, o->path + 3);
		else
			snprintf(path, sizeof path, "%s", o->path);
		switch (o->k) {
		case SZ: rc = hb_set_sz(t, path, o->name, o->str); break;
		case DW: rc = hb_set_dword(t, path, o->name, (uint32_t)o->num); break;
		case QW: rc = hb_set_qword(t, path, o->name, o->num); break;
		case KEY: rc = hb_key(t, path); break;
		case MSZ: rc = set_multi(t, path, o->name, o->str); break;
		case DELV: rc = hb_delete(t, path, o->name); break;
		case DELK: rc = hb_delete(t, path, NULL); break;
		default: rc = -1;
		}
		if (rc)
			return fail("cannot apply an operation");
	}
	return 0;
}

/* snprintf that reports truncation, for paths. */
static int pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static int mkdirs(const char *path)
{
	char tmp[4096], *p;

	snprintf(tmp, sizeof tmp, "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return (mkdir(tmp, 0755) && errno != EEXIST) ? -1 : 0;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -1;
	rc = fputs(text, f) < 0 ? -1 : 0;
	return fclose(f) ? -1 : rc;
}

/* --------------------------------------------------- transaction logs */

/* Marvin32 with the seed Windows uses for log entries (msuhanov/regf,
 * "Log entries").  The generator keeps its own copy rather than the
 * reader's, so that the fleet does not merely agree with the code it tests. */
static uint32_t rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void marvin_mix(uint32_t *lo, uint32_t *hi, uint32_t w)
{
	*lo += w;
	*hi ^= *lo;
	*lo = rotl(*lo, 20) + *hi;
	*hi = rotl(*hi, 9) ^ *lo;
	*lo = rotl(*lo, 27) + *hi;
	*hi = rotl(*hi, 19);
}

/* Log entries hash whole dwords: n is a multiple of 4 here. */
static uint64_t marvin32(const unsigned char *p, size_t n)
{
	const uint64_t seed = 0x82EF4D887A4E55C5ull;
	uint32_t lo = (uint32_t)seed, hi = (uint32_t)(seed >> 32);

	for (; n >= 4; p += 4, n -= 4)
		marvin_mix(&lo, &hi,
		           (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		                   (uint32_t)p[3] << 24);
	marvin_mix(&lo, &hi, 0x80);
	marvin_mix(&lo, &hi, 0);
	return (uint64_t)hi << 32 | lo;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len)) != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		*n = (size_t)len;
	return buf;
}

/* Writes `sys` as the stale, dirty primary and SYSTEM.LOG1 with one
 * new-format entry that rewrites its hive bins into the tree's current
 * state; SYSTEM.LOG2 is empty, as after a log switch. */
static int write_logged(struct hb_tree *t, const char *dir, const char *sys, const char *emb)
{
	char state[4096], log1[4096], log2[4096], err[512] = "";
	unsigned char *cur = NULL, *prim = NULL, *log = NULL;
	size_t ncur = 0, nprim = 0, size;
	uint32_t hbins, seq, x = 0;
	FILE *f;
	int rc = -1, i;

	if (pathf(state, sizeof state, "%s/.state", dir) ||
	    pathf(log1, sizeof log1, "%s/SYSTEM.LOG1", dir) ||
	    pathf(log2, sizeof log2, "%s/SYSTEM.LOG2", dir))
		return -1;
	if (hb_write(t, state, emb, FIXED_TIME, err, sizeof err) || !(cur = read_all(state, &ncur)))
		goto out;
	if (hb_set_dword(t,
	                 "ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
	                 "TLS 1.2\\Client",
	                 "Enabled", 0) ||
	    hb_write(t, sys, emb, FIXED_TIME, err, sizeof err) || hb_make_dirty(sys) ||
	    !(prim = read_all(sys, &nprim)) || nprim < 4096 || ncur < 4096)
		goto out;
	hbins = get32(cur + 0x28);
	seq = get32(prim + 8); /* the primary's secondary sequence number */
	size = 512 + (40 + 8 + (size_t)hbins + 511) / 512 * 512;
	if ((size_t)hbins > ncur - 4096 || !(log = calloc(1, size)))
		goto out;
	/* The log's base block: the primary's, as a clean new-format log copy. */
	memcpy(log, prim, 512);
	put32(log + 4, seq);
	put32(log + 8, seq);
	put32(log + 0x1C, 6);
	put32(log + 0x28, hbins);
	for (i = 0; i < 0x1FC; i += 4)
		x ^= get32(log + i);
	put32(log + 0x1FC, x == 0 ? 1 : x == 0xFFFFFFFFu ? 0xFFFFFFFEu : x);
	/* One entry, one page reference covering the hive bins. */
	memcpy(log + 512, "HvLE", 4);
	put32(log + 512 + 4, (uint32_t)(size - 512));
	put32(log + 512 + 12, seq);
	put32(log + 512 + 16, hbins);
	put32(log + 512 + 20, 1);
	put32(log + 512 + 44, hbins);
	memcpy(log + 512 + 48, cur + 4096, hbins);
	{
		uint64_t h1 = marvin32(log + 512 + 40, size - 512 - 40), h2;

		put32(log + 512 + 24, (uint32_t)h1);
		put32(log + 512 + 28, (uint32_t)(h1 >> 32));
		h2 = marvin32(log + 512, 32);
		put32(log + 512 + 32, (uint32_t)h2);
		put32(log + 512 + 36, (uint32_t)(h2 >> 32));
	}
	f = fopen(log1, "wb");
	if (!f)
		goto out;
	rc = fwrite(log, 1, size, f) == size ? 0 : -1;
	if (fclose(f))
		rc = -1;
	if (!rc)
		rc = write_text(log2, "");
out:
	if (rc)
		fail(err[0] ? err : "cannot write the logged SYSTEM hive");
	remove(state);
	free(cur);
	free(prim);
	free(log);
	return rc;
}

static int damage(const char *file, enum damage d)
{
	switch (d) {
	case CHECKSUM: return hb_corrupt_checksum(file);
	case DIRTY: return hb_make_dirty(file);
	case TRUNCATED: return hb_truncate(file, 2048); /* mid-hbin */
	case TEXT:
		return write_text(file,
		                  "This is not a registry hive.\nIt was saved by a collection "
		                  "script that failed.\n");
	default: return 0;
	}
}

static int build_host(const char *out, const struct host *h)
{
	char dir[4096], sys[4096], sw[4096], err[512];
	const char *sysname = "SYSTEM", *swname = "SOFTWARE";
	const char *sysemb = "emRoot\\System32\\Config\\SYSTEM";
	const char *swemb = "emRoot\\System32\\Config\\SOFTWARE";
	struct hives hv;
	const struct op *o;
	int rc = -1, cs;

	hv.ncs = h->control_sets;
	hv.t[SYS] = hb_new();
	hv.t[SW] = hb_new();
	if (!hv.t[SYS] || !hv.t[SW])
		goto out;
	for (cs = 1; cs <= hv.ncs; cs++) {
		char key[128];

		snprintf(key, sizeof key, "ControlSet%03d\\Control\\ComputerName\\ComputerName",
		         cs);
		if (hb_set_sz(hv.t[SYS], key, "ComputerName", h->computer))
			goto out;
		snprintf(key, sizeof key, "ControlSet%03d\\Services\\Tcpip\\Parameters", cs);
		if (hb_set_sz(hv.t[SYS], key, "Hostname", h->computer))
			goto out;
	}
	if (hb_set_dword(hv.t[SYS], "Select", "Current", 1) ||
	    hb_set_dword(hv.t[SYS], "Select", "Default", 1) ||
	    hb_set_dword(hv.t[SYS], "Select", "Failed", 0) ||
	    hb_set_dword(hv.t[SYS], "Select", "LastKnownGood", (uint32_t)hv.ncs))
		goto out;
	for (o = base; o->k != END; o++)
		if (apply(&hv, o))
			goto out;
	for (o = h->ops; o->k != END; o++)
		if (apply(&hv, o))
			goto out;

	if (h->layout == DISK
	            ? pathf(dir, sizeof dir, "%s/%s/C/Windows/System32/config", out, h->folder)
	            : pathf(dir, sizeof dir, "%s/%s", out, h->folder))
		goto out;
	if (mkdirs(dir))
		goto out;
	if (h->layout == RENAMED) {
		sysname = "web01-system.hiv";
		swname = "web01-software.hiv";
		sysemb = "\\??\\C:\\Temp\\hive1.tmp";
		swemb = "\\??\\C:\\Temp\\hive2.tmp";
	}
	if (pathf(sys, sizeof sys, "%s/%s", dir, sysname))
		goto out;
	if (pathf(sw, sizeof sw, "%s/%s", dir, swname))
		goto out;
	if (h->sys_damage == LOGGED) {
		if (write_logged(hv.t[SYS], dir, sys, sysemb))
			goto out;
	} else if (hb_write(hv.t[SYS], sys, sysemb, FIXED_TIME, err, sizeof err) ||
	           damage(sys, h->sys_damage)) {
		fail(err);
		goto out;
	}
	if (h->sw_damage != ABSENT && (hb_write(hv.t[SW], sw, swemb, FIXED_TIME, err, sizeof err) ||
	                               damage(sw, h->sw_damage))) {
		fail(err);
		goto out;
	}
	if (h->layout == DISK) {
		/* What a disk image also holds beside the live hives: empty
		 * logs, a SAM hive, and an older RegBack copy of SYSTEM in
		 * which TLS 1.2 is still off (it must not be read). */
		struct hb_tree *sam = hb_new();
		char path[4096];

		if (pathf(path, sizeof path, "%s/SYSTEM.LOG1", dir))
			goto out;
		if (write_text(path, ""))
			goto out;
		if (pathf(path, sizeof path, "%s/SYSTEM.LOG2", dir))
			goto out;
		if (write_text(path, ""))
			goto out;
		if (!sam || hb_key(sam, "SAM\\Domains\\Account\\Users"))
			goto out;
		if (pathf(path, sizeof path, "%s/SAM", dir))
			goto out;
		rc = hb_write(sam, path, "emRoot\\System32\\Config\\SAM", FIXED_TIME, err,
		              sizeof err);
		hb_free(sam);
		if (rc)
			goto out;
		rc = -1;
		if (hb_set_dword(hv.t[SYS],
		                 "ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\"
		                 "Protocols\\TLS 1.2\\Client",
		                 "Enabled", 0))
			goto out;
		if (pathf(path, sizeof path, "%s/RegBack", dir))
			goto out;
		if (mkdirs(path))
			goto out;
		if (pathf(path, sizeof path, "%s/RegBack/SYSTEM", dir))
			goto out;
		if (hb_write(hv.t[SYS], path, sysemb, FIXED_TIME, err, sizeof err))
			goto out;
	}
	rc = 0;
out:
	hb_free(hv.t[SYS]);
	hb_free(hv.t[SW]);
	return rc;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 3) {
		fprintf(stderr, "usage: mkfleet CERTDIR OUTDIR\n");
		return 2;
	}
	certdir = argv[1];
	if (mkdirs(argv[2])) {
		fprintf(stderr, "mkfleet: cannot create %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		if (build_host(argv[2], &hosts[i])) {
			fprintf(stderr, "mkfleet: host %s failed\n", hosts[i].folder);
			return 1;
		}
	}
	return 0;
}
