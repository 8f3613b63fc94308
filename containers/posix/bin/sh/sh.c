/*
 * sh: a tiny shell for the POSIX container (docs/posix.md, "The demo").
 *
 *   sh SCRIPT
 *
 * Reads SCRIPT line by line and runs each line:
 *   - '#' starts a comment (outside quotes); blank lines are skipped;
 *   - words are separated by blanks; "..." and '...' quote (no escapes);
 *   - a | b | c   a pipeline (each stage its own process: pipe, fork,
 *                 dup2, execve; the shell waits for every stage);
 *   - > FILE, < FILE   redirect a command's output or input;
 *   - builtins: cd DIR, pwd, echo WORDS, exit [N] (echo and pwd also work
 *     in pipelines and with >);
 *   - a program name without '/' is looked up in /bin.
 * Each command is echoed as "+ line" before it runs (like set -x), and a
 * non-zero status is printed: "[sh] NAME: exit status N" or
 * "[sh] NAME: killed by signal N". The shell's status is the last
 * command's, or exit's argument.
 *
 * Limits (an error message, the line is skipped, status 2): more than
 * MAX_LINE characters a line, MAX_WORDS words a command, MAX_STAGES
 * commands a pipeline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINE 200
#define MAX_WORDS 16
#define MAX_STAGES 4
#define SCRIPT_FD 20 /* the script's descriptor, out of the way of 0-2 */
#define PIPE_FD 10   /* pipes are moved to 10.. in the shell */

struct cmd {
	char *argv[MAX_WORDS + 1];
	int argc;
	char *in, *out; /* < and > files, or NULL */
};

static int status; /* the last command's */

/* Moves descriptor fd to number to (closing fd); -1 on error. */
static int move_fd(int fd, int to)
{
	if (fd == to)
		return fd;
	if (dup2(fd, to) < 0)
		return -1;
	close(fd);
	return to;
}

/* The operators are these three strings, told apart from a quoted word
 * "|" by their address. */
static char PIPE[] = "|", IN[] = "<", OUT[] = ">";

/* Splits line into words (quotes removed, copied into store, which holds
 * 2 * MAX_LINE bytes); |, < and > are words of their own. Returns the
 * number of words, or -1 (message printed). */
static int split(const char *p, char **w, char *store)
{
	int n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == MAX_WORDS * MAX_STAGES) {
			printf("[sh] too many words (at most %d a line)\n",
			       MAX_WORDS * MAX_STAGES);
			return -1;
		}
		if (*p == '|' || *p == '<' || *p == '>') {
			w[n++] = *p == '|' ? PIPE : *p == '<' ? IN : OUT;
			p++;
			continue;
		}
		w[n++] = store;
		while (*p && !strchr(" \t|<>#", *p)) {
			if (*p == '"' || *p == '\'') {
				char q = *p++;
				while (*p && *p != q)
					*store++ = *p++;
				if (!*p) {
					printf("[sh] unterminated quote\n");
					return -1;
				}
				p++;
			} else {
				*store++ = *p++;
			}
		}
		*store++ = 0;
	}
}

/* Groups words into the commands of a pipeline; returns their number or
 * -1 (message printed). */
static int parse(char **w, int n, struct cmd *c)
{
	int k = 0;
	memset(c, 0, sizeof(*c) * MAX_STAGES);
	for (int i = 0; i < n; i++) {
		if (w[i] == PIPE) {
			if (c[k].argc == 0) {
				printf("[sh] syntax error: empty command\n");
				return -1;
			}
			if (++k == MAX_STAGES) {
				printf("[sh] too many commands in a pipeline "
				       "(at most %d)\n", MAX_STAGES);
				return -1;
			}
		} else if (w[i] == IN || w[i] == OUT) {
			if (i + 1 == n || w[i + 1] == PIPE || w[i + 1] == IN ||
			    w[i + 1] == OUT) {
				printf("[sh] syntax error: %s needs a file\n",
				       w[i]);
				return -1;
			}
			if (w[i] == IN)
				c[k].in = w[++i];
			else
				c[k].out = w[++i];
		} else {
			if (c[k].argc == MAX_WORDS) {
				printf("[sh] too many arguments (at most %d)\n",
				       MAX_WORDS);
				return -1;
			}
			c[k].argv[c[k].argc++] = w[i];
		}
	}
	if (c[k].argc == 0) {
		printf("[sh] syntax error: empty command\n");
		return -1;
	}
	return k + 1;
}

/* echo and pwd: run in the shell's child, so they can be redirected. */
static int builtin_out(struct cmd *c)
{
	if (!strcmp(c->argv[0], "echo")) {
		for (int i = 1; i < c->argc; i++)
			printf("%s%s", i > 1 ? " " : "", c->argv[i]);
		printf("\n");
		return 0;
	}
	char buf[128];
	if (!getcwd(buf, sizeof(buf))) {
		perror("pwd");
		return 1;
	}
	printf("%s\n", buf);
	return 0;
}

/* The child's side of one stage: descriptors, then the program. */
static void child(struct cmd *c, int in, int out)
{
	close(SCRIPT_FD);
	if ((in >= 0 && move_fd(in, 0) < 0) ||
	    (out >= 0 && move_fd(out, 1) < 0)) {
		perror("sh: dup2");
		_exit(126);
	}
	for (int fd = PIPE_FD; fd < PIPE_FD + 2 * MAX_STAGES; fd++)
		close(fd); /* the other stages' pipe ends */
	if (c->in) {
		int fd = open(c->in, O_RDONLY);
		if (fd < 0 || move_fd(fd, 0) < 0) {
			fprintf(stderr, "sh: %s: %s\n", c->in, strerror(errno));
			_exit(1);
		}
	}
	if (c->out) {
		int fd = open(c->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || move_fd(fd, 1) < 0) {
			fprintf(stderr, "sh: %s: %s\n", c->out,
				strerror(errno));
			_exit(1);
		}
	}
	if (!strcmp(c->argv[0], "echo") || !strcmp(c->argv[0], "pwd")) {
		int r = builtin_out(c);
		fflush(stdout);
		_exit(r);
	}
	char path[64];
	const char *prog = c->argv[0];
	if (!strchr(prog, '/')) {
		if (strlen(prog) + 6 > sizeof(path)) {
			printf("[sh] %s: name too long\n", prog);
			_exit(127);
		}
		strcpy(path, "/bin/");
		strcat(path, prog);
		prog = path;
	}
	extern char **environ;
	execve(prog, c->argv, environ);
	printf("[sh] %s: %s\n", c->argv[0], strerror(errno));
	_exit(127);
}

/* Prints a stage's status if it is not 0. */
static void report(const char *name, int st)
{
	if (WIFSIGNALED(st))
		printf("[sh] %s: killed by signal %d%s\n", name, WTERMSIG(st),
		       WTERMSIG(st) == 11 ? " (SIGSEGV)" : "");
	else if (WEXITSTATUS(st))
		printf("[sh] %s: exit status %d\n", name, WEXITSTATUS(st));
}

/* Runs a pipeline of n commands; the status is the last one's (2 if a
 * pipe could not be made: the stages started are still waited for). */
static int run(struct cmd *c, int n)
{
	int pids[MAX_STAGES], in = -1, failed = 0;
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		int p[2] = {-1, -1};
		if (i + 1 < n) {
			if (pipe(p) < 0) {
				perror("sh: pipe");
				if (in >= 0)
					close(in);
				n = i;
				failed = 1;
				break;
			}
			/* out of the way of 0 and 1, which a child takes */
			p[0] = move_fd(p[0], PIPE_FD + 2 * i);
			p[1] = move_fd(p[1], PIPE_FD + 2 * i + 1);
		}
		pids[i] = fork();
		if (pids[i] == 0)
			child(&c[i], in, p[1]);
		if (pids[i] < 0)
			perror("sh: fork");
		if (in >= 0)
			close(in); /* the shell keeps no pipe end */
		if (p[1] >= 0)
			close(p[1]);
		in = p[0];
	}
	int st = 0;
	for (int i = 0; i < n; i++) {
		if (pids[i] < 0) {
			st = 2 << 8;
			continue;
		}
		if (waitpid(pids[i], &st, 0) != pids[i]) {
			perror("sh: waitpid");
			st = 2 << 8;
		}
		report(c[i].argv[0], st);
	}
	if (failed)
		return 2;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* One line: echoed, parsed, run. Returns 1 when the script must end. */
static int line(char *text)
{
	char *w[MAX_WORDS * MAX_STAGES];
	static char store[2 * MAX_LINE];
	struct cmd c[MAX_STAGES];
	char *s = text;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '#')
		return 0;
	printf("+ %s\n", s);
	int n = split(s, w, store);
	if (n == 0)
		return 0;
	if (n < 0 || (n = parse(w, n, c)) < 0) {
		status = 2;
		return 0;
	}
	if (n == 1 && !strcmp(c[0].argv[0], "cd")) {
		const char *dir = c[0].argc > 1 ? c[0].argv[1] : "/";
		status = chdir(dir) == 0 ? 0 : 1;
		if (status) {
			fprintf(stderr, "sh: cd: %s: %s\n", dir,
				strerror(errno));
			report("cd", status << 8);
		}
		return 0;
	}
	if (n == 1 && !strcmp(c[0].argv[0], "exit")) {
		if (c[0].argc > 1)
			status = atoi(c[0].argv[1]);
		return 1;
	}
	status = run(c, n);
	return 0;
}

int main(int argc, char **argv)
{
	/* whole lines on the console, which other containers share */
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: sh SCRIPT\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0 || move_fd(fd, SCRIPT_FD) < 0) {
		perror(argv[1]);
		return 2;
	}
	FILE *f = fdopen(SCRIPT_FD, "r");
	if (!f) {
		perror("fdopen");
		return 2;
	}
	char buf[MAX_LINE + 2];
	int no = 0;
	while (fgets(buf, sizeof(buf), f)) {
		no++;
		size_t len = strlen(buf);
		if (len && buf[len - 1] == '\n') {
			buf[--len] = 0;
		} else if (len == MAX_LINE + 1) {
			/* no newline in MAX_LINE + 1 bytes: too long */
			int ch;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			printf("[sh] line %d: longer than %d characters, "
			       "skipped\n", no, MAX_LINE);
			status = 2;
			continue;
		}
		if (line(buf))
			break;
	}
	fclose(f);
	printf("[sh] %s: end, status %d\n", argv[1], status);
	return status;
}
