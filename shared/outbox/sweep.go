package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Re-driving. The stream hands every new outbox item to Processor.Handle
// within seconds and retries a failing one. A mail can still miss it: the
// event source mapping disabled or replaced during a deploy, a batch given
// up after its retries (the dead-letter queue), records older than the
// stream's 24 hours. Such an item stays pending, with the keys of the
// pending index; the Sweeper, run on a schedule, queries that index for
// items older than SweepAfter and sends each through the very path the
// stream uses (batch.process), so what a mail looks like, how it is
// recorded and what is logged is decided in one place.
//
// Sending again is safe for every template: a notice (password changed,
// email changed) carries no link, and a link mail's link works as long as
// its token does; one whose expiresAt has passed is marked failed instead
// of sending a dead link.
const (
	// SweepAfter is the age from which a pending mail counts as missed. The
	// stream sends a mail within seconds; a failing one is retried up to 10
	// times (MailSenderFunction's MaximumRetryAttempts, each try at most its
	// 30 s timeout plus Lambda's backoff: about 5 to 10 minutes in all), and
	// the mail-delay alarm fires when the stream lags 10 minutes. 15 minutes
	// is past all of that, so the sweeper and the stream do not race for a
	// mail that is merely slow (if they do, the consistent read of process
	// and the sweeper's claim keep it to one mail but for a send in flight
	// at the same moment).
	SweepAfter = 15 * time.Minute
	// SweepMaxAge is when the sweeper gives up on a mail it has failed to
	// send before: still pending after a day, it is marked failed with the
	// reason. A day of the errors alarm is long enough to fix what keeps
	// mail from going out (the SES identity, the sandbox, a quota); after
	// that a notice is stale. A mail the sweeper never tried (it was broken
	// itself, say) gets one try first, whatever its age: a late invitation
	// still works for its 7 days, and a link that expired is never sent.
	SweepMaxAge = 24 * time.Hour

	// sweepLease: a claimed item is left alone by other runs this long. More
	// than a run can take (the function's 60 s timeout), less than the
	// schedule's 5 minutes, so the next run picks up what this one failed.
	sweepLease = 2 * time.Minute
	// Bounds of one run: items per Query page, items per run, and the time
	// after which no new item is started, and none within sweepReserve of
	// the deadline either. What a run leaves (More) is the next run's,
	// oldest first: a backlog after an outage drains at up to 100 mails
	// every 5 minutes, gently on SES's sending rate.
	sweepPageSize = 25
	sweepMaxItems = 100
	sweepBudget   = 40 * time.Second
	sweepReserve  = 10 * time.Second
)

// Querier is the Query of *dynamodb.Client.
type Querier interface {
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ Querier = (*dynamodb.Client)(nil)

// Sweeper sends the pending mails the stream missed.
type Sweeper struct {
	*Processor         // how a mail is sent and recorded (and the table, clock and log)
	Index      Querier // reads the pending index; usually the Processor's DB client

	// Zero values take the constants above.
	After, MaxAge, Budget time.Duration
	PageSize, MaxItems    int
}

// SweepResult counts one run's items by outcome.
type SweepResult struct {
	Found   int  `json:"found"`   // pending items older than After that the run took on
	Sent    int  `json:"sent"`    // re-driven: the stream had missed them
	Failed  int  `json:"failed"`  // given up: too old, link expired, or refused for good
	Skipped int  `json:"skipped"` // finished meanwhile, or claimed by another run
	Retry   int  `json:"retry"`   // not sent now; still pending for the next run
	More    bool `json:"more"`    // stopped at a bound: older items may be left
}

// Handle is the Lambda handler of a scheduled rule's event. It returns an
// error when a mail could not be sent (it stays pending for the next run)
// or the index could not be read, so the function's Errors metric, and its
// alarm, show that mail is not going out.
func (s *Sweeper) Handle(ctx context.Context, _ events.EventBridgeEvent) (SweepResult, error) {
	return s.Sweep(ctx)
}

// Sweep runs once: it takes on pending items created before now - After,
// oldest first, until none is left or a bound (MaxItems, Budget, the
// context's deadline) is reached.
func (s *Sweeper) Sweep(ctx context.Context) (SweepResult, error) {
	b := &batch{Processor: s.Processor, log: s.logger(ctx)}
	start := s.now()
	cutoff := start.Add(-s.after())
	var res SweepResult
	var queryErr error
	var from map[string]types.AttributeValue
pages:
	for {
		page, next, err := s.query(ctx, cutoff, from)
		if err != nil {
			queryErr = err
			b.log.ErrorContext(ctx, "sweep query", "error", err.Error())
			break
		}
		for _, raw := range page {
			if res.Found >= s.maxItems() || s.outOfTime(ctx, start) {
				res.More = true
				break pages
			}
			res.Found++
			switch s.sweepOne(ctx, b, raw, start) {
			case outcomeSent:
				res.Sent++
			case outcomeFailed:
				res.Failed++
			case outcomeRetry:
				res.Retry++
			default:
				res.Skipped++
			}
		}
		if next == nil {
			break
		}
		if res.Found >= s.maxItems() || s.outOfTime(ctx, start) {
			res.More = true
			break
		}
		from = next
	}
	b.log.LogAttrs(ctx, slog.LevelInfo, "sweep",
		slog.Int("found", res.Found), slog.Int("sent", res.Sent), slog.Int("failed", res.Failed),
		slog.Int("skipped", res.Skipped), slog.Int("retry", res.Retry), slog.Bool("more", res.More))
	switch {
	case queryErr != nil:
		return res, queryErr
	case res.Retry > 0:
		return res, fmt.Errorf("%d of %d mails could not be sent; they stay pending for the next run", res.Retry, res.Found)
	}
	return res, nil
}

// sweepOne handles one item as the index shows it (possibly a moment
// stale): with a dead link, or too old after an earlier failed sweep, it is
// marked failed; otherwise it is claimed and sent through process, which
// reads it again consistently.
func (s *Sweeper) sweepOne(ctx context.Context, b *batch, raw map[string]types.AttributeValue, now time.Time) string {
	var it Item
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil || it.PK == "" || it.SK == "" {
		b.log.ErrorContext(ctx, "mail", "status", outcomeRetry, "error", fmt.Sprintf("unreadable index entry (%v)", err))
		return outcomeRetry
	}
	created, err := time.Parse(time.RFC3339, it.CreatedAt)
	if err != nil {
		created = now.Add(-s.maxAge()) // no usable age: tried once, then given up
	}
	age := now.Sub(created)
	// This item's lines carry its age and the how-manieth sweep it is.
	runLog := b.log
	b.log = runLog.With(slog.Int("ageMinutes", int(age.Minutes())), slog.Int("sweep", it.Sweeps+1))
	defer func() { b.log = runLog }()

	if age >= s.maxAge() && it.Sweeps > 0 {
		outcome, _ := b.fail(ctx, &it, fmt.Sprintf("not sent within %s (%d sweeps); given up by the sweeper", s.maxAge(), it.Sweeps))
		return outcome
	}
	if exp, ok := it.Data["expiresAt"]; ok {
		if t, err := time.Parse(time.RFC3339, exp); err == nil && !now.Before(t) {
			outcome, _ := b.fail(ctx, &it, "its link expired at "+exp+" before the mail could be sent")
			return outcome
		}
	}
	claimed, err := s.claim(ctx, &it, now)
	if err != nil {
		b.logMail(ctx, slog.LevelError, &it, "", outcomeRetry, err.Error())
		return outcomeRetry
	}
	if !claimed {
		b.logMail(ctx, slog.LevelInfo, &it, "", outcomeSkipped, "no longer pending, or claimed by another run")
		return outcomeSkipped
	}
	outcome, _ := b.process(ctx, it.PK, it.SK)
	return outcome
}

// claim marks a pending item as taken by this run (sweptAt, sweeps + 1),
// unless another run took it less than sweepLease ago: two runs at once
// (EventBridge and Lambda deliver a scheduled event at least once) then
// never send the same mail twice.
func (s *Sweeper) claim(ctx context.Context, it *Item, now time.Time) (bool, error) {
	free := expression.AttributeNotExists(expression.Name("sweptAt")).
		Or(expression.Name("sweptAt").LessThan(expression.Value(now.Add(-sweepLease).Format(time.RFC3339))))
	expr, err := expression.NewBuilder().
		WithUpdate(expression.
			Set(expression.Name("sweptAt"), expression.Value(now.Format(time.RFC3339))).
			Add(expression.Name("sweeps"), expression.Value(1))).
		WithCondition(expression.Name("status").Equal(expression.Value(StatusPending)).And(free)).
		Build()
	if err != nil {
		return false, fmt.Errorf("outbox claim expression: %w", err)
	}
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       key(it.PK, it.SK),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	var taken *types.ConditionalCheckFailedException
	if errors.As(err, &taken) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim outbox item: %w", err)
	}
	return true, nil
}

// query reads one page of the pending index: items created before cutoff,
// oldest first.
func (s *Sweeper) query(ctx context.Context, cutoff time.Time, from map[string]types.AttributeValue) ([]map[string]types.AttributeValue, map[string]types.AttributeValue, error) {
	cond := expression.Key("gsi4pk").Equal(expression.Value(PendingPartition)).
		And(expression.Key("gsi4sk").LessThan(expression.Value(cutoff.UTC().Format(time.RFC3339))))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, nil, fmt.Errorf("pending index query: %w", err)
	}
	out, err := s.Index.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(PendingIndex),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(true),
		Limit:                     aws.Int32(int32(s.pageSize())),
		ExclusiveStartKey:         from,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("query pending index: %w", err)
	}
	return out.Items, out.LastEvaluatedKey, nil
}

// outOfTime: the run's budget is spent, or the invocation's deadline is
// near enough that one more mail might not be recorded.
func (s *Sweeper) outOfTime(ctx context.Context, start time.Time) bool {
	if s.now().Sub(start) >= s.budget() {
		return true
	}
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < sweepReserve
}

func (s *Sweeper) after() time.Duration  { return orDefault(s.After, SweepAfter) }
func (s *Sweeper) maxAge() time.Duration { return orDefault(s.MaxAge, SweepMaxAge) }
func (s *Sweeper) budget() time.Duration { return orDefault(s.Budget, sweepBudget) }
func (s *Sweeper) pageSize() int         { return orDefault(s.PageSize, sweepPageSize) }
func (s *Sweeper) maxItems() int         { return orDefault(s.MaxItems, sweepMaxItems) }

func orDefault[T time.Duration | int](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
