/* benchfs's job labels in Slurm's terms, for the dispatcher
 * (dispatch_slurm.c): a Slurm node has the labels a runner on it would
 * advertise, that is its features (AvailableFeatures), its architecture,
 * cores=<its CPUs> and host=<its name>; a job goes to a node having all of
 * its labels. Pure text in, text out: the dispatcher runs scontrol. */
#ifndef BENCHFS_SERVICE_SLURM_NODES_H
#define BENCHFS_SERVICE_SLURM_NODES_H

#include <stdbool.h>
#include <stddef.h>

struct slurm_nodes;

/* The nodes `scontrol --oneliner show node` printed in text (one a line):
 * 0, or -1 with why in err. No node is fine (every labelled job then
 * fails to match). */
int slurm_nodes_parse(struct slurm_nodes **out, const char *text, char *err, size_t errsize);
void slurm_nodes_free(struct slurm_nodes *nodes);

/* The sbatch options that ask for a node having every label of labels
 * ("a,b"; "" for any node): 0 with *args (NULL-terminated; NULL when none
 * is needed; freed by slurm_args_free). The features become
 * --constraint=a&b, host=NAME --nodelist=NAME, and a label Slurm cannot
 * express (cores=N: Slurm asks for at least N CPUs, never exactly; an
 * architecture) --exclude= of the nodes lacking it. -1 when no node has
 * them all, why in err (one line, naming the label); -ENOMEM. */
int slurm_labels_args(char ***args, const struct slurm_nodes *nodes, const char *labels,
		      char *err, size_t errsize);
void slurm_args_free(char **args);

#endif
