/* cli_passwords.h: collecting the passwords for encrypted containers from
 * the command line, a file and the environment (cli/passwords.c). */
#ifndef HA_CLI_PASSWORDS_H
#define HA_CLI_PASSWORDS_H

#include <stddef.h>
#include <stdint.h>

#include "ha_common.h"

struct cli_passwords {
	size_t n;
	char **v;
};

/* --password PW.  HA_ERR_NOMEM. */
HA_MUST_CHECK int cli_passwords_add(struct cli_passwords *p, const char *pw, struct ha_err *err);
/* --password-file FILE: one password a line.  HA_ERR_USAGE when the file
 * cannot be read; HA_ERR_NOMEM. */
HA_MUST_CHECK int cli_passwords_file(struct cli_passwords *p, const char *path, struct ha_err *err);
/* Adds HIVEAUDIT_PASSWORD (if set) after the others.  HA_ERR_NOMEM. */
HA_MUST_CHECK int cli_passwords_env(struct cli_passwords *p, struct ha_err *err);
/* Wipes and frees the list. */
void cli_passwords_free(struct cli_passwords *p);

#endif
