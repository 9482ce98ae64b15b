package localstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
)

// runCustomResources sends a Create to each custom resource backed by a
// function of this template, once: like CloudFormation, a resource created in
// an earlier run is not created again (its result comes from the state file).
func (s *Stack) runCustomResources(ctx context.Context) error {
	for _, id := range s.tmpl.Order {
		res := s.tmpl.Resources[id]
		if !isCustomResource(res.Type) || !s.res.enabled(res) {
			continue
		}
		if done, ok := s.state.customResource(id); ok {
			s.setPhysical(id, physicalResource{ref: done.PhysicalResourceID, attrs: done.Data})
			continue
		}
		props, err := s.res.resolveMap(res.Properties)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		token := scalarString(props["ServiceToken"])
		fn := s.functionByArn(token)
		if fn == nil {
			s.logs.printf("localstack", "skipping %s: ServiceToken %s is not a function of this template", id, token)
			continue
		}
		resp, err := s.createCustomResource(ctx, id, res.Type, fn, props)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		if resp.Status != cfn.StatusSuccess {
			return fmt.Errorf("%s: create failed: %s", id, resp.Reason)
		}
		done := customResourceState{PhysicalResourceID: resp.PhysicalResourceID, Data: resp.Data}
		if err := s.state.setCustomResource(id, done); err != nil {
			return err
		}
		s.setPhysical(id, physicalResource{ref: done.PhysicalResourceID, attrs: done.Data})
		s.logs.printf("localstack", "created custom resource %s (%s)", id, done.PhysicalResourceID)
	}
	return nil
}

// createCustomResource invokes fn with a Create request and waits for the
// response it PUTs to ResponseURL: function Timeout + 5 s at most, or the
// resource's ServiceTimeout (seconds) when that is shorter, as CloudFormation
// gives up after ServiceTimeout.
func (s *Stack) createCustomResource(ctx context.Context, id, typ string, fn *function,
	props map[string]any) (*cfn.Response, error) {
	if s.cfn == nil {
		r, err := newCFNResponder()
		if err != nil {
			return nil, err
		}
		s.cfn = r
	}
	reqID := newUUID()
	url, responses, forget := s.cfn.expect(reqID)
	defer forget()

	ev := cfn.Event{
		RequestType:        cfn.RequestCreate,
		RequestID:          reqID,
		ResponseURL:        url,
		ResourceType:       typ,
		LogicalResourceID:  id,
		StackID:            s.res.pseudo["AWS::StackId"],
		ResourceProperties: asMap(cfnStrings(props)),
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	wait := fn.Timeout + 5*time.Second
	if st, err := strconv.Atoi(scalarString(props["ServiceTimeout"])); err == nil && st > 0 && time.Duration(st)*time.Second < wait {
		wait = time.Duration(st) * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	invoked := make(chan error, 1)
	go func() {
		_, err := fn.rt.Invoke(ctx, payload)
		invoked <- err
	}()
	// Wait for both the PUT and the end of the invocation (a wrapper answers
	// just before it returns), so the process is not cut off mid-reply.
	var resp *cfn.Response
	for resp == nil || invoked != nil {
		select {
		case r := <-responses:
			resp = &r
		case err := <-invoked:
			invoked = nil
			if err != nil && resp == nil {
				// The function failed without answering, so no answer is coming.
				return nil, fmt.Errorf("invoke %s: %w", fn.LogicalID, err)
			}
		case <-ctx.Done():
			if resp != nil {
				return resp, nil
			}
			return nil, fmt.Errorf("no response from %s within %s", fn.LogicalID, wait)
		}
	}
	return resp, nil
}

// cfnStrings turns scalars into strings: CloudFormation hands custom
// resources every property value as a string.
func cfnStrings(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = cfnStrings(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cfnStrings(e)
		}
		return out
	case string:
		return t
	default:
		return scalarString(t)
	}
}

// cfnResponder stands in for the pre-signed S3 URL that custom resources PUT
// their response to.
type cfnResponder struct {
	base string
	srv  *http.Server

	mu      sync.Mutex
	waiting map[string]chan cfn.Response
}

func newCFNResponder() (*cfnResponder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("custom resource listener: %w", err)
	}
	r := &cfnResponder{base: "http://" + ln.Addr().String(), waiting: map[string]chan cfn.Response{}}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /cfn/{id}", r.handlePut)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *cfnResponder) expect(reqID string) (string, <-chan cfn.Response, func()) {
	ch := make(chan cfn.Response, 1)
	r.mu.Lock()
	r.waiting[reqID] = ch
	r.mu.Unlock()
	return r.base + "/cfn/" + reqID, ch, func() {
		r.mu.Lock()
		delete(r.waiting, reqID)
		r.mu.Unlock()
	}
}

func (r *cfnResponder) handlePut(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	ch, ok := r.waiting[req.PathValue("id")]
	r.mu.Unlock()
	if !ok {
		http.Error(w, "no such request", http.StatusNotFound)
		return
	}
	var resp cfn.Response
	raw, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(raw, &resp)
	}
	if err != nil {
		http.Error(w, "invalid response body", http.StatusBadRequest)
		return
	}
	select {
	case ch <- resp:
	default: // a second PUT for the same request: the first one counts
	}
	w.WriteHeader(http.StatusOK)
}

func (r *cfnResponder) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		_ = r.srv.Close()
	}
}
