/* exp and log for the search from + - * / alone. The C library's exp/log/pow may differ in the
 * last bit between libm versions and CPUs (glibc picks FMA variants at run time), and one bit
 * in an annealing threshold can flip an acceptance and change the whole run: with these (and
 * no fused multiply-add, see CMakeLists.txt) a seed reproduces on any IEEE-754 machine.
 * Accuracy is about 1e-15 relative, far beyond what a temperature needs. */
#include "solver/route.h"

#include <math.h>

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (fdlibm's constants). */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10

double solver__det_log(double x) {
    if (!(x > 0)) return -INFINITY; /* callers pass (0, inf); NaN and <= 0 end up here */
    if (isinf(x)) return x;
    int e;
    double m = frexp(x, &e); /* exact: x = m 2^e, m in [0.5, 1) */
    if (m < 0.70710678118654752440) {
        m *= 2; /* exact */
        e--;
    }
    /* m in [0.707, 1.414): ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172. */
    double s = (m - 1) / (m + 1), s2 = s * s, term = s, sum = 0;
    for (int k = 1; k <= 39; k += 2) { /* s^41 / 41 < 1e-33: far below one ulp */
        sum += term / k;
        term *= s2;
    }
    return e * LN2_HI + (2 * sum + e * LN2_LO);
}

double solver__det_exp(double x) {
    if (isnan(x)) return x;
    if (x > 709.0) return INFINITY;
    if (x < -745.0) return 0.0;
    /* x = k ln 2 + r, |r| <= ln2 / 2; exp(x) = 2^k exp(r). floor and ldexp are exact. */
    double kd = floor(x / (LN2_HI + LN2_LO) + 0.5);
    double r = (x - kd * LN2_HI) - kd * LN2_LO;
    double term = 1, sum = 1;
    for (int k = 1; k <= 20; k++) { /* 0.35^21 / 21! < 1e-28 */
        term *= r / k;
        sum += term;
    }
    return ldexp(sum, (int)kd);
}
