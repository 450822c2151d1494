/* ssh host keys against the user's and the system's known_hosts, as ssh
 * checks them: libgit2 1.5 accepts any ssh host key unless told otherwise,
 * and a fetch that trusts any host would build and run whatever a man in
 * the middle serves. */
#ifndef BENCHFS_REPO_KNOWN_HOSTS_H
#define BENCHFS_REPO_KNOWN_HOSTS_H

#include <stddef.h>

/* The files looked in when files is NULL: ~/.ssh/known_hosts, then
 * /etc/ssh/ssh_known_hosts. */

/* Whether host's key (base64 of the key blob, as known_hosts and .pub files
 * write it) is in one of files (NULL-terminated; NULL: the default ones),
 * hashed host names included (ssh-keygen -F looks them up, run without a
 * shell): 1 yes, 0 no (no such file, no such host, another key), -ENOMEM. */
int repo_host_key_known(const char *host, const char *key_base64, const char *const *files);

/* base64 (RFC 4648, padded) of len bytes into a malloc'd string, NULL when
 * out of memory. */
char *repo_base64(const unsigned char *data, size_t len);

#endif
