/*
 * Memory benchmark under Sv39 (privileged spec 4.4): random pointer chasing
 * over a 64 MiB array mapped with 4 KiB pages, to load the software TLB.
 *
 * main runs in M-mode. It builds Sv39 page tables that map
 *   - VA 0x40000000 + 64 MiB with 16384 4 KiB pages onto the physical frames
 *     of 0x84000000 + 64 MiB in a shuffled order, so that a wrong
 *     translation reads the wrong data instead of the right data by luck;
 *   - VA 0x80000000 with one 2 MiB megapage, identity, for this program's
 *     code, data, page tables, stack and tohost;
 * opens PMP to S-mode, writes satp and drops to S-mode with mret.
 *
 * smain runs in S-mode with translation on. It treats the array as NODES
 * nodes spread evenly over all pages (each node: a uint32 next index and a
 * uint32 visit count), links them into one random cycle (Sattolo's
 * algorithm), follows STEPS links counting visits, then reads the counts
 * back in a strided order. The hash of the path and the counts must equal
 * EXPECTED, which the host computes from the same algorithm
 * (bench_test.go); smain stores it in `result` and reports through tohost.
 *
 * Build with -DNODES= (a power of two, at most 1<<20), -DSTEPS=, -DSEED=
 * and -DEXPECTED=. All page-table entries are built with A and D set, so
 * the hart needs no A/D updates here.
 */
#include <stdint.h>

#define ARRAY_VA   0x40000000UL
#define ARRAY_PA   0x84000000UL
#define ARRAY_SIZE (64UL << 20)
#define PAGES      (ARRAY_SIZE >> 12)
#define NODE_SHIFT __builtin_ctzl(ARRAY_SIZE / NODES)

#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_A (1 << 6)
#define PTE_D (1 << 7)

#define MSTATUS_MPP_MASK (3UL << 11)
#define MSTATUS_MPP_S    (1UL << 11)
#define SATP_SV39        (8UL << 60)

_Static_assert((NODES & (NODES - 1)) == 0 && NODES <= (ARRAY_SIZE >> 6),
	       "NODES must be a power of two with at least 64 bytes per node");

void bench_exit(uint64_t code) __attribute__((noreturn));
extern char _end[];

uint64_t result;

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1_low[512] __attribute__((aligned(4096)));
static uint64_t l1_array[512] __attribute__((aligned(4096)));
static uint64_t l0[PAGES] __attribute__((aligned(4096)));
static uint16_t frame[PAGES];

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* below returns a value in [0, n) from the top 32 bits of a draw. */
static uint64_t below(uint64_t *s, uint64_t n)
{
	return ((xorshift64(s) >> 32) * n) >> 32;
}

static uint64_t pte(uint64_t pa, uint64_t flags)
{
	return (pa >> 12) << 10 | flags;
}

static uint32_t *node(uint64_t i)
{
	return (uint32_t *)(ARRAY_VA + (i << NODE_SHIFT));
}

static void __attribute__((noreturn)) smain(void)
{
	uint64_t s = SEED;
	for (uint64_t i = 0; i < NODES; i++) {
		node(i)[0] = i;
		node(i)[1] = 0;
	}
	for (uint64_t i = NODES - 1; i > 0; i--) {
		uint64_t j = below(&s, i);
		uint32_t t = node(i)[0];
		node(i)[0] = node(j)[0];
		node(j)[0] = t;
	}
	uint64_t h = 0, p = 0;
	for (uint64_t k = 0; k < STEPS; k++) {
		p = node(p)[0];
		node(p)[1]++;
		h = h * 31 + p;
	}
	for (uint64_t i = 0; i < NODES; i++)
		h = h * 31 + node((i * 40503) & (NODES - 1))[1];
	result = h;
	bench_exit(h != (uint64_t)EXPECTED);
}

int main(void)
{
	if ((uint64_t)_end > 0x80200000UL)
		return 2; /* the identity megapage would not cover the program */

	uint64_t s = 0x9e3779b97f4a7c15UL;
	for (uint64_t i = 0; i < PAGES; i++)
		frame[i] = i;
	for (uint64_t i = PAGES - 1; i > 0; i--) {
		uint64_t j = below(&s, i + 1);
		uint16_t t = frame[i];
		frame[i] = frame[j];
		frame[j] = t;
	}
	for (uint64_t i = 0; i < PAGES; i++)
		l0[i] = pte(ARRAY_PA + ((uint64_t)frame[i] << 12), PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
	for (uint64_t t = 0; t < PAGES / 512; t++)
		l1_array[t] = pte((uint64_t)&l0[t * 512], PTE_V);
	l1_low[0] = pte(0x80000000UL, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
	root[ARRAY_VA >> 30] = pte((uint64_t)l1_array, PTE_V);
	root[0x80000000UL >> 30] = pte((uint64_t)l1_low, PTE_V);

	/*
	 * Let S-mode reach all memory: PMP entry 0 as a NAPOT region covering
	 * everything, R/W/X (privileged spec 3.7). A hart with no PMP entries
	 * may trap on these CSRs, so mtvec points past them meanwhile.
	 */
	asm volatile(
		"la	t0, 1f\n"
		"csrrw	t1, mtvec, t0\n"
		"li	t0, -1\n"
		"csrw	pmpaddr0, t0\n"
		"li	t0, 0x1f\n"
		"csrw	pmpcfg0, t0\n"
		".balign 4\n"
		"1: csrw mtvec, t1\n"
		::: "t0", "t1", "memory");

	asm volatile("sfence.vma" ::: "memory");
	asm volatile("csrw satp, %0" :: "r"(SATP_SV39 | (uint64_t)root >> 12) : "memory");
	asm volatile("sfence.vma" ::: "memory");
	asm volatile("csrc mstatus, %0" :: "r"(MSTATUS_MPP_MASK));
	asm volatile("csrs mstatus, %0" :: "r"(MSTATUS_MPP_S));
	asm volatile("csrw mepc, %0\n\tmret" :: "r"(smain) : "memory");
	__builtin_unreachable();
}
