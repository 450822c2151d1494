/* history/<bench>.svg against a temporary store and repository, no mount:
 * pinned baselines are marked at their commit (a line, the names, the
 * commit's name in the tooltip) when the commit is a point of the plot, and
 * a plot with none pinned on its points has no marks and no legend entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/views/views_fixture.h"
#include "views/history.h"

#define COMMITS 8
#define ITERATIONS 5

/* COMMITS commits; all but commit 3 have a run of "work", 50% slower from
 * commit 5 on. */
static struct vfix *branch(char c[COMMITS][41])
{
	struct vfix *f = vfix_new("historysvg");
	for (int i = 0; i < COMMITS; i++) {
		char msg[16];
		snprintf(msg, sizeof(msg), "c%d", i);
		vfix_commit(f, c[i], msg);
	}
	for (int i = 0; i < COMMITS; i++) {
		double v[ITERATIONS];
		if (i == 3)
			continue;
		for (int k = 0; k < ITERATIONS; k++)
			v[k] = (i >= 5 ? 0.015 : 0.010) * (1 + 0.001 * k);
		vfix_run(f, c[i], "work", v, ITERATIONS);
	}
	return f;
}

static char *svg_of(struct vfix *f)
{
	char *text = NULL, tip[41];
	size_t len = 0;
	assert_int_equal(history_tip(tip, &f->ctx), 0);
	assert_int_equal(history_render(&text, &len, &f->ctx, tip, "work", HISTORY_SVG), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

static void test_baselines_marked(void **state)
{
	char c[COMMITS][41], *svg, *g, want[128];
	struct vfix *f = branch(c);
	(void)state;
	svg = svg_of(f);
	assert_non_null(strstr(svg, "7 commits, 5 samples each"));
	assert_null(strstr(svg, "class=\"baselines\""));
	assert_null(strstr(svg, "pinned baseline"));
	free(svg);

	/* Two names on commit 2 (the third point); commit 3 has no point. */
	assert_int_equal(store_baseline_set(f->store, "v1", c[2], c[2]), STORE_OK);
	assert_int_equal(store_baseline_set(f->store, "release", c[2], c[2]), STORE_OK);
	assert_int_equal(store_baseline_set(f->store, "norun", c[3], c[3]), STORE_OK);
	svg = svg_of(f);
	assert_non_null(g = strstr(svg, "<g class=\"baselines\""));
	/* Point 2 of 7: x = 84 + 852 * 2.5 / 7. */
	assert_non_null(strstr(g, "<line x1=\"388.3\" y1=\"64.0\" x2=\"388.3\""));
	snprintf(want, sizeof(want), ">release, v1<title>baselines release, v1: %.7s", c[2]);
	assert_non_null(strstr(g, want));
	assert_null(strstr(svg, "norun"));
	/* One line for the two names. */
	assert_null(strstr(strstr(g, "<line x1=\"388.3\"") + 1, "<line x1=\"388.3\" y1=\"64.0\""));
	assert_non_null(strstr(svg, ">pinned baseline</text>"));
	free(svg);

	/* Unpinned: the plot is as it was. */
	assert_int_equal(store_baseline_delete(f->store, "v1"), STORE_OK);
	assert_int_equal(store_baseline_delete(f->store, "release"), STORE_OK);
	svg = svg_of(f);
	assert_null(strstr(svg, "class=\"baselines\""));
	free(svg);
	vfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baselines_marked),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("history_svg", tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
