/* "build_mode": where a run's build starts. "clean" (the default) checks the
 * commit out into an empty directory and builds everything; "incremental"
 * keeps a work tree per side of a job (a solo run, side A, side B), brings
 * it to the commit and lets the build reuse what the previous build of that
 * side left (and ccache, when installed). The runner does the rest. */
#ifndef BENCHFS_CONFIG_BUILD_MODE_H
#define BENCHFS_CONFIG_BUILD_MODE_H

#include <stddef.h>

enum build_mode {
	BUILD_MODE_CLEAN = 0,
	BUILD_MODE_INCREMENTAL,
};

struct json_object;

/* The top-level "build_mode" of root (a JSON object) into *out: absent or
 * null leaves *out alone (the caller's default). 0, or -EINVAL with a
 * one-line message in err. */
int config_parse_build_mode(enum build_mode *out, struct json_object *root, char *err,
			    size_t errsize);

/* "clean" or "incremental", as the configuration spells it. */
const char *build_mode_name(enum build_mode mode);

#endif
