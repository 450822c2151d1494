/* What else the machine did while a benchmark was measured (interference.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/interference.h"
#include "util/clock.h"

int interference_parse_stat(struct interference_snapshot *out, const char *text)
{
	/* user nice system idle iowait irq softirq steal guest guest_nice; guest
	 * time is already counted in user (and guest_nice in nice). Kernels
	 * before 2.6.11 end early: the missing fields are 0. */
	long long field[8] = {0};
	const char *p = text;
	char *end;
	int n = 0;
	if (strncmp(p, "cpu ", 4) != 0)
		return -EINVAL;
	p += 4;
	for (; n < 8; n++) {
		while (*p == ' ')
			p++;
		if (*p == '\n' || *p == '\0')
			break;
		errno = 0;
		field[n] = strtoll(p, &end, 10);
		if (end == p || errno || field[n] < 0)
			return -EINVAL;
		p = end;
	}
	if (n < 4)
		return -EINVAL;
	out->busy_ticks = field[0] + field[1] + field[2] + field[5] + field[6] + field[7];
	out->steal_ticks = field[7];
	out->total_ticks = out->busy_ticks + field[3] + field[4];
	return 0;
}

int interference_parse_loadavg(double *load1, const char *text)
{
	char *end;
	double value;
	errno = 0;
	value = strtod(text, &end);
	if (end == text || errno || !(value >= 0) || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -EINVAL;
	*load1 = value;
	return 0;
}

/* The first line of a /proc file into buf. 0 or -errno. */
static int read_first_line(char *buf, size_t size, const char *path)
{
	FILE *file = fopen(path, "re");
	int result = 0;
	if (!file)
		return -errno;
	if (!fgets(buf, (int)size, file))
		result = ferror(file) ? -EIO : -EINVAL;
	fclose(file);
	return result;
}

int interference_snapshot(struct interference_snapshot *out)
{
	struct interference_snapshot snap = {.wall_ns = now_mono_ns()};
	char line[512];
	int rc;
	if ((rc = read_first_line(line, sizeof(line), "/proc/stat")) ||
	    (rc = interference_parse_stat(&snap, line)) ||
	    (rc = read_first_line(line, sizeof(line), "/proc/loadavg")) ||
	    (rc = interference_parse_loadavg(&snap.load1, line)))
		return rc;
	*out = snap;
	return 0;
}

/* Counters never run backwards; if a pair of snapshots says they did (taken
 * out of order), the span adds nothing rather than a negative time. */
static double ticks_s(int64_t from, int64_t to, double hz)
{
	return to > from ? (double)(to - from) / hz : 0;
}

void interference_add(struct interference *acc, const struct interference_snapshot *start,
		      const struct interference_snapshot *end, double own_cpu_s)
{
	long clk_tck = sysconf(_SC_CLK_TCK);
	double hz = clk_tck > 0 ? (double)clk_tck : 100; /* USER_HZ, the unit of /proc/stat */
	if (acc->spans == 0)
		acc->load_start = start->load1;
	acc->spans++;
	acc->wall_s += end->wall_ns > start->wall_ns ? (double)(end->wall_ns - start->wall_ns) / 1e9
						     : 0;
	acc->busy_s += ticks_s(start->busy_ticks, end->busy_ticks, hz);
	acc->steal_s += ticks_s(start->steal_ticks, end->steal_ticks, hz);
	acc->total_s += ticks_s(start->total_ticks, end->total_ticks, hz);
	acc->own_cpu_s += own_cpu_s > 0 ? own_cpu_s : 0;
	acc->load_end = end->load1;
}

double interference_other_cpus(const struct interference *acc)
{
	double others;
	if (acc->wall_s <= 0)
		return 0;
	others = (acc->busy_s - acc->own_cpu_s) / acc->wall_s;
	return others > 0 ? others : 0;
}

double interference_steal(const struct interference *acc)
{
	double share;
	if (acc->total_s <= 0)
		return 0;
	share = acc->steal_s / acc->total_s;
	return share < 0 ? 0 : share > 1 ? 1 : share;
}

bool interference_heavy(const struct interference *acc)
{
	return acc->spans > 0 && interference_other_cpus(acc) >= INTERFERENCE_HEAVY_CPUS;
}
