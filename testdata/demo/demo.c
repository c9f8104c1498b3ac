/*
 * demo.c is the program `make demo` runs while the Linux boot is not there
 * yet: a small bare-metal workload that fills a table with pseudo-random
 * numbers, sorts it, checksums it three ways and checks each result against
 * a value computed on the host. demo_main returns the tohost value: 1 if every
 * check passed, N<<1|1 if check N failed.
 *
 * The same file compiled for the host with -DDEMO_HOST prints the expected
 * values instead:  cc -DDEMO_HOST -o /tmp/demo demo.c && /tmp/demo
 */
#include <stdint.h>

#define N 4096

static uint64_t table[N];

/* xorshift64 (Marsaglia 2003): a deterministic pseudo-random sequence. */
static uint64_t next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* heapsort: in place, no library calls, O(n log n) on any input. */
static void sift(uint64_t *a, long root, long n)
{
	for (;;) {
		long child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && a[child] < a[child + 1])
			child++;
		if (a[root] >= a[child])
			return;
		uint64_t t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heapsort(uint64_t *a, long n)
{
	for (long i = n / 2 - 1; i >= 0; i--)
		sift(a, i, n);
	for (long end = n - 1; end > 0; end--) {
		uint64_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift(a, 0, end);
	}
}

/* FNV-1a, 64-bit: multiplies exercise the M extension. */
static uint64_t fnv1a(const unsigned char *p, unsigned long n)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (unsigned long i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3u;
	}
	return h;
}

/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit. */
static uint32_t crc32(const unsigned char *p, unsigned long n)
{
	uint32_t c = 0xffffffffu;
	for (unsigned long i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

/* divsum exercises division and remainder. */
static uint64_t divsum(const uint64_t *a, long n)
{
	uint64_t s = 0;
	for (long i = 0; i < n; i++)
		s += a[i] / (uint64_t)(i + 1) + a[i] % 1000003u;
	return s;
}

struct results {
	int sorted;
	uint64_t fnv;
	uint32_t crc;
	uint64_t div;
};

static struct results work(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	for (long i = 0; i < N; i++)
		table[i] = next(&seed);
	heapsort(table, N);
	struct results r = {1, 0, 0, 0};
	for (long i = 1; i < N; i++)
		if (table[i - 1] > table[i])
			r.sorted = 0;
	r.fnv = fnv1a((const unsigned char *)table, sizeof table);
	r.crc = crc32((const unsigned char *)table, sizeof table);
	r.div = divsum(table, N);
	return r;
}

#ifdef DEMO_HOST
#include <stdio.h>

int main(void)
{
	struct results r = work();
	printf("sorted %d\nfnv 0x%016llx\ncrc 0x%08x\ndiv 0x%016llx\n", r.sorted,
	       (unsigned long long)r.fnv, (unsigned)r.crc, (unsigned long long)r.div);
	return 0;
}
#else
/* Expected values, printed by the -DDEMO_HOST build (the same on x86-64
   and on riscv64 Linux under qemu-riscv64). */
#define WANT_FNV 0xf70da31999d02926u
#define WANT_CRC 0x37383293u
#define WANT_DIV 0x040788f869534d9fu

/* demo_main is called by _start (start.S); its result goes to tohost. */
uint64_t demo_main(void)
{
	struct results r = work();
	if (!r.sorted)
		return 2 << 1 | 1;
	if (r.fnv != WANT_FNV)
		return 3 << 1 | 1;
	if (r.crc != WANT_CRC)
		return 4 << 1 | 1;
	if (r.div != WANT_DIV)
		return 5 << 1 | 1;
	return 1;
}
#endif
