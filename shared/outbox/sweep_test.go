package outbox

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"backoffice/shared/mail"
)

func (r *rig) sweeper() *Sweeper { return &Sweeper{Processor: r.p, Index: r.db} }

// store puts an item as a transaction would, without any stream: the
// sweeper finds it through the pending index alone.
func (r *rig) store(t *testing.T, it Item) {
	t.Helper()
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		t.Fatal(err)
	}
	r.db.put(av)
}

func (r *rig) sweep(t *testing.T) (SweepResult, error) {
	t.Helper()
	return r.sweeper().Sweep(context.Background())
}

func notice(id, to string, age time.Duration) Item {
	return NewItem(id, mail.PasswordChanged, "en", to, map[string]string{"firstName": "Anna"}, testNow.Add(-age))
}

func invitationAged(id, to string, age time.Duration, expires time.Time) Item {
	it := invitation(id, "en", to)
	key := it.LinkKey
	it = NewItem(id, it.Template, it.Locale, to, it.Data, testNow.Add(-age))
	it.LinkKey = key
	it.Data["expiresAt"] = expires.Format(time.RFC3339)
	return it
}

func TestNewItemIsInThePendingIndex(t *testing.T) {
	t.Parallel()
	it := NewItem("01J0", mail.PasswordChanged, "en", "a@example.com", nil, time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC))
	if it.GSI4PK != "OUTBOX#pending" || it.GSI4SK != "2026-11-23T14:05:00Z#01J0" {
		t.Errorf("index keys %q %q", it.GSI4PK, it.GSI4SK)
	}
}

// The stream's path takes a sent item out of the pending index, so the
// sweeper never even reads it.
func TestSentByTheStreamLeavesThePendingIndex(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	rec := r.queue(t, notice("A", "a@example.com", time.Hour), "1")
	r.handle(t, rec)
	if it := r.stored(t, "A"); it.Status != StatusSent || it.GSI4PK != "" || it.GSI4SK != "" {
		t.Fatalf("stored %+v: want sent without index keys", it)
	}
	res, err := r.sweep(t)
	if err != nil || res != (SweepResult{}) || r.sender.calls != 1 {
		t.Errorf("sweep %+v %v, sends %d; want nothing found", res, err, r.sender.calls)
	}
}

func TestSweepSendsMissedMailsOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.store(t, notice("N", "n@example.com", 20*time.Minute))
	r.store(t, invitationAged("I", "i@example.com", 30*time.Minute, testNow.Add(7*24*time.Hour)))
	r.store(t, notice("F", "fresh@example.com", 10*time.Minute)) // the stream may still be on it
	stale := notice("S", "s@example.com", time.Hour)             // sent, the index not caught up yet
	stale.Status, stale.MessageID = StatusSent, "earlier"
	r.store(t, stale)

	res, err := r.sweep(t)
	if err != nil {
		t.Fatal(err)
	}
	if want := (SweepResult{Found: 3, Sent: 2, Skipped: 1}); res != want {
		t.Errorf("result %+v; want %+v", res, want)
	}
	if len(r.sender.sent) != 2 || r.sender.sent[0].To != "i@example.com" || r.sender.sent[1].To != "n@example.com" {
		t.Fatalf("sent %+v; want the invitation, then the notice (oldest first)", r.sender.sent)
	}
	if !strings.Contains(r.sender.sent[0].Text, secretLinkOf(t, "I")) {
		t.Error("the invitation goes out with the link derived for its item")
	}
	for _, id := range []string{"N", "I"} {
		it := r.stored(t, id)
		if it.Status != StatusSent || it.GSI4PK != "" || it.GSI4SK != "" || it.Data != nil || it.Sweeps != 1 || it.SweptAt != "2026-11-23T14:05:00Z" {
			t.Errorf("%s stored %+v; want sent, out of the index, data gone, one sweep", id, it)
		}
	}
	if it := r.stored(t, "F"); it.Status != StatusPending || it.Sweeps != 0 {
		t.Errorf("a fresh item is the stream's: %+v", it)
	}
	if it := r.stored(t, "S"); it.MessageID != "earlier" || it.Sweeps != 0 {
		t.Errorf("a sent item must not change: %+v", it)
	}

	// Again: nothing left to send.
	res, err = r.sweep(t)
	if err != nil || res.Sent != 0 || len(r.sender.sent) != 2 {
		t.Errorf("second run %+v %v, %d mails; want none sent", res, err, len(r.sender.sent))
	}
}

// A mail the sweeper has failed on before is given up after SweepMaxAge;
// one it never tried gets a try first; a dead link is never sent.
func TestSweepGivesUpTooOldAndExpiredLinks(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	old := notice("OLD", "old@example.com", SweepMaxAge+time.Minute)
	old.Sweeps = 3
	r.store(t, old)
	r.store(t, notice("UNTRIED", "untried@example.com", SweepMaxAge+2*time.Minute))
	r.store(t, invitationAged("EXP", "exp@example.com", time.Hour, testNow.Add(-time.Minute)))

	res, err := r.sweep(t)
	if err != nil || res != (SweepResult{Found: 3, Sent: 1, Failed: 2}) {
		t.Fatalf("result %+v %v; want one sent, two failed", res, err)
	}
	if len(r.sender.sent) != 1 || r.sender.sent[0].To != "untried@example.com" {
		t.Errorf("sent %+v; want only the mail never tried", r.sender.sent)
	}
	old, exp := r.stored(t, "OLD"), r.stored(t, "EXP")
	if old.Status != StatusFailed || !strings.Contains(old.Reason, "not sent within 24h0m0s (3 sweeps)") || old.GSI4PK != "" {
		t.Errorf("old %+v", old)
	}
	if exp.Status != StatusFailed || !strings.Contains(exp.Reason, "link expired") || exp.GSI4SK != "" {
		t.Errorf("expired %+v", exp)
	}
	if res, _ := r.sweep(t); res.Found != 0 {
		t.Errorf("failed items left the index: %+v", res)
	}
}

// A mail the sweeper can not send stays pending (and the run reports an
// error for the alarm); another run within the claim's lease leaves it
// alone, the next scheduled one sends it.
func TestSweepFailureStaysPendingForTheNextRun(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.sender.failOn[1] = true
	r.store(t, notice("A", "a@example.com", 20*time.Minute))

	res, err := r.sweep(t)
	if err == nil || res != (SweepResult{Found: 1, Retry: 1}) {
		t.Fatalf("result %+v %v; want a retry and an error", res, err)
	}
	if it := r.stored(t, "A"); it.Status != StatusPending || it.GSI4PK != PendingPartition || it.Sweeps != 1 {
		t.Fatalf("stored %+v; want pending, still indexed, one sweep", it)
	}

	// A run overlapping the first (a duplicate scheduled event) finds it claimed.
	if res, err := r.sweep(t); err != nil || res != (SweepResult{Found: 1, Skipped: 1}) || r.sender.calls != 1 {
		t.Fatalf("overlapping run %+v %v, sends %d; want it skipped", res, err, r.sender.calls)
	}

	// The next scheduled run, five minutes on.
	r.p.Now = func() time.Time { return testNow.Add(5 * time.Minute) }
	if res, err := r.sweep(t); err != nil || res != (SweepResult{Found: 1, Sent: 1}) {
		t.Fatalf("next run %+v %v; want it sent", res, err)
	}
	if it := r.stored(t, "A"); it.Status != StatusSent || it.Sweeps != 2 || len(r.sender.sent) != 1 {
		t.Errorf("stored %+v, %d mails; want sent once on the second sweep", it, len(r.sender.sent))
	}
}

func TestSweepBounds(t *testing.T) {
	t.Parallel()
	t.Run("items per run, oldest first", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		for i := range 60 {
			r.store(t, notice(fmt.Sprintf("M%02d", i), fmt.Sprintf("m%02d@example.com", i), time.Hour-time.Duration(i)*time.Second))
		}
		s := r.sweeper()
		s.PageSize, s.MaxItems = 25, 50
		res, err := s.Sweep(context.Background())
		if err != nil || res != (SweepResult{Found: 50, Sent: 50, More: true}) || r.db.queries != 2 {
			t.Fatalf("result %+v %v after %d queries; want 50 sent in 2 pages and more left", res, err, r.db.queries)
		}
		if r.sender.sent[0].To != "m00@example.com" || r.sender.sent[49].To != "m49@example.com" {
			t.Errorf("not oldest first: %s … %s", r.sender.sent[0].To, r.sender.sent[49].To)
		}
		res, err = s.Sweep(context.Background())
		if err != nil || res != (SweepResult{Found: 10, Sent: 10}) {
			t.Errorf("second run %+v %v; want the last 10", res, err)
		}
	})
	t.Run("time budget", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		for i := range 10 {
			r.store(t, notice(fmt.Sprintf("M%d", i), "m@example.com", time.Hour))
		}
		clock := testNow
		r.p.Now = func() time.Time { clock = clock.Add(time.Second); return clock } // every look at the clock costs a second
		s := r.sweeper()
		s.Budget = 10 * time.Second
		res, err := s.Sweep(context.Background())
		if err != nil || !res.More || res.Found == 0 || res.Found >= 10 || res.Sent != res.Found {
			t.Errorf("result %+v %v; want a few sent, then stopped with more left", res, err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		r.store(t, notice("A", "a@example.com", time.Hour))
		ctx, cancel := context.WithTimeout(context.Background(), sweepReserve/2)
		defer cancel()
		res, err := r.sweeper().Sweep(ctx)
		if err != nil || res != (SweepResult{More: true}) || r.sender.calls != 0 {
			t.Errorf("result %+v %v; want nothing started this close to the deadline", res, err)
		}
	})
}

func TestSweepQueryFailureIsAnError(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.db.failQueries = 1
	r.store(t, notice("A", "a@example.com", time.Hour))
	if res, err := r.sweep(t); err == nil || res.Found != 0 {
		t.Errorf("result %+v %v; want an error", res, err)
	}
}

// Another run's claim holds for sweepLease, then lapses.
func TestSweepRespectsAnotherRunsClaim(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	held := notice("H", "h@example.com", time.Hour)
	held.SweptAt, held.Sweeps = testNow.Add(-30*time.Second).Format(time.RFC3339), 1
	lapsed := notice("L", "l@example.com", time.Hour)
	lapsed.SweptAt, lapsed.Sweeps = testNow.Add(-sweepLease-time.Second).Format(time.RFC3339), 3
	r.store(t, held)
	r.store(t, lapsed)
	res, err := r.sweep(t)
	if err != nil || res != (SweepResult{Found: 2, Sent: 1, Skipped: 1}) {
		t.Fatalf("result %+v %v", res, err)
	}
	if len(r.sender.sent) != 1 || r.sender.sent[0].To != "l@example.com" || r.stored(t, "L").Sweeps != 4 {
		t.Errorf("sent %+v, L %+v; want only the lapsed claim taken over", r.sender.sent, r.stored(t, "L"))
	}
}

func TestSweepLogsOneLinePerItemWithoutAddressesOrLinks(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.store(t, invitationAged("A", "Anna.Smit@Example.com", time.Hour, testNow.Add(time.Hour)))
	b := notice("B", "bert@example.com", SweepMaxAge+time.Hour)
	b.Sweeps = 1
	r.store(t, b)
	if _, err := r.sweep(t); err != nil {
		t.Fatal(err)
	}
	logs := r.logs.String()
	for _, secret := range []string{"Anna.Smit", "anna.smit", "bert@", "SECRET-TOKEN", "#token="} {
		if strings.Contains(logs, secret) {
			t.Errorf("log leaks %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{
		`"msg":"mail","ageMinutes":60,"sweep":1,"outboxId":"A"`, `"status":"sent"`,
		`"outboxId":"B"`, `"status":"failed"`,
		`"msg":"sweep","found":2,"sent":1,"failed":1,"skipped":0,"retry":0,"more":false`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	if n := strings.Count(logs, "\n"); n != 3 {
		t.Errorf("want a line per item and one for the run, got %d:\n%s", n, logs)
	}
}
