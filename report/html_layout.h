/* html_layout.h: the layout of the records in report.html's data island,
 * defined once.  The C writer (html_read.c, html_model.c, html.c) builds
 * every record by these positions, and report/assets/report.js declares
 * the same positions in its block between "BEGIN ISLAND LAYOUT" and
 * "END ISLAND LAYOUT"; tests/test_html_layout.c reads that block and fails
 * when a field is missing, extra, renamed or moved on either side.
 *
 * Each list is X(NAME) in record order; the position of NAME is its index.
 * What each field holds is described at the top of html.c. */
#ifndef HA_HTML_LAYOUT_H
#define HA_HTML_LAYOUT_H

/* r: a rule.  The strings, then whether it decides readiness, then its
 * host counts per status (in HA_PASS..HA_UNKNOWN order). */
#define HA_ISLAND_RULE(X)                                                                          \
	X(ID)                                                                                      \
	X(TITLE)                                                                                   \
	X(SEV)                                                                                     \
	X(CAT)                                                                                     \
	X(SOURCE)                                                                                  \
	X(APPLIES)                                                                                 \
	X(REMEDY)                                                                                  \
	X(REG)                                                                                     \
	X(ORIGIN)                                                                                  \
	X(COUNTS)                                                                                  \
	X(N_PASS)                                                                                  \
	X(N_FAIL)                                                                                  \
	X(N_WARN)                                                                                  \
	X(N_NOT_APPLICABLE)                                                                        \
	X(N_UNKNOWN)

/* e: an evidence record; LINE is its text as findings.csv and explain say it
 * (ha_evidence_render), which the page shows as the row's title. */
#define HA_ISLAND_EVIDENCE(X)                                                                      \
	X(ROLE)                                                                                    \
	X(FILE)                                                                                    \
	X(CS)                                                                                      \
	X(KEY)                                                                                     \
	X(NAME)                                                                                    \
	X(TYPE)                                                                                    \
	X(DATA)                                                                                    \
	X(LW)                                                                                      \
	X(NOTE)                                                                                    \
	X(LINE)

/* f: a finding; its evidence ids start at EV and run to the end. */
#define HA_ISLAND_FINDING(X)                                                                       \
	X(RULE)                                                                                    \
	X(STATUS)                                                                                  \
	X(SEV)                                                                                     \
	X(TITLE)                                                                                   \
	X(CAT)                                                                                     \
	X(OBS)                                                                                     \
	X(EXP)                                                                                     \
	X(REASON)                                                                                  \
	X(EV)

/* h: a host.  The strings (LABEL to NOTE), then the numbers, then the
 * lists. */
#define HA_ISLAND_HOST(X)                                                                          \
	X(LABEL)                                                                                   \
	X(DIR)                                                                                     \
	X(CN)                                                                                      \
	X(HOSTNAME)                                                                                \
	X(DOMAIN)                                                                                  \
	X(OS)                                                                                      \
	X(PRODUCT_NAME)                                                                            \
	X(NT)                                                                                      \
	X(INSTALL)                                                                                 \
	X(EDITION)                                                                                 \
	X(PTYPE)                                                                                   \
	X(PRODUCT)                                                                                 \
	X(ARCH)                                                                                    \
	X(CS_SOURCE)                                                                               \
	X(VREASON)                                                                                 \
	X(NOTE)                                                                                    \
	X(BUILD)                                                                                   \
	X(UBR)                                                                                     \
	X(SP)                                                                                      \
	X(CS)                                                                                      \
	X(VERDICT)                                                                                 \
	X(REUSED)                                                                                  \
	X(HIVES)                                                                                   \
	X(FILES)                                                                                   \
	X(FINDINGS)                                                                                \
	X(NARRATIVE)                                                                               \
	X(HSTAT)

/* One hive in a host's HIVES list, which is a flat list of these tuples:
 * the strings (ROLE to REPLAY), then the numbers, then the container's
 * strings (CONTAINER to INNER: empty for a hive read from a plain file). */
#define HA_ISLAND_HIVE(X)                                                                          \
	X(ROLE)                                                                                    \
	X(KIND)                                                                                    \
	X(KIND_WHY)                                                                                \
	X(PATH)                                                                                    \
	X(STATUS)                                                                                  \
	X(REASON)                                                                                  \
	X(SHA)                                                                                     \
	X(EMBEDDED)                                                                                \
	X(LAST_WRITTEN)                                                                            \
	X(LOGS)                                                                                    \
	X(REPLAY)                                                                                  \
	X(SIZE)                                                                                    \
	X(SEQ1)                                                                                    \
	X(SEQ2)                                                                                    \
	X(CHECKSUM_OK)                                                                             \
	X(DIRTY)                                                                                   \
	X(DEGRADED)                                                                                \
	X(CONTAINER)                                                                               \
	X(CONTAINER_SHA)                                                                           \
	X(INNER)

/* The positions as C constants: R_ID, E_ROLE, F_RULE, H_LABEL, HV_ROLE ... and
 * the record sizes R_N, E_N, F_N (where the evidence ids start is F_EV), H_N
 * and HV_N. */
#define HA_ISLAND_R_(n)  R_##n,
#define HA_ISLAND_E_(n)  E_##n,
#define HA_ISLAND_F_(n)  F_##n,
#define HA_ISLAND_H_(n)  H_##n,
#define HA_ISLAND_HV_(n) HV_##n,
enum { HA_ISLAND_RULE(HA_ISLAND_R_) R_N };
enum { HA_ISLAND_EVIDENCE(HA_ISLAND_E_) E_N };
enum { HA_ISLAND_FINDING(HA_ISLAND_F_) F_N };
enum { HA_ISLAND_HOST(HA_ISLAND_H_) H_N };
enum { HA_ISLAND_HIVE(HA_ISLAND_HV_) HV_N };

#endif
