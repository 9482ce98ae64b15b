package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// S3 → EventBridge → Lambda: buckets with EventBridgeEnabled send every
// object event to the default bus; a function's `Type: EventBridgeRule`
// event (a rule on that bus with one target) receives those its Pattern
// matches. Locally s3rver's launcher appends each event as one S3
// notification line to Endpoints.S3Events; a tailer reads new lines,
// turns them into the events S3 sends to EventBridge and invokes every
// function whose rule matches, asynchronously and with retries.

// eventFilePoll is how often the event file is checked for new lines.
const eventFilePoll = 100 * time.Millisecond

// defaultEventRetries is EventBridge's default RetryPolicy.MaximumRetryAttempts.
const defaultEventRetries = 185

// eventRule is one `Type: EventBridgeRule` event of a function.
type eventRule struct {
	key        string // <function>/<event>
	fn         *function
	patterns   []filterPattern
	maxRetries int
}

func newEventRule(fn *function, event string, props map[string]any) (*eventRule, error) {
	r := &eventRule{key: fn.LogicalID + "/" + event, fn: fn, maxRetries: defaultEventRetries}
	if bus := scalarString(props["EventBusName"]); bus != "" && bus != "default" {
		return nil, fmt.Errorf("EventBusName %q: only the default bus (where S3 sends its events) is emulated", bus)
	}
	// The Pattern is resolved YAML; a JSON round trip gives the numbers the
	// filter matcher compares (json.Number) and rejects what is not JSON.
	raw, err := json.Marshal(props["Pattern"])
	if err != nil || props["Pattern"] == nil {
		return nil, fmt.Errorf("Pattern: %v", err)
	}
	p, err := parseFilterPattern(string(raw))
	if err != nil {
		return nil, err
	}
	r.patterns = []filterPattern{p}
	if n, err := strconv.Atoi(scalarString(asMap(props["RetryPolicy"])["MaximumRetryAttempts"])); err == nil && n >= 0 {
		r.maxRetries = n
	}
	return r, nil
}

// matches evaluates the rule's pattern against an event, as EventBridge
// does: every field of the pattern must match, leaves are lists of rules.
func (r *eventRule) matches(event any) bool {
	raw, err := json.Marshal(event)
	if err != nil {
		return false
	}
	var generic map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return false
	}
	return matchAny(r.patterns, generic)
}

// s3Notification is one line s3rver's launcher writes: the S3 event
// notification s3rver emits for an object PUT, POST, COPY or DELETE.
type s3Notification struct {
	Records []struct {
		EventTime         string `json:"eventTime"`
		EventName         string `json:"eventName"`
		RequestParameters struct {
			SourceIPAddress string `json:"sourceIPAddress"`
		} `json:"requestParameters"`
		ResponseElements struct {
			RequestID string `json:"x-amz-request-id"`
		} `json:"responseElements"`
		S3 struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key       string `json:"key"`
				Size      *int64 `json:"size"`
				ETag      string `json:"eTag"`
				Sequencer string `json:"sequencer"`
			} `json:"object"`
		} `json:"s3"`
	} `json:"Records"`
}

// s3Event is an event S3 sends to EventBridge ("Object Created" or
// "Object Deleted").
type s3Event struct {
	Version    string   `json:"version"`
	ID         string   `json:"id"`
	DetailType string   `json:"detail-type"`
	Source     string   `json:"source"`
	Account    string   `json:"account"`
	Time       string   `json:"time"`
	Region     string   `json:"region"`
	Resources  []string `json:"resources"`
	Detail     s3Detail `json:"detail"`
}

type s3Detail struct {
	Version string `json:"version"`
	Bucket  struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Size      *int64 `json:"size,omitempty"`
		ETag      string `json:"etag,omitempty"`
		Sequencer string `json:"sequencer,omitempty"`
	} `json:"object"`
	RequestID       string `json:"request-id"`
	Requester       string `json:"requester"`
	SourceIPAddress string `json:"source-ip-address"`
	Reason          string `json:"reason"`
	DeletionType    string `json:"deletion-type,omitempty"`
}

// s3Reasons maps a notification's event name to EventBridge's detail type
// and reason.
var s3Reasons = map[string][2]string{
	"ObjectCreated:Put":                     {"Object Created", "PutObject"},
	"ObjectCreated:Post":                    {"Object Created", "PostObject"},
	"ObjectCreated:Copy":                    {"Object Created", "CopyObject"},
	"ObjectCreated:CompleteMultipartUpload": {"Object Created", "CompleteMultipartUpload"},
	"ObjectRemoved:Delete":                  {"Object Deleted", "DeleteObject"},
}

// eventBridgeEvents converts one notification line into the events S3
// would put on the bus; records of unknown kinds are left out.
func eventBridgeEvents(line []byte, region string) ([]s3Event, error) {
	var n s3Notification
	if err := json.Unmarshal(line, &n); err != nil {
		return nil, fmt.Errorf("s3 event %.200s: %w", line, err)
	}
	var out []s3Event
	for _, rec := range n.Records {
		kind, ok := s3Reasons[rec.EventName]
		if !ok {
			continue
		}
		at := time.Now().UTC()
		if t, err := time.Parse(time.RFC3339Nano, rec.EventTime); err == nil {
			at = t.UTC()
		}
		ev := s3Event{
			Version: "0", ID: newUUID(), DetailType: kind[0], Source: "aws.s3", Account: accountID,
			Time: at.Format(time.RFC3339), Region: region, Resources: []string{"arn:aws:s3:::" + rec.S3.Bucket.Name},
		}
		d := &ev.Detail
		d.Version = "0"
		d.Bucket.Name = rec.S3.Bucket.Name
		d.Object.Key, d.Object.Size, d.Object.ETag, d.Object.Sequencer = rec.S3.Object.Key, rec.S3.Object.Size, rec.S3.Object.ETag, rec.S3.Object.Sequencer
		d.RequestID, d.Requester, d.SourceIPAddress = rec.ResponseElements.RequestID, accountID, rec.RequestParameters.SourceIPAddress
		d.Reason = kind[1]
		if kind[0] == "Object Deleted" {
			d.DeletionType = "Permanently Deleted"
		}
		out = append(out, ev)
	}
	return out, nil
}

// eventBus tails the S3 event file and delivers to the rules.
type eventBus struct {
	s     *Stack
	path  string
	rules []*eventRule

	offset    int64 // bytes of the file read and dispatched
	cycle     atomic.Int64
	idleCycle atomic.Int64
	inFlight  atomic.Int64
	wg        sync.WaitGroup
	lastError string
}

// startEventBus collects the EventBridgeRule events of the functions and,
// when there are any and s3rver reports its events, tails its event file.
func (s *Stack) startEventBus() error {
	var rules []*eventRule
	for _, id := range s.tmpl.Order {
		fn, ok := s.functions[id]
		if !ok {
			continue
		}
		for name, ev := range asMap(fn.Props["Events"]) {
			if scalarString(asMap(ev)["Type"]) != "EventBridgeRule" {
				continue
			}
			r, err := newEventRule(fn, name, asMap(asMap(ev)["Properties"]))
			if err != nil {
				return fmt.Errorf("%s event %s: %w", id, name, err)
			}
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		return nil
	}
	if s.cfg.Endpoints.S3Events == "" {
		s.logs.printf("localstack", "%d EventBridge rules: no S3 event file, nothing delivered to them", len(rules))
		return nil
	}
	b := &eventBus{s: s, path: s.cfg.Endpoints.S3Events, rules: rules}
	// Where the last run stopped; on the first run, the end of the file: a
	// rule receives the events from its creation on.
	b.offset = s.state.eventOffset(b.path)
	if b.offset < 0 {
		b.offset = 0
		if st, err := os.Stat(b.path); err == nil {
			b.offset = st.Size()
		}
	}
	for _, r := range rules {
		s.logs.printf("localstack", "EventBridge rule %s: %s", r.key, r.describe())
	}
	s.bus = b
	s.streamsWG.Add(1)
	go func() {
		defer s.streamsWG.Done()
		b.run(s.ctx)
		b.wg.Wait()
	}()
	return nil
}

func (b *eventBus) run(ctx context.Context) { every(ctx, eventFilePoll, b.pollOnce) }

func (b *eventBus) pollOnce(ctx context.Context) {
	c := b.cycle.Add(1)
	n, err := b.readNew(ctx)
	if err != nil {
		b.logError(err)
	}
	if n == 0 && err == nil && b.inFlight.Load() == 0 && ctx.Err() == nil {
		b.idleCycle.Store(c)
	}
}

// readNew dispatches the complete lines written since the last read and
// returns how many there were.
func (b *eventBus) readNew(ctx context.Context) (int, error) {
	f, err := os.Open(b.path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if st.Size() < b.offset {
		b.offset = 0 // a new file (data folder wiped)
	}
	if st.Size() == b.offset {
		return 0, nil
	}
	buf, err := io.ReadAll(io.NewSectionReader(f, b.offset, st.Size()-b.offset))
	if err != nil {
		return 0, err
	}
	end := bytes.LastIndexByte(buf, '\n')
	if end < 0 {
		return 0, nil // half a line: the rest is on its way
	}
	lines := 0
	for _, line := range bytes.Split(buf[:end], []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lines++
		events, err := eventBridgeEvents(line, b.s.cfg.Region)
		if err != nil {
			b.logError(err)
			continue
		}
		for _, ev := range events {
			b.dispatch(ctx, ev)
		}
	}
	b.offset += int64(end + 1)
	return lines, b.s.state.setEventOffset(b.path, b.offset)
}

// dispatch invokes every matching rule's function asynchronously, as
// EventBridge does: one event per invocation, retried with backoff on
// errors up to the rule's MaximumRetryAttempts, then dropped (logged).
func (b *eventBus) dispatch(ctx context.Context, ev s3Event) {
	payload, err := json.Marshal(ev)
	if err != nil {
		b.logError(err)
		return
	}
	for _, r := range b.rules {
		if !r.matches(ev) {
			continue
		}
		b.inFlight.Add(1)
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			defer b.inFlight.Add(-1)
			attempts, ok := retryInvoke(ctx, r.maxRetries, func() bool {
				_, err := r.fn.rt.Invoke(ctx, payload)
				return err == nil
			})
			if !ok && ctx.Err() == nil {
				b.s.logs.printf("localstack", "rule %s: dropping event %s (%s %s) after %d retries",
					r.key, ev.ID, ev.DetailType, ev.Detail.Object.Key, attempts-1)
			}
		}()
	}
}

func (b *eventBus) logError(err error) {
	if b.s.ctx.Err() != nil {
		return
	}
	if msg := err.Error(); msg != b.lastError {
		b.lastError = msg
		b.s.logs.printf("localstack", "events %s: %v", b.path, err)
	}
}

// idle reports whether the bus finished a pass, begun after target, with
// nothing new to read and no invocation in flight.
func (b *eventBus) idle(target int64) bool { return b.idleCycle.Load() > target }

// describe names the rule's target for logs: "<function> ← <pattern>".
func (r *eventRule) describe() string {
	raw, _ := json.Marshal(r.patterns[0])
	return r.fn.Label + " ← " + strings.TrimSpace(string(raw))
}
