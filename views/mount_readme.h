/* The text of the mount's README file, from views/mount_readme.txt (embedded
 * at build time, so the text is edited as text). */
#ifndef BENCHFS_VIEWS_MOUNT_README_H
#define BENCHFS_VIEWS_MOUNT_README_H

extern const char mount_readme_text[];

#endif
