/* text_util.h - "did you mean" suggestions for names typed by a user, and
 * reading a whole text file. */
#ifndef MECSIM_TEXT_UTIL_H
#define MECSIM_TEXT_UTIL_H
#include <stddef.h>

/* Levenshtein distance, capped: names longer than 63 characters count as 99. */
int mec_edit_distance(const char *a, const char *b);

/* The candidate closest to word within max_distance edits (ties: the first),
 * or NULL. */
const char *mec_closest(const char *word, const char *const *candidates, size_t n, int max_distance);

/* The whole file, NUL-terminated (malloc'ed), its length in *len if len is
 * not NULL; NULL if it cannot be read (errno says why). */
char *mec_read_file(const char *path, size_t *len);
#endif
