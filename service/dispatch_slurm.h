/* The Slurm dispatcher (benchfs --dispatch slurm): instead of measuring, the
 * daemon submits each queued job no runner holds to Slurm with sbatch, the
 * job running `benchfs run --job <id>` on the node Slurm picks (its labels
 * are the constraint), and watches it with squeue: a Slurm job that ends
 * before its run did leaves the run failed, saying so; a job cancelled in
 * benchfs is scancel'ed. Slurm's commands, never libslurm. */
#ifndef BENCHFS_SERVICE_DISPATCH_SLURM_H
#define BENCHFS_SERVICE_DISPATCH_SLURM_H

#include <stddef.h>
#include <stdint.h>

struct dispatch_slurm;

struct dispatch_slurm_options {
	const char *repo_path;   /* the repository, as each job opens it */
	const char *config_path; /* the configuration file when absolute; else the
				    jobs read the repository's */
	const char *data_dir;    /* the daemon's: slurm/ in it holds the jobs' output
				    and data directories, visible to the nodes */
	/* Called from the dispatcher's thread after a run changes state. May be NULL. */
	void (*on_change)(void *ctx, int64_t run_id);
	void *ctx;
};

/* Start the dispatcher's thread: 0, or a negative errno with err. */
int dispatch_slurm_start(struct dispatch_slurm **out, const struct dispatch_slurm_options *opts,
			 char *err, size_t errsize);
/* Stop and free it (NULL is fine). Submitted jobs stay in Slurm: the next
 * dispatcher watches them. */
void dispatch_slurm_stop(struct dispatch_slurm *d);

#endif
