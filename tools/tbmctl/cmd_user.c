/*
 * cmd_user.c - tbmctl user add|list|passwd|key|disable|enable: the accounts of
 * the base. Passwords come from the terminal (twice, not echoed) or from a
 * file only its owner can read; they are handed to lib/ to hash and never
 * printed. The first manager is added by root or the tbmon user.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "i18n.h"
#include "output.h"
#include "tbmctl.h"
#include "tbmtime.h"

#define TBMCTL_SERVICE_USER "tbmon"   /* the daemon's own user may bootstrap too */
#define PASSWORD_MAX 256

struct uopts {
	int json, no_password, revoke;
	const char *by, *role, *display, *os_user, *pwfile;
	struct ctl_list labs;
};

/* The options of every user subcommand; `allowed` names the ones it takes. */
static int
parse(struct ctl *ctl, int argc, char **argv, const char *allowed, struct uopts *o)
{
	const struct ctl_opt opts[] = {
		{ "json", CTL_FLAG, &o->json },
		{ "by", CTL_TEXT, &o->by },
		{ "role", CTL_TEXT, &o->role },
		{ "display", CTL_TEXT, &o->display },
		{ "lab", CTL_LIST, &o->labs },
		{ "os-user", CTL_TEXT, &o->os_user },
		{ "password-file", CTL_TEXT, &o->pwfile },
		{ "no-password", CTL_FLAG, &o->no_password },
		{ "revoke", CTL_FLAG, &o->revoke },
	};
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = ctl_opts(ctl, argc, argv, opts, CTL_NOPTS(opts), allowed)) != 0)
		return rc;
	if (o->pwfile && o->no_password)
		return ctl_usage_error(ctl, _("--password-file and --no-password exclude each other"));
	return 0;
}

/* The password from a file only its owner may read: its first line. */
static int
password_from_file(const char *path, char *out, size_t len)
{
	struct stat sb;
	FILE *fp;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 || fstat(fd, &sb) != 0) {
		ctl_error(_("--password-file %s: %s"), path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		ctl_error(_("--password-file %s: not a regular file"), path);
		close(fd);
		return -1;
	}
	if (sb.st_mode & 077) {
		ctl_error(_("--password-file %s is readable by others (mode %04o): chmod 600 it and "
		    "choose a new password"), path, (unsigned)(sb.st_mode & 07777));
		close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		ctl_error(_("--password-file %s: %s"), path, strerror(errno));
		close(fd);
		return -1;
	}
	if (fgets(out, (int)len, fp) == NULL) {
		ctl_error(_("--password-file %s: empty"), path);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

/* One line from the terminal without echo. */
static int
ask(FILE *tty, const char *prompt, char *out, size_t len)
{
	struct termios old, quiet;
	int fd = fileno(tty), ok;

	if (tcgetattr(fd, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	/* echo off before the prompt: what is typed after it is never shown nor flushed */
	tcsetattr(fd, TCSAFLUSH, &quiet);
	fputs(prompt, stderr);
	fflush(stderr);
	ok = fgets(out, (int)len, tty) != NULL;
	tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (!ok)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int
password_from_terminal(const char *name, char *out, size_t len)
{
	char again[PASSWORD_MAX], prompt[160];
	FILE *tty;
	int rc = -1;

	if (!isatty(STDIN_FILENO) || (tty = fopen("/dev/tty", "r+")) == NULL) {
		ctl_error(_("no terminal to ask for %s's password: give --password-file FILE "
		    "(mode 600) or --no-password"), name);
		return -1;
	}
	snprintf(prompt, sizeof(prompt), _("password for %s: "), name);
	if (ask(tty, prompt, out, len) != 0 || ask(tty, _("again: "), again, sizeof(again)) != 0)
		ctl_error(_("no password read from the terminal"));
	else if (strcmp(out, again) != 0)
		ctl_error(_("the two passwords differ; nothing changed"));
	else
		rc = 0;
	explicit_bzero(again, sizeof(again));
	fclose(tty);
	return rc;
}

static int
get_password(const struct uopts *o, const char *name, char *out, size_t len)
{
	if (o->pwfile)
		return password_from_file(o->pwfile, out, len);
	return password_from_terminal(name, out, len);
}

/* Runs a store change and maps its outcome to an exit code. */
static int
outcome(struct ctl *ctl, int r, const char *err)
{
	if (r == STORE_REFUSED) {
		ctl_error("%s", err);
		return EXIT_ERR;
	}
	if (r != 0) {
		ctl_error("%s: %s", ctl->db_path, err);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

/* The single NAME argument after the subcommand. */
static int
one_name(struct ctl *ctl, int argc, char **argv, const char **name)
{
	if (optind >= argc)
		return ctl_usage_error(ctl, _("user %s: which account?"), argv[0]);
	if (optind + 1 < argc)
		return ctl_usage_error(ctl, _("unexpected argument '%s'"), argv[optind + 1]);
	*name = argv[optind];
	return 0;
}

static int
user_add(struct ctl *ctl, int argc, char **argv)
{
	char pw[PASSWORD_MAX], err[512];
	struct account a;
	struct uopts o;
	const char *name;
	int rc, role, managers;

	if ((rc = parse(ctl, argc, argv, "by role display lab os-user password-file no-password", &o)) != 0 ||
	    (rc = one_name(ctl, argc, argv, &name)) != 0)
		return rc;
	if (o.role == NULL)
		return ctl_usage_error(ctl, _("user add needs --role viewer|technician|manager"));
	if ((role = role_parse(o.role)) < 0)
		return ctl_usage_error(ctl, _("--role must be viewer, technician or manager, not '%s'"), o.role);
	if (account_name_check(name, err, sizeof(err)) != 0) {
		ctl_error("%s", err);
		return EXIT_ERR;
	}
	if (ctl_open(ctl, 0) != 0)
		return EXIT_ERR;
	if ((managers = store_account_managers(ctl->st)) < 0) {
		ctl_error("%s: %s", ctl->db_path, store_errmsg(ctl->st));
		return EXIT_ERR;
	}
	if (managers == 0 && o.by == NULL) {
		/* the bootstrap: the first manager, by root or the service user */
		if (account_os_user(ctl->os_user, sizeof(ctl->os_user), &ctl->is_root) != 0) {
			ctl_error(_("cannot tell who runs tbmctl: %s has no user name"), ctl->os_user);
			return EXIT_ERR;
		}
		if (!ctl->is_root && strcmp(ctl->os_user, TBMCTL_SERVICE_USER) != 0) {
			ctl_error(_("the base has no manager yet: root or the %s user adds the first one"),
			    TBMCTL_SERVICE_USER);
			return EXIT_ERR;
		}
		ctl->who.acct = NULL;
		ctl->who.channel = "cli";
		ctl->who.origin = ctl->os_user;
	} else if (ctl_actor(ctl, o.by) != 0)
		return EXIT_ERR;
	memset(&a, 0, sizeof(a));
	a.name = (char *)name;
	a.display = (char *)o.display;
	a.role = (enum role)role;
	a.labs = o.labs.v;
	a.nlabs = o.labs.n;
	a.os_user = (char *)o.os_user;
	if (!o.no_password && get_password(&o, name, pw, sizeof(pw)) != 0)
		return EXIT_ERR;
	rc = store_account_add(ctl->st, &ctl->who, &a, o.no_password ? NULL : pw, time_now_ms(), err,
	    sizeof(err));
	explicit_bzero(pw, sizeof(pw));
	if ((rc = outcome(ctl, rc, err)) != EXIT_OK)
		return rc;
	printf(_("account %s added: %s%s%s%s\n"), name, role_name(a.role),
	    o.os_user ? _(", OS user ") : "", o.os_user ? o.os_user : "",
	    o.no_password ? _(", no password (cannot log in to the web)") : "");
	return ctl_finish(EXIT_OK);
}

static int
user_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct table_col cols[] = {
		{ N_("account"), 0, TEXT_LEFT, 1 }, { N_("name"), 0, TEXT_LEFT, 1 },
		{ N_("role"), 0, TEXT_LEFT, 0 }, { N_("labs"), 40, TEXT_LEFT, 1 },
		{ N_("OS user"), 0, TEXT_LEFT, 1 }, { N_("state"), 0, TEXT_LEFT, 0 },
		{ N_("API key"), 0, TEXT_LEFT, 0 },
	};
	struct account *v = NULL;
	struct uopts o;
	size_t n = 0;
	int rc;

	if ((rc = parse(ctl, argc, argv, "json", &o)) != 0 || (rc = ctl_no_args(ctl, argc, argv)) != 0)
		return rc;
	if (ctl_open(ctl, 1) != 0)
		return EXIT_ERR;
	if (store_accounts(ctl->st, &v, &n) != 0) {
		ctl_error("%s: %s", ctl->db_path, store_errmsg(ctl->st));
		return EXIT_ERR;
	}
	if (o.json) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			cJSON *x = cJSON_CreateObject(), *labs = cJSON_AddArrayToObject(x, "labs");
			cJSON_AddStringToObject(x, "name", v[i].name);
			cJSON_AddItemToObject(x, "display", json_string_or_null(v[i].display));
			cJSON_AddStringToObject(x, "role", role_name(v[i].role));
			for (size_t j = 0; j < v[i].nlabs; j++)
				cJSON_AddItemToArray(labs, cJSON_CreateString(v[i].labs[j]));
			cJSON_AddItemToObject(x, "os_user", json_string_or_null(v[i].os_user));
			cJSON_AddBoolToObject(x, "disabled", v[i].disabled);
			cJSON_AddBoolToObject(x, "api_key", v[i].has_key);
			cJSON_AddItemToArray(arr, x);
		}
		rc = json_print(arr, stdout) == 0 ? EXIT_OK : EXIT_ERR;
		cJSON_Delete(arr);
	} else {
		struct table *t = table_new(cols, sizeof(cols) / sizeof(cols[0]));
		rc = t ? EXIT_OK : EXIT_ERR;
		for (size_t i = 0; t && i < n; i++) {
			char labs[512] = "";
			size_t l = 0;
			const char *cells[7];
			for (size_t j = 0; j < v[i].nlabs && l < sizeof(labs); j++)
				l += (size_t)snprintf(labs + l, sizeof(labs) - l, "%s%s", j ? "、" : "",
				    v[i].labs[j]);
			cells[0] = v[i].name;
			cells[1] = v[i].display;
			cells[2] = role_name(v[i].role);
			cells[3] = v[i].role == ROLE_TECHNICIAN && v[i].nlabs == 0 ? _("all") : labs;
			cells[4] = v[i].os_user;
			cells[5] = v[i].disabled ? _("disabled") : _("enabled");
			cells[6] = v[i].has_key ? _("yes") : "";
			if (table_add(t, cells) != 0)
				rc = EXIT_ERR;
		}
		if (t && n == 0)
			printf(_("no accounts yet: root or the %s user adds the first manager with "
			    "'tbmctl user add NAME --role manager ...'\n"), TBMCTL_SERVICE_USER);
		else if (t && table_print(t, stdout, NULL) != 0)
			rc = EXIT_ERR;
		table_free(t);
	}
	store_accounts_free(v, n);
	return ctl_finish(rc);
}

static int
user_passwd(struct ctl *ctl, int argc, char **argv)
{
	char pw[PASSWORD_MAX], err[512];
	struct uopts o;
	const char *name;
	int rc;

	if ((rc = parse(ctl, argc, argv, "by password-file", &o)) != 0 ||
	    (rc = one_name(ctl, argc, argv, &name)) != 0)
		return rc;
	if (ctl_open(ctl, 0) != 0 || ctl_actor(ctl, o.by) != 0)
		return EXIT_ERR;
	if (get_password(&o, name, pw, sizeof(pw)) != 0)
		return EXIT_ERR;
	rc = store_account_passwd(ctl->st, &ctl->who, name, pw, time_now_ms(), err, sizeof(err));
	explicit_bzero(pw, sizeof(pw));
	if ((rc = outcome(ctl, rc, err)) != EXIT_OK)
		return rc;
	printf(_("account %s: password changed\n"), name);
	return ctl_finish(EXIT_OK);
}

static int
user_able(struct ctl *ctl, int argc, char **argv, int disabled)
{
	char err[512];
	struct uopts o;
	const char *name;
	int rc;

	if ((rc = parse(ctl, argc, argv, "by", &o)) != 0 || (rc = one_name(ctl, argc, argv, &name)) != 0)
		return rc;
	if (ctl_open(ctl, 0) != 0 || ctl_actor(ctl, o.by) != 0)
		return EXIT_ERR;
	rc = store_account_set_disabled(ctl->st, &ctl->who, name, disabled, time_now_ms(), err,
	    sizeof(err));
	if ((rc = outcome(ctl, rc, err)) != EXIT_OK)
		return rc;
	printf(_("account %s %s\n"), name, disabled ? _("disabled") : _("enabled"));
	return ctl_finish(EXIT_OK);
}

/* A key for tbm-web's /api/: shown once, kept only as its hash. */
static int
user_key(struct ctl *ctl, int argc, char **argv)
{
	char key[ACCOUNT_KEY_LEN + 1], err[512];
	struct uopts o;
	const char *name;
	int rc;

	if ((rc = parse(ctl, argc, argv, "by revoke", &o)) != 0 ||
	    (rc = one_name(ctl, argc, argv, &name)) != 0)
		return rc;
	if (ctl_open(ctl, 0) != 0 || ctl_actor(ctl, o.by) != 0)
		return EXIT_ERR;
	rc = store_account_key(ctl->st, &ctl->who, name, o.revoke ? NULL : key, time_now_ms(), err,
	    sizeof(err));
	if ((rc = outcome(ctl, rc, err)) != EXIT_OK)
		return rc;
	if (o.revoke)
		printf(_("account %s: its key for /api/ is revoked\n"), name);
	else {
		printf(_("account %s: a new key for tbm-web's read-only /api/ (any earlier key no longer "
		    "works).\nIt is shown only now; keep it like a password:\n%s\n"
		    "Use it as: curl -H 'Authorization: Bearer KEY' BASE_URL/api/status\n"), name, key);
		explicit_bzero(key, sizeof(key));
	}
	return ctl_finish(EXIT_OK);
}

int
cmd_user(struct ctl *ctl, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (sub == NULL)
		return ctl_usage_error(ctl, _("user: add, list, passwd, key, disable or enable?"));
	argc--;
	argv++;
	if (strcmp(sub, "add") == 0)
		return user_add(ctl, argc, argv);
	if (strcmp(sub, "list") == 0)
		return user_list(ctl, argc, argv);
	if (strcmp(sub, "passwd") == 0)
		return user_passwd(ctl, argc, argv);
	if (strcmp(sub, "key") == 0)
		return user_key(ctl, argc, argv);
	if (strcmp(sub, "disable") == 0)
		return user_able(ctl, argc, argv, 1);
	if (strcmp(sub, "enable") == 0)
		return user_able(ctl, argc, argv, 0);
	return ctl_usage_error(ctl, _("user: unknown subcommand '%s' (add, list, passwd, key, disable, enable)"), sub);
}
