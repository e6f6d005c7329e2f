/* hostparts.h: the layers that make up a Windows host's registry in the
 * sample fleet (samples/mkfleet.c) and in the benchmark's fleet
 * (bench/benchfleet.c): the operating systems and the TLS 1.2 settings,
 * as lists of operations each generator applies with its own hive writer.
 * One copy, so that a benchmark profile stays the sample host it copies
 * (bench/README.md); the layers each generator has alone stay in it.
 * Included once per program. */
#ifndef HA_HOSTPARTS_H
#define HA_HOSTPARTS_H

#include <stddef.h>
#include <stdint.h>

enum { SYS, SW };

enum kind {
	END = 0,
	SZ,       /* REG_SZ */
	DW,       /* REG_DWORD */
	QW,       /* REG_QWORD */
	KEY,      /* an empty key */
	DELV,     /* delete a value */
	DELK,     /* delete a key */
	CERT,     /* a certificate: path is the Certificates key, name the PEM */
	TAMPERED, /* the same with one byte of the DER changed */
	PKG,      /* a CBS update package: name "KBnnnn", num its CurrentState */
	INCLUDE,  /* all ops of another list (str points to it) */
	MSZ,      /* REG_MULTI_SZ: str holds the strings, each ended by '|' */
};

struct op {
	int hive;
	enum kind k;
	const char *path;
	const char *name;
	const char *str;
	uint64_t num;
	const struct op *inc;
};

#define S(h, p, n, s)                                                                              \
	{                                                                                          \
		h, SZ, p, n, s, 0, NULL                                                            \
	}
#define D(h, p, n, v)                                                                              \
	{                                                                                          \
		h, DW, p, n, NULL, v, NULL                                                         \
	}
#define C(p, cert)                                                                                 \
	{                                                                                          \
		SW, CERT, p, cert, NULL, 0, NULL                                                   \
	}
#define PK(kb, state)                                                                              \
	{                                                                                          \
		SW, PKG, NULL, kb, NULL, state, NULL                                               \
	}
#define INC(list)                                                                                  \
	{                                                                                          \
		0, INCLUDE, NULL, NULL, NULL, 0, list                                              \
	}
#define DONE                                                                                       \
	{                                                                                          \
		0, END, NULL, NULL, NULL, 0, NULL                                                  \
	}

/* Paths, as in the hive ("CCS" is the control set(s) of the host). */
#define CV         "Microsoft\\Windows NT\\CurrentVersion"
#define PO         "CCS\\Control\\ProductOptions"
#define ENV        "CCS\\Control\\Session Manager\\Environment"
#define PROTO      "CCS\\Control\\SecurityProviders\\SCHANNEL\\Protocols"
#define T12C       PROTO "\\TLS 1.2\\Client"
#define T12S       PROTO "\\TLS 1.2\\Server"
#define NETFX      "Microsoft\\.NETFramework\\v4.0.30319"
#define NETFX32    "Wow6432Node\\Microsoft\\.NETFramework\\v4.0.30319"
#define NDP        "Microsoft\\NET Framework Setup\\NDP\\v4\\Full"
#define WINHTTP    "Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp"
#define WINHTTP32  "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp"
#define ROOT       "Microsoft\\SystemCertificates\\ROOT\\Certificates"
#define AUTHROOT   "Microsoft\\SystemCertificates\\AuthRoot\\Certificates"
#define DISALLOWED "Microsoft\\SystemCertificates\\Disallowed\\Certificates"
#define AUPOL      "Policies\\Microsoft\\SystemCertificates\\AuthRoot"
#define SSLPOL     "Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002"
#define SSLLOCAL   "CCS\\Control\\Cryptography\\Configuration\\Local\\SSL\\00010002"
#define SCHK       "CCS\\Control\\SecurityProviders\\SCHANNEL"
#define CBS        "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"

static const struct op x64[] = {
        S(SYS, ENV, "PROCESSOR_ARCHITECTURE", "AMD64"),
        S(SW, "Wow6432Node\\Microsoft\\Windows\\CurrentVersion", "ProgramFilesDir",
          "C:\\Program Files (x86)"),
        DONE,
};

static const struct op x86[] = {
        S(SYS, ENV, "PROCESSOR_ARCHITECTURE", "x86"),
        DONE,
};

static const struct op os_2003_sp2[] = {
        INC(x86),
        S(SW, CV, "ProductName", "Microsoft Windows Server 2003"),
        S(SW, CV, "CurrentVersion", "5.2"),
        S(SW, CV, "CurrentBuildNumber", "3790"),
        S(SW, CV, "CSDVersion", "Service Pack 2"),
        S(SYS, PO, "ProductType", "ServerNT"),
        DONE,
};

static const struct op os_2008_sp2[] = {
        INC(x64),
        S(SW, CV, "ProductName", "Windows Server\xc2\xae 2008 Standard"),
        S(SW, CV, "CurrentVersion", "6.0"),
        S(SW, CV, "CurrentBuildNumber", "6003"),
        S(SW, CV, "CSDVersion", "Service Pack 2"),
        S(SW, CV, "EditionID", "ServerStandard"),
        S(SYS, PO, "ProductType", "ServerNT"),
        DONE,
};

static const struct op os_2008r2_sp1[] = {
        INC(x64),
        S(SW, CV, "ProductName", "Windows Server 2008 R2 Enterprise"),
        S(SW, CV, "CurrentVersion", "6.1"),
        S(SW, CV, "CurrentBuildNumber", "7601"),
        S(SW, CV, "CSDVersion", "Service Pack 1"),
        S(SW, CV, "EditionID", "ServerEnterprise"),
        S(SW, CV, "InstallationType", "Server"),
        S(SYS, PO, "ProductType", "ServerNT"),
        DONE,
};

static const struct op os_win7_sp1_x86[] = {
        INC(x86),
        S(SW, CV, "ProductName", "Windows 7 Professional"),
        S(SW, CV, "CurrentVersion", "6.1"),
        S(SW, CV, "CurrentBuildNumber", "7601"),
        S(SW, CV, "CSDVersion", "Service Pack 1"),
        S(SW, CV, "EditionID", "Professional"),
        S(SW, CV, "InstallationType", "Client"),
        S(SYS, PO, "ProductType", "WinNT"),
        DONE,
};

static const struct op os_2012[] = {
        INC(x64),
        S(SW, CV, "ProductName", "Windows Server 2012 Standard"),
        S(SW, CV, "CurrentVersion", "6.2"),
        S(SW, CV, "CurrentBuildNumber", "9200"),
        S(SW, CV, "EditionID", "ServerStandard"),
        S(SW, CV, "InstallationType", "Server"),
        S(SYS, PO, "ProductType", "ServerNT"),
        DONE,
};

static const struct op os_2012r2[] = {
        INC(x64),
        S(SW, CV, "ProductName", "Windows Server 2012 R2 Standard"),
        S(SW, CV, "CurrentVersion", "6.3"),
        S(SW, CV, "CurrentBuildNumber", "9600"),
        S(SW, CV, "EditionID", "ServerStandard"),
        S(SW, CV, "InstallationType", "Server"),
        S(SYS, PO, "ProductType", "ServerNT"),
        DONE,
};

static const struct op os_2016[] = {
        INC(x64),
        S(SW, CV, "ProductName", "Windows Server 2016 Datacenter"),
        S(SW, CV, "CurrentVersion", "6.3"),
        D(SW, CV, "CurrentMajorVersionNumber", 10),
        D(SW, CV, "CurrentMinorVersionNumber", 0),
        S(SW, CV, "CurrentBuildNumber", "14393"),
        S(SW, CV, "CurrentBuild", "14393"),
        D(SW, CV, "UBR", 6252),
        S(SW, CV, "EditionID", "ServerDatacenter"),
        S(SW, CV, "InstallationType", "Server"),
        S(SYS, PO, "ProductType", "ServerNT"),
        DONE,
};

static const struct op os_2019[] = {
        INC(x64),
        S(SW, CV, "ProductName", "Windows Server 2019 Standard"),
        S(SW, CV, "CurrentVersion", "6.3"),
        D(SW, CV, "CurrentMajorVersionNumber", 10),
        D(SW, CV, "CurrentMinorVersionNumber", 0),
        S(SW, CV, "CurrentBuildNumber", "17763"),
        S(SW, CV, "CurrentBuild", "17763"),
        D(SW, CV, "UBR", 5458),
        S(SW, CV, "EditionID", "ServerStandard"),
        S(SW, CV, "InstallationType", "Server"),
        S(SYS, PO, "ProductType", "LanmanNT"),
        DONE,
};

static const struct op os_2022[] = {
        INC(x64),
        S(SW, CV, "ProductName", "Windows Server 2022 Datacenter"),
        S(SW, CV, "CurrentVersion", "6.3"),
        D(SW, CV, "CurrentMajorVersionNumber", 10),
        D(SW, CV, "CurrentMinorVersionNumber", 0),
        S(SW, CV, "CurrentBuildNumber", "20348"),
        S(SW, CV, "CurrentBuild", "20348"),
        D(SW, CV, "UBR", 2113),
        S(SW, CV, "EditionID", "ServerDatacenter"),
        S(SW, CV, "InstallationType", "Server"),
        S(SYS, PO, "ProductType", "ServerNT"),
        DONE,
};

static const struct op schannel_on[] = {
        D(SYS, T12C, "Enabled", 1),
        D(SYS, T12C, "DisabledByDefault", 0),
        D(SYS, T12S, "Enabled", 1),
        D(SYS, T12S, "DisabledByDefault", 0),
        DONE,
};

static const struct op netfx_native[] = {
        D(SW, NETFX, "SystemDefaultTlsVersions", 1),
        D(SW, NETFX, "SchUseStrongCrypto", 1),
        DONE,
};

static const struct op netfx_wow[] = {
        D(SW, NETFX32, "SystemDefaultTlsVersions", 1),
        D(SW, NETFX32, "SchUseStrongCrypto", 1),
        DONE,
};

static const struct op netfx46[] = {
        D(SW, NDP, "Release", 393297),
        S(SW, NDP, "Version", "4.6.01055"),
        D(SW, NDP, "Install", 1),
        DONE,
};

static const struct op netfx48[] = {
        D(SW, NDP, "Release", 528049),
        S(SW, NDP, "Version", "4.8.04084"),
        D(SW, NDP, "Install", 1),
        DONE,
};

static const struct op winhttp_on[] = {
        D(SW, WINHTTP, "DefaultSecureProtocols", 0xA00),
        D(SW, WINHTTP32, "DefaultSecureProtocols", 0xA00),
        DONE,
};

/* Where Windows usually keeps them: Microsoft's roots in ROOT, the others
 * in the auto-updated AuthRoot store. */
static const struct op roots[] = {
        C(ROOT, "microsoft-rsa-root-2017"),
        C(ROOT, "microsoft-ecc-root-2017"),
        C(AUTHROOT, "digicert-global-root-g2"),
        C(AUTHROOT, "digicert-global-root-ca"),
        C(AUTHROOT, "baltimore-cybertrust-root"),
        C(AUTHROOT, "d-trust-root-class-3-ca-2-2009"),
        DONE,
};

static const struct op mars[] = {
        S(SW, "Microsoft\\Windows Azure Backup\\Setup", "InstallPath",
          "C:\\Program Files\\Microsoft Azure Recovery Services Agent\\"),
        S(SW, "Microsoft\\Windows Azure Backup\\Config", "ScratchLocation",
          "C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch"),
        S(SYS, "CCS\\Services\\obengine", "ImagePath",
          "\"C:\\Program Files\\Microsoft Azure Recovery Services Agent\\bin\\cbengine.exe\""),
        DONE,
};

static const struct op dpm[] = {
        S(SW, "Microsoft\\Microsoft Data Protection Manager\\Setup", "InstallPath",
          "C:\\Program Files\\Microsoft Azure Backup Server\\DPM\\DPM\\"),
        DONE,
};

/* Client protocols below TLS 1.2 switched off (a hardened host). */
static const struct op legacy_off[] = {
        D(SYS, PROTO "\\SSL 3.0\\Client", "Enabled", 0),
        D(SYS, PROTO "\\SSL 3.0\\Client", "DisabledByDefault", 1),
        D(SYS, PROTO "\\TLS 1.0\\Client", "Enabled", 0),
        D(SYS, PROTO "\\TLS 1.0\\Client", "DisabledByDefault", 1),
        D(SYS, PROTO "\\TLS 1.1\\Client", "Enabled", 0),
        D(SYS, PROTO "\\TLS 1.1\\Client", "DisabledByDefault", 1),
        DONE,
};

#endif
