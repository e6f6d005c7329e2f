/* kinds.c: the table of check kinds.  A rule's `check` names one of these;
 * the loader, the evaluator, the request list and the destructor go
 * through the row (rules_internal.h says what each function does).  To add
 * a kind: write its file with its `struct check_kind_ops`, declare it in
 * rules_internal.h, add a row here, and document it in docs/rules.md. */
#include <string.h>

#include "rules_internal.h"

static const struct check_kind_ops k_all = {
        "all", CK_ALL, ha_ck_list_parse, ha_ck_combo_eval, ha_ck_kids_requests, NULL};
static const struct check_kind_ops k_any = {
        "any", CK_ANY, ha_ck_list_parse, ha_ck_combo_eval, ha_ck_kids_requests, NULL};
static const struct check_kind_ops k_none = {
        "none", CK_NONE, ha_ck_list_parse, ha_ck_combo_eval, ha_ck_kids_requests, NULL};
static const struct check_kind_ops k_value = {
        "value", CK_VALUE, ha_ck_value_parse, ha_ck_value_eval, ha_ck_value_requests, NULL};
static const struct check_kind_ops k_key = {
        "key", CK_KEY, ha_ck_key_parse, ha_ck_key_eval, ha_ck_key_requests, NULL};
static const struct check_kind_ops k_subkeys = {
        "subkeys", CK_SUBKEYS, ha_ck_subkeys_parse, ha_ck_subkeys_eval, ha_ck_subkeys_requests,
        NULL};
static const struct check_kind_ops k_cert = {
        "cert", CK_CERT, ha_ck_cert_parse, ha_ck_cert_eval, ha_ck_cert_requests, NULL};
/* Host facts and hive statuses are always read: nothing to request. */
static const struct check_kind_ops k_os = {"os", CK_OS, ha_ck_os_parse, ha_ck_os_eval, NULL, NULL};
static const struct check_kind_ops k_hives = {"hives",          CK_HIVES, ha_ck_hives_parse,
                                              ha_ck_hives_eval, NULL,     NULL};
static const struct check_kind_ops k_cases = {
        "cases", CK_CASES, ha_ck_cases_parse, ha_ck_cases_eval, ha_ck_kids_requests, NULL};

const struct check_kind_ops *const ha_check_kinds[] = {
        &k_all,  &k_any, &k_none,  &k_value, &k_key,          &k_subkeys,
        &k_cert, &k_os,  &k_hives, &k_cases, &ha_kind_suites, NULL,
};

const struct check_kind_ops *ha_check_kind_named(const char *name)
{
	size_t i;

	for (i = 0; ha_check_kinds[i]; i++)
		if (!strcmp(ha_check_kinds[i]->name, name))
			return ha_check_kinds[i];
	return NULL;
}
