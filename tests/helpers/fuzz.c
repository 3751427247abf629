// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz - grammar-aware fuzzer for the writable debugfs files of a proclab
 * module.
 *
 *   fuzz [-c] [-g GRAMMAR] [-s SEED] [-n WRITES] [-w WRITERS] [-r READERS]
 *        [-b SECONDS] [-W 'PATH [VERB...]=WEIGHT']... DIR
 *   fuzz --selftest
 *
 * DIR is a module's directory (/sys/kernel/debug/proclab/ds). Every file
 * named "grammar" below it describes the writable files of its directory,
 * one command per line:
 *
 *   FILE [VERB...] [ARG...]     ARG: int:MIN:MAX, uint:MIN:MAX, hex:MIN:MAX,
 *                               word:A|B|C (hex: 0x and 1 to 16 hex digits)
 *
 * (-g GRAMMAR reads the lines from GRAMMAR instead, FILE then relative to
 * DIR: for a grammar written by hand, or a deliberately wrong one.)
 *
 * First the coverage check: every file below DIR with a write permission
 * bit must be named by a grammar, and every FILE a grammar names must exist
 * with mode 0600. -c stops there.
 *
 * Then, for each writable file, WRITERS threads (default 3) write WRITES
 * commands in all (default 2000; PROCLAB_FUZZ_WRITES) while READERS threads
 * (default 2) read every file below DIR, and a thread sends SIGUSR1 (no
 * SA_RESTART) to the writers now and then so that long work sees signals.
 * The commands: valid ones from the grammar (each argument at its
 * boundaries, 0, or random in range; a grammar line's share is its weight,
 * default 100, -W changes it), and mutations: empty and whitespace-only
 * writes, NUL bytes, bytes that are not UTF-8, control characters, writes of
 * 127 to 65536 bytes, unknown verbs, missing, extra and out-of-range
 * arguments, numbers at the i64/u64 edges and malformed, split writes (one
 * command in two write() calls on one fd), a second command on the same fd,
 * pwrite() at a nonzero offset, and concatenated commands. Every buffer ends
 * just before an inaccessible page, so a module that reads past the length
 * it was given gets EFAULT.
 *
 * The oracle of a write is the command contract (rust/proclab/cmd.rs): a
 * command the grammar accepts is written in full or refused with a documented
 * errno other than EINVAL (EBUSY ENOSPC ENOENT EEXIST ESRCH EINTR ENOMEM ENODEV
 * ERANGE, the last for arguments each in range but not together); a
 * malformed one (no grammar line matches, more than 128 bytes, not UTF-8, a
 * control character, empty, at a nonzero offset) is refused with EINVAL (a
 * pwrite() also with ESPIPE: a stream file's VFS refuses it before the
 * module sees it); a
 * command whose only irregularity is its spacing (tabs, two spaces, leading
 * zeros) may be either. Anything else fails: a short write, another errno,
 * a write that takes more than -b seconds (default 10). A read must return
 * >= 0 or a documented errno, within the same bound. A write or read still
 * running after 6 times the bound is reported as stuck and the fuzzer exits
 * at once.
 *
 * The command sequence of each writer is a function of the seed, the file
 * and the thread (PROCLAB_FUZZ_SEED=N or -s N repeats it); the interleaving
 * of the threads is not. Output: KTAP diagnostic lines ("# ..."): the seed,
 * per file the writes, the accepted ones and the count of each errno, and
 * every failure (the first 10 per file, with the bytes written). Exit
 * status: 0 clean, 1 a failure, 2 a usage, grammar or coverage error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CMD_MAX 128		/* the longest command a file takes */
#define BIG_MAX 65536		/* the longest write the fuzzer makes */
#define MAX_FILES 256
#define MAX_LINES 1024
#define MAX_TOKS 16
#define MAX_FAILS_SHOWN 10
#define NERR 600

typedef __int128 i128;

enum cls { VALID, INVALID, EITHER };
static const char *const cls_name[] = { "valid", "malformed", "either" };

enum { T_LIT, T_INT, T_UINT, T_HEX, T_WORD };

struct tok {
	int kind;
	char *lit;		/* T_LIT */
	i128 min, max;		/* T_INT, T_UINT, T_HEX */
	char *words[16];	/* T_WORD */
	int nwords;
};

struct gline {
	int file;
	char *text;		/* the line, for messages */
	struct tok t[MAX_TOKS];
	int nt;
	unsigned weight;
	long accepted;
};

struct wfile {
	char *rel;		/* path below DIR */
	char *path;
	int lines[MAX_LINES];
	int nlines;
	unsigned long total_weight;
	/* statistics (atomic) */
	long writes, accepted, fails, cls[3];
	long err[NERR];
	pthread_mutex_t lock;	/* slowest, slowest_cmd */
	double slowest;
	char slowest_cmd[96];
};

struct rfile {
	char *rel;
	char *path;
	mode_t mode;
};

static struct gline lines[MAX_LINES];
static int nlines;
static struct wfile wfiles[MAX_FILES];
static int nwfiles;
static struct rfile rfiles[MAX_FILES];
static int nrfiles;

static const char *root;
static unsigned long long seed;
static long writes_per_file = 2000;
static int writers_per_file = 3;
static int nreaders = 2;
static double bound = 10;
static volatile int done;
static long reads, read_bytes, read_fails;
static int bad_setup;

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	fputs("# fuzz: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- random numbers: splitmix64, one state per thread ---------------- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rn(uint64_t *s, unsigned n)
{
	return n ? (unsigned)(rnd(s) % n) : 0;
}

/* ---- numbers -------------------------------------------------------- */

static void i128_str(i128 v, char *out)
{
	char tmp[48];
	int n = 0, neg = v < 0;
	unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;

	do {
		tmp[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	if (neg)
		*out++ = '-';
	while (n)
		*out++ = tmp[--n];
	*out = 0;
}

/*
 * A number as rust/proclab/cmd.rs reads it: 1 to 20 digits (a '-' first if
 * sign), no overflow of u64. Sets *lz for a leading zero ("007", "-0").
 */
static int parse_num(const char *w, size_t n, int sign, i128 *v, int *lz)
{
	unsigned __int128 u = 0;
	int neg = 0;
	size_t i;

	if (sign && n && w[0] == '-') {
		neg = 1;
		w++;
		n--;
	}
	if (n == 0 || n > 20)
		return 0;
	for (i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return 0;
		u = u * 10 + (unsigned)(w[i] - '0');
	}
	if (u > UINT64_MAX)
		return 0;
	if ((w[0] == '0' && n > 1) || (neg && u == 0))
		*lz = 1;
	*v = neg ? -(i128)u : (i128)u;
	return 1;
}

/* A hex number as the modules read one: 0x and 1 to 16 hex digits. */
static int parse_hex(const char *w, size_t n, i128 *v)
{
	unsigned __int128 u = 0;
	size_t i;

	if (n < 3 || n > 18 || w[0] != '0' || w[1] != 'x')
		return 0;
	for (i = 2; i < n; i++) {
		char c = w[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return 0;
		u = u * 16 + d;
	}
	*v = (i128)u;
	return 1;
}

/* ---- the grammar ----------------------------------------------------- */

static int parse_bound(const char *s, const char *end, i128 *v)
{
	int lz = 0;

	return parse_num(s, (size_t)(end - s), 1, v, &lz);
}

static int add_file(const char *rel);

/*
 * One grammar line. FILE is a name in the grammar's directory PREFIX (below
 * DIR), or with PATHS (-g) a path below DIR.
 */
static int parse_line(char *text, const char *prefix, int paths, const char *where)
{
	struct gline *g;
	char *save, *w, rel[512];
	int f;

	text[strcspn(text, "\n")] = 0;
	w = text + strspn(text, " \t");
	if (!*w || *w == '#')
		return 0;
	if (nlines == MAX_LINES) {
		say("FAIL %s: more than %d grammar lines", where, MAX_LINES);
		return -1;
	}
	g = &lines[nlines];
	g->text = strdup(w);
	g->weight = 100;
	w = strtok_r(text, " \t", &save);
	if (!paths && strchr(w, '/')) {
		say("FAIL %s: '%s': FILE is a name in the grammar's directory", where, g->text);
		return -1;
	}
	snprintf(rel, sizeof(rel), "%s%s", prefix, w);
	f = add_file(rel);
	if (f < 0)
		return -1;
	g->file = f;
	while ((w = strtok_r(NULL, " \t", &save))) {
		struct tok *t = &g->t[g->nt];
		char *c1, *c2;

		if (g->nt == MAX_TOKS) {
			say("FAIL %s: '%s': too many words", where, g->text);
			return -1;
		}
		c1 = strchr(w, ':');
		if (!c1) {
			t->kind = T_LIT;
			t->lit = strdup(w);
		} else if (!strncmp(w, "word:", 5)) {
			char *s2, *a;

			t->kind = T_WORD;
			for (a = strtok_r(w + 5, "|", &s2); a && t->nwords < 16;
			     a = strtok_r(NULL, "|", &s2))
				t->words[t->nwords++] = strdup(a);
			if (!t->nwords)
				goto bad;
		} else if ((!strncmp(w, "int:", 4) || !strncmp(w, "uint:", 5) ||
			    !strncmp(w, "hex:", 4)) &&
			   (c2 = strchr(c1 + 1, ':'))) {
			t->kind = w[0] == 'i' ? T_INT : w[0] == 'h' ? T_HEX : T_UINT;
			if (!parse_bound(c1 + 1, c2, &t->min) ||
			    !parse_bound(c2 + 1, c2 + 1 + strlen(c2 + 1), &t->max) ||
			    t->min > t->max || (t->kind != T_INT && t->min < 0) ||
			    (t->kind == T_HEX && t->max > UINT64_MAX) ||
			    (t->kind == T_INT && (t->min < INT64_MIN || t->max > INT64_MAX)))
				goto bad;
		} else {
			goto bad;
		}
		g->nt++;
	}
	wfiles[f].lines[wfiles[f].nlines++] = nlines;
	nlines++;
	return 0;
bad:
	say("FAIL %s: '%s': cannot read the argument '%s'", where, g->text, w);
	return -1;
}

static int read_grammar(const char *path, const char *prefix, int paths)
{
	char buf[1024];
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f) {
		say("FAIL %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), f))
		if (parse_line(buf, prefix, paths, path))
			ret = -1;
	fclose(f);
	return ret;
}

static int add_file(const char *rel)
{
	int i;

	for (i = 0; i < nwfiles; i++)
		if (!strcmp(wfiles[i].rel, rel))
			return i;
	if (nwfiles == MAX_FILES)
		return -1;
	wfiles[i].rel = strdup(rel);
	if (asprintf(&wfiles[i].path, "%s/%s", root, rel) < 0)
		return -1;
	pthread_mutex_init(&wfiles[i].lock, NULL);
	return nwfiles++;
}

/* ---- the tree: every regular file, and the grammar files ------------- */

static int cmp_rfile(const void *a, const void *b)
{
	return strcmp(((const struct rfile *)a)->rel, ((const struct rfile *)b)->rel);
}

static void walk(const char *rel)
{
	char *dpath;
	struct dirent *e;
	DIR *d;

	if (asprintf(&dpath, "%s%s%s", root, *rel ? "/" : "", rel) < 0)
		return;
	d = opendir(dpath);
	if (!d) {
		say("FAIL %s: %s", dpath, strerror(errno));
		bad_setup = 1;
		free(dpath);
		return;
	}
	while ((e = readdir(d))) {
		char *r, *p;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&r, "%s%s%s", rel, *rel ? "/" : "", e->d_name) < 0 ||
		    asprintf(&p, "%s/%s", root, r) < 0)
			continue;
		if (lstat(p, &st)) {
			free(r);
			free(p);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			walk(r);
			free(r);
			free(p);
		} else if (S_ISREG(st.st_mode) && nrfiles < MAX_FILES) {
			rfiles[nrfiles].rel = r;
			rfiles[nrfiles].path = p;
			rfiles[nrfiles].mode = st.st_mode;
			nrfiles++;
		} else {
			free(r);
			free(p);
		}
	}
	closedir(d);
	free(dpath);
}

static int coverage(const char *grammar)
{
	int i, j, ret = 0;

	walk("");
	if (bad_setup)
		return -1;
	qsort(rfiles, (size_t)nrfiles, sizeof(rfiles[0]), cmp_rfile);
	if (grammar) {
		if (read_grammar(grammar, "", 1))
			ret = -1;
	} else {
		for (i = 0; i < nrfiles; i++) {
			const char *base = strrchr(rfiles[i].rel, '/');
			char prefix[512];

			base = base ? base + 1 : rfiles[i].rel;
			if (strcmp(base, "grammar"))
				continue;
			snprintf(prefix, sizeof(prefix), "%.*s", (int)(base - rfiles[i].rel),
				 rfiles[i].rel);
			if (read_grammar(rfiles[i].path, prefix, 0))
				ret = -1;
		}
	}
	for (i = 0; i < nrfiles; i++) {
		if (!(rfiles[i].mode & 0222))
			continue;
		for (j = 0; j < nwfiles; j++)
			if (!strcmp(wfiles[j].rel, rfiles[i].rel))
				break;
		if (j == nwfiles) {
			say("FAIL %s is writable (mode %04o) but no grammar names it",
			    rfiles[i].rel, rfiles[i].mode & 07777);
			ret = -1;
		}
	}
	for (j = 0; j < nwfiles; j++) {
		for (i = 0; i < nrfiles; i++)
			if (!strcmp(wfiles[j].rel, rfiles[i].rel))
				break;
		if (i == nrfiles) {
			say("FAIL the grammar names %s, which does not exist", wfiles[j].rel);
			ret = -1;
		} else if ((rfiles[i].mode & 07777) != 0600) {
			say("FAIL the grammar names %s, whose mode is %04o, not 0600",
			    wfiles[j].rel, rfiles[i].mode & 07777);
			ret = -1;
		}
	}
	return ret;
}

/* -W 'PATH [VERB...]=WEIGHT': every line of PATH that starts with VERB... */
static int set_weight(const char *spec)
{
	const char *eq = strrchr(spec, '=');
	size_t n;
	int i, hit = 0;

	if (!eq)
		return -1;
	n = (size_t)(eq - spec);
	for (i = 0; i < nlines; i++) {
		const char *rest = strpbrk(lines[i].text, " \t");
		char full[600];

		snprintf(full, sizeof(full), "%s%s", wfiles[lines[i].file].rel, rest ? rest : "");
		if (!strncmp(full, spec, n) && (full[n] == 0 || full[n] == ' ')) {
			lines[i].weight = (unsigned)atoi(eq + 1);
			hit = 1;
		}
	}
	if (!hit)
		say("note: -W '%s' matches no grammar line", spec);
	return 0;
}

/* ---- the classifier: what the contract says of a write --------------- */

/* Strict UTF-8 without the C1 controls (Rust's char::is_control). */
static int utf8_ok(const unsigned char *b, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = b[i], need, min;
		uint32_t cp;
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			need = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return 0;
		}
		if (i + need >= n)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((b[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (b[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return 0;
		i += need + 1;
	}
	return 1;
}

static int match_line(const struct gline *g, char **w, size_t *wl, int nw, int *lz)
{
	int i, k;

	if (g->nt != nw)
		return 0;
	for (i = 0; i < nw; i++) {
		const struct tok *t = &g->t[i];
		i128 v;

		switch (t->kind) {
		case T_LIT:
			if (strlen(t->lit) != wl[i] || memcmp(t->lit, w[i], wl[i]))
				return 0;
			break;
		case T_INT:
		case T_UINT:
			if (!parse_num(w[i], wl[i], t->kind == T_INT, &v, lz) ||
			    v < t->min || v > t->max)
				return 0;
			break;
		case T_HEX:
			if (!parse_hex(w[i], wl[i], &v) || v < t->min || v > t->max)
				return 0;
			break;
		case T_WORD:
			for (k = 0; k < t->nwords; k++)
				if (strlen(t->words[k]) == wl[i] &&
				    !memcmp(t->words[k], w[i], wl[i]))
					break;
			if (k == t->nwords)
				return 0;
			break;
		}
	}
	return 1;
}

/* The class of BUF written to file F in one write() at offset 0. */
static int classify(int f, const unsigned char *b, size_t n)
{
	char *w[64];
	size_t wl[64], i;
	int nw = 0, irregular = 0, k;

	if (n == 0 || n > CMD_MAX)
		return INVALID;
	if (b[n - 1] == '\n')
		n--;
	for (i = 0; i < n; i++)
		if ((b[i] < 0x20 && b[i] != ' ' && b[i] != '\t') || b[i] == 0x7f)
			return INVALID;
	if (!utf8_ok(b, n))
		return INVALID;
	for (i = 0; i < n;) {
		size_t s;

		if (b[i] == ' ' || b[i] == '\t') {
			if (b[i] == '\t' || i == 0 || i + 1 == n || b[i + 1] == ' ' ||
			    b[i + 1] == '\t')
				irregular = 1;
			i++;
			continue;
		}
		for (s = i; i < n && b[i] != ' ' && b[i] != '\t'; i++)
			;
		if (nw == 64)
			return INVALID;
		w[nw] = (char *)b + s;
		wl[nw++] = i - s;
	}
	if (!nw)
		return INVALID;
	for (k = 0; k < wfiles[f].nlines; k++) {
		int lz = 0;

		if (match_line(&lines[wfiles[f].lines[k]], w, wl, nw, &lz))
			return irregular || lz ? EITHER : VALID;
	}
	return INVALID;
}

/* The grammar line a valid command matched (for the per-line counts). */
static int line_of(int f, const unsigned char *b, size_t n)
{
	char *w[64];
	size_t wl[64], i;
	int nw = 0, k;

	if (n && b[n - 1] == '\n')
		n--;
	for (i = 0; i < n;) {
		size_t s;

		if (b[i] == ' ' || b[i] == '\t') {
			i++;
			continue;
		}
		for (s = i; i < n && b[i] != ' ' && b[i] != '\t'; i++)
			;
		if (nw == 64)
			return -1;
		w[nw] = (char *)b + s;
		wl[nw++] = i - s;
	}
	for (k = 0; k < wfiles[f].nlines; k++) {
		int lz = 0;

		if (match_line(&lines[wfiles[f].lines[k]], w, wl, nw, &lz))
			return wfiles[f].lines[k];
	}
	return -1;
}

/* ---- generating commands -------------------------------------------- */

struct sbuf {
	unsigned char b[BIG_MAX + 64];
	size_t n;
};

static void put(struct sbuf *s, const void *p, size_t n)
{
	if (s->n + n > BIG_MAX)
		n = BIG_MAX - s->n;
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void puts_(struct sbuf *s, const char *p)
{
	put(s, p, strlen(p));
}

static int pick_line(uint64_t *r, int f)
{
	unsigned long x;
	int k;

	if (!wfiles[f].total_weight)
		return wfiles[f].lines[rn(r, (unsigned)wfiles[f].nlines)];
	x = rnd(r) % wfiles[f].total_weight;
	for (k = 0; k < wfiles[f].nlines; k++) {
		unsigned w = lines[wfiles[f].lines[k]].weight;

		if (x < w)
			return wfiles[f].lines[k];
		x -= w;
	}
	return wfiles[f].lines[0];
}

/* A value of [min, max]: the edges, 0, small, or anywhere. */
static i128 pick_in(uint64_t *r, i128 min, i128 max)
{
	unsigned __int128 span = (unsigned __int128)(max - min) + 1, x;
	unsigned p = rn(r, 100);

	if (p < 10)
		return min;
	if (p < 20)
		return max;
	if (p < 25)
		return min + 1 <= max ? min + 1 : min;
	if (p < 30)
		return max - 1 >= min ? max - 1 : max;
	if (p < 35)
		return min <= 0 && max >= 0 ? 0 : min;
	if (p < 80)	/* small: log-uniform above min */
		x = (unsigned __int128)(rnd(r) >> rn(r, 64));
	else
		x = ((unsigned __int128)rnd(r) << 64) | rnd(r);
	return min + (i128)(x % span);
}

static void put_num(struct sbuf *s, i128 v)
{
	char tmp[48];

	i128_str(v, tmp);
	puts_(s, tmp);
}

static void put_tok(uint64_t *r, struct sbuf *s, const struct tok *t)
{
	switch (t->kind) {
	case T_LIT:
		puts_(s, t->lit);
		break;
	case T_INT:
	case T_UINT:
		put_num(s, pick_in(r, t->min, t->max));
		break;
	case T_HEX: {
		char tmp[24];

		snprintf(tmp, sizeof(tmp), "0x%llx",
			 (unsigned long long)pick_in(r, t->min, t->max));
		puts_(s, tmp);
		break;
	}
	case T_WORD:
		puts_(s, t->words[rn(r, (unsigned)t->nwords)]);
		break;
	}
}

/* A valid command of line L: the words joined by single spaces. */
static void gen_valid(uint64_t *r, struct sbuf *s, int l, int newline)
{
	int i;

	for (i = 0; i < lines[l].nt; i++) {
		if (i)
			puts_(s, " ");
		put_tok(r, s, &lines[l].t[i]);
	}
	if (newline)
		puts_(s, "\n");
}

/* A number that is at, beyond or outside the edges, or no number. */
static void put_bad_num(uint64_t *r, struct sbuf *s, const struct tok *t)
{
	static const char *const odd[] = {
		"-1", "0", "-0", "00", "007", "+1", "0x10", "1e3", "1.5", "", "-",
		"--1", "1a", "a1", " 1", "1 ", "\xd9\xa1", "\xef\xbc\x91",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"-9223372036854775809", "18446744073709551615", "18446744073709551616",
		"18446744073709551617", "99999999999999999999999999999999",
		"000000000000000000001", "4294967296", "-4294967296", "2147483648",
	};
	i128 min = t->kind == T_LIT || t->kind == T_WORD ? 0 : t->min;
	i128 max = t->kind == T_LIT || t->kind == T_WORD ? 0 : t->max;

	if (t->kind == T_HEX && rn(r, 2)) {
		/* Past the edges in hex, or a hex number written wrong. */
		static const char *const odd_hex[] = {
			"0x", "0X10", "x10", "0x-1", "0x+1", "0x1g", "0x 1", "0x00000000000000001",
			"0x10000000000000000", "0xffffffffffffffff", "0x0",
		};
		char tmp[40];

		switch (rn(r, 3)) {
		case 0:
			if (min > 0)
				snprintf(tmp, sizeof(tmp), "0x%llx", (unsigned long long)(min - 1));
			else
				snprintf(tmp, sizeof(tmp), "-0x1");
			puts_(s, tmp);
			break;
		case 1:
			if (max < UINT64_MAX)
				snprintf(tmp, sizeof(tmp), "0x%llx", (unsigned long long)(max + 1));
			else
				snprintf(tmp, sizeof(tmp), "0x10000000000000000");
			puts_(s, tmp);
			break;
		default:
			puts_(s, odd_hex[rn(r, sizeof(odd_hex) / sizeof(odd_hex[0]))]);
			break;
		}
		return;
	}
	switch (rn(r, 4)) {
	case 0:
		put_num(s, min - 1);
		break;
	case 1:
		put_num(s, max + 1);
		break;
	case 2:
		put_num(s, (rn(r, 2) ? min : max) + (i128)(rn(r, 5)) - 2);
		break;
	default:
		puts_(s, odd[rn(r, sizeof(odd) / sizeof(odd[0]))]);
		break;
	}
}

static const char *const junk_words[] = {
	"foo", "INSERT", "help", "1", "-1", "clear1", "clearx", "Clear", "cl",
	"\xc3\xa9t\xc3\xa9", "a\xc2\xa0" "b", "\xf0\x9f\x98\x80", "%s%n", "../",
	"start", "stop", "add", "del", "set", "weight", "ring", "insert", "erase",
	"experiment", "zero", "pop", "store", "run", "fill", "cpus", "big", "nice",
};

/* The verb of a valid command replaced, shortened, extended or foreign. */
static void gen_verb(uint64_t *r, struct sbuf *s, int f)
{
	int l = pick_line(r, f), i;

	for (i = 0; i < lines[l].nt; i++) {
		const struct tok *t = &lines[l].t[i];

		if (i)
			puts_(s, " ");
		if (i == 0 || (t->kind == T_LIT && rn(r, 2))) {
			switch (rn(r, 4)) {
			case 0:
				puts_(s, junk_words[rn(r, sizeof(junk_words) / sizeof(junk_words[0]))]);
				break;
			case 1:	/* a verb of another line, maybe of another file */
			{
				const struct gline *o = &lines[rn(r, (unsigned)nlines)];

				if (o->nt)
					put_tok(r, s, &o->t[0]);
				break;
			}
			case 2:
				if (t->kind == T_LIT)
					put(s, t->lit, strlen(t->lit) - (strlen(t->lit) > 1));
				break;
			default:
				put_tok(r, s, t);
				puts_(s, rn(r, 2) ? "x" : "_");
				break;
			}
		} else {
			put_tok(r, s, t);
		}
	}
	if (lines[l].nt == 0)
		puts_(s, junk_words[rn(r, sizeof(junk_words) / sizeof(junk_words[0]))]);
	if (rn(r, 2))
		puts_(s, "\n");
}

/* One argument out of range, malformed or of the wrong kind. */
static void gen_arg(uint64_t *r, struct sbuf *s, int f)
{
	int l = pick_line(r, f), i, bad;

	bad = lines[l].nt ? (int)rn(r, (unsigned)lines[l].nt) : -1;
	for (i = 0; i < lines[l].nt; i++) {
		const struct tok *t = &lines[l].t[i];

		if (i)
			puts_(s, " ");
		if (i != bad)
			put_tok(r, s, t);
		else if (t->kind == T_WORD && rn(r, 2))
			puts_(s, junk_words[rn(r, sizeof(junk_words) / sizeof(junk_words[0]))]);
		else
			put_bad_num(r, s, t);
	}
	if (rn(r, 2))
		puts_(s, "\n");
}

/* Words left off the end, or words added. */
static void gen_count(uint64_t *r, struct sbuf *s, int f)
{
	int l = pick_line(r, f), i, nt = lines[l].nt, keep;

	if (rn(r, 2) && nt) {
		keep = (int)rn(r, (unsigned)nt);
		for (i = 0; i < keep; i++) {
			if (i)
				puts_(s, " ");
			put_tok(r, s, &lines[l].t[i]);
		}
	} else {
		gen_valid(r, s, l, 0);
		for (i = (int)rn(r, 3); i >= 0; i--) {
			puts_(s, " ");
			if (rn(r, 2))
				put_num(s, (i128)rn(r, 100));
			else
				puts_(s, junk_words[rn(r, sizeof(junk_words) / sizeof(junk_words[0]))]);
		}
	}
	if (rn(r, 2))
		puts_(s, "\n");
}

/* A valid command with its spacing changed: tabs, doubled, leading, trailing. */
static void gen_space(uint64_t *r, struct sbuf *s, int f)
{
	static const char *const sp[] = { " ", "  ", "\t", " \t ", "\t\t" };
	int l = pick_line(r, f), i;

	if (rn(r, 2))
		puts_(s, sp[rn(r, 5)]);
	for (i = 0; i < lines[l].nt; i++) {
		if (i)
			puts_(s, sp[rn(r, 5)]);
		put_tok(r, s, &lines[l].t[i]);
	}
	if (rn(r, 2))
		puts_(s, sp[rn(r, 5)]);
	if (rn(r, 2))
		puts_(s, "\n");
}

/* A byte sequence inserted into (or replacing the end of) a valid command. */
static void gen_bytes(uint64_t *r, struct sbuf *s, int f, int kind)
{
	static const char *const ctl[] = {
		"\r", "\x1b", "\x7f", "\x01", "\v", "\f", "\b", "\n", "\n\n", "\r\n",
		"\xc2\x85", "\xc2\x80", "\xc2\x9f", "\x1b[2J",
	};
	static const char *const notutf8[] = {
		"\xff", "\xfe", "\x80", "\xbf", "\xc0\xaf", "\xc1\x81", "\xe0\x80\x80",
		"\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xe2\x82", "\xc3", "\xf0\x9f\x98",
	};
	struct sbuf tmp;
	size_t at;
	const char *ins;
	size_t insn;

	tmp.n = 0;
	gen_valid(r, &tmp, pick_line(r, f), (int)rn(r, 2));
	switch (kind) {
	case 0:	/* NUL bytes */
		ins = "\0\0\0\0";
		insn = 1 + rn(r, 4);
		break;
	case 1:
		ins = ctl[rn(r, sizeof(ctl) / sizeof(ctl[0]))];
		insn = strlen(ins);
		break;
	default:
		ins = notutf8[rn(r, sizeof(notutf8) / sizeof(notutf8[0]))];
		insn = strlen(ins);
		break;
	}
	at = rn(r, (unsigned)tmp.n + 1);
	put(s, tmp.b, at);
	put(s, ins, insn);
	put(s, tmp.b + at, tmp.n - at);
}

/* Long writes: a valid command padded to 127..65536 bytes. */
static void gen_long(uint64_t *r, struct sbuf *s, int f)
{
	static const size_t sizes[] = { 127, 128, 129, 130, 200, 255, 256, 4095, 4096,
					4097, 8192, 65536 };
	size_t want = sizes[rn(r, sizeof(sizes) / sizeof(sizes[0]))];
	int how = (int)rn(r, 3);

	if (how == 2) {	/* a number with very many digits */
		gen_valid(r, s, pick_line(r, f), 0);
		puts_(s, " 1");
		while (s->n < want)
			puts_(s, "0");
		return;
	}
	gen_valid(r, s, pick_line(r, f), 0);
	while (s->n + 1 < want)
		puts_(s, how ? " " : "a");
	puts_(s, "\n");
	s->n = s->n > want ? want : s->n;
}

/* Whitespace only, or nothing at all. */
static void gen_blank(uint64_t *r, struct sbuf *s)
{
	static const char *const b[] = { "", " ", "\n", "\t", " \n", "\t \t\n", "  ", "\n\n" };

	puts_(s, b[rn(r, sizeof(b) / sizeof(b[0]))]);
}

/* Two to four valid commands, one after the other. */
static void gen_concat(uint64_t *r, struct sbuf *s, int f)
{
	static const char *const sep[] = { " ", "\n", ";", "", "\t", " ; " };
	int n = 2 + (int)rn(r, 3), i;
	const char *j = sep[rn(r, sizeof(sep) / sizeof(sep[0]))];

	for (i = 0; i < n; i++) {
		if (i)
			puts_(s, j);
		gen_valid(r, s, pick_line(r, f), 0);
	}
	if (rn(r, 2))
		puts_(s, "\n");
}

/* Random bytes; or a valid command of another file. */
static void gen_random(uint64_t *r, struct sbuf *s)
{
	size_t n = 1 + rn(r, 140), i;

	if (rn(r, 2)) {
		gen_valid(r, s, (int)rn(r, (unsigned)nlines), (int)rn(r, 2));
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)(rn(r, 4) ? 0x20 + rn(r, 0x5f) : rnd(r));

		put(s, &c, 1);
	}
}

/* ---- the writers ----------------------------------------------------- */

enum op { OP_WRITE, OP_SPLIT, OP_TWICE, OP_PWRITE };

struct writer {
	pthread_t tid;
	int file, idx;
	uint64_t rng;
	unsigned char *page;		/* BIG_MAX + a page, then a PROT_NONE page */
	size_t pagelen;
	volatile double busy_since;	/* 0: not in a system call */
	const unsigned char *busy_buf;
	volatile size_t busy_len;
	const char *volatile busy_what;
	volatile int finished;		/* joined only after the signaller stops */
};

static struct writer *writers;
static int nwriters;

static const int documented[] = {
	EBUSY, ENOSPC, ENOENT, EEXIST, ESRCH, EINTR, ENOMEM, ENODEV, ERANGE
};

static int is_documented(int e)
{
	size_t i;

	for (i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		if (documented[i] == e)
			return 1;
	return 0;
}

static void escape(const unsigned char *b, size_t n, char *out, size_t outn)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 8 < outn; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\' && b[i] != '\'')
			out[o++] = (char)b[i];
		else
			o += (size_t)snprintf(out + o, outn - o, "\\x%02x", b[i]);
	}
	if (i < n)
		o += (size_t)snprintf(out + o, outn - o, "...");
	out[o] = 0;
}

static const char *errname(int e)
{
	static const struct { int e; const char *n; } names[] = {
		{ EINVAL, "EINVAL" }, { EBUSY, "EBUSY" }, { ENOSPC, "ENOSPC" },
		{ ENOENT, "ENOENT" }, { EEXIST, "EEXIST" }, { ESRCH, "ESRCH" },
		{ EINTR, "EINTR" }, { ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" },
		{ EPERM, "EPERM" }, { EACCES, "EACCES" }, { ESPIPE, "ESPIPE" },
		{ ENODEV, "ENODEV" }, { EIO, "EIO" }, { ERANGE, "ERANGE" },
		{ E2BIG, "E2BIG" }, { EOVERFLOW, "EOVERFLOW" }, { EAGAIN, "EAGAIN" },
		{ ENXIO, "ENXIO" }, { EBADF, "EBADF" }, { 524, "ENOTSUPP" }, { 512, "ERESTARTSYS" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOEXEC, "ENOEXEC" },
	};
	static __thread char buf[16];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* Counts a failure in *count: nonzero while it is one of the first MAX_FAILS_SHOWN. */
static int fail_counted(long *count)
{
	return __atomic_add_fetch(count, 1, __ATOMIC_RELAXED) <= MAX_FAILS_SHOWN;
}

static void fail(struct writer *w, const unsigned char *b, size_t n, const char *how,
		 const char *fmt, ...)
{
	struct wfile *f = &wfiles[w->file];
	char esc[400], why[200];
	va_list ap;

	if (!fail_counted(&f->fails))
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	escape(b, n, esc, sizeof(esc));
	say("FAIL %s: %s '%s' (%zu bytes): %s", f->rel, how, esc, n, why);
}

/* One system call and its oracle. Returns 1 if the write was accepted. */
static int check_write(struct writer *w, int fd, const unsigned char *b, size_t n, off_t off,
		       int cls, const char *how)
{
	struct wfile *f = &wfiles[w->file];
	unsigned char *at = w->page + w->pagelen - n;	/* ends at the guard page */
	ssize_t ret;
	double t0, dt;
	int e;

	memmove(at, b, n);
	w->busy_buf = at;
	w->busy_len = n;
	w->busy_what = off ? "pwrite()" : "write()";
	t0 = now();
	w->busy_since = t0;
	ret = off ? pwrite(fd, at, n, off) : write(fd, at, n);
	e = errno;
	dt = now() - t0;
	w->busy_since = 0;
	__atomic_add_fetch(&f->writes, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&f->cls[cls], 1, __ATOMIC_RELAXED);
	if (ret >= 0)
		__atomic_add_fetch(&f->accepted, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&f->err[e < NERR ? e : 0], 1, __ATOMIC_RELAXED);
	if (dt > f->slowest) {
		pthread_mutex_lock(&f->lock);
		if (dt > f->slowest) {
			f->slowest = dt;
			escape(at, n < 40 ? n : 40, f->slowest_cmd, sizeof(f->slowest_cmd));
		}
		pthread_mutex_unlock(&f->lock);
	}
	if (dt > bound)
		fail(w, at, n, how, "took %.1f s (more than %.0f s)", dt, bound);
	if (ret >= 0 && (size_t)ret != n) {
		fail(w, at, n, how, "short write: %zd of %zu bytes", ret, n);
		return 0;
	}
	if (ret >= 0) {
		if (cls == INVALID)
			fail(w, at, n, how, "malformed, but accepted");
		if (cls == VALID) {
			int l = line_of(w->file, at, n);

			if (l >= 0)
				__atomic_add_fetch(&lines[l].accepted, 1, __ATOMIC_RELAXED);
		}
		return 1;
	}
	if (e == ESPIPE && off) {
		/* pwrite() on a file opened without FMODE_PWRITE: the VFS refuses it */
	} else if (e == EINVAL) {
		if (cls == VALID)
			fail(w, at, n, how, "a command of the grammar refused with EINVAL");
	} else if (!is_documented(e)) {
		fail(w, at, n, how, "%s, not a documented errno", errname(e));
	} else if (cls == INVALID) {
		fail(w, at, n, how, "malformed, refused with %s, not EINVAL", errname(e));
	}
	return 0;
}

static int open_w(struct writer *w)
{
	int fd;

	w->busy_what = "open() of";
	w->busy_len = 0;
	w->busy_since = now();
	do
		fd = open(wfiles[w->file].path, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	w->busy_since = 0;
	if (fd < 0)
		fail(w, (const unsigned char *)"", 0, "open", "%s", strerror(errno));
	return fd;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct sbuf *s = malloc(sizeof(*s)), *s2 = malloc(sizeof(*s2));
	long quota = writes_per_file / writers_per_file, done_here = 0;
	int fid = w->file;

	if (w->idx < writes_per_file % writers_per_file)
		quota++;
	while (done_here < quota) {
		unsigned p = rn(&w->rng, 100);
		int op = OP_WRITE, fd, ok;
		size_t k;
		off_t off = 0;

		s->n = 0;
		s2->n = 0;
		if (p < 40) {
			gen_valid(&w->rng, s, pick_line(&w->rng, fid), (int)rn(&w->rng, 2));
		} else if (p < 45) {
			op = OP_SPLIT;
			if (rn(&w->rng, 4))
				gen_valid(&w->rng, s, pick_line(&w->rng, fid), (int)rn(&w->rng, 2));
			else
				gen_random(&w->rng, s);
		} else if (p < 48) {
			op = OP_TWICE;
			gen_valid(&w->rng, s, pick_line(&w->rng, fid), (int)rn(&w->rng, 2));
			gen_valid(&w->rng, s2, pick_line(&w->rng, fid), (int)rn(&w->rng, 2));
		} else if (p < 51) {
			static const off_t offs[] = { 1, 2, 5, 64, 127, 128, 4096, 1 << 20 };

			op = OP_PWRITE;
			off = offs[rn(&w->rng, sizeof(offs) / sizeof(offs[0]))];
			gen_valid(&w->rng, s, pick_line(&w->rng, fid), (int)rn(&w->rng, 2));
		} else {
			switch (rn(&w->rng, 12)) {
			case 0: gen_blank(&w->rng, s); break;
			case 1: gen_bytes(&w->rng, s, fid, 0); break;
			case 2: gen_bytes(&w->rng, s, fid, 1); break;
			case 3: gen_bytes(&w->rng, s, fid, 2); break;
			case 4: gen_long(&w->rng, s, fid); break;
			case 5: gen_verb(&w->rng, s, fid); break;
			case 6: case 7: gen_arg(&w->rng, s, fid); break;
			case 8: gen_count(&w->rng, s, fid); break;
			case 9: gen_space(&w->rng, s, fid); break;
			case 10: gen_concat(&w->rng, s, fid); break;
			default: gen_random(&w->rng, s); break;
			}
		}
		fd = open_w(w);
		if (fd < 0)
			break;
		switch (op) {
		case OP_WRITE:
			check_write(w, fd, s->b, s->n, 0, classify(fid, s->b, s->n), "write");
			done_here++;
			break;
		case OP_PWRITE:
			check_write(w, fd, s->b, s->n, off, INVALID, "pwrite at a nonzero offset");
			done_here++;
			break;
		case OP_SPLIT:
			k = s->n > 1 ? 1 + rn(&w->rng, (unsigned)s->n - 1) : s->n;
			ok = check_write(w, fd, s->b, k, 0, classify(fid, s->b, k),
					 "split write, first part");
			check_write(w, fd, s->b + k, s->n - k, 0,
				    ok ? INVALID : classify(fid, s->b + k, s->n - k),
				    ok ? "split write, second part after an accepted first"
				       : "split write, second part after a refused first");
			done_here += 2;
			break;
		case OP_TWICE:
			ok = check_write(w, fd, s->b, s->n, 0, classify(fid, s->b, s->n),
					 "write");
			check_write(w, fd, s2->b, s2->n, 0,
				    ok ? INVALID : classify(fid, s2->b, s2->n),
				    ok ? "second write on one fd after an accepted first"
				       : "second write on one fd after a refused first");
			done_here += 2;
			break;
		}
		close(fd);
	}
	free(s);
	free(s2);
	w->finished = 1;
	return NULL;
}

/* ---- the readers ------------------------------------------------------ */

struct reader {
	pthread_t tid;
	uint64_t rng;
	volatile double busy_since;
	const char *busy_what;
	const char *busy_path;
};

static struct reader *readers;

static void read_fail(const char *path, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	if (!fail_counted(&read_fails))
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	say("FAIL read %s: %s", path, why);
}

static void *reader_main(void *arg)
{
	static const size_t sizes[] = { 1, 13, 512, 4096, 4096, 65536 };
	struct reader *rd = arg;
	char *buf = malloc(65536);

	while (!done) {
		const struct rfile *f = &rfiles[rn(&rd->rng, (unsigned)nrfiles)];
		size_t sz = sizes[rn(&rd->rng, sizeof(sizes) / sizeof(sizes[0]))];
		long total = 0;
		int fd;

		rd->busy_path = f->rel;
		rd->busy_what = "open() of";
		rd->busy_since = now();
		do
			fd = open(f->path, O_RDONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		rd->busy_since = 0;
		if (fd < 0) {
			read_fail(f->rel, "open: %s", strerror(errno));
			continue;
		}
		rd->busy_what = "read() of";
		for (;;) {
			double t0 = now(), dt;
			ssize_t n;
			int e;

			rd->busy_since = t0;
			if (rn(&rd->rng, 16) == 0)
				n = pread(fd, buf, sz, (off_t)rn(&rd->rng, 8192));
			else
				n = read(fd, buf, sz);
			e = errno;
			dt = now() - t0;
			rd->busy_since = 0;
			__atomic_add_fetch(&reads, 1, __ATOMIC_RELAXED);
			if (dt > bound)
				read_fail(f->rel, "read() took %.1f s", dt);
			if (n < 0) {
				if (!is_documented(e) && e != EINVAL)
					read_fail(f->rel, "%s, not a documented errno", errname(e));
				break;
			}
			if (n > (ssize_t)sz)
				read_fail(f->rel, "read() returned %zd for %zu bytes", n, sz);
			__atomic_add_fetch(&read_bytes, n, __ATOMIC_RELAXED);
			total += n;
			if (n == 0 || total > (4 << 20) || done)
				break;
		}
		close(fd);
	}
	free(buf);
	return NULL;
}

/* ---- signals ---------------------------------------------------------- */

static void on_usr1(int sig)
{
	(void)sig;
}

static void *signaller_main(void *arg)
{
	uint64_t r = seed ^ 0x5151;

	(void)arg;
	while (!done) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		struct writer *w = &writers[rn(&r, (unsigned)nwriters)];

		nanosleep(&ts, NULL);
		if (!w->finished)	/* not joined yet, so its tid is still valid */
			pthread_kill(w->tid, SIGUSR1);
	}
	return NULL;
}

/* ---- self test of the classifier -------------------------------------- */

static int selftest(void)
{
	static const char *const g[] = {
		"c insert uint:0:18446744073709551615", "c fill uint:0:100000 uint:0:100",
		"c add int:-20:19", "c clear", "c set word:cpus|big uint:0:1",
		"c experiment nice int:-20:19 int:-20:19 int:100:10000",
		"c big int:-9223372036854775808:9223372036854775807", "p uint:1:32768",
		"h uint:1:32768 hex:0:140737488355327",
	};
	static const struct { const char *f, *s; size_t n; int c; } t[] = {
		{ "c", "insert 5", 0, VALID }, { "c", "insert 5\n", 0, VALID },
		{ "c", "insert 18446744073709551615", 0, VALID },
		{ "c", "insert 18446744073709551616", 0, INVALID },
		{ "c", "insert -1", 0, INVALID }, { "c", "insert -0", 0, INVALID },
		{ "c", "insert 05", 0, EITHER }, { "c", "insert  5", 0, EITHER },
		{ "c", "insert\t5", 0, EITHER }, { "c", " insert 5", 0, EITHER },
		{ "c", "insert 5 \n", 0, EITHER }, { "c", "insert 5\n\n", 0, INVALID },
		{ "c", "insert 5\r\n", 0, INVALID }, { "c", "insert 5\0", 9, INVALID },
		{ "c", "insert +5", 0, INVALID }, { "c", "insert 0x5", 0, INVALID },
		{ "c", "insert", 0, INVALID }, { "c", "insert 5 6", 0, INVALID },
		{ "c", "", 0, INVALID }, { "c", " ", 0, INVALID }, { "c", "\n", 0, INVALID },
		{ "c", "clear", 0, VALID }, { "c", "clear\n", 0, VALID },
		{ "c", "Clear", 0, INVALID }, { "c", "clear 1", 0, INVALID },
		{ "c", "add -20", 0, VALID }, { "c", "add 19", 0, VALID },
		{ "c", "add -21", 0, INVALID }, { "c", "add 20", 0, INVALID },
		{ "c", "add -0", 0, EITHER }, { "c", "set cpus 1", 0, VALID },
		{ "c", "set big 0", 0, VALID }, { "c", "set bog 0", 0, INVALID },
		{ "c", "experiment nice 0 19 100", 0, VALID },
		{ "c", "experiment nice 0 19 99", 0, INVALID },
		{ "c", "big -9223372036854775808", 0, VALID },
		{ "c", "big -9223372036854775809", 0, INVALID },
		{ "c", "big 9223372036854775808", 0, INVALID },
		{ "c", "clear\xc2\x85", 0, INVALID }, { "c", "clear\xc3\xa9", 0, INVALID },
		{ "c", "clear\xff", 0, INVALID }, { "c", "\xed\xa0\x80", 0, INVALID },
		{ "c", "clear\x7f", 0, INVALID }, { "c", "clear\x1b", 0, INVALID },
		{ "p", "1", 0, VALID }, { "p", "0", 0, INVALID }, { "p", "32768\n", 0, VALID },
		{ "p", "pid 1", 0, INVALID }, { "c", "1", 0, INVALID },
		{ "h", "1 0x7fffffffffff", 0, VALID }, { "h", "1 0x7FFF", 0, VALID },
		{ "h", "1 0x800000000000", 0, INVALID }, { "h", "1 4096", 0, INVALID },
		{ "h", "1 0x", 0, INVALID },
	};
	char buf[200];
	size_t i;
	int bad = 0;

	root = "/selftest";
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", g[i]);
		if (parse_line(buf, "", 1, "selftest"))
			return 1;
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = t[i].n ? t[i].n : strlen(t[i].s);
		int f = add_file(t[i].f), c = classify(f, (const unsigned char *)t[i].s, n);

		if (c != t[i].c) {
			escape((const unsigned char *)t[i].s, n, buf, sizeof(buf));
			say("FAIL selftest: '%s' classified %s, want %s", buf, cls_name[c],
			    cls_name[t[i].c]);
			bad = 1;
		}
	}
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "insert 5", 8);
	if (classify(0, (unsigned char *)buf, 129) != INVALID)
		bad = 1, say("FAIL selftest: 129 bytes not malformed");
	if (!bad)
		say("selftest: %zu classifications right", sizeof(t) / sizeof(t[0]));
	return bad;
}

/* ---- main -------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: fuzz [-c] [-g GRAMMAR] [-s SEED] [-n WRITES] [-w WRITERS] "
			"[-r READERS] [-b SECONDS] [-W 'PATH [VERB...]=WEIGHT']... DIR\n"
			"       fuzz --selftest\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *grammar = NULL, *env;
	const char *weights[64];
	int nweights = 0, check_only = 0, opt, i, j, k, failed = 0;
	struct sigaction sa;
	pthread_t sig_tid;
	double t0, hard;

	if (argc == 2 && !strcmp(argv[1], "--selftest"))
		return selftest();
	env = getenv("PROCLAB_FUZZ_SEED");
	seed = env && *env ? strtoull(env, NULL, 0) : (unsigned long long)time(NULL) ^
							   ((unsigned long long)getpid() << 20);
	env = getenv("PROCLAB_FUZZ_WRITES");
	if (env && *env)
		writes_per_file = atol(env);
	while ((opt = getopt(argc, argv, "cg:s:n:w:r:b:W:")) != -1) {
		switch (opt) {
		case 'c': check_only = 1; break;
		case 'g': grammar = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': writes_per_file = atol(optarg); break;
		case 'w': writers_per_file = atoi(optarg); break;
		case 'r': nreaders = atoi(optarg); break;
		case 'b': bound = atof(optarg); break;
		case 'W':
			if (nweights < 64)
				weights[nweights++] = optarg;
			break;
		default: usage();
		}
	}
	if (optind + 1 != argc || writers_per_file < 1 || nreaders < 0 || bound <= 0)
		usage();
	root = argv[optind];
	while (strlen(root) > 1 && root[strlen(root) - 1] == '/')
		((char *)root)[strlen(root) - 1] = 0;

	if (coverage(grammar))
		return 2;
	if (check_only) {
		say("%s: %d writable files, every one named by a grammar (%d lines), each 0600",
		    root, nwfiles, nlines);
		return 0;
	}
	for (i = 0; i < nweights; i++)
		if (set_weight(weights[i]))
			usage();
	for (i = 0; i < nwfiles; i++)
		for (k = 0; k < wfiles[i].nlines; k++)
			wfiles[i].total_weight += lines[wfiles[i].lines[k]].weight;

	say("seed %llu (PROCLAB_FUZZ_SEED=%llu repeats the commands), %s: %d writable files, "
	    "%ld writes each by %d threads, %d readers of its %d files, %.0f s bound",
	    seed, seed, root, nwfiles, writes_per_file, writers_per_file, nreaders, nrfiles, bound);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART: long work sees EINTR */
	sigaction(SIGUSR1, &sa, NULL);

	nwriters = nwfiles * writers_per_file;
	writers = calloc((size_t)nwriters, sizeof(*writers));
	readers = calloc((size_t)nreaders + 1, sizeof(*readers));
	t0 = now();
	for (i = 0; i < nreaders; i++) {
		readers[i].rng = seed ^ (0xabcdefULL * (unsigned)(i + 1));
		readers[i].rng = rnd(&readers[i].rng);
		pthread_create(&readers[i].tid, NULL, reader_main, &readers[i]);
	}
	for (i = 0; i < nwfiles; i++) {
		for (j = 0; j < writers_per_file; j++) {
			struct writer *w = &writers[i * writers_per_file + j];
			uint64_t h = seed;
			const char *c;

			for (c = wfiles[i].rel; *c; c++)	/* the file's name, not its index */
				h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
			w->file = i;
			w->idx = j;
			/* Mixed: states one step apart would give one sequence, shifted. */
			w->rng = h ^ (0xd1b54a32d192ed03ULL * (unsigned)(j + 1));
			w->rng = rnd(&w->rng);
			w->pagelen = BIG_MAX + 4096;
			w->page = mmap(NULL, w->pagelen + 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (w->page == MAP_FAILED || mprotect(w->page + w->pagelen, 4096, PROT_NONE)) {
				perror("fuzz: mmap");
				return 2;
			}
		}
	}
	for (i = 0; i < nwriters; i++)
		pthread_create(&writers[i].tid, NULL, writer_main, &writers[i]);
	pthread_create(&sig_tid, NULL, signaller_main, NULL);

	/* The watchdog: a system call still running after 6 bounds is stuck. */
	hard = bound * 6;
	for (i = 0; i < nwriters;) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		double t = now();

		if (writers[i].finished) {
			i++;
			continue;
		}
		for (j = i, k = 0; j < nwriters; j++) {
			double b = writers[j].busy_since;

			k |= b > 0 && t - b > hard;
		}
		for (j = 0; j < nreaders; j++) {
			double b = readers[j].busy_since;

			k |= b > 0 && t - b > hard;
		}
		if (k) {	/* all that are in a system call, then give up */
			for (j = 0; j < nwriters; j++) {
				double b = writers[j].busy_since;
				char esc[400];

				if (b <= 0 || t - b < 1)
					continue;
				escape(writers[j].busy_buf, writers[j].busy_len, esc, sizeof(esc));
				say("FAIL %s: %s '%s' (%zu bytes) still running after %.0f s",
				    wfiles[writers[j].file].rel, writers[j].busy_what, esc,
				    (size_t)writers[j].busy_len, t - b);
			}
			for (j = 0; j < nreaders; j++) {
				double b = readers[j].busy_since;

				if (b > 0 && t - b >= 1)
					say("FAIL %s %s still running after %.0f s",
					    readers[j].busy_what, readers[j].busy_path, t - b);
			}
			say("FAIL stuck for more than %.0f s: giving up", hard);
			_exit(1);
		}
		nanosleep(&ts, NULL);
	}
	done = 1;
	pthread_join(sig_tid, NULL);
	for (i = 0; i < nwriters; i++)
		pthread_join(writers[i].tid, NULL);
	for (i = 0; i < nreaders; i++)
		pthread_join(readers[i].tid, NULL);

	for (i = 0; i < nwfiles; i++) {
		struct wfile *f = &wfiles[i];
		char errs[512] = "", never[512] = "";
		size_t o = 0, o2 = 0;
		int e, hit = 0;

		for (e = 0; e < NERR; e++)
			if (f->err[e])
				o += (size_t)snprintf(errs + o, sizeof(errs) - o, ", %s %ld",
						      e ? errname(e) : "errno>599", f->err[e]);
		for (k = 0; k < f->nlines; k++) {
			const struct gline *g = &lines[f->lines[k]];

			if (g->accepted)
				hit++;
			else if (o2 < sizeof(never) - 64)
				o2 += (size_t)snprintf(never + o2, sizeof(never) - o2, "%s'%s'",
						       o2 ? ", " : "", g->text);
		}
		say("%s: %ld writes, %ld accepted%s (%ld valid, %ld malformed, %ld either); "
		    "%d of %d grammar lines accepted; slowest %.3f s ('%s')",
		    f->rel, f->writes, f->accepted, errs, f->cls[VALID], f->cls[INVALID],
		    f->cls[EITHER], hit, f->nlines, f->slowest, f->slowest_cmd);
		if (*never)
			say("%s: never accepted: %s", f->rel, never);
		if (f->fails) {
			say("%s: %ld failures", f->rel, f->fails);
			failed = 1;
		}
	}
	say("readers: %ld reads, %ld bytes of %d files, %ld failures", reads, read_bytes,
	    nrfiles, read_fails);
	if (read_fails)
		failed = 1;
	say("%s: %.1f s", root, now() - t0);
	return failed;
}
