package ratelimit

import (
	"testing"
	"time"
)

func TestWindowEstimate(t *testing.T) {
	l := Limiter{Window: 15 * time.Minute}
	start := time.Unix(900*1000, 0)
	cur, elapsed := l.WindowAt(start)
	if cur != 1000 || elapsed != 0 {
		t.Fatalf("window %d %v", cur, elapsed)
	}
	cur, elapsed = l.WindowAt(start.Add(450 * time.Second))
	if cur != 1000 || elapsed != 0.5 {
		t.Fatalf("half window %d %v", cur, elapsed)
	}
	if cur, _ := (Limiter{}).WindowAt(time.Unix(900*7, 0)); cur != 7 {
		t.Fatalf("the zero Limiter's window: %d", cur)
	}
}

// The room left in the current window follows the sliding estimate
// current + previous·(1-elapsed) < limit.
func TestAllowed(t *testing.T) {
	for _, c := range []struct {
		limit         int
		prev, elapsed float64
		want          int64
	}{
		{5, 0, 0, 5},       // nothing before: the whole limit
		{5, 5, 0, 0},       // the previous window was full and just ended
		{5, 5, 0.5, 3},     // half of it still counts (2.5): three more, count < 3
		{5, 4, 0.75, 4},    // 1 still counts: count < 4
		{100, 10, 0.1, 91}, // 9 still count
	} {
		if got := Allowed(c.limit, c.prev, c.elapsed); got != c.want {
			t.Errorf("Allowed(%d, %v, %v) = %d, want %d", c.limit, c.prev, c.elapsed, got, c.want)
		}
	}
}
