package bench

import (
	"math"
	"slices"
	"time"
)

// Median returns the median of d (the mean of the two middle values when
// len(d) is even), or 0 for an empty slice. d is not modified.
func Median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Percentile returns the p-th percentile (0 < p <= 100) of d by the
// nearest-rank method: the smallest value with at least p% of the values at
// or below it. It returns 0 for an empty slice. d is not modified.
func Percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// P90 is Percentile(d, 90).
func P90(d []time.Duration) time.Duration { return Percentile(d, 90) }

// MedianInt64 is Median for plain numbers (such as RSS in kB).
func MedianInt64(v []int64) int64 {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x)
	}
	return int64(Median(d))
}
