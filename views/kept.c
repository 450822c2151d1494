#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"
#include "views/kept.h"

char *kept_view_key(const struct view_ctx *ctx, const char *view, const char *tip)
{
	char *key;
	/* Doubles in full: a threshold of 0.05 and one of 0.0500001 are other views. */
	if (asprintf(&key, "%s\t%s\t%s\t%s\t%.17g\t%.17g\t%d\t%d", view, tip ? tip : "-",
		     ctx->host ? ctx->host : "-", ctx->branch ? ctx->branch : "-", ctx->alpha,
		     ctx->threshold, ctx->threshold_auto, ctx->confirm) < 0)
		return NULL;
	return key;
}

int kept_view_get(char **text, size_t *len, int64_t *seq, const struct view_ctx *ctx,
		  const char *view, const char *tip)
{
	char *key;
	int rc;
	*text = NULL;
	*len = 0;
	*seq = -1;
	if (store_results_seq(ctx->store, seq, NULL)) {
		*seq = -1;
		return -ENOENT;
	}
	if (!(key = kept_view_key(ctx, view, tip)))
		return -ENOMEM;
	rc = store_view_get(ctx->store, text, len, key, *seq);
	free(key);
	return rc == STORE_OK ? 0 : rc == STORE_NOTFOUND ? -ENOENT : store_errno(rc);
}

void kept_view_put(const struct view_ctx *ctx, const char *view, const char *tip, int64_t seq,
		   const char *text, size_t len)
{
	char *key;
	if (seq < 0 || !(key = kept_view_key(ctx, view, tip)))
		return;
	(void)store_view_put(ctx->store, key, seq, text, len);
	free(key);
}
