/* container.h: collection containers (archives, disk images) inside ingest/.
 *
 * container.c holds what does not depend on a library: recognising a
 * container by its first bytes, the layouts found inside one (Velociraptor,
 * CyLR, KAPE, a zipped fleet), host names, and the table of extracted
 * members that the reader opens instead of a file.  container_archive.c is
 * the only home of libarchive, container_image.c the only home of libtsk. */
#ifndef HA_CONTAINER_H
#define HA_CONTAINER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest_internal.h"

/* Shown between the parts of a path into a container:
 * "CASE7.E01 › partition 2 (NTFS) › /Windows/System32/config/SYSTEM". */
#define HA_CONT_SEP " \xE2\x80\xBA "

enum ha_cont_kind {
	HA_CONT_NONE = 0,
	HA_CONT_ARCHIVE, /* zip, tar (plain or compressed), 7z: libarchive */
	HA_CONT_IMAGE,   /* E01, raw, VHD, VHDX, VMDK: libtsk */
};

/* What an entry of a container is, as the layout sees it. */
enum ha_centry_type {
	HA_CE_FILE = 0,
	HA_CE_DIR,
	HA_CE_SYMLINK,
	HA_CE_HARDLINK,
	HA_CE_OTHER,
};

/* One entry listed from a container level, with what its first bytes say. */
struct ha_centry {
	char *name; /* raw name as stored (archive entry name, or file system path) */
	int type;   /* enum ha_centry_type */
	uint64_t size;
	int is_regf;   /* content begins with "regf" */
	int bb_kind;   /* enum ha_file_kind from the embedded name, or HA_FK_UNKNOWN */
	int bb_log;    /* the base block says transaction log */
	int nested;    /* enum ha_cont_kind its first bytes show (a container inside) */
	char *problem; /* set when the entry cannot be used (encrypted, unsupported) */
};

/* One level of a container as listed: entries plus what the collector
 * recorded beside them. */
struct ha_clist {
	size_t n, cap;
	struct ha_centry *v;
	char *hostname;   /* Velociraptor client_info.json / info.json Hostname, or NULL */
	char *problem;    /* the level could not be listed (whole or in part), or NULL */
	int velociraptor; /* collector metadata (uploads.json, client_info.json, ...) seen */
	size_t nnested;   /* containers inside (opened or not), each with its own notes */
	size_t nhashes;   /* hashes the collector recorded for the files it took */
	struct ha_chash {
		char *path; /* the source path, with / for \\ and no \\\\.\\ prefix */
		int sha1;   /* 1: SHA-1 (KAPE), 0: SHA-256 (Velociraptor) */
		char hex[65];
	} * hashes;
};

/* Adds a recorded hash (path as the collector wrote it); HA_ERR_NOMEM.
 * Malformed digests are ignored. */
HA_MUST_CHECK int ha_clist_add_hash(struct ha_clist *l, const char *path, size_t plen,
                                    const char *hex, int sha1);
/* Reads Velociraptor's Uploads.json rows (JSON Lines: SourceFile,
 * SourceFileSha256) or KAPE's CopyLog.csv (SourceFile, DestinationFile,
 * SourceFileSha1) into l's hashes.  HA_ERR_NOMEM only. */
HA_MUST_CHECK int ha_clist_read_hashes(struct ha_clist *l, const char *text, size_t n, int kape);

void ha_clist_free(struct ha_clist *l);
struct ha_centry *ha_clist_add(struct ha_clist *l, const char *name);

/* A host found in a container: the level's entries that are its files. */
struct ha_chost {
	char *prefix; /* raw prefix inside the level ("" for the level's root) */
	char *label;  /* from the layout (a host folder inside), or NULL: the container's */
	size_t nfiles;
	struct ha_cfile {
		size_t entry; /* index into the list */
		char *path;   /* decoded path inside the level */
		int hint;
		char *hint_why;
		int skip_status; /* as ha_job_file */
		char *skip_reason;
		size_t nlogs;
		size_t logs[4]; /* entry indexes of .LOG, .LOG1, .LOG2 */
	} * files;
};

struct ha_clayout {
	size_t nhosts;
	struct ha_chost *hosts;
	size_t nnotes;
	char **notes; /* entries skipped and why */
};

/* Groups a listed level into hosts (CONTRACT.md "Hosts", applied inside
 * the container).  Pure: no I/O.  HA_ERR_NOMEM only. */
HA_MUST_CHECK int ha_clayout_build(const struct ha_clist *l, struct ha_clayout *out,
                                   struct ha_err *err);
void ha_clayout_free(struct ha_clayout *lay);

/* Velociraptor's component decoding: plain %XX unescaping (uppercase or
 * lowercase hex); a '%' not followed by two hex digits is kept.  Appends
 * to out. */
void ha_velo_unescape(const char *s, size_t n, struct ha_buf *out);

/* A container's name without the collector's decoration (see the README,
 * "Host names"): "Collection-HOST-2021-11-21T18_05_56-08_00.zip" -> "HOST",
 * "2024-01-02T030405_HOST.vhdx" -> "HOST", "HOST.zip" -> "HOST".  Malloc'd;
 * NULL on allocation failure. */
char *ha_container_label(const char *path);

/* The container kind the first bytes (and, for a VHD or split raw image,
 * the name) show; HA_CONT_NONE otherwise.  `name` may be NULL. */
int ha_container_sniff(const uint8_t *p, size_t n, const char *name);

/* The top-level string member `key` (ASCII case-insensitive) of a JSON
 * object, decoded, malloc'd; NULL when absent, not a string, or the text is
 * not a JSON object. */
char *ha_json_top_string(const char *text, size_t n, const char *key);

/* -------------------------------------------------------- the job side */

enum ha_cjob_final {
	HA_CJ_ARCHIVE = 1, /* members are entry names of the innermost archive */
	HA_CJ_IMAGE = 2,   /* members are paths in the NTFS volume at vol_offset */
};

/* What a worker needs to reach a host's files (owned by the host job). */
struct ha_container_job {
	char *file; /* the container on disk, as given */
	size_t nchain;
	char **chain; /* entry names to descend, outermost first */
	int final;    /* enum ha_cjob_final */
	uint64_t vol_offset;
	size_t nmembers;
	char **display; /* paths as the job files name them */
	char **inner;   /* the same members inside the innermost level */
	char **expect;  /* per member: "sha256:HEX" or "sha1:HEX" the collector
	                   recorded, or NULL */
	char *sha256;   /* the container file's SHA-256, or NULL (not computed) */
};

void ha_container_job_free(struct ha_container_job *cj);

/* The limits and passwords in force (ha_container_configure). */
const struct ha_container_opts *ha_container_opts_get(void);

/* Registers an extracted member: ha_input_open(display) then opens fd,
 * and ha_input_sha256(display) gives sha256 (the hex digest of its bytes,
 * computed while extracting; NULL: not computed).  The table takes fd.
 * HA_ERR_NOMEM. */
HA_MUST_CHECK int ha_member_register(const char *display, int fd, const char *sha256);
void ha_member_clear(void);

/* Extracts the job's members into memory files and registers them;
 * a member that cannot be had gets `why[i]` (malloc'd) instead.  Runs in
 * the worker.  HA_ERR_NOMEM only; why has cj->nmembers slots. */
HA_MUST_CHECK int ha_archive_stage(const struct ha_container_job *cj, char **why,
                                   struct ha_err *err);
HA_MUST_CHECK int ha_image_stage(const struct ha_container_job *cj, int fd, char **why,
                                 struct ha_err *err);

/* Discovery: lists the container at `path` (given as `shown`) and adds its
 * hosts to the fleet, and notes for what it could not use.  Only
 * allocation failure is an error. */
HA_MUST_CHECK int ha_archive_discover(const char *path, struct ha_fleet *fleet, struct ha_err *err);
/* Lists the NTFS volumes of the image open at fd (named `shown` in paths)
 * and adds a host for every one holding SYSTEM or SOFTWARE.  `chain` is
 * how the image was reached from `file` (may be empty). */
HA_MUST_CHECK int ha_image_discover(const char *file, const char *const *chain, size_t nchain,
                                    int fd, const char *shown, const char *label,
                                    struct ha_fleet *fleet, struct ha_err *err);

/* The files an image is made of, as libtsk opens them (E01, E02, ...;
 * .001, .002, ...), first `path`; one file (path) for any other image or
 * one that cannot be opened.  *seg is malloc'd, each string too.
 * HA_ERR_NOMEM. */
HA_MUST_CHECK int ha_image_segments(const char *path, char ***seg, size_t *n);
/* For an EWF image that records its media's MD5 (its hash section): reads
 * the media through libewf (unless larger than `cap` bytes), compares, and
 * adds a note saying they match or MISMATCH.  Nothing for other images.
 * HA_ERR_NOMEM only. */
HA_MUST_CHECK int ha_image_media_check(const char *path, uint64_t cap, struct ha_fleet *fleet,
                                       struct ha_err *err);

/* Adds a note to the fleet (formatted); HA_ERR_NOMEM. */
HA_MUST_CHECK int ha_fleet_note(struct ha_fleet *fleet, struct ha_err *err, const char *fmt, ...)
        HA_PRINTF(3, 4);

/* Makes hosts from a listed level and adds them to the fleet.  `shown` is
 * how paths into this level begin ("velo.zip", "velo.zip › data.zip");
 * `lead` goes before each entry name ("/" for a file system path);
 * `label` is the container's label for hosts at the level's root. */
HA_MUST_CHECK int ha_container_add_hosts(const char *file, const char *const *chain, size_t nchain,
                                         const char *shown, const char *lead, const char *label,
                                         const struct ha_clist *l, struct ha_fleet *fleet,
                                         struct ha_err *err);

/* Discovery's hook: the container at path (first bytes showed `kind`) is
 * listed in a process of its own, up to ha_container_opts.jobs at once,
 * while the walk goes on; ha_container_flush() then adds its hosts and
 * notes to the fleet, with a note naming its SHA-256.  HA_ERR_IO when no
 * process can be started, HA_ERR_INTERRUPTED when *stop is set while
 * waiting for a free slot (stop may be NULL), HA_ERR_NOMEM. */
HA_MUST_CHECK int ha_container_discover(struct ha_fleet *fleet, const char *path, int kind,
                                        volatile sig_atomic_t *stop, struct ha_err *err);
/* Waits for every listing started since the last flush and adds its hosts
 * and notes to the fleet, in the order the containers were met, each
 * one's notes at the place the fleet's notes had reached then: the fleet
 * is the same as with one listing at a time.  HA_ERR_INTERRUPTED (every
 * listing stopped) when *stop is set; HA_ERR_NOMEM. */
HA_MUST_CHECK int ha_container_flush(struct ha_fleet *fleet, volatile sig_atomic_t *stop,
                                     struct ha_err *err);
/* Stops every listing under way and forgets them (discovery failed). */
void ha_container_discard(void);

/* The worker's hook: extracts job's members and fills `staged`, a copy of
 * job whose files that could not be extracted are unreadable with the
 * reason.  staged->files is malloc'd (free it; the reasons it points to
 * live until the process ends).  HA_ERR_NOMEM only. */
HA_MUST_CHECK int ha_container_stage_job(const struct ha_host_job *job, struct ha_host_job *staged,
                                         struct ha_err *err);

#endif
