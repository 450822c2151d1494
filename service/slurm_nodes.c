/* benchfs's job labels in Slurm's terms (see slurm_nodes.h). */
#include "service/slurm_nodes.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/labels.h"
#include "util/strbuf.h"

struct slurm_node {
	char *name, *hostname, *arch;
	char *features; /* "a,b", "" for none */
	long cpus;
};

struct slurm_nodes {
	struct slurm_node *v;
	size_t n;
};

void slurm_nodes_free(struct slurm_nodes *nodes)
{
	if (!nodes)
		return;
	for (size_t i = 0; i < nodes->n; i++) {
		free(nodes->v[i].name);
		free(nodes->v[i].hostname);
		free(nodes->v[i].arch);
		free(nodes->v[i].features);
	}
	free(nodes->v);
	free(nodes);
}

/* The value of key (written "Key=") among line's space-separated fields,
 * malloc'd; "" when absent or "(null)" (scontrol's word for none). NULL
 * when out of memory. */
static char *field(const char *line, size_t len, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen <= len; i++) {
		if ((i == 0 || line[i - 1] == ' ') && !strncmp(line + i, key, klen)) {
			size_t vlen = strcspn(line + i + klen, " ");
			if (i + klen + vlen > len)
				vlen = len - i - klen;
			if (vlen == 6 && !strncmp(line + i + klen, "(null)", 6))
				break;
			return strndup(line + i + klen, vlen);
		}
	}
	return strdup("");
}

int slurm_nodes_parse(struct slurm_nodes **out, const char *text, char *err, size_t errsize)
{
	struct slurm_nodes *nodes = calloc(1, sizeof(*nodes));
	size_t cap = 0;
	*out = NULL;
	if (!nodes)
		goto nomem;
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		char *cpus = NULL;
		struct slurm_node node = {0};
		/* A line without NodeName= is none ("No nodes in the system"). */
		if (!(node.name = field(line, len, "NodeName=")))
			goto nomem;
		if (*node.name) {
			if (nodes->n == cap) {
				struct slurm_node *v = realloc(nodes->v, (cap ? 2 * cap : 8) * sizeof(*v));
				if (!v) {
					free(node.name);
					goto nomem;
				}
				nodes->v = v;
				cap = cap ? 2 * cap : 8;
			}
			node.hostname = field(line, len, "NodeHostName=");
			node.arch = field(line, len, "Arch=");
			node.features = field(line, len, "AvailableFeatures=");
			cpus = field(line, len, "CPUTot=");
			/* Owned by the list from here on, whatever failed. */
			nodes->v[nodes->n++] = node;
			if (!node.hostname || !node.arch || !node.features || !cpus) {
				free(cpus);
				goto nomem;
			}
			nodes->v[nodes->n - 1].cpus = strtol(cpus, NULL, 10);
			free(cpus);
		} else {
			free(node.name);
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	*out = nodes;
	return 0;
nomem:
	slurm_nodes_free(nodes);
	snprintf(err, errsize, "out of memory");
	return -1;
}

/* Whether host=NAME (value: NAME) names the node called name: as a runner
 * there would write it, or by its first component (a runner's host name
 * may be qualified where Slurm's node name is short). */
static bool host_is(const char *value, const char *name)
{
	char label[80];
	size_t short_len = strcspn(value, ".");
	if (!*name)
		return false;
	labels_host(label, sizeof(label), name);
	return !strcmp(label + 5, value) ||
	       (value[short_len] && strlen(label + 5) == short_len &&
		!strncmp(label + 5, value, short_len));
}

/* Whether node has label as a runner on it would. */
static bool node_has(const struct slurm_node *node, const char *label)
{
	if (!strncmp(label, "host=", 5))
		return host_is(label + 5, node->name) || host_is(label + 5, node->hostname);
	if (!strncmp(label, "cores=", 6)) {
		char cores[32];
		snprintf(cores, sizeof(cores), "cores=%ld", node->cpus);
		return !strcmp(cores, label);
	}
	return !strcmp(label, node->arch) || labels_has(node->features, label, strlen(label));
}

/* Adds item to the list in sb ("a, b") unless it is there. */
static void union_add(struct strbuf *sb, const char *item, size_t len)
{
	for (const char *p = sb->buf; *p;) {
		size_t n = strcspn(p, ",");
		if (n == len && !strncmp(p, item, len))
			return;
		p += n;
		p += strspn(p, ", ");
	}
	strbuf_addf(sb, "%s%.*s", sb->len ? ", " : "", (int)len, item);
}

/* Every label some node has, for a message: "x86, ci, cores=2, host=vm". */
static void nodes_labels(struct strbuf *sb, const struct slurm_nodes *nodes)
{
	for (size_t i = 0; i < nodes->n; i++) {
		const struct slurm_node *node = &nodes->v[i];
		char extra[96];
		for (const char *p = node->features; *p;) {
			size_t n = strcspn(p, ",");
			if (n)
				union_add(sb, p, n);
			p += n;
			if (*p == ',')
				p++;
		}
		if (*node->arch)
			union_add(sb, node->arch, strlen(node->arch));
		snprintf(extra, sizeof(extra), "cores=%ld", node->cpus);
		union_add(sb, extra, strlen(extra));
		labels_host(extra, sizeof(extra), node->name);
		union_add(sb, extra, strlen(extra));
	}
}

void slurm_args_free(char **args)
{
	for (size_t i = 0; args && args[i]; i++)
		free(args[i]);
	free(args);
}

/* Appends text (made by the caller) to args, owning it: 0 or -ENOMEM. */
static int args_add(char **args, size_t *n, char *text)
{
	if (!text)
		return -ENOMEM;
	args[(*n)++] = text;
	args[*n] = NULL;
	return 0;
}

/* The candidates' sbatch options (see slurm_labels_args). */
static int make_args(char ***out, const struct slurm_nodes *nodes, char *const *labels, size_t nl,
		     const bool *cand)
{
	struct strbuf constraint = STRBUF_INIT, exclude = STRBUF_INIT;
	char **args = calloc(4, sizeof(*args));
	const struct slurm_node *pinned = NULL;
	bool excluding = false;
	size_t n = 0, ncand = 0;
	int rc = 0;
	if (!args)
		return -ENOMEM;
	for (size_t i = 0; i < nodes->n; i++)
		if (cand[i]) {
			ncand++;
			pinned = &nodes->v[i];
		}
	for (size_t k = 0; k < nl; k++) {
		bool feature = true;
		if (!strncmp(labels[k], "host=", 5))
			continue;
		for (size_t i = 0; i < nodes->n && feature; i++)
			feature = !cand[i] ||
				  labels_has(nodes->v[i].features, labels[k], strlen(labels[k]));
		if (feature)
			strbuf_addf(&constraint, "%s%s", constraint.len ? "&" : "--constraint=",
				    labels[k]);
		else
			excluding = true;
	}
	/* host=NAME is one node: named, Slurm needs no other hint. */
	for (size_t k = 0; k < nl && ncand == 1; k++)
		if (!strncmp(labels[k], "host=", 5)) {
			char *text = NULL;
			rc = asprintf(&text, "--nodelist=%s", pinned->name) < 0
				     ? -ENOMEM
				     : args_add(args, &n, text);
			excluding = false;
			break;
		}
	if (!rc && constraint.len)
		rc = args_add(args, &n, strbuf_detach(&constraint, NULL));
	for (size_t i = 0; i < nodes->n && excluding; i++)
		if (!cand[i])
			strbuf_addf(&exclude, "%s%s", exclude.len ? "," : "--exclude=",
				    nodes->v[i].name);
	if (!rc && exclude.len)
		rc = args_add(args, &n, strbuf_detach(&exclude, NULL));
	strbuf_release(&constraint);
	strbuf_release(&exclude);
	if (rc || !n) {
		slurm_args_free(args);
		args = NULL;
	}
	*out = args;
	return rc;
}

int slurm_labels_args(char ***args, const struct slurm_nodes *nodes, const char *labels,
		      char *err, size_t errsize)
{
	char copy[LABELS_MAX], *items[LABELS_MAX / 2], *save = NULL;
	bool *cand = calloc(nodes->n + 1, sizeof(*cand));
	size_t nl = 0;
	int result = 0;
	*args = NULL;
	if (!cand)
		return -ENOMEM;
	snprintf(copy, sizeof(copy), "%s", labels);
	for (char *item = strtok_r(copy, ",", &save); item && nl < LABELS_MAX / 2;
	     item = strtok_r(NULL, ",", &save))
		items[nl++] = item;
	for (size_t i = 0; i < nodes->n; i++)
		cand[i] = true;
	for (size_t k = 0; k < nl && !result; k++) {
		bool any = false;
		for (size_t i = 0; i < nodes->n; i++) {
			bool has = node_has(&nodes->v[i], items[k]);
			any = any || has;
			cand[i] = cand[i] && has;
		}
		if (!any) {
			struct strbuf theirs = STRBUF_INIT;
			nodes_labels(&theirs, nodes);
			snprintf(err, errsize, "no Slurm node has label %s (theirs: %.300s%s)", items[k],
				 theirs.len ? theirs.buf : "none; Slurm lists no node",
				 theirs.len > 300 ? ", ..." : "");
			strbuf_release(&theirs);
			result = -1;
		}
	}
	if (!result) {
		bool some = false;
		for (size_t i = 0; i < nodes->n; i++)
			some = some || cand[i];
		if (!some && nl) {
			snprintf(err, errsize, "no Slurm node has all of its labels %s", labels);
			result = -1;
		} else {
			result = make_args(args, nodes, items, nl, cand);
		}
	}
	free(cand);
	return result;
}
