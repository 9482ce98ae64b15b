package listbench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Load is how hard the latency run pushes one shape.
type Load struct {
	Requests    int           // measured requests per shape
	Concurrency int           // requests in flight at once
	Warmup      int           // unmeasured requests first (warm functions, JIT of DynamoDB Local)
	Budget      time.Duration // a shape stops early once this much time has passed
}

// Latency is the measured requests of one shape.
type Latency struct {
	Samples []time.Duration
	Errors  int    // non-200 answers and transport errors
	LastErr string // one of them, for the report
}

// page is the part of a list answer the load run reads.
type page struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor *string           `json:"nextCursor"`
}

// get sends GET /customers?query with the token and returns the status and
// the decoded body.
func get(ctx context.Context, client *http.Client, base, token string, query url.Values) (int, page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/customers?"+query.Encode(), nil)
	if err != nil {
		return 0, page{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, page{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, page{}, err
	}
	var p page
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &p); err != nil {
			return resp.StatusCode, p, fmt.Errorf("body: %w", err)
		}
	} else {
		err = fmt.Errorf("status %d: %.200s", resp.StatusCode, raw)
	}
	return resp.StatusCode, p, err
}

// MeasureLatency sends the shape's request (for a second page, with the
// cursor the first page gave) load.Requests times, load.Concurrency at a
// time, and times each from sending to the last byte of the answer.
func MeasureLatency(ctx context.Context, client *http.Client, base, token string, sh Shape, load Load) (Latency, error) {
	query := url.Values{}
	for k, v := range sh.Query {
		query[k] = v
	}
	if sh.Page2 {
		_, first, err := get(ctx, client, base, token, query)
		if err != nil {
			return Latency{}, fmt.Errorf("%s: first page: %w", sh.Name, err)
		}
		if first.NextCursor == nil {
			return Latency{}, fmt.Errorf("%s: the first page has no next cursor", sh.Name)
		}
		query.Set("cursor", *first.NextCursor)
	}
	for range load.Warmup {
		if _, _, err := get(ctx, client, base, token, query); err != nil {
			return Latency{}, fmt.Errorf("%s: warm-up: %w", sh.Name, err)
		}
	}

	deadline := time.Now().Add(load.Budget)
	var (
		mu  sync.Mutex
		res Latency
		wg  sync.WaitGroup
	)
	next := make(chan struct{})
	for range max(load.Concurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				t0 := time.Now()
				_, _, err := get(ctx, client, base, token, query)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					res.Errors++
					res.LastErr = err.Error()
				} else {
					res.Samples = append(res.Samples, d)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < load.Requests && ctx.Err() == nil; i++ {
		if load.Budget > 0 && time.Now().After(deadline) {
			break
		}
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	return res, ctx.Err()
}
