package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string]time.Duration{
		"rate(1 minute)":    time.Minute,
		"rate(5 minutes)":   5 * time.Minute,
		"rate(1 hour)":      time.Hour,
		"rate(12 hours)":    12 * time.Hour,
		"rate(1 day)":       24 * time.Hour,
		"rate(7 days)":      7 * 24 * time.Hour,
		"rate( 10 minutes)": 10 * time.Minute,
	} {
		if got, err := parseRate(expr); err != nil || got != want {
			t.Errorf("%s: %v %v; want %v", expr, got, err, want)
		}
	}
	for expr, why := range map[string]string{
		"rate(1 minutes)":          "singular for 1",
		"rate(5 minute)":           "singular for 1",
		"rate(0 minutes)":          "positive whole number",
		"rate(-5 minutes)":         "want rate(",
		"rate(1.5 hours)":          "want rate(",
		"rate(5 seconds)":          "want rate(",
		"rate(5 Minutes)":          "want rate(",
		"rate(5minutes)":           "want rate(",
		"":                         "want rate(",
		"every 5 minutes":          "want rate(",
		"cron(0/5 * * * ? *)":      "cron expressions are not emulated",
		"cron(0 10 * * MON-FRI *)": "cron expressions are not emulated",
	} {
		if _, err := parseRate(expr); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v; want an error saying %q", expr, err, why)
		}
	}
}

func TestScheduledEventShape(t *testing.T) {
	t.Parallel()
	r, err := newScheduleRule(&function{LogicalID: "SweeperFunction"}, "Sweep",
		map[string]any{"Schedule": "rate(5 minutes)"}, "backoffice", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.period != 5*time.Minute || !r.enabled || r.maxRetries != 2 || r.key != "SweeperFunction/Sweep" {
		t.Errorf("rule %+v", r)
	}
	var got map[string]any
	if err := json.Unmarshal(r.event(time.Date(2026, 11, 23, 14, 5, 0, 987e6, time.FixedZone("CET", 3600))), &got); err != nil {
		t.Fatal(err)
	}
	if id, _ := got["id"].(string); len(id) != 36 {
		t.Errorf("id %q: want a UUID", got["id"])
	}
	delete(got, "id")
	want := map[string]any{
		"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "account": accountID,
		"time": "2026-11-23T13:05:00Z", "region": "eu-west-1",
		"resources": []any{"arn:aws:events:eu-west-1:" + accountID + ":rule/backoffice-SweeperFunctionSweep"},
		"detail":    map[string]any{},
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("event\n got %s\nwant %s", g, w)
	}
}

func TestScheduleRuleProperties(t *testing.T) {
	t.Parallel()
	fn := &function{LogicalID: "F", Props: map[string]any{"EventInvokeConfig": map[string]any{"MaximumRetryAttempts": 0}}}
	r, err := newScheduleRule(fn, "E", map[string]any{
		"Schedule": "rate(1 hour)", "Name": "nightly", "Input": `{"job":"x"}`,
		"RetryPolicy": map[string]any{"MaximumRetryAttempts": 3}, "Description": "d",
	}, "backoffice", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.maxRetries != 0 || r.arn != "arn:aws:events:eu-west-1:"+accountID+":rule/nightly" || string(r.event(time.Now())) != `{"job":"x"}` {
		t.Errorf("rule %+v, event %s", r, r.event(time.Now()))
	}
	for _, c := range []struct {
		props map[string]any
		on    bool
	}{
		{map[string]any{"Schedule": "rate(1 hour)", "Enabled": false}, false},
		{map[string]any{"Schedule": "rate(1 hour)", "Enabled": "true"}, true},
		{map[string]any{"Schedule": "rate(1 hour)", "State": "DISABLED"}, false},
		{map[string]any{"Schedule": "rate(1 hour)", "State": "ENABLED"}, true},
	} {
		r, err := newScheduleRule(fn, "E", c.props, "s", "eu-west-1")
		if err != nil || r.enabled != c.on {
			t.Errorf("%v: enabled %v %v; want %v", c.props, r != nil && r.enabled, err, c.on)
		}
	}
	for why, props := range map[string]map[string]any{
		"Schedule property KmsKeyArn is not emulated": {"Schedule": "rate(1 hour)", "KmsKeyArn": "k"},
		"Input is not JSON":                           {"Schedule": "rate(1 hour)", "Input": "{"},
		`State "SOMETIMES"`:                           {"Schedule": "rate(1 hour)", "State": "SOMETIMES"},
		"cron expressions are not emulated":           {"Schedule": "cron(0 * * * ? *)"},
	} {
		if _, err := newScheduleRule(fn, "E", props, "s", "eu-west-1"); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%v: %v; want %q", props, err, why)
		}
	}
}

// The ticker delivers one period after the start and then every period;
// a failing invocation is retried maxRetries times, then dropped.
func TestScheduleTicksAndRetries(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var at []time.Time
	var logged atomic.Int64
	r := &scheduleRule{key: "F/E", fn: &function{Label: "f"}, period: 50 * time.Millisecond, enabled: true, maxRetries: 2,
		invoke: func(_ context.Context, payload []byte) error {
			mu.Lock()
			defer mu.Unlock()
			at = append(at, time.Now())
			return nil
		},
		logf: func(string, ...any) { logged.Add(1) }}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	began := time.Now()
	wg.Add(1)
	go func() { defer wg.Done(); r.run(ctx, &wg) }()
	deadline := time.Now().Add(10 * time.Second)
	for r.fired.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	mu.Lock()
	if len(at) < 3 {
		t.Fatalf("%d deliveries in 10 s at a 50 ms period", len(at))
	}
	if first := at[0].Sub(began); first < 40*time.Millisecond {
		t.Errorf("first delivery after %s: want one period after the start, not at once", first)
	}
	mu.Unlock()

	calls := 0
	r.invoke = func(context.Context, []byte) error { calls++; return errors.New("boom") }
	if err := r.deliver(context.Background(), time.Now()); err == nil || !strings.Contains(err.Error(), "boom") || calls != 3 || logged.Load() != 1 {
		t.Errorf("deliver: %v after %d calls, %d log lines; want boom after 1 + 2 retries, dropped once", err, calls, logged.Load())
	}
	calls = 0
	r.invoke = func(context.Context, []byte) error {
		calls++
		if calls == 1 {
			return errors.New("once")
		}
		return nil
	}
	if err := r.deliver(context.Background(), time.Now()); err != nil || calls != 2 {
		t.Errorf("deliver: %v after %d calls; want success on the retry", err, calls)
	}
}

// Through a running stack (tickers off): FireSchedule delivers the
// scheduled event to the real function process and returns once it has been
// handled, with the retries of EventInvokeConfig; disabled, unknown and
// ambiguous names fail.
func TestFireSchedule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	delivered := filepath.Join(dir, "delivered.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	logs := &syncBuffer{}
	s, err := Start(ctx, Config{
		Root:     repoRoot(t),
		Template: "testdata/template.yaml",
		StateDir: filepath.Join(dir, "state"),
		ExtraEnv: map[string]string{"EVENT_FILE": delivered},
		Logs:     logs,
		// Fired by hand only, as the integration tests run them.
		ManualSchedules: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if !strings.Contains(logs.String(), "schedule EchoFunction/Tick: echo ← rate(1 day), 1 retries (manual: FireSchedule only)") ||
		!strings.Contains(logs.String(), "schedule EchoFunction/Off: echo ← rate(1 minute) (disabled)") {
		t.Errorf("start log lacks the schedules:\n%s", logs)
	}

	if err := s.FireSchedule(ctx, "EchoFunction/Tick"); err != nil {
		t.Fatal(err)
	}
	if err := s.FireSchedule(ctx, "EchoFunction/FailingTick"); err != nil { // fails once, retried
		t.Fatal(err)
	}
	raw, err := os.ReadFile(delivered)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 {
		t.Fatalf("delivered %d events; want 2:\n%s", len(lines), raw)
	}
	var ev scheduledEvent
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || ev.Region != "eu-west-1" ||
		len(ev.Resources) != 1 || ev.Resources[0] != "arn:aws:events:eu-west-1:"+accountID+":rule/backoffice-EchoFunctionTick" {
		t.Errorf("event %s", lines[0])
	}
	if at, err := time.Parse(time.RFC3339, ev.Time); err != nil || time.Since(at) > time.Minute {
		t.Errorf("time %q %v", ev.Time, err)
	}
	if !strings.Contains(lines[1], `"tick-fail-once"`) {
		t.Errorf("the Input event: %s", lines[1])
	}

	for id, why := range map[string]string{
		"EchoFunction":          "has 3 Schedule events",
		"EchoFunction/Off":      "disabled",
		"MisbehaveFunction":     "no Schedule event",
		"EchoFunction/Uploaded": "no Schedule event",
	} {
		if err := s.FireSchedule(ctx, id); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("FireSchedule(%s): %v; want %q", id, err, why)
		}
	}
	waitIdle(t, s)
}

// What the stack does not emulate fails Start by name, before any build.
func TestScheduleRefusals(t *testing.T) {
	t.Parallel()
	for why, event := range map[string]string{
		"Type ScheduleV2 (EventBridge Scheduler) is not emulated": "Type: ScheduleV2\n          Properties: {ScheduleExpression: rate(1 minute)}",
		"cron expressions are not emulated":                       "Type: Schedule\n          Properties: {Schedule: \"cron(0 12 * * ? *)\"}",
		"Schedule property Target2 is not emulated":               "Type: Schedule\n          Properties: {Schedule: rate(1 hour), Target2: x}",
	} {
		dir := t.TempDir()
		tmpl := filepath.Join(dir, "template.yaml")
		body := "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n" +
			"      CodeUri: infra/localstack/testdata/fn/echo\n      Handler: bootstrap\n      Runtime: provided.al2023\n" +
			"      Events:\n        E:\n          " + event + "\n"
		if err := os.WriteFile(tmpl, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Start(context.Background(), Config{Root: repoRoot(t), Template: tmpl, StateDir: filepath.Join(dir, "state"), Logs: testLogWriter{t}})
		if err == nil {
			_ = s.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "F event E: ") || !strings.Contains(err.Error(), why) {
			t.Errorf("%s: %v; want %q", event, err, why)
		}
	}
}

// The real template's schedules load as the stack runs them.
func TestSchedulesOfTheTemplate(t *testing.T) {
	t.Parallel()
	tmpl, err := loadTemplate(filepath.Join(repoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := newResolver(tmpl, "eu-west-1", "backoffice", map[string]string{"OwnerEmail": "o@example.com", "SenderEmail": "s@example.com"},
		func(id, attr string) (any, error) { return id + "." + attr, nil })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, id := range tmpl.Order {
		if tmpl.Resources[id].Type != typeFunction {
			continue
		}
		props, err := res.resolveMap(tmpl.Resources[id].Properties)
		if err != nil {
			t.Fatal(err)
		}
		for name, ev := range asMap(props["Events"]) {
			switch scalarString(asMap(ev)["Type"]) {
			case "Schedule":
				r, err := newScheduleRule(&function{LogicalID: id, Props: props}, name, asMap(asMap(ev)["Properties"]), "backoffice", "eu-west-1")
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r.key+" "+r.period.String()+" retries "+strconv.Itoa(r.maxRetries))
			case "ScheduleV2":
				t.Errorf("%s: ScheduleV2 is not emulated", id)
			}
		}
	}
	if want := []string{"OutboxSweeperFunction/Sweep 5m0s retries 0"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("schedules %v; want %v", got, want)
	}
}
