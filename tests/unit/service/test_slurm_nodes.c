/* service/slurm_nodes: benchfs's labels in Slurm's terms, from what
 * `scontrol --oneliner show node` prints: features as a constraint, host=
 * as the node list, cores= and an architecture as the nodes excluded, and
 * a label no node has as a one-line reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/slurm_nodes.h"

/* Three nodes as scontrol prints them (OS= holds spaces; n2 has no feature). */
static const char cluster[] =
	"NodeName=n1 Arch=x86_64 CoresPerSocket=4  CPUAlloc=0 CPUEfctv=8 CPUTot=8 CPULoad=0.10"
	" AvailableFeatures=ci,fast ActiveFeatures=ci,fast Gres=(null) NodeAddr=n1 NodeHostName=n1"
	" Version=22.05.8 OS=Linux 6.1.0 #1 SMP PREEMPT_DYNAMIC  RealMemory=1000 State=IDLE\n"
	"NodeName=n2 Arch=aarch64 CoresPerSocket=4  CPUAlloc=0 CPUEfctv=4 CPUTot=4 CPULoad=0.00"
	" AvailableFeatures=(null) ActiveFeatures=(null) Gres=(null) NodeAddr=n2 NodeHostName=n2"
	" Version=22.05.8 OS=Linux 6.1.0 #1 SMP  RealMemory=1000 State=IDLE\n"
	"NodeName=n3 Arch=x86_64 CoresPerSocket=4  CPUAlloc=0 CPUEfctv=8 CPUTot=8 CPULoad=0.00"
	" AvailableFeatures=ci ActiveFeatures=ci Gres=(null) NodeAddr=n3 NodeHostName=n3.lab"
	" Version=22.05.8 OS=Linux 6.1.0 #1 SMP  RealMemory=1000 State=DOWN Reason=a disk died\n";

/* The options for labels, joined by spaces ("" for none), or "ERR: why". */
static char *args_for(const char *text, const char *labels)
{
	struct slurm_nodes *nodes = NULL;
	char err[512], **args = NULL, *out = calloc(1, 1024);
	assert_non_null(out);
	assert_int_equal(slurm_nodes_parse(&nodes, text, err, sizeof(err)), 0);
	if (slurm_labels_args(&args, nodes, labels, err, sizeof(err))) {
		assert_null(args);
		snprintf(out, 1024, "ERR: %s", err);
	}
	for (size_t i = 0; args && args[i]; i++)
		snprintf(out + strlen(out), 1024 - strlen(out), "%s%s", i ? " " : "", args[i]);
	slurm_args_free(args);
	slurm_nodes_free(nodes);
	return out;
}

static void check(const char *text, const char *labels, const char *want)
{
	char *got = args_for(text, labels);
	if (strcmp(got, want))
		fail_msg("labels \"%s\": got \"%s\", want \"%s\"", labels, got, want);
	free(got);
}

static void test_features_constraint(void **state)
{
	(void)state;
	check(cluster, "", "");
	check(cluster, "ci", "--constraint=ci");
	check(cluster, "ci,fast", "--constraint=ci&fast");
}

static void test_host_nodelist(void **state)
{
	(void)state;
	check(cluster, "ci,cores=8,host=n3", "--nodelist=n3 --constraint=ci");
	check(cluster, "host=n2", "--nodelist=n2");
	/* A qualified host name finds the node by its first component. */
	check(cluster, "host=n3.lab.example", "--nodelist=n3");
	check(cluster, "host=n3.lab", "--nodelist=n3");
}

static void test_exclude(void **state)
{
	(void)state;
	/* No "at least N CPUs": the nodes with another count are excluded. */
	check(cluster, "cores=8", "--exclude=n2");
	check(cluster, "aarch64", "--exclude=n1,n3");
	check(cluster, "ci,x86_64", "--constraint=ci --exclude=n2");
	check(cluster, "fast,x86_64", "--constraint=fast --exclude=n2,n3");
}

static void test_unsatisfiable(void **state)
{
	(void)state;
	check(cluster, "ci,gpu",
	      "ERR: no Slurm node has label gpu (theirs: ci, fast, x86_64, cores=8, host=n1, aarch64,"
	      " cores=4, host=n2, host=n3)");
	check(cluster, "cores=64", "ERR: no Slurm node has label cores=64 (theirs: ci, fast, x86_64,"
				   " cores=8, host=n1, aarch64, cores=4, host=n2, host=n3)");
	check(cluster, "aarch64,ci", "ERR: no Slurm node has all of its labels aarch64,ci");
	check(cluster, "ci,host=n2", "ERR: no Slurm node has all of its labels ci,host=n2");
	check("No nodes in the system\n", "ci",
	      "ERR: no Slurm node has label ci (theirs: none; Slurm lists no node)");
	check("No nodes in the system\n", "", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_features_constraint),
		cmocka_unit_test(test_host_nodelist),
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_unsatisfiable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
