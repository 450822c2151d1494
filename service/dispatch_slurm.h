/* The Slurm dispatcher (benchfs --dispatch slurm): instead of measuring, the
 * daemon submits each queued job no one holds to Slurm with sbatch, the job
 * running `benchfs run --job <id>` on a node having its labels
 * (service/slurm_nodes.h), and watches it with squeue: a Slurm job that
 * ends before its run did leaves the run failed, saying so; a job cancelled
 * in benchfs is scancel'ed; a job no node can run fails saying so, unless a
 * registered runner has its labels. Slurm's commands, never libslurm. */
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
	/* Called from the dispatcher's thread when no job is queued for Slurm
	 * or under way there: the daemon's idle work (service/idle.h), as a
	 * runner's on_idle; the runs it queued are dispatched at once. May be
	 * NULL. */
	size_t (*on_idle)(void *idle_ctx);
	void *idle_ctx;
};

/* Start the dispatcher's thread: 0, or a negative errno with err. */
int dispatch_slurm_start(struct dispatch_slurm **out, const struct dispatch_slurm_options *opts,
			 char *err, size_t errsize);
/* Stop and free it (NULL is fine). Submitted jobs stay in Slurm: the next
 * dispatcher watches them. */
void dispatch_slurm_stop(struct dispatch_slurm *d);

#endif
