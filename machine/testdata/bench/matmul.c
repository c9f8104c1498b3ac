/*
 * Floating-point benchmark: double-precision matrix multiply.
 *
 * main fills two N x N matrices from a xorshift64 generator, multiplies
 * them REPS times (C = A B, each product rescaling A by C's diagonal so that
 * the repetitions differ), and folds C into a checksum with sqrt and
 * division. Every operation is a single IEEE 754 binary64 operation in a
 * fixed order (built with -ffp-contract=off, so no fused multiply-add), so
 * the host computes the same bits with Go's float64 (see bench_test.go).
 *
 * Build with -DN=, -DREPS=, -DSEED= and -DEXPECTED= (the checksum's bits);
 * main returns 0 when the checksum matches and stores it in `result`.
 */
#include <stdint.h>

static double a[N * N], b[N * N], c[N * N];
uint64_t result;

static uint64_t state = SEED;

static uint64_t xorshift64(void)
{
	uint64_t x = state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return state = x;
}

/* A uniform double in [0, 1): the top 53 bits, exactly converted and scaled. */
static double uniform(void)
{
	return (double)(xorshift64() >> 11) * 0x1p-53;
}

int main(void)
{
	for (int i = 0; i < N * N; i++)
		a[i] = uniform();
	for (int i = 0; i < N * N; i++)
		b[i] = uniform() - 0.5;

	for (int r = 0; r < REPS; r++) {
		for (int i = 0; i < N; i++) {
			for (int j = 0; j < N; j++) {
				double s = 0;
				for (int k = 0; k < N; k++)
					s += a[i * N + k] * b[k * N + j];
				c[i * N + j] = s;
			}
		}
		for (int i = 0; i < N; i++)
			a[i * N + i] = a[i * N + i] / (1.0 + __builtin_fabs(c[i * N + i]));
	}

	double sum = 0;
	for (int i = 0; i < N; i++)
		sum += __builtin_sqrt(__builtin_fabs(c[i * N + (N - 1 - i)])) / (2.0 + c[i * N + i]);
	for (int i = 0; i < N * N; i++)
		sum += c[i];

	union { double d; uint64_t u; } bits = { .d = sum };
	result = bits.u;
	return result != (uint64_t)EXPECTED;
}
