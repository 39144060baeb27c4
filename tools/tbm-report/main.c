/*
 * main.c - tbm-report's command line: the evaluation file, the period
 * override, the output format and file. Exit 0 ok, 1 error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tbmreport.h"
#include "textwidth.h"

#define EXIT_USAGE 2

enum format { F_MD, F_HTML, F_CSV, F_XLSX, F_JSON };
static const char *const format_names[] = { "md", "html", "csv", "xlsx", "json" };

static void
usage(FILE *fp)
{
	fputs(_("usage: tbm-report EVALUATION.ini [--format md|html|csv|xlsx|json] [-o FILE]\n"
	    "                  [--period YYYY | --from T --to T] [--cutoff T]\n"
	    "  --format   output format (default md, or the -o file's extension)\n"
	    "  -o FILE    write FILE (replaced only when the report is complete); its\n"
	    "             extension .md .html .csv .xlsx .json chooses the format\n"
	    "  --period   the calendar year to evaluate, instead of the file's period\n"
	    "  --from/--to  another period [from, to), T as 2023-12-31 or \"2023-12-31 23:30\"\n"
	    "  --cutoff   count repairs recorded up to T (default: the period's end)\n"), fp);
}

/* One line on stderr after the program's name, as tbmctl says it: the name
 * stays as it is in every language, the message is the catalog's. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("tbm-report: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
parse_format(const char *s)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(s, format_names[i]) == 0)
			return (int)i;
	if (strcmp(s, "markdown") == 0)
		return F_MD;
	return -1;
}

/* The format an -o file's extension names: -1 none, -2 one we do not write. */
static int
format_from_name(const char *path, const char **ext)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	*ext = dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		return -1;
	if (strcasecmp(dot, ".htm") == 0 || strcasecmp(dot, ".html") == 0)
		return F_HTML;
	if (strcasecmp(dot, ".markdown") == 0 || strcasecmp(dot, ".md") == 0)
		return F_MD;
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcasecmp(dot + 1, format_names[i]) == 0)
			return (int)i;
	return -2;
}

static int
render_stream(const struct report *r, enum format f, FILE *fp)
{
	switch (f) {
	case F_MD: return render_md(r, fp);
	case F_HTML: return render_html(r, fp);
	case F_CSV: return render_csv(r, fp);
	case F_JSON: return render_json(r, fp);
	default: return -1;
	}
}

static int
copy_file(const char *from, FILE *to)
{
	FILE *in = fopen(from, "rb");
	char buf[65536];
	size_t n;
	int rc = 0;

	if (in == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, to) != n) {
			rc = -1;
			break;
		}
	if (ferror(in))
		rc = -1;
	fclose(in);
	return rc;
}

/* mkstemp made it 0600; a report is as readable as any file the user writes. */
static int
fchmod_path(const char *path)
{
	mode_t m = umask(0);

	umask(m);
	return chmod(path, 0666 & ~m);
}

/* Writes the report to a temporary file next to `out` (or in TMPDIR for an
 * xlsx on stdout), then renames it into place: a failed run never leaves
 * half a file. */
static int
write_report(const struct report *r, enum format f, const char *out)
{
	char *tmp = NULL;
	FILE *fp = NULL;
	int fd = -1, rc = -1;

	if (out == NULL && f != F_XLSX) {
		if (render_stream(r, f, stdout) != 0 || fflush(stdout) != 0) {
			say(_("standard output: %s"), strerror(errno));
			return -1;
		}
		return 0;
	}
	if (out)
		tmp = xasprintf("%s.XXXXXX", out);
	else
		tmp = xasprintf("%s/tbm-report.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (tmp == NULL || (fd = mkstemp(tmp)) < 0) {
		say("%s: %s", out ? out : _("temporary file"), strerror(errno));
		free(tmp);
		return -1;
	}
	if (f == F_XLSX) {
		close(fd);
		fd = -1;
		if (render_xlsx(r, tmp) != 0) {
			say(_("cannot write the workbook %s"), out ? out : "");
			goto out;
		}
	} else {
		if ((fp = fdopen(fd, "w")) == NULL)
			goto fail;
		fd = -1;
		if (render_stream(r, f, fp) != 0 || fclose(fp) != 0) {
			fp = NULL;
			goto fail;
		}
		fp = NULL;
	}
	if (out) {
		if (fchmod_path(tmp) != 0 || rename(tmp, out) != 0)
			goto fail;
	} else if (copy_file(tmp, stdout) != 0 || fflush(stdout) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	say("%s: %s", out ? out : _("standard output"), strerror(errno));
out:
	if (fp)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	if (rc != 0 || !out)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "period", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "cutoff", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts o = { 0 };
	struct report r;
	struct diag d = { 0 };
	const char *out = NULL;
	int fmt = -1, ch, rc = EXIT_FAILURE;

	/* a UTF-8 character type first: the C library's own messages (strerror)
	 * in Chinese would otherwise come out as question marks */
	text_init_locale();
	i18n_init();
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if ((fmt = parse_format(optarg)) < 0) {
				say(_("unknown format '%s' (md, html, csv, xlsx, json)"), optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o': out = optarg; break;
		case 'p': o.period = optarg; break;
		case 'F': o.from = optarg; break;
		case 'T': o.to = optarg; break;
		case 'C': o.cutoff = optarg; break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("tbm-report %s\n", TBM_VERSION);
			return EXIT_SUCCESS;
		case ':':
			say(_("option %s needs an argument"), argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		default:
			say(_("unknown option %s"), argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		say("%s", argc - optind ? _("one evaluation file, please") :
		    _("which evaluation file?"));
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((o.from == NULL) != (o.to == NULL) || (o.period && o.from)) {
		say("%s", _("--from and --to go together, instead of --period"));
		return EXIT_USAGE;
	}
	if (out) {
		/* the file's name must not promise what it does not hold:
		 * report.pdf or report.docx with Markdown inside helps nobody */
		const char *ext = NULL;
		int named = format_from_name(out, &ext);
		if (named == -2) {
			say(_("-o %s: tbm-report does not write %s files (.md, .html, .csv, .xlsx, "
			    ".json; for a PDF print the .html)"), out, ext);
			return EXIT_USAGE;
		}
		if (named == -1 && fmt < 0) {
			say(_("-o %s: no extension to choose the format by: name it .md, .html, "
			    ".csv, .xlsx or .json, or give --format"), out);
			return EXIT_USAGE;
		}
		if (named >= 0 && fmt >= 0 && named != fmt) {
			say(_("-o %s contradicts --format %s"), out, format_names[fmt]);
			return EXIT_USAGE;
		}
		if (fmt < 0)
			fmt = named;
	}
	if (fmt < 0)
		fmt = F_MD;
	if (fmt == F_XLSX && out == NULL && isatty(STDOUT_FILENO)) {
		say("%s", _("an xlsx workbook is not for a terminal: use -o FILE"));
		return EXIT_USAGE;
	}

	rc = report_build(argv[optind], &o, &r, &d);
	/* notices (an encoding detected) and warnings, whatever happened */
	if (d.notes)
		fputs(d.notes, stderr);
	if (rc != 0) {
		rc = EXIT_FAILURE;
		if (d.text)
			fputs(d.text, stderr);
		else
			say("%s", _("failed"));
		if (d.count > 1)
			say(P_("%d error", "%d errors", d.count), d.count);
		goto out;
	}
	rc = write_report(&r, (enum format)fmt, out) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
	report_free(&r);
	diag_free(&d);
	return rc;
}
