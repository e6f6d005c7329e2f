/* evidence.c: the text of an evidence row, rendered here and nowhere else.
 *
 * findings.csv's evidence column (and the evidence lists of the diff) use
 * the one-line form, "ROLE KEY\VALUE: TYPE DATA", rows joined by " | ";
 * `hiveaudit explain` uses the terminal form, the same line escaped for a
 * terminal with the key's write time, the note, the control set and the
 * hive file below it; report.html shows each row's one-line form as the
 * title of its evidence table row. */
#include <string.h>

#include "ha_report.h"

static void put(struct ha_buf *b, const char *s, enum ha_evidence_style style)
{
	if (style == HA_EVIDENCE_TERMINAL)
		ha_escape_terminal(b, s ? s : "");
	else
		ha_buf_puts(b, s ? s : "");
}

void ha_evidence_render(struct ha_buf *b, const struct ha_evidence_row *e,
                        enum ha_evidence_style style)
{
	const char *sep = style == HA_EVIDENCE_TERMINAL ? " = " : ": ";

	if (style == HA_EVIDENCE_TERMINAL)
		ha_buf_puts(b, "      evidence: ");
	if (e->role && *e->role) {
		put(b, e->role, style);
		ha_buf_putc(b, ' ');
	}
	put(b, e->key_path, style);
	if (e->value_name) { /* NULL when the evidence is a key */
		ha_buf_putc(b, '\\');
		put(b, *e->value_name ? e->value_name : "(Default)", style);
	}
	ha_buf_puts(b, sep);
	put(b, e->value_type, style);
	if (e->data && *e->data) {
		ha_buf_putc(b, ' ');
		put(b, e->data, style);
	}
	if (style != HA_EVIDENCE_TERMINAL)
		return;
	if (e->last_write && *e->last_write) {
		ha_buf_puts(b, "  (key written ");
		put(b, e->last_write, style);
		ha_buf_putc(b, ')');
	}
	if (e->note && *e->note) {
		ha_buf_puts(b, "\n                ");
		put(b, e->note, style);
	}
	if (e->control_set && *e->control_set) {
		ha_buf_puts(b, "\n                control set: ");
		put(b, e->control_set, style);
	}
	if (e->hive_path && *e->hive_path) {
		ha_buf_puts(b, "\n                hive: ");
		put(b, e->hive_path, style);
		ha_buf_puts(b, " sha256 ");
		put(b, e->hive_sha256, style);
	}
	ha_buf_putc(b, '\n');
}

void ha_evidence_render_list(struct ha_buf *b, const struct ha_evidence_row *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			ha_buf_puts(b, " | ");
		ha_evidence_render(b, &e[i], HA_EVIDENCE_LINE);
	}
}
