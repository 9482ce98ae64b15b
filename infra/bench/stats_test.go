package bench

import (
	"testing"
	"time"
)

func durs(v ...int) []time.Duration {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x) * time.Millisecond
	}
	return d
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{durs(7), 7 * time.Millisecond},
		{durs(3, 1, 2), 2 * time.Millisecond},
		{durs(4, 1, 3, 2), 2500 * time.Microsecond},
		{durs(10, 10, 10, 90), 10 * time.Millisecond},
	} {
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	in := durs(3, 1, 2)
	Median(in)
	if in[0] != 3*time.Millisecond {
		t.Errorf("Median sorted its input: %v", in)
	}
}

func TestP90(t *testing.T) {
	var twenty []int
	for i := 20; i >= 1; i-- {
		twenty = append(twenty, i)
	}
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{durs(5), 5 * time.Millisecond},
		{durs(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 9 * time.Millisecond}, // rank ceil(9) = 9
		{durs(twenty...), 18 * time.Millisecond},                    // rank 18 of 20
		{durs(1, 2, 3), 3 * time.Millisecond},                       // rank ceil(2.7) = 3
	} {
		if got := P90(tc.in); got != tc.want {
			t.Errorf("P90(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := Percentile(durs(1, 2, 3, 4), 50); got != 2*time.Millisecond {
		t.Errorf("Percentile 50 = %v", got)
	}
	if got := Percentile(durs(4, 1), 100); got != 4*time.Millisecond {
		t.Errorf("Percentile 100 = %v", got)
	}
}

func TestMedianInt64(t *testing.T) {
	if got := MedianInt64([]int64{9000, 7000, 8000}); got != 8000 {
		t.Errorf("MedianInt64 = %d", got)
	}
}
