/* The command line: `benchfs COMMAND [options] ...` over the same store and
 * views as the mount, for users and CI jobs without FUSE. Each command prints
 * exactly the bytes the mount's file of the same name holds. */
#ifndef BENCHFS_CLI_CLI_H
#define BENCHFS_CLI_CLI_H

#include <stdbool.h>

/* Whether word names a command of the command line (not the mount). */
bool cli_is_command(const char *word);
/* Run command argv[0] with its arguments; returns the exit status
 * (cli/setup.h). Call repo_lib_init() first. */
int cli_main(int argc, char **argv);

#endif
