/* sorter: sort pseudo-random integers and print a checksum.
 *
 * usage: sorter N [ROUNDS]    sort ROUNDS arrays of N integers (default 1 round)
 *        sorter --version
 *
 * The input is deterministic (fixed seed), so every version prints the same
 * checksum for the same arguments; only the time it takes differs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SORTER_VERSION "2"
#define SEED UINT64_C(0x9e3779b97f4a7c15)

static uint64_t rng_state;

/* xorshift64*: small, fast and the same on every platform */
static uint32_t next_random(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static void insertion_sort(uint32_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* merge sort with one scratch buffer; short runs use insertion sort */
static void merge_sort_rec(uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n <= 32) {
        insertion_sort(a, n);
        return;
    }
    size_t half = n / 2;
    merge_sort_rec(a, tmp, half);
    merge_sort_rec(a + half, tmp, n - half);
    if (a[half - 1] <= a[half])
        return; /* already in order */
    memcpy(tmp, a, half * sizeof *a);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n)
        a[k++] = tmp[i] <= a[j] ? tmp[i++] : a[j++];
    while (i < half)
        a[k++] = tmp[i++];
}

static void sort(uint32_t *a, size_t n)
{
    uint32_t *tmp = malloc((n / 2 + 1) * sizeof *tmp);
    if (!tmp) {
        perror("sorter: malloc");
        exit(1);
    }
    merge_sort_rec(a, tmp, n);
    free(tmp);
}

static int parse_count(const char *s, const char *what, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v == 0 || v > 100000000ULL) {
        fprintf(stderr, "sorter: bad %s '%s' (want 1..100000000)\n", what, s);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("sorter %s\n", SORTER_VERSION);
        return 0;
    }
    size_t n, rounds = 1;
    if (argc < 2 || argc > 3 || parse_count(argv[1], "N", &n) != 0 ||
        (argc == 3 && parse_count(argv[2], "ROUNDS", &rounds) != 0)) {
        fprintf(stderr, "usage: sorter N [ROUNDS] | sorter --version\n");
        return 2;
    }

    uint32_t *a = malloc(n * sizeof *a);
    if (!a) {
        perror("sorter: malloc");
        return 1;
    }
    rng_state = SEED;
    uint64_t checksum = 0;
    for (size_t r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++)
            a[i] = next_random();
        sort(a, n);
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && a[i - 1] > a[i]) {
                fprintf(stderr, "sorter: not sorted at %zu\n", i);
                return 1;
            }
            checksum = checksum * UINT64_C(1099511628211) + a[i];
        }
    }
    free(a);
    printf("n=%zu rounds=%zu checksum=%016" PRIx64 "\n", n, rounds, checksum);
    return 0;
}
