/* What else the machine did while a benchmark was measured: CPU time used by
 * other processes (the whole machine's busy time from /proc/stat less the
 * benchmark's own), time stolen by the hypervisor, the load average. */
#ifndef BENCHFS_RUNNER_INTERFERENCE_H
#define BENCHFS_RUNNER_INTERFERENCE_H

#include <stdbool.h>
#include <stdint.h>

/* Other processes kept at least this many CPUs busy on average: heavy. */
#define INTERFERENCE_HEAVY_CPUS 0.5

struct interference_snapshot {
	int64_t wall_ns;               /* CLOCK_MONOTONIC */
	int64_t busy_ticks, steal_ticks, total_ticks; /* /proc/stat's "cpu" line */
	double load1;                  /* /proc/loadavg */
};
/* 0, or -errno when /proc cannot be read. */
int interference_snapshot(struct interference_snapshot *out);
/* The text of /proc/stat (its first line, "cpu ...", the sum over CPUs in
 * USER_HZ ticks) into out's tick counts: busy = user + nice + system + irq +
 * softirq + steal (guest time is inside user), total = busy + idle + iowait.
 * 0, or -EINVAL when it is not such a line; out is untouched then. */
int interference_parse_stat(struct interference_snapshot *out, const char *text);
/* The text of /proc/loadavg: its first figure, the 1-minute load. 0 or -EINVAL. */
int interference_parse_loadavg(double *load1, const char *text);

/* Accumulated over the spans a benchmark was measured in (an A/B job's
 * extra rounds are spans of their own). Zero-initialise before the first add. */
struct interference {
	int spans;
	double wall_s, busy_s, steal_s, total_s, own_cpu_s;
	double load_start, load_end; /* at the first span's start, the last span's end */
};
/* own_cpu_s: the benchmark's own user + system time in the span (every side). */
void interference_add(struct interference *acc, const struct interference_snapshot *start,
		      const struct interference_snapshot *end, double own_cpu_s);
/* CPUs' worth of time others used: (busy - own) / wall, at least 0. */
double interference_other_cpus(const struct interference *acc);
/* Share of all CPU time stolen by the hypervisor, 0..1. */
double interference_steal(const struct interference *acc);
bool interference_heavy(const struct interference *acc);

#endif
