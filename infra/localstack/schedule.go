package localstack

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Scheduled rules: a function's `Type: Schedule` event is, once SAM has
// transformed it, an EventBridge rule with a ScheduleExpression on the
// default bus and the function as its one target. EventBridge invokes the
// function asynchronously with a "Scheduled Event" whenever the schedule
// comes due; Lambda retries a failed invocation up to the function's
// EventInvokeConfig.MaximumRetryAttempts (default 2). Locally a ticker per
// rule does the same for `rate(...)` expressions, and Stack.FireSchedule
// lets tests make a rule come due now.

// defaultAsyncRetries is Lambda's default EventInvokeConfig.MaximumRetryAttempts.
const defaultAsyncRetries = 2

// scheduleRule is one `Type: Schedule` event of a function.
type scheduleRule struct {
	key        string // <function>/<event>
	fn         *function
	name, arn  string        // the rule's
	expr       string        // the ScheduleExpression as written
	period     time.Duration // from a rate expression
	enabled    bool
	input      []byte // Input: the target gets this JSON instead of the event
	maxRetries int
	region     string

	invoke   func(ctx context.Context, payload []byte) error
	logf     func(format string, args ...any)
	inFlight atomic.Int64
	fired    atomic.Int64 // events delivered or given up, for tests
}

// scheduleProps are the properties of a SAM Schedule event: those honoured
// and, with the reason, those accepted without effect. Anything else fails
// Start, naming it.
var scheduleProps = map[string]string{
	"Schedule": "", "Name": "", "Description": "", "Enabled": "", "State": "", "Input": "",
	"RetryPolicy":      "EventBridge's retries of a delivery it could not make (Lambda throttling or unavailable); locally every delivery is made",
	"DeadLetterConfig": "a delivery is never refused locally, so nothing would reach it",
	"Target":           "only the target's Id",
}

func newScheduleRule(fn *function, event string, props map[string]any, stackName, region string) (*scheduleRule, error) {
	r := &scheduleRule{key: fn.LogicalID + "/" + event, fn: fn, enabled: true, maxRetries: defaultAsyncRetries, region: region}
	for _, p := range sortedKeys(props) {
		if _, ok := scheduleProps[p]; !ok {
			return nil, fmt.Errorf("Schedule property %s is not emulated", p)
		}
	}
	r.expr = strings.TrimSpace(scalarString(props["Schedule"]))
	period, err := parseRate(r.expr)
	if err != nil {
		return nil, err
	}
	r.period = period
	// SAM: Enabled (a boolean) or State (ENABLED, DISABLED); both default on.
	if v, ok := props["Enabled"]; ok && !strings.EqualFold(scalarString(v), "true") {
		r.enabled = false
	}
	switch st := scalarString(props["State"]); st {
	case "", "ENABLED":
	case "DISABLED":
		r.enabled = false
	default:
		return nil, fmt.Errorf("State %q: ENABLED or DISABLED (ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS is for event patterns)", st)
	}
	if in := scalarString(props["Input"]); in != "" {
		if !json.Valid([]byte(in)) {
			return nil, fmt.Errorf("Input is not JSON: %.100s", in)
		}
		r.input = []byte(in)
	}
	if n, err := strconv.Atoi(scalarString(asMap(fn.Props["EventInvokeConfig"])["MaximumRetryAttempts"])); err == nil && n >= 0 {
		r.maxRetries = n
	}
	// CloudFormation names a rule <stack>-<logical id>-<random suffix>; SAM's
	// logical id is the function's and the event's. Locally: no suffix.
	r.name = scalarString(props["Name"])
	if r.name == "" {
		r.name = stackName + "-" + fn.LogicalID + event
		if len(r.name) > 64 {
			r.name = r.name[:64]
		}
	}
	r.arn = fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", region, accountID, r.name)
	return r, nil
}

// rateExpr is EventBridge's rate expression: a positive whole number and a
// unit, singular for 1 and plural above (AWS refuses "rate(1 minutes)").
var rateExpr = regexp.MustCompile(`^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$`)

// parseRate returns the period of a rate expression; cron expressions are
// refused by name (not emulated).
func parseRate(expr string) (time.Duration, error) {
	if strings.HasPrefix(expr, "cron(") {
		return 0, fmt.Errorf("Schedule %q: cron expressions are not emulated, only rate(n minutes|hours|days)", expr)
	}
	m := rateExpr.FindStringSubmatch(expr)
	if m == nil {
		return 0, fmt.Errorf("Schedule %q: want rate(<n> minute[s]|hour[s]|day[s])", expr)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("Schedule %q: the value must be a positive whole number", expr)
	}
	unit := m[2]
	if plural := strings.HasSuffix(unit, "s"); plural != (n > 1) {
		return 0, fmt.Errorf("Schedule %q: the unit is singular for 1 and plural above (AWS refuses it)", expr)
	}
	per := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(unit, "s")]
	return time.Duration(n) * per, nil
}

// scheduledEvent is what EventBridge sends the target of a scheduled rule.
type scheduledEvent struct {
	Version    string   `json:"version"`
	ID         string   `json:"id"`
	DetailType string   `json:"detail-type"`
	Source     string   `json:"source"`
	Account    string   `json:"account"`
	Time       string   `json:"time"`
	Region     string   `json:"region"`
	Resources  []string `json:"resources"`
	Detail     struct{} `json:"detail"`
}

// event is the payload of one delivery at time at: the rule's Input, or the
// scheduled event.
func (r *scheduleRule) event(at time.Time) []byte {
	if r.input != nil {
		return r.input
	}
	raw, _ := json.Marshal(scheduledEvent{
		Version: "0", ID: newUUID(), DetailType: "Scheduled Event", Source: "aws.events", Account: accountID,
		Time: at.UTC().Truncate(time.Second).Format(time.RFC3339), Region: r.region, Resources: []string{r.arn},
	})
	return raw
}

// deliver invokes the function with one event, retrying a failed
// invocation up to maxRetries times with backoff, as Lambda does for an
// asynchronous invocation; then the event is dropped (logged) and the last
// failure returned.
func (r *scheduleRule) deliver(ctx context.Context, at time.Time) error {
	r.inFlight.Add(1)
	defer r.inFlight.Add(-1)
	defer r.fired.Add(1)
	payload := r.event(at)
	var lastErr error
	attempts, ok := retryInvoke(ctx, r.maxRetries, func() bool {
		lastErr = r.invoke(ctx, payload)
		return lastErr == nil
	})
	switch {
	case ok:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	r.logf("schedule %s: dropping the event of %s after %d retries: %v", r.key, at.UTC().Format(time.RFC3339), attempts-1, lastErr)
	return fmt.Errorf("the function failed the event and its %d retries: %w", attempts-1, lastErr)
}

// run delivers an event each time the period has passed, from the rule's
// start (EventBridge's first run of a rate rule is one period after its
// creation), each in its own goroutine: a slow invocation does not hold
// back the next, as on AWS.
func (r *scheduleRule) run(ctx context.Context, wg *sync.WaitGroup) {
	t := time.NewTicker(r.period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case at := <-t.C:
			wg.Add(1)
			go func() { defer wg.Done(); _ = r.deliver(ctx, at) }()
		}
	}
}

func (r *scheduleRule) describe() string {
	state := ""
	if !r.enabled {
		state = " (disabled)"
	}
	return fmt.Sprintf("%s ← %s%s, %d retries", r.fn.Label, r.expr, state, r.maxRetries)
}

// loadSchedules reads every function's Schedule events, refusing what
// would otherwise be silently ignored (ScheduleV2, cron, unknown
// properties), before anything is built.
func (s *Stack) loadSchedules() error {
	for _, id := range s.tmpl.Order {
		fn, ok := s.functions[id]
		if !ok {
			continue
		}
		events := asMap(fn.Props["Events"])
		for _, name := range sortedKeys(events) {
			ev := asMap(events[name])
			switch scalarString(ev["Type"]) {
			case "ScheduleV2":
				return fmt.Errorf("%s event %s: Type ScheduleV2 (EventBridge Scheduler) is not emulated: use Type: Schedule", id, name)
			case "Schedule":
			default:
				continue
			}
			r, err := newScheduleRule(fn, name, asMap(ev["Properties"]), s.cfg.StackName, s.cfg.Region)
			if err != nil {
				return fmt.Errorf("%s event %s: %w", id, name, err)
			}
			r.invoke = func(ctx context.Context, payload []byte) error {
				_, err := fn.rt.Invoke(ctx, payload)
				return err
			}
			r.logf = func(format string, args ...any) { s.logs.printf("localstack", format, args...) }
			s.schedules = append(s.schedules, r)
		}
	}
	return nil
}

// startSchedules starts a ticker for every enabled Schedule event (none
// with Config.ManualSchedules).
func (s *Stack) startSchedules() {
	for _, r := range s.schedules {
		manual := ""
		if s.cfg.ManualSchedules && r.enabled {
			manual = " (manual: FireSchedule only)"
		}
		s.logs.printf("localstack", "schedule %s: %s%s", r.key, r.describe(), manual)
		if r.enabled && !s.cfg.ManualSchedules {
			s.streamsWG.Add(1)
			go func() { defer s.streamsWG.Done(); r.run(s.ctx, &s.streamsWG) }()
		}
	}
}

// FireSchedule makes a scheduled rule come due now: its function gets the
// event a tick would send (asynchronously, with the same retries), and
// FireSchedule returns once that delivery has ended. id is the function's
// logical id when it has one Schedule event, else "<function>/<event>". It
// fails for an unknown or disabled rule, and when the function failed every
// retry.
func (s *Stack) FireSchedule(ctx context.Context, id string) error {
	var found []*scheduleRule
	for _, r := range s.schedules {
		if r.key == id || r.fn.LogicalID == id {
			found = append(found, r)
		}
	}
	switch {
	case len(found) == 0:
		return fmt.Errorf("localstack: no Schedule event %q", id)
	case len(found) > 1:
		return fmt.Errorf("localstack: %s has %d Schedule events: name one as <function>/<event>", id, len(found))
	case !found[0].enabled:
		return fmt.Errorf("localstack: schedule %s is disabled", found[0].key)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel) // the stack closing ends it too
	defer stop()
	if err := found[0].deliver(ctx, time.Now()); err != nil {
		return fmt.Errorf("localstack: schedule %s: %w", found[0].key, err)
	}
	return nil
}

// schedulesIdle: no scheduled event is being delivered.
func (s *Stack) schedulesIdle() bool {
	for _, r := range s.schedules {
		if r.inFlight.Load() > 0 {
			return false
		}
	}
	return true
}
