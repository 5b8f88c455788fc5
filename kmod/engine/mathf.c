// SPDX-License-Identifier: GPL-2.0
/*
 * Freestanding exp/log/sin/cos/pow/sqrt (see mathf.h).  Plain C on doubles,
 * no table, no libm: polynomials after exact range reduction.
 */
#include "compat.h"
#include "fbits.h"
#include "mathf.h"

#define LN2_HI 6.93147180369123816490e-01	/* exact in 32 bits */
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00
#define PIO2_HI 1.57079632673412561417e+00	/* 33 bits of pi/2 */
#define PIO2_LO 6.07710050650619224932e-11
#define TWO_OVER_PI 6.36619772367581382433e-01

/* Nearest integer (ties to even) of |x| < 2^51, without libm. */
static inline double round_int(double x)
{
	const double magic = 6755399441055744.0;	/* 1.5 * 2^52 */

	return (x + magic) - magic;
}

/**
 * slmq_exp() - e^x in double precision (relative error ~1e-15).
 * @x: argument; overflows to +inf above 709.78, flushes to 0 below -745
 */
double slmq_exp(double x)
{
	double n, r, p;
	s64 k;

	if (x != x)
		return x;
	if (x > 709.78)
		return slmq_bits_f64(0x7ff0000000000000ull);
	if (x < -745.0)
		return 0.0;
	n = round_int(x * INV_LN2);
	k = (s64)n;
	r = (x - n * LN2_HI) - n * LN2_LO;	/* |r| <= ln2/2 */
	/* Taylor to degree 11: truncation error < 2e-14 relative on |r| <= 0.347 */
	p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 +
	    r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040 +
	    r * (1.0 / 40320 + r * (1.0 / 362880 + r * (1.0 / 3628800 +
	    r * (1.0 / 39916800)))))))))));
	/* scale by 2^k in two steps so subnormal results stay right */
	if (k < -1000) {
		p *= slmq_bits_f64((u64)(1023 - 500) << 52);
		k += 500;
	}
	if (k > 1000) {
		p *= slmq_bits_f64((u64)(1023 + 500) << 52);
		k -= 500;
	}
	return p * slmq_bits_f64((u64)(1023 + k) << 52);
}

/**
 * slmq_log() - natural logarithm in double precision.
 * @x: argument; 0 gives -inf, negatives and NaN give NaN
 */
double slmq_log(double x)
{
	u64 u = slmq_f64_bits(x);
	double m, s, s2, t;
	s64 e;

	if (x != x || x < 0)
		return slmq_bits_f64(0x7ff8000000000000ull);
	if (x == 0)
		return slmq_bits_f64(0xfff0000000000000ull);
	if (u >= 0x7ff0000000000000ull)
		return x;
	e = 0;
	if (!(u >> 52)) {		/* subnormal: scale up by 2^54 */
		x *= 18014398509481984.0;
		u = slmq_f64_bits(x);
		e = -54;
	}
	e += (s64)(u >> 52) - 1023;
	m = slmq_bits_f64((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
	if (m > 1.41421356237309504880) {
		m *= 0.5;
		e++;
	}
	/* log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716 */
	s = (m - 1.0) / (m + 1.0);
	s2 = s * s;
	t = s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 +
	    s2 * (1.0 / 11 + s2 * (1.0 / 13 + s2 * (1.0 / 15 +
	    s2 * (1.0 / 17 + s2 * (1.0 / 19 + s2 * (1.0 / 21))))))))));
	return (double)e * LN2_HI + (2.0 * s + (2.0 * s * t + (double)e * LN2_LO));
}

/* sin and cos of |r| <= pi/4 (Taylor, error < 1e-17). */
static double sin_kernel(double r)
{
	double r2 = r * r;

	return r + r * r2 * (-1.0 / 6 + r2 * (1.0 / 120 + r2 * (-1.0 / 5040 +
	       r2 * (1.0 / 362880 + r2 * (-1.0 / 39916800.0 +
	       r2 * (1.0 / 6227020800.0 + r2 * (-1.0 / 1307674368000.0)))))));
}

static double cos_kernel(double r)
{
	double r2 = r * r;

	return 1.0 + r2 * (-1.0 / 2 + r2 * (1.0 / 24 + r2 * (-1.0 / 720 +
	       r2 * (1.0 / 40320 + r2 * (-1.0 / 3628800.0 +
	       r2 * (1.0 / 479001600.0 + r2 * (-1.0 / 87178291200.0)))))));
}

/* x = n*pi/2 + r; Cody-Waite reduction, accurate while n*PIO2_LO stays exact enough. */
static double reduce_pio2(double x, s64 *quadrant)
{
	double n = round_int(x * TWO_OVER_PI);

	*quadrant = (s64)n;
	return (x - n * PIO2_HI) - n * PIO2_LO;
}

/**
 * slmq_sin() - sine in double precision for |x| < 2^20 (RoPE angles).
 * @x: radians
 */
double slmq_sin(double x)
{
	s64 q;
	double r = reduce_pio2(x, &q);

	switch (q & 3) {
	case 0:
		return sin_kernel(r);
	case 1:
		return cos_kernel(r);
	case 2:
		return -sin_kernel(r);
	default:
		return -cos_kernel(r);
	}
}

/**
 * slmq_cos() - cosine in double precision for |x| < 2^20.
 * @x: radians
 */
double slmq_cos(double x)
{
	s64 q;
	double r = reduce_pio2(x, &q);

	switch (q & 3) {
	case 0:
		return cos_kernel(r);
	case 1:
		return -sin_kernel(r);
	case 2:
		return -cos_kernel(r);
	default:
		return sin_kernel(r);
	}
}

/**
 * slmq_pow() - b^e for b > 0 (exp(e * log b), ~1e-14 relative).
 * @b: base
 * @e: exponent
 */
double slmq_pow(double b, double e)
{
	if (e == 0)
		return 1.0;
	return slmq_exp(e * slmq_log(b));
}

/**
 * slmq_expf() - e^x rounded to float.
 * @x: argument
 */
float slmq_expf(float x)
{
	return (float)slmq_exp(x);
}

/**
 * slmq_logf() - natural log rounded to float.
 * @x: argument
 */
float slmq_logf(float x)
{
	return (float)slmq_log(x);
}

/**
 * slmq_sqrtf() - IEEE square root (one sqrtss: correctly rounded everywhere).
 * @x: argument
 */
float slmq_sqrtf(float x)
{
	return __builtin_sqrtf(x);
}

/**
 * slmq_sinf() - sine rounded to float.
 * @x: radians
 */
float slmq_sinf(float x)
{
	return (float)slmq_sin(x);
}

/**
 * slmq_cosf() - cosine rounded to float.
 * @x: radians
 */
float slmq_cosf(float x)
{
	return (float)slmq_cos(x);
}

/**
 * slmq_powf() - b^e rounded to float, b > 0.
 * @b: base
 * @e: exponent
 */
float slmq_powf(float b, float e)
{
	return (float)slmq_pow(b, e);
}

typedef double v2df __attribute__((vector_size(16)));
typedef s64 v2di __attribute__((vector_size(16)));

/*
 * slmq_exp() of two values at once for |x| <= 690 (so |k| <= 1000 and no
 * two-step scaling): the very same double operations, so the same bits,
 * two lanes per instruction (SSE2 in every build).
 */
static inline v2df exp_pair(v2df x)
{
	const v2df magic = { 6755399441055744.0, 6755399441055744.0 };
	v2df t = x * INV_LN2 + magic;
	v2df n = t - magic;
	v2di k = (v2di)t - (v2di)magic;	/* t = magic + k exactly */
	v2df r = (x - n * LN2_HI) - n * LN2_LO;
	v2df p;

	p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 +
	    r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040 +
	    r * (1.0 / 40320 + r * (1.0 / 362880 + r * (1.0 / 3628800 +
	    r * (1.0 / 39916800)))))))))));
	return p * (v2df)((k + 1023) << 52);
}

static inline bool pair_in_range(v2df x)
{
	return x[0] >= -690.0 && x[0] <= 690.0 && x[1] >= -690.0 && x[1] <= 690.0;
}

/**
 * slmq_expf_array() - y[i] = slmq_expf(x[i]) for n values, two at a time.
 * @y: results (may be x)
 * @x: arguments
 * @n: count
 */
void slmq_expf_array(float *y, const float *x, u32 n)
{
	u32 i = 0;

	for (; i + 2 <= n; i += 2) {
		v2df v = { x[i], x[i + 1] };

		if (likely(pair_in_range(v))) {
			v = exp_pair(v);
			y[i] = (float)v[0];
			y[i + 1] = (float)v[1];
		} else {
			y[i] = slmq_expf(x[i]);
			y[i + 1] = slmq_expf(x[i + 1]);
		}
	}
	for (; i < n; i++)
		y[i] = slmq_expf(x[i]);
}

/**
 * slmq_exp_sum() - sum of slmq_exp((double)x[i] - shift), i ascending.
 * @x: n values
 * @n: count
 * @shift: subtracted (in double) before exp, usually max(x)
 */
double slmq_exp_sum(const float *x, u32 n, float shift)
{
	return slmq_exp_sum_from(x, n, shift, 0.0);
}

/**
 * slmq_exp_sum_from() - the same, added to sum in the same order.
 * @x: n values
 * @n: count
 * @shift: subtracted (in double) before exp
 * @sum: the sum so far
 *
 * Summing x in pieces of an even length, each continuing the last, gives
 * the bits of one slmq_exp_sum() over all of it (the pairs are the same).
 */
double slmq_exp_sum_from(const float *x, u32 n, float shift, double sum)
{
	u32 i = 0;

	for (; i + 2 <= n; i += 2) {
		v2df v = { (double)x[i] - shift, (double)x[i + 1] - shift };

		if (likely(pair_in_range(v))) {
			v = exp_pair(v);
		} else {
			v[0] = slmq_exp(v[0]);
			v[1] = slmq_exp(v[1]);
		}
		sum += v[0];
		sum += v[1];
	}
	for (; i < n; i++)
		sum += slmq_exp((double)x[i] - shift);
	return sum;
}
